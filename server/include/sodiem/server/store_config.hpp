// Which store a data directory uses (docs/postgresql.md §5). A directory made
// by `init` alone keeps the school in DIR/server.db (SQLite, the default); one
// made by `init --database postgresql://…` keeps it in PostgreSQL and says so
// in DIR/database.json: the URL the servers connect with (the application
// role) and the school's id, since one database holds many schools.
// Callers: open_server_db, init, and whoever asks whether a directory holds
// a school (run, the CLI commands, backup).
#pragma once
#include <optional>
#include <string>

namespace sodiem::server {

struct StoreConfig {
  std::string url;        // postgresql://… (libpq connection URI)
  std::string school_id;  // this school's rows in that database
};

// DIR/database.json, or nothing for a SQLite directory. Throws on a file that
// is there but unreadable or incomplete (never falls back to an empty SQLite).
std::optional<StoreConfig> read_store_config(const std::string& data_dir);
// Written 0600 (the URL may carry a password).
void write_store_config(const std::string& data_dir, const StoreConfig& config);

// Whether `data_dir` holds a school: its server.db, or its database.json.
bool has_school_database(const std::string& data_dir);

// A school id as the tools accept it: 1–64 of [a-z0-9-], e.g. "thcs-tan-lap".
bool valid_school_id(const std::string& id);

}  // namespace sodiem::server
