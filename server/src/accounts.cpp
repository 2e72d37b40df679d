// Accounts: users, password checks in steps (record, hash off-thread,
// enroll), device tokens, revocation. Called by the SyncService worker or
// a CLI command on its own connection; not thread-safe except check_password.
#include "sodiem/server/accounts.hpp"

#include "sodiem/core/crypto.hpp"
#include "sodiem/core/tuning.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/login_limiter.hpp"
#include "sodiem/server/server_db.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace sodiem::server {
namespace {
const char* kBadLogin = kBadLoginMessage;
// Verified against when the account does not exist: the same work as a real
// check, so timing does not tell which usernames exist. Never matches.
const std::string kNoAccountHash =
    "pbkdf2$" + std::to_string(tuning::kPasswordHashIterations) + "$" + std::string(32, '0') + "$" + std::string(64, 'x');

// The new password is acceptable: long enough and not the old one. `issued`:
// the old one was issued by an administrator (first login).
Status new_password_problem(const std::string& old_password, const std::string& next, bool issued) {
  if (next.size() >= 8 && next != old_password) return Status::ok();
  return Status(ErrorCode::kInvalidValue, issued ? "Mật khẩu mới phải dài ít nhất 8 ký tự và khác mật khẩu được cấp"
                                                 : "Mật khẩu mới phải dài ít nhất 8 ký tự và khác mật khẩu hiện tại");
}

// The refusal of a revoked device or a disabled account (one wording for
// the hello and for a session cut short).
Status standing_of(store::Stmt& s, int disabled_col, int revoked_at_col) {
  if (s.int64(disabled_col) != 0) return Status(ErrorCode::kUnauthenticated, "Tài khoản đã bị khóa");
  if (!s.is_null(revoked_at_col))
    return Status(ErrorCode::kUnauthenticated, "Thiết bị này đã bị " + s.text(revoked_at_col + 1) + " thu hồi lúc " +
                                                   format_local_time(s.int64(revoked_at_col)) + " (lý do: " +
                                                   s.text(revoked_at_col + 2) +
                                                   "); những gì chưa gửi từ máy này sẽ không được nhận");
  return Status::ok();
}
const std::vector<std::string> kRoles = {"HT", "PHT", "ADMIN", "TTCM", "GVCN", "GVBM", "VANTHU"};
}  // namespace

std::string maintenance_actor(const std::string& os_user) { return std::string(kMaintenanceActor) + " — " + os_user; }

bool is_maintenance_actor(const std::string& name) { return name.rfind(kMaintenanceActor, 0) == 0; }

Status require_role(store::Db& db, const std::string& username, const std::vector<std::string>& roles,
                    const std::string& refusal) {
  if (is_maintenance_actor(username)) {
    if (std::find(roles.begin(), roles.end(), "ADMIN") != roles.end()) return Status::ok();
    return Status(ErrorCode::kForbidden, refusal + "; " + username + " chỉ làm được việc của quản trị hệ thống");
  }
  auto s = db.prepare("SELECT roles, disabled FROM users WHERE username = ?");
  s.bind(1, username);
  if (!s.step()) return Status(ErrorCode::kUnauthenticated, "không có tài khoản " + username);
  if (s.int64(1) != 0) return Status(ErrorCode::kUnauthenticated, "tài khoản " + username + " đã bị khóa");
  const std::string held = "," + s.text(0) + ",";
  for (const auto& role : roles)
    if (held.find("," + role + ",") != std::string::npos) return Status::ok();
  return Status(ErrorCode::kForbidden, refusal + "; " + username + " không có quyền này");
}

Result<std::int64_t> Accounts::create_user(const std::string& username, const std::string& full_name,
                                           const std::string& password, const std::vector<std::string>& roles,
                                           bool must_change_password) {
  std::string joined;
  for (const auto& r : roles) {
    if (std::find(kRoles.begin(), kRoles.end(), r) == kRoles.end())
      return Status(ErrorCode::kInvalidValue, "unknown role '" + r + "'");
    joined += (joined.empty() ? "" : ",") + r;
  }
  if (username.empty() || password.size() < 8)
    return Status(ErrorCode::kInvalidValue, "username must be set and the password at least 8 characters");
  // No spaces: the maintenance identity ("bảo trì (máy chủ) — …") is never an account.
  if (username.find_first_of(" ,;:") != std::string::npos)
    return Status(ErrorCode::kInvalidValue, "tên đăng nhập \"" + username + "\" không được chứa dấu cách hay , ; :");
  auto s = db_.prepare(
      "INSERT INTO users(username, full_name, password_hash, roles, must_change_password) VALUES(?, ?, ?, ?, ?)");
  s.bind(1, username).bind(2, full_name).bind(3, crypto::hash_password(password)).bind(4, joined)
      .bind(5, must_change_password ? 1 : 0);
  try {
    s.run();
  } catch (const sqlite::Error& e) {
    return Status(ErrorCode::kInvalidValue, "cannot create user '" + username + "': " + e.what());
  }
  return db_.last_insert_rowid();
}

namespace {
PasswordRecord read_record(store::Stmt& s) {
  PasswordRecord r;
  if (!s.step()) {
    r.hash = kNoAccountHash;
    return r;
  }
  r.user_id = s.int64(0);
  r.hash = s.text(1);
  r.disabled = s.int64(2) != 0;
  r.must_change = s.int64(3) != 0;
  return r;
}
}  // namespace

PasswordRecord Accounts::password_record(const std::string& username) {
  auto s = db_.prepare("SELECT id, password_hash, disabled, must_change_password FROM users WHERE username = ?");
  s.bind(1, username);
  return read_record(s);
}

PasswordRecord Accounts::password_record(std::int64_t user_id) {
  auto s = db_.prepare("SELECT id, password_hash, disabled, must_change_password FROM users WHERE id = ?");
  s.bind(1, user_id);
  return read_record(s);
}

CheckedPassword Accounts::check_password(const PasswordRecord& record, const std::string& password,
                                         const std::string& new_password) {
  CheckedPassword c;
  c.matches = crypto::verify_password(password, record.hash) && record.user_id != 0;
  if (!c.matches) return c;
  if (crypto::needs_rehash(record.hash)) c.rehash = crypto::hash_password(password);
  if (!new_password.empty() && new_password_problem(password, new_password, false).is_ok())
    c.new_hash = crypto::hash_password(new_password);
  return c;
}

Result<Enrollment> Accounts::enroll(const std::string& username, const PasswordRecord& record,
                                    const CheckedPassword& check, const std::string& password,
                                    const std::string& device_name, const std::string& new_password) {
  if (!check.matches) return Status(ErrorCode::kUnauthenticated, kBadLogin);
  // Checked against the record read before the hashing; an administrator
  // may have reset the password meanwhile.
  const PasswordRecord now = password_record(username);
  if (now.user_id != record.user_id || now.hash != record.hash)
    return Status(ErrorCode::kUnauthenticated, "Mật khẩu của tài khoản " + username + " vừa được thay đổi; hãy đăng nhập lại");
  if (now.disabled) return Status(ErrorCode::kUnauthenticated, "Tài khoản " + username + " đã bị khóa");
  const std::int64_t user_id = now.user_id;

  Enrollment e;
  if (now.must_change) {
    if (new_password.empty())
      return Status(ErrorCode::kPasswordChangeRequired,
                    "Mật khẩu được cấp cho tài khoản " + username + " phải được đổi ở lần đăng nhập đầu tiên");
    if (auto st = new_password_problem(password, new_password, true); !st) return st;
    if (check.new_hash.empty()) return Status(ErrorCode::kInternal, "new password was not hashed");
    db_.prepare("UPDATE users SET password_hash = ?, must_change_password = 0 WHERE id = ?")
        .bind(1, check.new_hash).bind(2, user_id).run();
    e.password_changed = true;
  } else if (!check.rehash.empty()) {
    // Stronger hash of the same password (more iterations than when it was set).
    db_.prepare("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?")
        .bind(1, check.rehash).bind(2, user_id).bind(3, now.hash).run();
  }
  e.token = crypto::random_hex(32);
  e.device.public_id = crypto::random_hex(12);
  e.device.user_id = user_id;
  const auto t = clock_.now_unix_seconds();
  db_.prepare("INSERT INTO devices(public_id, user_id, name, token_hash, created_at, last_seen_at) "
              "VALUES(?, ?, ?, ?, ?, ?)")
      .bind(1, e.device.public_id)
      .bind(2, user_id)
      .bind(3, device_name.empty() ? std::string("device") : device_name)
      .bind(4, crypto::sha256_hex(e.token))
      .bind(5, t)
      .bind(6, t)
      .run();
  e.device.row_id = db_.last_insert_rowid();
  e.device.session_floor = t;  // nothing can have been typed on it before enrollment
  db_.prepare("UPDATE devices SET session_floor = ? WHERE id = ?").bind(1, t).bind(2, e.device.row_id).run();
  return e;
}

Result<DeviceContext> Accounts::authenticate(const std::string& device_public_id, const std::string& token) {
  auto s = db_.prepare(
      "SELECT d.id, d.user_id, d.high_seq, d.token_hash, u.disabled, d.session_floor, d.revoked_at, "
      "COALESCE(d.revoked_by, ''), COALESCE(d.revoked_reason, '') FROM devices d "
      "JOIN users u ON u.id = d.user_id "
      "WHERE d.public_id = ?");
  s.bind(1, device_public_id);
  if (!s.step() || !crypto::constant_time_equal(crypto::sha256_hex(token), s.text(3)))
    return Status(ErrorCode::kUnauthenticated, "Thiết bị chưa đăng ký hoặc mã đăng nhập không hợp lệ; hãy đăng ký lại");
  if (auto st = standing_of(s, 4, 6); !st) return st;
  DeviceContext d;
  d.row_id = s.int64(0);
  d.public_id = device_public_id;
  d.user_id = s.int64(1);
  d.high_seq = static_cast<std::uint64_t>(s.int64(2));
  d.session_floor = s.int64(5);
  s.reset();
  // This session is the floor of the next one. Relaxed (no fsync before the
  // welcome): lost to a power cut, the older floor stays, a looser bound.
  store::Transaction tx(db_, sqlite::Durability::kRelaxed);
  db_.prepare("UPDATE devices SET session_floor = ? WHERE id = ?").bind(1, clock_.now_unix_seconds()).bind(2, d.row_id).run();
  tx.commit();
  return d;
}

namespace {
Status require_admin(store::Db& db, const std::string& by) {
  return require_role(db, by, {"ADMIN", "HT"}, "chỉ quản trị hệ thống hoặc Hiệu trưởng được quản lý tài khoản");
}
}  // namespace

Status Accounts::set_disabled(const std::string& username, bool disabled, const std::string& by,
                              const std::string& reason) {
  if (auto st = require_admin(db_, by); !st) return st;
  if (disabled && username == by) return Status(ErrorCode::kInvalidValue, "không thể tự khóa tài khoản của chính mình");
  if (disabled && reason.empty()) return Status(ErrorCode::kInvalidValue, "khóa tài khoản cần ghi lý do (--reason)");
  store::Transaction tx(db_);
  db_.prepare("UPDATE users SET disabled = ? WHERE username = ?").bind(1, disabled ? 1 : 0).bind(2, username).run();
  if (db_.changes() == 0) return Status(ErrorCode::kInvalidValue, "không có tài khoản " + username);
  append_audit(db_, {clock_.now_unix_seconds(), by, "", disabled ? "account_disabled" : "account_enabled",
                     nlohmann::json{{"username", username}, {"reason", reason}}.dump()});
  bump_roster_version(db_);
  tx.commit();
  return Status::ok();
}

Status Accounts::change_password(const PasswordRecord& record, const CheckedPassword& check,
                                 const std::string& current, const std::string& next) {
  if (!check.matches) return Status(ErrorCode::kUnauthenticated, "Mật khẩu hiện tại không đúng");
  if (auto st = new_password_problem(current, next, false); !st) return st;
  if (check.new_hash.empty()) return Status(ErrorCode::kInternal, "new password was not hashed");
  db_.prepare("UPDATE users SET password_hash = ?, must_change_password = 0 WHERE id = ? AND password_hash = ?")
      .bind(1, check.new_hash).bind(2, record.user_id).bind(3, record.hash).run();
  if (db_.changes() == 0)
    return Status(ErrorCode::kUnauthenticated, "Mật khẩu vừa được thay đổi ở nơi khác; hãy thử lại");
  return Status::ok();
}

Status Accounts::device_standing(std::int64_t device_row) {
  auto s = db_.prepare(
      "SELECT u.disabled, d.revoked_at, COALESCE(d.revoked_by, ''), COALESCE(d.revoked_reason, '') FROM devices d "
      "JOIN users u ON u.id = d.user_id WHERE d.id = ?");
  s.bind(1, device_row);
  if (!s.step()) return Status(ErrorCode::kUnauthenticated, "Thiết bị chưa đăng ký; hãy đăng ký lại");
  return standing_of(s, 0, 1);
}

Result<std::string> Accounts::reset_password(const std::string& username, const std::string& by) {
  if (auto st = require_admin(db_, by); !st) return st;
  const std::string password = crypto::random_hex(6);
  store::Transaction tx(db_);
  db_.prepare("UPDATE users SET password_hash = ?, must_change_password = 1 WHERE username = ?")
      .bind(1, crypto::hash_password(password)).bind(2, username).run();
  if (db_.changes() == 0) return Status(ErrorCode::kInvalidValue, "không có tài khoản " + username);
  append_audit(db_, {clock_.now_unix_seconds(), by, "", "password_reset", nlohmann::json{{"username", username}}.dump()});
  tx.commit();
  return password;
}

Status Accounts::revoke_device(const std::string& device_public_id, const std::string& by, const std::string& reason) {
  if (auto st = require_admin(db_, by); !st) return st;
  if (reason.empty()) return Status(ErrorCode::kInvalidValue, "thu hồi thiết bị cần ghi lý do (--reason)");
  const auto now = clock_.now_unix_seconds();
  store::Transaction tx(db_);
  db_.prepare("UPDATE devices SET revoked_at = ?, revoked_by = ?, revoked_reason = ? WHERE public_id = ? AND "
              "revoked_at IS NULL")
      .bind(1, now).bind(2, by).bind(3, reason).bind(4, device_public_id).run();
  if (db_.changes() == 0)
    return Status(ErrorCode::kInvalidValue, "không có thiết bị " + device_public_id + " đang hoạt động");
  append_audit(db_, {now, by, device_public_id, "device_revoked", nlohmann::json{{"reason", reason}}.dump()});
  tx.commit();
  return Status::ok();
}

std::vector<DeviceInfo> Accounts::devices(const std::string& username) {
  std::vector<DeviceInfo> out;
  auto s = db_.prepare(
      "SELECT d.public_id, u.username, d.name, d.created_at, d.last_seen_at, d.high_seq, COALESCE(d.revoked_at, 0) "
      "FROM devices d JOIN users u ON u.id = d.user_id WHERE ? = '' OR u.username = ? ORDER BY u.username, d.id");
  s.bind(1, username).bind(2, username);
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.text(2), s.int64(3), s.int64(4), static_cast<std::uint64_t>(s.int64(5)),
                   s.int64(6)});
  return out;
}

std::vector<AccountInfo> Accounts::list() {
  std::vector<AccountInfo> out;
  auto s = db_.prepare(
      "SELECT u.username, u.full_name, u.roles, u.department, u.disabled, u.must_change_password, COUNT(d.id), "
      "COALESCE(MAX(d.last_seen_at), 0), COALESCE((SELECT l.locked_until FROM login_lockouts l "
      "WHERE l.username = u.username), 0) FROM users u LEFT JOIN devices d ON d.user_id = u.id "
      "GROUP BY u.id, u.username, u.full_name, u.roles, u.department, u.disabled, u.must_change_password "
      "ORDER BY u.username");
  while (s.step()) {
    AccountInfo a;
    a.username = s.text(0);
    a.full_name = s.text(1);
    a.roles = s.text(2);
    a.department = s.text(3);
    a.disabled = s.int64(4) != 0;
    a.must_change_password = s.int64(5) != 0;
    a.devices = s.int64(6);
    a.last_seen_at = s.int64(7);
    a.locked_until = s.int64(8);
    out.push_back(std::move(a));
  }
  return out;
}

Status Accounts::unlock_login(const std::string& username, const std::string& by) {
  if (auto st = require_admin(db_, by); !st) return st;
  store::Transaction tx(db_);
  // An account's row only (the store keeps addresses' rows beside them: lockout_store.hpp).
  db_.prepare("DELETE FROM login_lockouts WHERE username = ? AND (locked_until > ? OR failures > 0) "
              "AND username IN (SELECT username FROM users)")
      .bind(1, username)
      .bind(2, clock_.now_unix_seconds())
      .run();
  if (db_.changes() == 0)
    return Status(ErrorCode::kInvalidValue, "tài khoản " + username + " không bị tạm khóa đăng nhập");
  append_audit(db_, {clock_.now_unix_seconds(), by, "", "login_unlocked", nlohmann::json{{"username", username}}.dump()});
  tx.commit();
  return Status::ok();
}

Status Accounts::unlock_address(LoginLimiter& limiter, const std::string& address, const std::string& by) {
  if (auto st = require_admin(db_, by); !st) return st;
  const auto locked = limiter.address_lockouts();
  if (std::none_of(locked.begin(), locked.end(), [&](const auto& l) { return l.key == address; }))
    return Status(ErrorCode::kInvalidValue, "địa chỉ " + address + " không bị tạm khóa đăng nhập");
  store::Transaction tx(db_);
  append_audit(db_, {clock_.now_unix_seconds(), by, "", "login_unlocked", nlohmann::json{{"address", address}}.dump()});
  tx.commit();
  limiter.lift_address(address);
  return Status::ok();
}

}  // namespace sodiem::server
