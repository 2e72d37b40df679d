// LoginLimiter: throttles password guessing per account and per remote
// address with temporary lockouts that grow (tuning.hpp: 5 failures lock an
// account for 15 min, then 30, 60…; an address has a higher bound). The one
// implementation for every password check of the server: sync login, the
// `password` change, a future web console. While locked, even the right
// password is refused, before any hashing. Attempts allowed but not yet
// finished count as in flight, so parallel guesses cannot outrun the bound.
// State is in memory (bounded), lost at restart; with a LockoutStore the
// accounts' and the addresses' counts and lockouts are also kept in the
// school's database, so the running servers (several processes may serve one
// school on PostgreSQL: an address alternating between them meets one bound)
// and a `sodiem-server` command acting for a person count the same failures
// and honour the same lockout. Thread-safe; time comes from the injected Clock.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/tuning.hpp"

namespace sodiem::server {

struct LoginLimits {
  int account_failures = tuning::kLoginFailuresPerAccount;
  int address_failures = tuning::kLoginFailuresPerAddress;
  std::chrono::seconds failure_window = tuning::kLoginFailureWindow;
  std::chrono::seconds first_lockout = tuning::kLoginLockout;
  std::chrono::seconds max_lockout = tuning::kLoginLockoutMax;
  std::size_t max_entries = tuning::kLoginLimiterMaxEntries;
};

// Where an account's or an address's failures and lockout outlive the
// process (the server database: lockout_store.hpp). Called under the
// limiter's lock.
class LockoutStore {
 public:
  struct State {
    int failures = 0;
    int lockouts = 0;
    std::int64_t last_failure = 0;
    std::int64_t locked_until = 0;
  };
  virtual ~LockoutStore() = default;
  // The account's stored state (all zero if clean); nullopt when the store
  // keeps nothing for it (no such account: counted in memory only).
  virtual std::optional<State> load(const std::string& account) = 0;
  virtual void save(const std::string& account, const State& state) = 0;
  // The same for a remote address; nullopt when the store keeps no addresses
  // (they are then counted in memory only).
  virtual std::optional<State> load_address(const std::string&) { return std::nullopt; }
  virtual void save_address(const std::string&, const State&) {}
  // The addresses locked at `now`, with their state; nullopt when the store
  // keeps no addresses.
  virtual std::optional<std::vector<std::pair<std::string, State>>> locked_addresses(std::int64_t) {
    return std::nullopt;
  }
};

class LoginLimiter {
 public:
  // Whether an attempt may check its password now; if not, `refusal` says
  // why and when to retry (Vietnamese, for the RATE_LIMITED error).
  struct Gate {
    bool allowed = false;
    std::int64_t retry_at = 0;
    std::string refusal;
  };
  // A lockout that a failure started: audited once ("login_locked").
  struct Lockout {
    std::string scope;  // "account" or "address"
    std::string key;    // the username or the address
    std::int64_t until = 0;
    int lockouts = 0;  // 1 for the first in a row, then 2, 3… (each twice as long)
  };

  explicit LoginLimiter(const Clock& clock, LoginLimits limits = {}, std::shared_ptr<LockoutStore> store = nullptr);

  // Before checking a password of `account` from `address` ("" = unknown,
  // e.g. in-process tests). An allowed attempt must be ended by exactly one
  // of fail / succeed / abandon.
  Gate begin(const std::string& account, const std::string& address);
  // The password was wrong: returns the lockouts this failure started.
  std::vector<Lockout> fail(const std::string& account, const std::string& address);
  // The password was right: the account's failures are forgiven (not the
  // address's: one valid account must not reset an address's guesses).
  void succeed(const std::string& account, const std::string& address);
  // The attempt was never checked (server busy): releases it uncounted.
  void abandon(const std::string& account, const std::string& address);
  // The remote addresses locked out now, the soonest to end first (from the
  // store when it keeps addresses, else this process's; for the console).
  std::vector<Lockout> address_lockouts();
  // Ends the lockout of `address` and forgets its failures (an account's
  // is lifted in the store: Accounts::unlock_login); false when it was not
  // locked. Audited by the caller (Accounts::unlock_address).
  bool lift_address(const std::string& address);

 private:
  struct Entry {
    int failures = 0;   // within the window, since the last lockout
    int in_flight = 0;  // allowed, not finished
    int lockouts = 0;   // in a row; forgotten after a quiet max_lockout
    std::int64_t last_failure = 0;
    std::int64_t locked_until = 0;
    bool stored = false;  // the LockoutStore keeps this account or address
  };
  using Table = std::unordered_map<std::string, Entry>;

  Entry* find(Table& table, const std::string& key, std::int64_t now);
  Entry* slot(Table& table, const std::string& key, std::int64_t now);
  void forget_stale(Entry& e, std::int64_t now) const;
  bool stale(const Entry& e, std::int64_t now) const;
  bool fail_one(Entry& e, int bound, std::int64_t now);
  static void release(Table& table, const std::string& key);
  void load(Entry& e, const std::string& account);
  void save(const Entry& e, const std::string& account);
  void load_address(Entry& e, const std::string& address);
  void save_address(const Entry& e, const std::string& address);

  const Clock& clock_;
  LoginLimits limits_;
  std::shared_ptr<LockoutStore> store_;
  std::mutex mutex_;
  Table accounts_;
  Table addresses_;
};

}  // namespace sodiem::server
