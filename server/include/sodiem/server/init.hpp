// Creates a server data directory: database, epoch, TLS key and self-signed
// certificate, the admin account, and optionally the demo school with its
// demo-accounts.json. Refuses to touch an existing database.
#pragma once
#include <string>

#include "sodiem/core/status.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {

struct InitResult {
  std::string fingerprint;
  std::string admin_password;
};

Result<InitResult> init_data_dir(const DataPaths& paths, const std::string& school_name, bool demo);

}  // namespace sodiem::server
