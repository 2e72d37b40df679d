// Accounts: users, password login and device tokens. A login enrolls a new
// device and issues a random token; only its SHA-256 is stored. Used by the
// SyncService worker or a CLI command; not thread-safe.
#pragma once
#include <string>
#include <vector>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/status.hpp"
#include "sodiem/server/ingest.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

class LoginLimiter;

// The answer to a wrong username or password (the same for both).
inline constexpr const char* kBadLoginMessage = "Sai tên đăng nhập hoặc mật khẩu";

struct Enrollment {
  DeviceContext device;
  std::string token;
  bool password_changed = false;  // the issued password was replaced at this login
};

// What a password check needs, read from the database by the DB worker.
struct PasswordRecord {
  std::int64_t user_id = 0;  // 0 = no such account (checked at the same cost, never matches)
  std::string hash;
  bool disabled = false;
  bool must_change = false;
};

// The slow part of a password check, computed off the DB worker.
struct CheckedPassword {
  bool matches = false;
  std::string rehash;    // the password hashed anew: the stored hash has fewer iterations
  std::string new_hash;  // the new password's hash, when one was given and is acceptable
};

// One enrolled device as the administrator sees it.
struct DeviceInfo {
  std::string public_id, username, name;
  std::int64_t created_at = 0, last_seen_at = 0;
  std::uint64_t high_seq = 0;
  std::int64_t revoked_at = 0;  // 0 = active
};

// One account as the administrator sees it.
struct AccountInfo {
  std::string username, full_name, roles, department;
  bool disabled = false;
  std::int64_t locked_until = 0;  // a login lockout (login_lockouts) until then; 0 = none stored
  bool must_change_password = false;
  std::int64_t devices = 0;
  std::int64_t last_seen_at = 0;  // 0 = never synced
};

// The identity of a `sodiem-server` command run with --maintenance by the
// OS user who owns the data directory (who could edit the database anyway):
// "bảo trì (máy chủ) — <OS user>" in the audit trail. It acts as an
// administrator (ADMIN), never as the principal; it is no account name
// (account names hold no spaces), and only that command produces it.
inline constexpr const char* kMaintenanceActor = "bảo trì (máy chủ)";
std::string maintenance_actor(const std::string& os_user);
bool is_maintenance_actor(const std::string& name);

// For commands run by a named person (locks, approvals): the account must
// exist, be enabled and hold one of `roles` (or be the maintenance identity
// and `roles` include ADMIN); otherwise FORBIDDEN with `refusal`
// (Vietnamese, naming what needs the role) and the username.
Status require_role(store::Db& db, const std::string& username, const std::vector<std::string>& roles,
                    const std::string& refusal);

class Accounts {
 public:
  Accounts(store::Db& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Creates a user; returns its id. Roles: HT, PHT, ADMIN, TTCM, GVCN, GVBM, VANTHU.
  // An issued password must be changed at first login unless told otherwise
  // (only the demo school's accounts, made for trying the product).
  Result<std::int64_t> create_user(const std::string& username, const std::string& full_name,
                                   const std::string& password, const std::vector<std::string>& roles,
                                   bool must_change_password = true);
  // A password login in three steps, so that the slow hashing runs off the
  // DB worker: read the record (DB), check_password (any thread), then
  // enroll (DB) with its outcome. Throttling (LoginLimiter) is the caller's.
  PasswordRecord password_record(const std::string& username);
  PasswordRecord password_record(std::int64_t user_id);
  // Verifies `password` against `record` (~0.2 s); hashes `new_password` too
  // if it is given, acceptable and the password matched.
  static CheckedPassword check_password(const PasswordRecord& record, const std::string& password,
                                        const std::string& new_password);
  // Enrolls a device after a matching check against `record` (refused if the
  // account changed meanwhile, is disabled, or its issued password must be
  // replaced: PASSWORD_CHANGE_REQUIRED without `new_password`). A weaker
  // stored hash is replaced by check.rehash.
  Result<Enrollment> enroll(const std::string& username, const PasswordRecord& record, const CheckedPassword& check,
                            const std::string& password, const std::string& device_name,
                            const std::string& new_password);
  Result<DeviceContext> authenticate(const std::string& device_public_id, const std::string& token);

  // Administration by ADMIN or HT (`by`), each in its own transaction with
  // its audit entry; a running server picks the change up (roster version).
  Status set_disabled(const std::string& username, bool disabled, const std::string& by, const std::string& reason);
  // The user changes their own password after check_password(record,
  // current, next) (wrong current one: UNAUTHENTICATED; the new one at least
  // 8 characters and not the same), audited by the caller's transaction.
  Status change_password(const PasswordRecord& record, const CheckedPassword& check, const std::string& current,
                         const std::string& next);
  // Why a device may not (or no longer) sync: revoked, or its account
  // disabled (UNAUTHENTICATED with the Vietnamese reason); ok otherwise.
  Status device_standing(std::int64_t device_row);
  // Issues a new random password (returned) that must be changed at next login.
  Result<std::string> reset_password(const std::string& username, const std::string& by);
  std::vector<AccountInfo> list();
  // Lifts the account's login lockout and forgets its failed attempts (the
  // store every process reads: the running server's limiter follows at the
  // next attempt). Refused when nothing is held against the account.
  Status unlock_login(const std::string& username, const std::string& by);
  // Lifts the login lockout of a remote address (held only by the running
  // server's limiter), audited as "login_unlocked" {"address"} before it is
  // lifted. Refused when the address is not locked.
  Status unlock_address(LoginLimiter& limiter, const std::string& address, const std::string& by);
  // A lost or stolen device: it can no longer sync; what it has not sent is
  // not accepted. The account and its other devices go on.
  Status revoke_device(const std::string& device_public_id, const std::string& by, const std::string& reason);
  std::vector<DeviceInfo> devices(const std::string& username = "");

 private:
  store::Db& db_;
  const Clock& clock_;
};

}  // namespace sodiem::server
