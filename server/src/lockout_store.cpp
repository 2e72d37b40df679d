// DbLockoutStore: login failures and lockouts per account in the server
// database (see the header). Called by the LoginLimiter under its lock.
#include "sodiem/server/lockout_store.hpp"

#include <spdlog/spdlog.h>

#include "sodiem/server/server_db.hpp"

namespace sodiem::server {

DbLockoutStore::DbLockoutStore(const std::string& db_path)
    : db_(open_server_db(db_path)) {}

std::optional<LockoutStore::State> DbLockoutStore::load(const std::string& account) {
  try {
    auto s = db_->cached(
        "SELECT COALESCE(l.failures, 0), COALESCE(l.lockouts, 0), COALESCE(l.last_failure, 0), "
        "COALESCE(l.locked_until, 0) FROM users u LEFT JOIN login_lockouts l ON l.username = u.username "
        "WHERE u.username = ?");
    s->bind(1, account);
    if (!s->step()) return std::nullopt;
    return State{static_cast<int>(s->int64(0)), static_cast<int>(s->int64(1)), s->int64(2), s->int64(3)};
  } catch (const std::exception& e) {
    spdlog::warn("login lockouts not read for {}: {}", account, e.what());
    return std::nullopt;
  }
}

void DbLockoutStore::save(const std::string& account, const State& state) {
  try {
    if (state.failures == 0 && state.lockouts == 0 && state.locked_until == 0) {
      auto s = db_->cached("DELETE FROM login_lockouts WHERE username = ?");
      s->bind(1, account);
      s->run();
      return;
    }
    auto s = db_->cached(
        "INSERT INTO login_lockouts(username, failures, lockouts, last_failure, locked_until) "
        "SELECT username, ?, ?, ?, ? FROM users WHERE username = ? "
        "ON CONFLICT(username) DO UPDATE SET failures = excluded.failures, lockouts = excluded.lockouts, "
        "last_failure = excluded.last_failure, locked_until = excluded.locked_until");
    s->bind(1, state.failures).bind(2, state.lockouts).bind(3, state.last_failure).bind(4, state.locked_until)
        .bind(5, account);
    s->run();
  } catch (const std::exception& e) {
    spdlog::warn("login lockouts not saved for {}: {}", account, e.what());
  }
}

}  // namespace sodiem::server
