// The Khóa sổ page's exceptions and grace window: a narrow, expiring unlock
// (a teacher / class / subject / column allowed to write after a lock, until
// a time, with a reason) listed, added and removed, and the offline grace
// window set. Each calls the same function as its `sodiem-server exception`
// / `grace` twin (locks.hpp), which checks the actor's authority itself
// (check_lock_authority: the principal, or an administrator on the
// principal's decision) and writes the audit entry with the console user as
// actor. The page's role check comes first. Console thread only.
#include <limits>

#include "console_impl.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/server/locks.hpp"

namespace sodiem::server::console {

nlohmann::json exceptions_json(store::Db& db, std::int64_t now) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& e : list_exceptions(db, now))
    items.push_back({{"id", e.id}, {"user", e.username}, {"class", e.class_name}, {"subject", e.subject},
                     {"column", e.column}, {"until", format_local_time(e.expires_at)}, {"reason", e.reason},
                     {"by", e.created_by}});
  return items;
}

Response api_exception_add(Console::Impl& c, const Actor& a, const Request& req) {
  if (!manages_locks(a.user)) return error_response(403, "FORBIDDEN", kLocksOnly);
  auto body = body_object(req);
  if (!body) return status_response(body.status());
  LockException e;
  for (auto [key, into] : {std::pair{"user", &e.username}, {"class", &e.class_name}, {"subject", &e.subject},
                           {"column", &e.column}}) {
    auto v = text_field(*body, key, protocol::TextKind::kName, 64, false);
    if (!v) return status_response(v.status());
    *into = *v;
  }
  auto reason = text_field(*body, "reason", protocol::TextKind::kMultiline, 500, true);
  if (!reason) return status_response(reason.status());
  auto until = time_field(*body, "until", 0);
  if (!until) return status_response(until.status());
  if (*until == 0) return error_response(400, "INVALID_VALUE", "cần ghi thời điểm hết hạn của ngoại lệ");
  e.expires_at = *until;
  e.reason = *reason;
  e.created_by = a.user.username;
  auto id = add_exception(*c.db, e, c.clock.now_unix_seconds());
  if (!id) return status_response(id.status());
  return json_response({{"ok", true},
                        {"id", *id},
                        {"message", "Đã mở ngoại lệ #" + std::to_string(*id) + " đến " + format_local_time(e.expires_at)}});
}

Response api_exception_remove(Console::Impl& c, const Actor& a, const Request& req) {
  if (!manages_locks(a.user)) return error_response(403, "FORBIDDEN", kLocksOnly);
  auto body = body_object(req);
  if (!body) return status_response(body.status());
  auto id = id_field(*body);
  if (!id) return status_response(id.status());
  if (auto st = remove_exception(*c.db, *id, a.user.username, c.clock.now_unix_seconds()); !st)
    return status_response(st);
  return json_response({{"ok", true}, {"message", "Đã gỡ ngoại lệ #" + std::to_string(*id)}});
}

Response api_grace(Console::Impl& c, const Actor& a, const Request& req) {
  if (!manages_locks(a.user)) return error_response(403, "FORBIDDEN", kLocksOnly);
  auto body = body_object(req);
  if (!body) return status_response(body.status());
  auto it = body->find("hours");
  if (it == body->end() || !it->is_number_integer())
    return error_response(400, "INVALID_VALUE", "thời gian ân hạn phải là một số giờ nguyên");
  // The range is set_offline_grace_hours's rule: a number past int is out of it too.
  const auto asked = it->get<std::int64_t>();
  const int hours = asked < 0 || asked > std::numeric_limits<int>::max() ? -1 : static_cast<int>(asked);
  if (auto st = set_offline_grace_hours(*c.db, hours, a.user.username, c.clock.now_unix_seconds()); !st)
    return status_response(st);
  return json_response({{"ok", true},
                        {"grace_hours", offline_grace_hours(*c.db)},
                        {"message", "Đã đặt thời gian ân hạn: " + std::to_string(hours) + " giờ"}});
}

}  // namespace sodiem::server::console
