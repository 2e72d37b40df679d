// sodiem-server device and account: enrolled devices (revoking a lost
// laptop) and accounts (disable, enable, reset a password, lift a login
// lockout). Registered by main.cpp (see commands.hpp).
#include <iostream>
#include <nlohmann/json.hpp>

#include "sodiem/core/clock.hpp"
#include "sodiem/server/accounts.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

struct DeviceOptions {
  std::string action, device_id, dir, user, reason;  // user: only this user's devices
  ActorOptions actor;
  bool json = false;
};

int run_device(const DeviceOptions& la) {
  const std::string& device_id = la.device_id;
  auto db = open_existing(la.dir);
  Accounts accounts(*db, SystemClock::instance());
  if (la.action == "revoke") {
    if (device_id.empty()) return fail_status(Status(ErrorCode::kInvalidValue, "cần mã thiết bị (DEVICE_ID)"));
    auto by = authenticate(*db, la.dir, la.actor, "device revoke");
    if (!by) return fail_status(by.status());
    if (auto st = accounts.revoke_device(device_id, *by, la.reason); !st) return fail_status(st);
    std::cout << "Đã thu hồi thiết bị " << device_id << "\n";
    return 0;
  }
  auto list = accounts.devices(la.user);
  if (la.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : list)
      out.push_back({{"device_id", d.public_id}, {"username", d.username}, {"name", d.name},
                     {"created", format_local_time(d.created_at)}, {"last_seen", format_local_time(d.last_seen_at)},
                     {"high_seq", d.high_seq}, {"revoked", d.revoked_at != 0}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  for (const auto& d : list)
    std::cout << d.public_id << "  " << d.username << "  " << d.name << "  đăng ký " << format_local_time(d.created_at)
              << ", đồng bộ lần cuối " << format_local_time(d.last_seen_at) << ", " << d.high_seq << " thao tác"
              << (d.revoked_at ? "  ĐÃ THU HỒI " + format_local_time(d.revoked_at) : std::string()) << "\n";
  return 0;
}

struct AccountOptions {
  std::string action, username, dir, reason;
  ActorOptions actor;
  bool json = false;
};

int run_account(const AccountOptions& a) {
  const std::string& username = a.username;
  auto db = open_existing(a.dir);
  Accounts accounts(*db, SystemClock::instance());
  if (a.action == "list") {
    auto list = accounts.list();
    if (a.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& x : list)
        out.push_back({{"username", x.username}, {"full_name", x.full_name}, {"roles", x.roles},
                       {"department", x.department}, {"disabled", x.disabled},
                       {"locked_until", x.locked_until ? nlohmann::json(format_local_time(x.locked_until)) : nullptr},
                       {"must_change_password", x.must_change_password},
                       {"devices", x.devices},
                       {"last_seen", x.last_seen_at ? nlohmann::json(format_local_time(x.last_seen_at)) : nullptr}});
      std::cout << out.dump() << "\n";
      return 0;
    }
    for (const auto& x : list)
      std::cout << x.username << "  " << x.full_name << "  [" << x.roles << "]" << (x.disabled ? "  ĐÃ KHÓA" : "")
                << (x.locked_until > SystemClock::instance().now_unix_seconds()
                        ? "  tạm khóa đăng nhập đến " + format_local_time(x.locked_until)
                        : std::string())
                << (x.must_change_password ? "  (chưa đổi mật khẩu được cấp)" : "") << "  " << x.devices
                << " thiết bị" << (x.last_seen_at ? ", đồng bộ lần cuối " + format_local_time(x.last_seen_at) : "")
                << "\n";
    return 0;
  }
  if (username.empty()) return fail_status(Status(ErrorCode::kInvalidValue, "cần tên tài khoản (USER)"));
  auto by = authenticate(*db, a.dir, a.actor, "account " + a.action);
  if (!by) return fail_status(by.status());
  if (a.action == "reset-password") {
    auto password = accounts.reset_password(username, *by);
    if (!password) return fail_status(password.status());
    std::cout << "Mật khẩu mới của " << username << ": " << *password
              << "\n(phải đổi ở lần đăng nhập đầu tiên: sodiem enroll … --password-stdin --new-password-stdin)\n";
    return 0;
  }
  if (a.action == "unlock") {
    if (auto st = accounts.unlock_login(username, *by); !st) return fail_status(st);
    std::cout << "Đã gỡ tạm khóa đăng nhập của " << username << "\n";
    return 0;
  }
  const bool disable = a.action == "disable";
  if (auto st = accounts.set_disabled(username, disable, *by, a.reason); !st) return fail_status(st);
  std::cout << (disable ? "Đã khóa tài khoản " : "Đã mở khóa tài khoản ") << username << "\n";
  return 0;
}

}  // namespace

void add_device_command(CLI::App& app, Context& ctx) {
  auto [dev, o] = add_command(app, ctx, "device",
                              "Các máy đã đăng ký: list (xem) | revoke (thu hồi máy bị mất hoặc bị lấy cắp; ADMIN hoặc HT)", run_device);
  add_choice(*dev, "ACTION", o->action, {"list", "revoke"});
  dev->add_option("DEVICE_ID", o->device_id, "Máy cần thu hồi (xem device list)");
  add_data_option(*dev, o->dir);
  dev->add_option("--user", o->user, "Chỉ các máy của người dùng này");
  add_actor_options(*dev, o->actor, "quản trị viên hoặc HT");
  dev->add_option("--reason", o->reason, "Lý do (bắt buộc khi thu hồi)");
  dev->add_flag("--json", o->json, "In kết quả dạng JSON (cho máy đọc)");
}

void add_account_command(CLI::App& app, Context& ctx) {
  auto [acct, o] = add_command(app, ctx, "account",
                               "Tài khoản: list (xem) | disable (khóa) | enable (mở lại) | reset-password (cấp lại mật khẩu) | unlock (gỡ khóa do đăng nhập sai nhiều lần) (ADMIN hoặc HT)", run_account);
  add_choice(*acct, "ACTION", o->action, {"list", "disable", "enable", "reset-password", "unlock"});
  acct->add_option("USER", o->username, "Tài khoản");
  add_data_option(*acct, o->dir);
  add_actor_options(*acct, o->actor, "quản trị viên hoặc HT");
  acct->add_option("--reason", o->reason, "Lý do (bắt buộc khi khóa tài khoản)");
  acct->add_flag("--json", o->json, "In kết quả dạng JSON (cho máy đọc)");
}

}  // namespace sodiem::server::cli
