#include "sodiem/server/accounts.hpp"

#include "sodiem/core/crypto.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/server_db.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace sodiem::server {
namespace {
const char* kBadLogin = "Sai tên đăng nhập hoặc mật khẩu";
const std::vector<std::string> kRoles = {"HT", "PHT", "ADMIN", "TTCM", "GVCN", "GVBM", "VANTHU"};
}  // namespace

Status require_role(sqlite::Db& db, const std::string& username, const std::vector<std::string>& roles,
                    const std::string& refusal) {
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

Result<Enrollment> Accounts::login(const std::string& username, const std::string& password,
                                   const std::string& device_name, const std::string& new_password) {
  auto s = db_.prepare("SELECT id, password_hash, disabled, must_change_password FROM users WHERE username = ?");
  s.bind(1, username);
  if (!s.step()) {
    crypto::hash_password(password);  // same work as a real check: no user-enumeration by timing
    return Status(ErrorCode::kUnauthenticated, kBadLogin);
  }
  const std::int64_t user_id = s.int64(0);
  const std::string hash = s.text(1);
  const bool disabled = s.int64(2) != 0;
  const bool must_change = s.int64(3) != 0;
  s.reset();
  if (!crypto::verify_password(password, hash)) return Status(ErrorCode::kUnauthenticated, kBadLogin);
  if (disabled) return Status(ErrorCode::kUnauthenticated, "Tài khoản " + username + " đã bị khóa");

  Enrollment e;
  if (must_change) {
    if (new_password.empty())
      return Status(ErrorCode::kPasswordChangeRequired,
                    "Mật khẩu được cấp cho tài khoản " + username + " phải được đổi ở lần đăng nhập đầu tiên");
    if (new_password.size() < 8 || new_password == password)
      return Status(ErrorCode::kInvalidValue, "Mật khẩu mới phải dài ít nhất 8 ký tự và khác mật khẩu được cấp");
    db_.prepare("UPDATE users SET password_hash = ?, must_change_password = 0 WHERE id = ?")
        .bind(1, crypto::hash_password(new_password)).bind(2, user_id).run();
    e.password_changed = true;
  }
  e.token = crypto::random_hex(32);
  e.device.public_id = crypto::random_hex(12);
  e.device.user_id = user_id;
  const auto now = clock_.now_unix_seconds();
  db_.prepare("INSERT INTO devices(public_id, user_id, name, token_hash, created_at, last_seen_at) "
              "VALUES(?, ?, ?, ?, ?, ?)")
      .bind(1, e.device.public_id)
      .bind(2, user_id)
      .bind(3, device_name.empty() ? std::string("device") : device_name)
      .bind(4, crypto::sha256_hex(e.token))
      .bind(5, now)
      .bind(6, now)
      .run();
  e.device.row_id = db_.last_insert_rowid();
  e.device.session_floor = now;  // nothing can have been typed on it before enrollment
  db_.prepare("UPDATE devices SET session_floor = ? WHERE id = ?").bind(1, now).bind(2, e.device.row_id).run();
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
  if (s.int64(4) != 0) return Status(ErrorCode::kUnauthenticated, "Tài khoản đã bị khóa");
  if (!s.is_null(6))
    return Status(ErrorCode::kUnauthenticated, "Thiết bị này đã bị " + s.text(7) + " thu hồi lúc " +
                                                   format_local_time(s.int64(6)) + " (lý do: " + s.text(8) +
                                                   "); những gì chưa gửi từ máy này sẽ không được nhận");
  DeviceContext d;
  d.row_id = s.int64(0);
  d.public_id = device_public_id;
  d.user_id = s.int64(1);
  d.high_seq = static_cast<std::uint64_t>(s.int64(2));
  d.session_floor = s.int64(5);
  s.reset();
  // This session is the floor of the next one. Relaxed (no fsync before the
  // welcome): lost to a power cut, the older floor stays, a looser bound.
  sqlite::Transaction tx(db_, sqlite::Durability::kRelaxed);
  db_.prepare("UPDATE devices SET session_floor = ? WHERE id = ?").bind(1, clock_.now_unix_seconds()).bind(2, d.row_id).run();
  tx.commit();
  return d;
}

namespace {
Status require_admin(sqlite::Db& db, const std::string& by) {
  return require_role(db, by, {"ADMIN", "HT"}, "chỉ quản trị hệ thống hoặc Hiệu trưởng được quản lý tài khoản");
}
}  // namespace

Status Accounts::set_disabled(const std::string& username, bool disabled, const std::string& by,
                              const std::string& reason) {
  if (auto st = require_admin(db_, by); !st) return st;
  if (disabled && username == by) return Status(ErrorCode::kInvalidValue, "không thể tự khóa tài khoản của chính mình");
  if (disabled && reason.empty()) return Status(ErrorCode::kInvalidValue, "khóa tài khoản cần ghi lý do (--reason)");
  sqlite::Transaction tx(db_);
  db_.prepare("UPDATE users SET disabled = ? WHERE username = ?").bind(1, disabled ? 1 : 0).bind(2, username).run();
  if (db_.changes() == 0) return Status(ErrorCode::kInvalidValue, "không có tài khoản " + username);
  append_audit(db_, {clock_.now_unix_seconds(), by, "", disabled ? "account_disabled" : "account_enabled",
                     nlohmann::json{{"username", username}, {"reason", reason}}.dump()});
  bump_roster_version(db_);
  tx.commit();
  return Status::ok();
}

Status Accounts::change_password(std::int64_t user_id, const std::string& current, const std::string& next) {
  auto s = db_.prepare("SELECT password_hash FROM users WHERE id = ?");
  s.bind(1, user_id);
  if (!s.step() || !crypto::verify_password(current, s.text(0)))
    return Status(ErrorCode::kUnauthenticated, "Mật khẩu hiện tại không đúng");
  s.reset();
  if (next.size() < 8 || next == current)
    return Status(ErrorCode::kInvalidValue, "Mật khẩu mới phải dài ít nhất 8 ký tự và khác mật khẩu hiện tại");
  db_.prepare("UPDATE users SET password_hash = ?, must_change_password = 0 WHERE id = ?")
      .bind(1, crypto::hash_password(next)).bind(2, user_id).run();
  return Status::ok();
}

Result<std::string> Accounts::reset_password(const std::string& username, const std::string& by) {
  if (auto st = require_admin(db_, by); !st) return st;
  const std::string password = crypto::random_hex(6);
  sqlite::Transaction tx(db_);
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
  sqlite::Transaction tx(db_);
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
      "SELECT u.username, u.full_name, u.roles, u.disabled, u.must_change_password, COUNT(d.id), "
      "COALESCE(MAX(d.last_seen_at), 0) FROM users u LEFT JOIN devices d ON d.user_id = u.id "
      "GROUP BY u.id ORDER BY u.username");
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.text(2), s.int64(3) != 0, s.int64(4) != 0, s.int64(5), s.int64(6)});
  return out;
}

}  // namespace sodiem::server
