// Fuzz check of reading one audit entry's detail (see fuzz_checks.hpp).
// Input: a byte choosing the kind (even: "push", odd:
// "correction_approved"), then the detail text. Reading never throws (nor
// overflows); the versions a push vouches for, written back as a push's
// outcome rows, read back the same.
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_checks.hpp"
#include "sodiem/server/audit_detail.hpp"

namespace sodiem::fuzz {

std::string check_audit_detail(std::string_view bytes) {
  if (bytes.empty()) return {};
  const bool push = (static_cast<std::uint8_t>(bytes[0]) & 1) == 0;
  const std::string_view detail = bytes.substr(1);
  const server::AuditDetail read = server::read_audit_detail(push ? "push" : "correction_approved", detail);
  if (read.problem == server::AuditDetail::Problem::kUnreadable && !read.versions.empty())
    return "an unreadable detail vouches for versions";
  if (!push) {
    if (read.problem == server::AuditDetail::Problem::kNone && read.versions.size() != 1)
      return "an approval vouches for other than one version";
    return {};
  }
  nlohmann::json ops = nlohmann::json::array();
  for (const auto& v : read.versions) {
    if (v.version == 0) return {};  // a run from version 0: verify_records finds no such version
    ops.push_back({1, "OK", v.version, v.class_name, v.subject, v.student, v.column, v.value});
  }
  // Strings read from JSON are valid UTF-8, so dump() cannot throw here.
  const server::AuditDetail again = server::read_audit_detail("push", nlohmann::json{{"ops", ops}}.dump());
  if (again.problem != server::AuditDetail::Problem::kNone || again.versions.size() != read.versions.size())
    return "the versions a push vouches for do not read back";
  for (std::size_t i = 0; i < again.versions.size(); ++i) {
    const auto &a = read.versions[i], &b = again.versions[i];
    if (a.version != b.version || a.class_name != b.class_name || a.subject != b.subject || a.student != b.student ||
        a.column != b.column || a.value != b.value)
      return "a version a push vouches for changes when written back";
  }
  return {};
}

}  // namespace sodiem::fuzz
