// The console's login sessions (table console_sessions; see
// console_impl.hpp): a random token in a Secure HttpOnly SameSite=Strict
// cookie, only its hash stored, bound to its audited login; idle and
// absolute expiry. Console thread only.
#include <nlohmann/json.hpp>

#include "sodiem/core/crypto.hpp"
#include "sodiem/server/audit.hpp"
#include "console_impl.hpp"

namespace sodiem::server::console {

using crypto::random_hex;
using crypto::sha256_hex;

namespace {
// The last use is written when at least this part of the idle bound has
// passed since the one stored (not at every request: the console shares
// the database's one writer with sync), so a session lives between 7/8 of
// the idle bound and all of it after its last request.
constexpr std::int64_t kTouchFraction = 8;
}  // namespace

std::string csrf_of(const std::string& token) { return sha256_hex("sodiem console csrf\n" + token); }

std::string open_session(store::Db& db, std::int64_t user_id, const std::string& username, const std::string& address,
                         std::int64_t now) {
  const std::string token = random_hex(32);
  // Sessions over for a day are forgotten (the audit trail keeps the logins).
  db.prepare("DELETE FROM console_sessions WHERE COALESCE(ended_at, last_used_at) < ?").bind(1, now - 86400).run();
  db.prepare("INSERT INTO console_sessions(token_hash, user_id, address, created_at, last_used_at) VALUES(?, ?, ?, ?, ?)")
      .bind(1, sha256_hex(token))
      .bind(2, user_id)
      .bind(3, address)
      .bind(4, now)
      .bind(5, now)
      .run();
  // The login's audit entry names the session; the session names the entry.
  const std::int64_t seq = append_audit(db, {now, username, "", "console_login",
                                             nlohmann::json{{"address", address}, {"session", sha256_hex(token)}}.dump()});
  db.prepare("UPDATE console_sessions SET login_seq = ? WHERE token_hash = ?").bind(1, seq).bind(2, sha256_hex(token)).run();
  return token;
}

std::optional<Session> find_session(store::Db& db, const std::string& token, std::int64_t now,
                                    const ConsoleLimits& limits) {
  if (token.size() != 64 || token.find_first_not_of("0123456789abcdef") != std::string::npos) return std::nullopt;
  // Only a session opened by an audited login of its own user: a row
  // written into the file by anyone else opens nothing.
  auto s = db.cached(
      "SELECT cs.id, cs.user_id, cs.created_at, cs.last_used_at FROM console_sessions cs "
      "JOIN audit_log a ON a.seq = cs.login_seq AND a.kind = 'console_login' "
      "AND json_extract(a.detail, '$.session') = cs.token_hash "
      "JOIN users u ON u.id = cs.user_id AND u.username = a.actor "
      "WHERE cs.token_hash = ? AND cs.ended_at IS NULL");
  s->bind(1, sha256_hex(token));
  if (!s->step()) return std::nullopt;
  Session session{s->int64(0), s->int64(1), csrf_of(token), s->int64(2), s->int64(3)};
  s->reset();
  const std::int64_t idle = limits.session_idle.count(), max = limits.session_max.count();
  if (now - session.last_used_at > idle || now - session.created_at > max) {
    end_session(db, session.id, now);
    return std::nullopt;
  }
  if ((now - session.last_used_at) * kTouchFraction >= std::max<std::int64_t>(idle, 1)) {
    store::Transaction tx(db);
    db.cached("UPDATE console_sessions SET last_used_at = ? WHERE id = ?")->bind(1, now).bind(2, session.id).run();
    tx.commit();
    session.last_used_at = now;
  }
  return session;
}

void end_session(store::Db& db, std::int64_t id, std::int64_t now) {
  store::Transaction tx(db);
  db.cached("UPDATE console_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL")->bind(1, now).bind(2, id).run();
  tx.commit();
}

std::string session_cookie(const std::string& token) {
  return std::string(kCookieName) + "=" + token + "; Secure; HttpOnly; SameSite=Strict; Path=/";
}

std::string cleared_cookie() {
  return std::string(kCookieName) + "=; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=0";
}

}  // namespace sodiem::server::console
