// Creates a server data directory: database, epoch, TLS key and self-signed
// certificate, the admin account, and optionally the demo school with its
// demo-accounts.json. Refuses to touch an existing database.
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

}  // namespace sodiem::server
