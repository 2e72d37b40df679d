// Sharing the descriptor limit out between the schools and the connections
// (see descriptor_budget.hpp).
#include "sodiem/server/descriptor_budget.hpp"

#include <algorithm>
#include <string>

namespace sodiem::server {

WssLimits share_descriptors(WssLimits limits, std::size_t limit, std::size_t open_now, std::size_t schools,
                            std::string& warning) {
  warning.clear();
  const std::size_t fixed = open_now + tuning::kReservedFds;
  // Many schools: each open one holds up to kFdsPerOpenSchool descriptors.
  if (schools > 0) {
    const std::size_t wanted = std::max<std::size_t>(1, std::min(limits.max_open_schools, schools));
    const std::size_t floor = fixed + tuning::kMinConnectionFds;  // before any school
    const std::size_t for_all = floor + wanted * tuning::kFdsPerOpenSchool + limits.max_pre_auth +
                                limits.max_authenticated;
    if (limit < floor + tuning::kFdsPerOpenSchool)
      throw DescriptorShortage(
          "giới hạn số tệp mở của tiến trình (ulimit -n) là " + std::to_string(limit) +
          ": không đủ để mở dù chỉ một trường (cần ít nhất " + std::to_string(floor + tuning::kFdsPerOpenSchool) +
          "; để mở cùng lúc " + std::to_string(wanted) + " trường và nhận đủ kết nối: " + std::to_string(for_all) +
          "). Hãy chạy lại máy chủ sau `ulimit -n " + std::to_string(for_all) +
          "` (dịch vụ systemd: LimitNOFILE=" + std::to_string(for_all) + ")");
    const std::size_t fit = (limit - floor) / tuning::kFdsPerOpenSchool;
    if (fit < wanted) {
      limits.max_open_schools = fit;
      warning = "descriptor limit " + std::to_string(limit) + ": at most " + std::to_string(fit) +
                " schools open at once (ulimit -n " + std::to_string(for_all) + " for " + std::to_string(wanted) + ")";
    }
    const std::size_t held = std::min(fit, wanted) * tuning::kFdsPerOpenSchool;
    open_now += held;  // the connections get what the schools leave
  }
  const std::size_t used = open_now + tuning::kReservedFds;
  const std::size_t budget = limit > used + 2 ? limit - used : 2;
  if (limits.max_pre_auth + limits.max_authenticated > budget) {
    limits.max_pre_auth = std::min(limits.max_pre_auth, std::max<std::size_t>(1, budget / 4));
    limits.max_authenticated = std::max<std::size_t>(1, budget - limits.max_pre_auth);
    limits.max_pre_auth_per_address = std::min(limits.max_pre_auth_per_address, limits.max_pre_auth);
    if (!warning.empty()) warning += "; ";
    warning += "descriptor limit " + std::to_string(limit) + ": at most " + std::to_string(limits.max_pre_auth) +
               " unauthenticated connections and " + std::to_string(limits.max_authenticated) + " sessions";
  }
  return limits;
}

}  // namespace sodiem::server
