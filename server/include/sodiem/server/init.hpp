// Creates a server data directory: database, epoch, TLS key and self-signed
// certificate, the admin account, and optionally the demo school with its
// demo-accounts.json. Refuses to touch an existing database. And brings an
// existing one's schema up to this program's version (migrate_data_dir).
#pragma once
#include <optional>
#include <string>

#include "sodiem/core/status.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/store_config.hpp"

namespace sodiem::server {

struct InitResult {
  std::string fingerprint;
  std::string admin_password;
};

// The school's data in PostgreSQL instead of DIR/server.db (store_config.hpp).
struct PostgresInit {
  StoreConfig config;       // what the servers connect with (the application role)
  std::string owner_url;    // who brings the schema up to date ("": none needed when current, else config.url)
};

Result<InitResult> init_data_dir(const DataPaths& paths, const std::string& school_name, bool demo,
                                 const std::optional<PostgresInit>& postgres = std::nullopt);

// The schema of an existing school's store before and after migrate_data_dir.
struct MigrateResult {
  bool postgres = false;
  int from = 0, to = 0;
};

// After an upgrade of sodiem-server: the school's schema brought to this
// program's version, then the school opened as `run` opens it (so a store
// the servers would refuse is refused here, with the same words). SQLite
// migrates as it opens; PostgreSQL needs the schema owner's URL (the
// schema is shared: every school of the database moves with it). Callers:
// `sodiem-server migrate`, tests.
Result<MigrateResult> migrate_data_dir(const DataPaths& paths, const std::string& owner_url);

}  // namespace sodiem::server
