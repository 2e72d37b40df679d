// DbLockoutStore: login failures and lockouts per account and per remote
// address in the school's database (see the header). Called by the LoginLimiter under its lock.
#include "sodiem/server/lockout_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "sodiem/core/tuning.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {

namespace {
constexpr std::string_view kAddressKey = "address:";  // no username holds a ':' (Accounts::create_user)
std::string address_key(const std::string& address) { return std::string(kAddressKey) + address; }
}  // namespace

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

std::optional<LockoutStore::State> DbLockoutStore::load_address(const std::string& address) {
  try {
    auto s = db_->cached("SELECT failures, lockouts, last_failure, locked_until FROM login_lockouts WHERE username = ?");
    s->bind(1, address_key(address));
    if (!s->step()) return State{};
    return State{static_cast<int>(s->int64(0)), static_cast<int>(s->int64(1)), s->int64(2), s->int64(3)};
  } catch (const std::exception& e) {
    spdlog::warn("login lockouts not read for address {}: {}", address, e.what());
    return std::nullopt;
  }
}

void DbLockoutStore::save_address(const std::string& address, const State& state) {
  try {
    // Addresses quiet for longer than any lockout or failure window are forgotten (LoginLimiter::forget_stale).
    const std::int64_t quiet =
        std::max<std::chrono::seconds>(tuning::kLoginLockoutMax, tuning::kLoginFailureWindow).count();
    auto prune = db_->cached(
        "DELETE FROM login_lockouts WHERE username LIKE 'address:%' AND locked_until < ? AND last_failure < ?");
    prune->bind(1, state.last_failure - quiet).bind(2, state.last_failure - quiet).run();
    if (state.failures == 0 && state.lockouts == 0 && state.locked_until == 0) {
      auto s = db_->cached("DELETE FROM login_lockouts WHERE username = ?");
      s->bind(1, address_key(address));
      s->run();
      return;
    }
    auto s = db_->cached(
        "INSERT INTO login_lockouts(username, failures, lockouts, last_failure, locked_until) VALUES(?, ?, ?, ?, ?) "
        "ON CONFLICT(username) DO UPDATE SET failures = excluded.failures, lockouts = excluded.lockouts, "
        "last_failure = excluded.last_failure, locked_until = excluded.locked_until");
    s->bind(1, address_key(address)).bind(2, state.failures).bind(3, state.lockouts).bind(4, state.last_failure)
        .bind(5, state.locked_until);
    s->run();
  } catch (const std::exception& e) {
    spdlog::warn("login lockouts not saved for address {}: {}", address, e.what());
  }
}

std::optional<std::vector<std::pair<std::string, LockoutStore::State>>> DbLockoutStore::locked_addresses(
    std::int64_t now) {
  try {
    auto s = db_->cached(
        "SELECT username, failures, lockouts, last_failure, locked_until FROM login_lockouts "
        "WHERE username LIKE 'address:%' AND locked_until > ?");
    s->bind(1, now);
    std::vector<std::pair<std::string, State>> out;
    while (s->step())
      out.emplace_back(s->text(0).substr(kAddressKey.size()),
                       State{static_cast<int>(s->int64(1)), static_cast<int>(s->int64(2)), s->int64(3), s->int64(4)});
    return out;
  } catch (const std::exception& e) {
    spdlog::warn("login lockouts of addresses not read: {}", e.what());
    return std::nullopt;
  }
}

}  // namespace sodiem::server
