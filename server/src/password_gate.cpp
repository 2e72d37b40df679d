// The password of a person acting at the server (see the header): one
// synchronous check through the shared limiter, audited like a device login.
// Called by the server's CLI; audit_refused_password also by sync_login.cpp.
#include "sodiem/server/password_gate.hpp"

#include <nlohmann/json.hpp>

#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"

namespace sodiem::server {

void audit_refused_password(store::Db& db, std::int64_t now, const std::string& username, const std::string& device,
                            const std::string& kind, const std::string& detail,
                            const std::vector<LoginLimiter::Lockout>& lockouts) {
  append_audit(db, {now, username, device, kind, detail});
  for (const auto& l : lockouts)
    append_audit(db, {now, username, device, "login_locked",
                      nlohmann::json{{"scope", l.scope},
                                     {l.scope == "account" ? "username" : "address", l.key},
                                     {"until", iso8601_utc(l.until)},
                                     {"lockout", l.lockouts}}
                          .dump()});
}

Result<PasswordRecord> begin_actor_check(store::Db& db, LoginLimiter& limiter, const Clock& clock,
                                         const ActorCredentials& who) {
  const auto gate = limiter.begin(who.username, who.address);
  if (!gate.allowed) return Status(ErrorCode::kRateLimited, gate.refusal + " Không có gì được thay đổi.");
  return Accounts(db, clock).password_record(who.username);
}

CheckedPassword check_actor_password(const PasswordRecord& record, const ActorCredentials& who) {
  return Accounts::check_password(record, who.password, record.must_change ? who.new_password : std::string());
}

Status finish_actor_check(store::Db& db, LoginLimiter& limiter, const Clock& clock, const ActorCredentials& who,
                          const PasswordRecord& record, const CheckedPassword& check) {
  const auto now = clock.now_unix_seconds();
  nlohmann::json context = {{"command", who.command}, {"os_user", who.os_user}};
  if (!who.address.empty()) context["address"] = who.address;
  if (!check.matches) {
    const auto lockouts = limiter.fail(who.username, who.address);
    nlohmann::json detail = context;
    detail["why"] = kBadLoginMessage;
    store::Transaction tx(db);
    audit_refused_password(db, now, who.username, "", "actor_login_failed", detail.dump(), lockouts);
    tx.commit();
    return Status(ErrorCode::kUnauthenticated, std::string(kBadLoginMessage) + " (tài khoản " + who.username +
                                                   "); không có gì được thay đổi.");
  }
  limiter.succeed(who.username, who.address);
  if (record.disabled) return Status(ErrorCode::kUnauthenticated, "Tài khoản " + who.username + " đã bị khóa");
  if (!record.must_change) return Status::ok();
  if (who.new_password.empty())
    return Status(ErrorCode::kPasswordChangeRequired,
                  "Mật khẩu được cấp cho tài khoản " + who.username +
                      " phải được đổi trước khi dùng: chạy lại lệnh với --new-password-stdin (mật khẩu mới ở dòng thứ "
                      "hai); không có gì được thay đổi.");
  Accounts accounts(db, clock);
  store::Transaction tx(db);
  if (auto st = accounts.change_password(record, check, who.password, who.new_password); !st) return st;
  append_audit(db, {now, who.username, "", "password_changed", context.dump()});
  tx.commit();
  return Status::ok();
}

Status verify_actor_password(store::Db& db, LoginLimiter& limiter, const Clock& clock, const ActorCredentials& who) {
  auto record = begin_actor_check(db, limiter, clock, who);
  if (!record) return record.status();
  CheckedPassword check;
  try {
    check = check_actor_password(*record, who);
  } catch (...) {
    limiter.abandon(who.username, who.address);
    throw;
  }
  return finish_actor_check(db, limiter, clock, who, *record, check);
}

}  // namespace sodiem::server
