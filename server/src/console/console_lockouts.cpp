// The console's login lockouts (Tài khoản, ADMIN and HT): the accounts
// locked after wrong passwords (login_lockouts, the store every process
// shares) and the remote addresses (c.limiter, which keeps them in the same
// store), each lifted by the function of its kind (Accounts::
// unlock_login, as `sodiem-server account unlock`; Accounts::unlock_address),
// which checks the actor's role again and audits in their name. The POST
// passes the console's CSRF check first (console.cpp). Console thread only.
#include "console_impl.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/login_limiter.hpp"

namespace sodiem::server::console {

namespace {

constexpr const char* kLockoutsOnly = "Danh sách tạm khóa đăng nhập chỉ dành cho quản trị hệ thống và Hiệu trưởng";

nlohmann::json lockout_json(const std::string& scope, const std::string& key, std::int64_t until, std::int64_t count) {
  return {{"scope", scope}, {"key", key}, {"until", format_local_time(until)}, {"lockouts", count}};
}

}  // namespace

Response api_lockouts(Console::Impl& c, const Actor& a, const Request&) {
  if (!manages_accounts(a.user)) return error_response(403, "FORBIDDEN", kLockoutsOnly);
  nlohmann::json items = nlohmann::json::array();
  auto s = c.db->prepare(
      "SELECT username, lockouts, locked_until FROM login_lockouts WHERE locked_until > ? "
      "AND username IN (SELECT username FROM users) ORDER BY locked_until, username");
  s.bind(1, c.clock.now_unix_seconds());
  while (s.step()) items.push_back(lockout_json("account", s.text(0), s.int64(2), s.int64(1)));
  for (const auto& l : c.limiter.address_lockouts()) items.push_back(lockout_json("address", l.key, l.until, l.lockouts));
  return json_response({{"items", items}});
}

Response api_lockout_lift(Console::Impl& c, const Actor& a, const Request& req) {
  if (!manages_accounts(a.user)) return error_response(403, "FORBIDDEN", kLockoutsOnly);
  auto body = body_object(req);
  if (!body) return status_response(body.status());
  auto scope = text_field(*body, "scope", protocol::TextKind::kName, 16, true);
  if (!scope) return status_response(scope.status());
  auto key = text_field(*body, "key", protocol::TextKind::kName, 64, true);
  if (!key) return status_response(key.status());
  Accounts accounts(*c.db, c.clock);
  if (*scope == "account") {
    if (auto st = accounts.unlock_login(*key, a.user.username); !st) return status_response(st);
    return json_response({{"ok", true}, {"message", "Đã gỡ tạm khóa đăng nhập của tài khoản " + *key}});
  }
  if (*scope == "address") {
    if (auto st = accounts.unlock_address(c.limiter, *key, a.user.username); !st) return status_response(st);
    return json_response({{"ok", true}, {"message", "Đã gỡ tạm khóa đăng nhập từ địa chỉ " + *key}});
  }
  return error_response(400, "INVALID_VALUE", "loại tạm khóa không hợp lệ: " + *scope);
}

}  // namespace sodiem::server::console
