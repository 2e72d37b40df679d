// The console's leadership actions: the correction queue (approve / refuse
// with a comment) and lock periods (list / set / remove with a reason).
// Each calls the same function as its `sodiem-server` twin (corrections.hpp,
// locks.hpp), which checks the actor's authority itself (HT; a PHT only when
// delegated; locks HT or ADMIN) and writes the audit entry with the console
// user as actor. The page's own role check comes first. Console thread only.
#include "console_impl.hpp"
#include "sodiem/server/corrections.hpp"
#include "sodiem/server/locks.hpp"

namespace sodiem::server::console {

namespace {

constexpr const char* kLeadershipOnly = "Hàng đợi yêu cầu điều chỉnh chỉ dành cho Hiệu trưởng và Phó hiệu trưởng";

}  // namespace

Response api_corrections(Console::Impl& c, const Actor& a, const Request& req) {
  if (!decides_corrections(a.user)) return error_response(403, "FORBIDDEN", kLeadershipOnly);
  auto it = req.query.find("status");
  const std::string status = it == req.query.end() ? "pending" : it->second == "all" ? "" : it->second;
  const auto now = c.clock.now_unix_seconds();
  const Status may_decide = check_approver(*c.db, a.user.username, now);
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : list_corrections(*c.db, status))
    items.push_back({{"id", r.id}, {"class", r.cell.class_name}, {"subject", r.cell.subject},
                     {"student", r.cell.student_code}, {"name", r.student_name}, {"column", r.cell.column},
                     {"old", r.old_value}, {"new", r.new_value}, {"reason", r.reason},
                     {"requested_by", r.requested_by}, {"requested_at", format_local_time(r.requested_at)},
                     {"status", r.status}, {"decided_by", r.decided_by}, {"comment", r.decision_comment},
                     {"decided_at", r.decided_at ? format_local_time(r.decided_at) : std::string()}});
  return json_response({{"items", items}, {"may_decide", may_decide.is_ok()}, {"why_not", may_decide.message()}});
}

Response api_decide(Console::Impl& c, const Actor& a, const Request& req) {
  if (!decides_corrections(a.user)) return error_response(403, "FORBIDDEN", kLeadershipOnly);
  auto body = body_object(req);
  if (!body) return status_response(body.status());
  auto id = id_field(*body);
  if (!id) return status_response(id.status());
  auto decision = text_field(*body, "decision", protocol::TextKind::kName, 16, true);
  if (!decision) return status_response(decision.status());
  auto comment = text_field(*body, "comment", protocol::TextKind::kMultiline, 500, false);
  if (!comment) return status_response(comment.status());
  const auto now = c.clock.now_unix_seconds();
  if (*decision == "approve") {
    auto version = approve_correction(*c.db, *id, a.user.username, *comment, now);
    if (!version) return status_response(version.status());
    return json_response({{"ok", true}, {"message", "Đã duyệt yêu cầu #" + std::to_string(*id)}});
  }
  if (*decision == "refuse") {
    if (auto st = refuse_correction(*c.db, *id, a.user.username, *comment, now); !st) return status_response(st);
    return json_response({{"ok", true}, {"message", "Đã từ chối yêu cầu #" + std::to_string(*id)}});
  }
  return error_response(400, "INVALID_VALUE", "quyết định phải là duyệt hoặc từ chối");
}

Response api_locks(Console::Impl& c, const Actor& a, const Request&) {
  if (!manages_locks(a.user)) return error_response(403, "FORBIDDEN", kLocksOnly);
  nlohmann::json items = nlohmann::json::array();
  const auto now = c.clock.now_unix_seconds();
  for (const auto& l : list_locks(*c.db, false))
    items.push_back({{"id", l.id}, {"term", l.term}, {"grade", l.grade ? nlohmann::json(*l.grade) : nullptr},
                     {"class", l.class_name}, {"subject", l.subject}, {"column_kind", l.column_kind},
                     {"kind", l.kind}, {"from", format_local_time(l.starts_at)},
                     {"until", l.ends_at ? format_local_time(l.ends_at) : std::string()}, {"reason", l.reason},
                     {"set_by", l.set_by}});
  return json_response({{"items", items},
                        {"exceptions", exceptions_json(*c.db, now)},
                        {"grace_hours", offline_grace_hours(*c.db)},
                        {"terms", entry_windows_json(*c.db)},
                        {"may_change", check_lock_authority(*c.db, a.user.username).is_ok()}});
}

Response api_lock_add(Console::Impl& c, const Actor& a, const Request& req) {
  if (!manages_locks(a.user)) return error_response(403, "FORBIDDEN", kLocksOnly);
  auto body = body_object(req);
  if (!body) return status_response(body.status());
  const auto now = c.clock.now_unix_seconds();
  Lock l;
  for (auto [key, into] : {std::pair{"term", &l.term}, {"class", &l.class_name}, {"subject", &l.subject},
                           {"column_kind", &l.column_kind}, {"kind", &l.kind}}) {
    auto v = text_field(*body, key, protocol::TextKind::kName, 64, false);
    if (!v) return status_response(v.status());
    *into = *v;
  }
  auto reason = text_field(*body, "reason", protocol::TextKind::kMultiline, 500, true);
  if (!reason) return status_response(reason.status());
  auto from = time_field(*body, "from", now);
  if (!from) return status_response(from.status());
  auto until = time_field(*body, "until", 0);
  if (!until) return status_response(until.status());
  l.reason = *reason;
  l.starts_at = *from;
  l.ends_at = *until;
  l.set_by = a.user.username;
  auto id = add_lock(*c.db, l, now);
  if (!id) return status_response(id.status());
  return json_response({{"ok", true}, {"id", *id}, {"message", "Đã đặt khóa #" + std::to_string(*id)}});
}

Response api_lock_remove(Console::Impl& c, const Actor& a, const Request& req) {
  if (!manages_locks(a.user)) return error_response(403, "FORBIDDEN", kLocksOnly);
  auto body = body_object(req);
  if (!body) return status_response(body.status());
  auto id = id_field(*body);
  if (!id) return status_response(id.status());
  auto reason = text_field(*body, "reason", protocol::TextKind::kMultiline, 500, true);
  if (!reason) return status_response(reason.status());
  if (auto st = remove_lock(*c.db, *id, a.user.username, *reason, c.clock.now_unix_seconds()); !st)
    return status_response(st);
  return json_response({{"ok", true}, {"message", "Đã mở khóa #" + std::to_string(*id)}});
}

}  // namespace sodiem::server::console
