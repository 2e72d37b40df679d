// sodiem-server correction and delegate: deciding correction requests after
// a lock, and the HT's delegation of that to a PHT. Registered by main.cpp
// (see commands.hpp).
#include <iostream>
#include <nlohmann/json.hpp>

#include "sodiem/core/clock.hpp"
#include "sodiem/server/corrections.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

struct CorrectionOptions {
  std::string action, dir, comment, status;
  ActorOptions actor;
  std::int64_t id = 0;
  bool json = false;
};

int run_correction(const CorrectionOptions& a) {
  auto db = open_existing(a.dir);
  const auto now = SystemClock::instance().now_unix_seconds();
  if (a.action == "approve" || a.action == "refuse") {
    auto by = authenticate(*db, a.dir, a.actor, "correction " + a.action);
    if (!by) return fail_status(by.status());
    if (a.action == "refuse") {
      if (auto st = refuse_correction(*db, a.id, *by, a.comment, now); !st) return fail_status(st);
      std::cout << "Đã từ chối yêu cầu #" << a.id << "\n";
      return 0;
    }
    auto version = approve_correction(*db, a.id, *by, a.comment, now);
    if (!version) return fail_status(version.status());
    std::cout << "Đã duyệt yêu cầu #" << a.id << ": phiên bản mới " << *version << "\n";
    return 0;
  }
  auto list = list_corrections(*db, a.status);
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : list)
      out.push_back({{"id", c.id}, {"class", c.cell.class_name}, {"subject", c.cell.subject}, {"student", c.cell.student_code},
                     {"name", c.student_name}, {"column", c.cell.column}, {"old", c.old_value}, {"new", c.new_value},
                     {"reason", c.reason}, {"requested_by", c.requested_by}, {"status", c.status},
                     {"decided_by", c.decided_by}, {"comment", c.decision_comment}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (list.empty()) std::cout << "Không có yêu cầu điều chỉnh nào.\n";
  for (const auto& c : list)
    std::cout << "#" << c.id << "  [" << c.status << "]  " << c.cell.class_name << " · " << c.cell.subject << " · "
              << c.cell.student_code << " " << c.student_name << " · " << c.cell.column << ": \"" << c.old_value << "\" → \""
              << c.new_value << "\"  do " << c.requested_by << " (" << format_local_time(c.requested_at)
              << "): " << c.reason << (c.decided_by.empty() ? "" : "  — " + c.decided_by + ": " + c.decision_comment)
              << "\n";
  return 0;
}

struct DelegateOptions {
  std::string action, who, dir, until, reason;  // who: add: the PHT; remove: the delegation's id
  ActorOptions actor;
  bool json = false;
};

int run_delegate(const DelegateOptions& la) {
  const std::string& who = la.who;
  auto db = open_existing(la.dir);
  const auto now = SystemClock::instance().now_unix_seconds();
  Result<std::string> by = std::string();
  if (la.action != "list") by = authenticate(*db, la.dir, la.actor, "delegate " + la.action);
  if (!by) return fail_status(by.status());
  if (la.action == "add") {
    std::int64_t until = 0;
    if (!la.until.empty()) {
      auto t = time_arg(la.until, "--until");
      if (!t) return 2;
      until = *t;
    }
    auto id = delegate_corrections(*db, who, *by, until, la.reason, now);
    if (!id) return fail_status(id.status());
    std::cout << "Đã ủy quyền #" << *id << ": " << who << " được duyệt yêu cầu điều chỉnh"
              << (until ? " đến " + format_local_time(until) : std::string(" đến khi thu hồi")) << "\n";
    return 0;
  }
  if (la.action == "remove") {
    std::int64_t id = 0;
    try {
      id = std::stoll(who);
    } catch (...) {
      return fail_status(Status(ErrorCode::kInvalidValue, "cần số ủy quyền (xem delegate list)"));
    }
    if (auto st = revoke_delegation(*db, id, *by, now); !st) return fail_status(st);
    std::cout << "Đã thu hồi ủy quyền #" << id << "\n";
    return 0;
  }
  auto list = active_delegations(*db, now);
  if (la.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : list)
      out.push_back({{"id", d.id}, {"user", d.username}, {"granted_by", d.granted_by}, {"reason", d.reason},
                     {"until", d.expires_at ? nlohmann::json(format_local_time(d.expires_at)) : nullptr}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (list.empty()) std::cout << "Không có ủy quyền nào đang hiệu lực.\n";
  for (const auto& d : list)
    std::cout << "#" << d.id << "  " << d.username << " duyệt yêu cầu điều chỉnh, do " << d.granted_by << " ủy quyền"
              << (d.expires_at ? ", đến " + format_local_time(d.expires_at) : std::string()) << "\n";
  return 0;
}

}  // namespace

void add_correction_command(CLI::App& app, Context& ctx) {
  auto [corr, o] = add_command(app, ctx, "correction",
                               "Yêu cầu điều chỉnh điểm: list (xem) | approve (phê duyệt) | refuse (từ chối) (HT, hoặc PHT được HT ủy quyền)",
                               run_correction);
  add_choice(*corr, "ACTION", o->action, {"list", "approve", "refuse"});
  corr->add_option("ID", o->id, "Số của yêu cầu cần quyết định");
  add_data_option(*corr, o->dir);
  add_actor_options(*corr, o->actor, "HT hoặc PHT quyết định");
  corr->add_option("--comment", o->comment, "Ghi chú cho quyết định (bắt buộc khi từ chối)");
  corr->add_option("--status", o->status, "pending (đang chờ) | approved (đã duyệt) | refused (đã từ chối)");
  corr->add_flag("--json", o->json, "In kết quả dạng JSON (cho máy đọc)");
}

void add_delegate_command(CLI::App& app, Context& ctx) {
  auto [deleg, o] = add_command(app, ctx, "delegate",
                                "HT ủy quyền cho PHT duyệt yêu cầu điều chỉnh: add (thêm) | list (xem) | remove (bỏ)", run_delegate);
  add_choice(*deleg, "ACTION", o->action, {"add", "list", "remove"});
  deleg->add_option("WHO", o->who, "add: tên đăng nhập của PHT; remove: số của ủy quyền");
  add_data_option(*deleg, o->dir);
  deleg->add_option("--until", o->until, "Hết hạn lúc YYYY-MM-DD[THH:MM] giờ Việt Nam (mặc định: đến khi bỏ)");
  deleg->add_option("--reason", o->reason, "Lý do");
  add_actor_options(*deleg, o->actor, "HT");
  deleg->add_flag("--json", o->json, "In kết quả dạng JSON (cho máy đọc)");
}

}  // namespace sodiem::server::cli
