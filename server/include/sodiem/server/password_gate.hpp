// The password of a person acting at the server itself (a `sodiem-server`
// command run in a shell on the school server), checked with the same
// Accounts::check_password and the same LoginLimiter (lockouts shared with
// sync logins through the database: lockout_store.hpp) as a device login,
// and refused attempts audited the same way. Called by the server's CLI on
// its own connection and by the web console (in steps, hashing off its
// thread); sync_login.cpp shares audit_refused_password.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/status.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/login_limiter.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

// One audit row `kind` for a refused password (detail: a JSON object), and
// one "login_locked" row per lockout it started (attempts refused while
// locked write nothing: one row per burst). Inside the caller's transaction.
void audit_refused_password(store::Db& db, std::int64_t now, const std::string& username, const std::string& device,
                            const std::string& kind, const std::string& detail,
                            const std::vector<LoginLimiter::Lockout>& lockouts);

// What a person acting at the server gave to prove who they are.
struct ActorCredentials {
  std::string username, password;
  std::string new_password;  // replaces an issued password (must be changed at first use, as on a device)
  std::string command;       // what they asked for, for the audit trail ("lock set", …)
  std::string os_user;       // who ran it on the server, for the audit trail
  std::string address;       // the remote address (the web console); "" = a local shell
};

// Checks `who`'s password now, on this thread, through `limiter` (no
// address: a local shell). Wrong (or no such account): UNAUTHENTICATED,
// audited as "actor_login_failed" and counted toward the lockout; while the
// account is locked out: RATE_LIMITED before any hashing; a disabled
// account: UNAUTHENTICATED; an issued password not yet replaced:
// PASSWORD_CHANGE_REQUIRED unless who.new_password is acceptable (then it is
// changed and audited). Messages in Vietnamese.
Status verify_actor_password(store::Db& db, LoginLimiter& limiter, const Clock& clock, const ActorCredentials& who);

// verify_actor_password in its three steps, for a caller that must not hash
// on its own thread (the web console): begin on the database's thread (the
// limiter's gate and the stored record: RATE_LIMITED before any hashing),
// check anywhere (~0.2 s; if it throws, the caller calls limiter.abandon),
// finish on the database's thread (the verdict, counted, audited, and the
// issued password replaced). Exactly one finish (or abandon) per begun check.
Result<PasswordRecord> begin_actor_check(store::Db& db, LoginLimiter& limiter, const Clock& clock,
                                         const ActorCredentials& who);
CheckedPassword check_actor_password(const PasswordRecord& record, const ActorCredentials& who);
Status finish_actor_check(store::Db& db, LoginLimiter& limiter, const Clock& clock, const ActorCredentials& who,
                          const PasswordRecord& record, const CheckedPassword& check);

}  // namespace sodiem::server
