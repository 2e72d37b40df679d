// Who serves a PostgreSQL school right now (docs/postgresql.md §5). Each
// SyncService's connection holds a shared advisory lock keyed on its school
// for as long as it serves it (taken again after a reconnect); a restore,
// which replaces the school's rows under the servers' caches, takes the same
// lock exclusively for its transaction and is refused while any server
// holds it. SQLite needs none: a restore there fills a new folder.
// Callers: SyncService (hold), backup.cpp (restore), init.cpp (migrate).
#pragma once
#include "sodiem/store/db.hpp"

namespace sodiem::server {

// On PostgreSQL, marks `db`'s session as serving its school until it closes;
// nothing on SQLite.
void hold_serving_lock(store::Db& db);

// Inside the caller's transaction on `db` (PostgreSQL): true when no server
// serves the school, which then cannot start serving it before the
// transaction ends.
bool no_server_serving(store::Db& db);

// How many server connections serve any school of the PostgreSQL database
// of `url` right now (their serving locks, whatever the school): `migrate`
// changes the schema they all share, so it waits for 0.
std::int64_t serving_connections(const std::string& url);

}  // namespace sodiem::server
