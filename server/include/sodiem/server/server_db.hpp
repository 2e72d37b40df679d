// The server's SQLite database: schema migrations and the meta table.
// Used by one thread at a time (the SyncService worker, or a CLI command).
#pragma once
#include <memory>
#include <string>

#include "sodiem/sqlite/db.hpp"

namespace sodiem::server {

struct DataPaths {
  std::string dir;
  std::string db() const { return dir + "/server.db"; }
  std::string cert() const { return dir + "/server.crt"; }
  std::string key() const { return dir + "/server.key"; }
  std::string demo_accounts() const { return dir + "/demo-accounts.json"; }
};

// Opens the database at `path`, applying any pending migrations.
std::unique_ptr<sqlite::Db> open_server_db(const std::string& path);

std::string get_meta(sqlite::Db& db, const std::string& key, const std::string& fallback = "");
void set_meta(sqlite::Db& db, const std::string& key, const std::string& value);
// Records that the roster (users, classes, students, assignments) changed,
// so a running server reloads it and clients re-fetch it.
void bump_roster_version(sqlite::Db& db);

}  // namespace sodiem::server
