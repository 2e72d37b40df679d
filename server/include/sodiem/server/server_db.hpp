// The server's SQLite database: schema migrations and the meta table.
// Used by one thread at a time (the SyncService worker, or a CLI command).
#pragma once
#include <memory>
#include <string>

#include "sodiem/core/status.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct DataPaths {
  std::string dir;
  std::string db() const { return dir + "/server.db"; }
  std::string cert() const { return dir + "/server.crt"; }
  std::string key() const { return dir + "/server.key"; }
  std::string demo_accounts() const { return dir + "/demo-accounts.json"; }
  std::string audit_key() const { return dir + "/audit.key"; }
};

// The audit key beside a database file (DataPaths::audit_key of its folder).
std::string audit_key_path(const std::string& db_path);

// Opens the school's database: the SQLite file at `path` (DataPaths::db),
// applying any pending migrations, or, when the folder of `path` holds a
// database.json (store_config.hpp), the school's rows in PostgreSQL.
std::unique_ptr<store::Db> open_server_db(const std::string& path);
// `migrate` on SQLite only: as open_server_db, but with the file's exclusive
// lock taken first without waiting (nullptr when any other connection, such
// as a server's, has the file open) and held until the Db is closed, so no
// server opens the school while it is migrated. `version_before`: the
// schema's version under that lock, before migrating.
std::unique_ptr<store::Db> open_sqlite_school_alone(const std::string& path, int* version_before);

struct StoreConfig;
// The school's connection to PostgreSQL (the PostgreSQL store). The schema
// must be current: `migrate_with` (the owner's URL, at init) brings it there;
// the application role cannot, and is refused with what to run.
std::unique_ptr<store::Db> open_postgres_school(const StoreConfig& config, const std::string& migrate_with = "");
// The shared schema's version in the PostgreSQL database of `owner_url`
// (0 before the first migration). Throws when it cannot connect.
int postgres_schema_version(const std::string& owner_url);
// Which database `url` reaches: its name and the server's address and port
// (two URLs of the same database give the same text).
std::string postgres_database_of(const std::string& url);

// PRAGMA quick_check over every page: the server refuses to start on a
// damaged file (it would fail each push touching a bad page, and write more
// on top of it). The refusal names the way back: restore the last backup.
[[nodiscard]] Status check_database_pages(store::Db& db, const std::string& data_dir);

std::string get_meta(store::Db& db, const std::string& key, const std::string& fallback = "");
void set_meta(store::Db& db, const std::string& key, const std::string& value);
// Records that the roster (users, classes, students, assignments) changed,
// so a running server reloads it and clients re-fetch it.
void bump_roster_version(store::Db& db);

}  // namespace sodiem::server
