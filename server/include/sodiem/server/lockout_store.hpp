// DbLockoutStore: the LoginLimiter's accounts' and remote addresses'
// failures and lockouts kept in the school's database (table login_lockouts),
// so that every process of the school (the running servers, each
// `sodiem-server` command acting for a person) counts the same failures and
// honours the same lockout. Only existing accounts are kept (bounded by the
// roster); unknown names are counted in memory only. An address's row is
// keyed "address:" + the address (no username holds a ':'); rows of
// addresses quiet for longer than a lockout can last are dropped as others
// are saved. Owns its own connection; the LoginLimiter calls it under its
// lock, so from one thread at a time.
#pragma once
#include <memory>
#include <string>

#include "sodiem/server/login_limiter.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

class DbLockoutStore : public LockoutStore {
 public:
  // `db_path`: a server database already migrated (open_server_db).
  explicit DbLockoutStore(const std::string& db_path);
  std::optional<State> load(const std::string& account) override;
  // Best effort: a database that cannot be written keeps the count in memory.
  void save(const std::string& account, const State& state) override;
  std::optional<State> load_address(const std::string& address) override;
  void save_address(const std::string& address, const State& state) override;
  std::optional<std::vector<std::pair<std::string, State>>> locked_addresses(std::int64_t now) override;

 private:
  std::unique_ptr<store::Db> db_;
};

}  // namespace sodiem::server
