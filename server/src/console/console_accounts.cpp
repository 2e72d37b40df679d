// The console's Tài khoản page (ADMIN and HT): the accounts with their
// roles, department, devices, disabled and login-lockout state; an account
// made (a staff import of one row: import_staff, as `sodiem-server import
// staff`, its checks, audit and issued password), a password reset, an
// account disabled or enabled, a lockout lifted, a device revoked (Accounts,
// as `sodiem-server account` / `device revoke`). Each function checks the
// actor's authority itself and audits in their name; the page's role check
// comes first. Console thread only.
#include <sstream>

#include "console_impl.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/roster_csv.hpp"
#include "sodiem/server/roster_io.hpp"

namespace sodiem::server::console {

namespace {

constexpr const char* kAccountsOnly = "Trang Tài khoản chỉ dành cho quản trị hệ thống và Hiệu trưởng";
constexpr const char* kRoles[] = {"HT", "PHT", "ADMIN", "TTCM", "GVCN", "GVBM", "VANTHU"};

std::vector<std::string> split_roles(const std::string& joined) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(joined);
  while (std::getline(in, part, ','))
    if (!part.empty()) out.push_back(part);
  return out;
}

Result<std::string> username_field(const nlohmann::json& body) {
  return text_field(body, "username", protocol::TextKind::kName, 64, true);
}

// The body's object, after the page's role check.
Result<nlohmann::json> admin_body(const Actor& a, const Request& req) {
  if (!manages_accounts(a.user)) return Status(ErrorCode::kForbidden, kAccountsOnly);
  return body_object(req);
}

}  // namespace

Response api_accounts(Console::Impl& c, const Actor& a, const Request&) {
  if (!manages_accounts(a.user)) return error_response(403, "FORBIDDEN", kAccountsOnly);
  Accounts accounts(*c.db, c.clock);
  const auto now = c.clock.now_unix_seconds();
  nlohmann::json items = nlohmann::json::array();
  for (const auto& x : accounts.list())
    items.push_back({{"username", x.username}, {"full_name", x.full_name}, {"roles", split_roles(x.roles)},
                     {"department", x.department}, {"disabled", x.disabled},
                     {"must_change_password", x.must_change_password}, {"devices", x.devices},
                     {"last_seen", x.last_seen_at ? format_local_time(x.last_seen_at) : std::string()},
                     {"locked_until", x.locked_until > now ? format_local_time(x.locked_until) : std::string()}});
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& d : accounts.devices())
    devices.push_back({{"device_id", d.public_id}, {"username", d.username}, {"name", d.name},
                       {"created", format_local_time(d.created_at)},
                       {"last_seen", d.last_seen_at ? format_local_time(d.last_seen_at) : std::string()},
                       {"revoked", d.revoked_at ? format_local_time(d.revoked_at) : std::string()}});
  return json_response({{"items", items}, {"devices", devices}, {"roles", kRoles}});
}

Response api_account_create(Console::Impl& c, const Actor& a, const Request& req) {
  auto body = admin_body(a, req);
  if (!body) return status_response(body.status());
  auto username = username_field(*body);
  if (!username) return status_response(username.status());
  auto full_name = text_field(*body, "full_name", protocol::TextKind::kName, 100, true);
  if (!full_name) return status_response(full_name.status());
  auto department = text_field(*body, "department", protocol::TextKind::kName, 64, false);
  if (!department) return status_response(department.status());
  auto homeroom = text_field(*body, "homeroom", protocol::TextKind::kName, 16, false);
  if (!homeroom) return status_response(homeroom.status());
  auto teaches = text_field(*body, "teaches", protocol::TextKind::kName, 1000, false);
  if (!teaches) return status_response(teaches.status());
  std::string roles;
  auto it = body->find("roles");
  if (it == body->end() || !it->is_array() || it->empty() || it->size() > std::size(kRoles))
    return error_response(400, "INVALID_VALUE", "hãy chọn ít nhất một vai trò");
  for (const auto& r : *it) {
    if (!r.is_string() || std::find(std::begin(kRoles), std::end(kRoles), r.get<std::string>()) == std::end(kRoles))
      return error_response(400, "INVALID_VALUE", "vai trò không hợp lệ: " + (r.is_string() ? r.get<std::string>() : r.dump()));
    roles += (roles.empty() ? "" : ";") + r.get<std::string>();
  }
  {
    auto s = c.db->prepare("SELECT 1 FROM users WHERE username = ?");
    s.bind(1, *username);
    if (s.step()) return error_response(409, "CONFLICT", "đã có tài khoản " + *username);
  }
  // One row of a staff file: the importer's checks, transaction and audit.
  std::istringstream csv(csv_first_line(kStaffColumns) +
                         csv_line({*username, *full_name, roles, *department, *homeroom, *teaches}));
  const ImportReport report = import_staff(*c.db, csv, c.clock, a.user.username);
  if (!report.ok || report.new_passwords.size() != 1) {
    std::string why;
    for (auto e : report.errors) {
      if (e.rfind("dòng 2: ", 0) == 0) e.erase(0, std::string("dòng 2: ").size());
      why += (why.empty() ? "" : "; ") + e;
    }
    return error_response(400, "INVALID_VALUE", why.empty() ? "không tạo được tài khoản" : why);
  }
  return json_response({{"ok", true},
                        {"username", *username},
                        {"password", report.new_passwords.front().second},
                        {"message", "Đã tạo tài khoản " + *username +
                                        ". Mật khẩu được cấp chỉ hiện một lần: người dùng phải đổi ở lần đăng nhập đầu."}});
}

Response api_account_action(Console::Impl& c, const Actor& a, const Request& req) {
  auto body = admin_body(a, req);
  if (!body) return status_response(body.status());
  auto action = text_field(*body, "action", protocol::TextKind::kName, 32, true);
  if (!action) return status_response(action.status());
  auto username = username_field(*body);
  if (!username) return status_response(username.status());
  auto reason = text_field(*body, "reason", protocol::TextKind::kMultiline, 500, false);
  if (!reason) return status_response(reason.status());
  Accounts accounts(*c.db, c.clock);
  const std::string& by = a.user.username;
  if (*action == "reset-password") {
    auto password = accounts.reset_password(*username, by);
    if (!password) return status_response(password.status());
    return json_response({{"ok", true}, {"password", *password},
                          {"message", "Đã cấp mật khẩu mới cho " + *username +
                                          ". Mật khẩu chỉ hiện một lần: người dùng phải đổi ở lần đăng nhập đầu."}});
  }
  if (*action == "unlock") {
    if (auto st = accounts.unlock_login(*username, by); !st) return status_response(st);
    return json_response({{"ok", true}, {"message", "Đã gỡ tạm khóa đăng nhập của " + *username}});
  }
  if (*action == "disable" || *action == "enable") {
    const bool disable = *action == "disable";
    if (auto st = accounts.set_disabled(*username, disable, by, *reason); !st) return status_response(st);
    return json_response({{"ok", true},
                          {"message", (disable ? "Đã khóa tài khoản " : "Đã mở lại tài khoản ") + *username}});
  }
  return error_response(400, "INVALID_VALUE", "thao tác không hợp lệ: " + *action);
}

Response api_device_revoke(Console::Impl& c, const Actor& a, const Request& req) {
  auto body = admin_body(a, req);
  if (!body) return status_response(body.status());
  auto device = text_field(*body, "device_id", protocol::TextKind::kName, 64, true);
  if (!device) return status_response(device.status());
  auto reason = text_field(*body, "reason", protocol::TextKind::kMultiline, 500, true);
  if (!reason) return status_response(reason.status());
  Accounts accounts(*c.db, c.clock);
  if (auto st = accounts.revoke_device(*device, a.user.username, *reason); !st) return status_response(st);
  return json_response({{"ok", true}, {"message", "Đã thu hồi thiết bị " + *device}});
}

}  // namespace sodiem::server::console
