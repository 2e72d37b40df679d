// How many more connections a PostgreSQL cluster accepts from ordinary
// roles (docs/postgresql.md §5, capacity): a multi-school process asks it
// before opening a school so that it never takes the cluster's last free
// connections. Callers: school_open.cpp.
#pragma once
#include <cstdint>

#include "sodiem/store/db.hpp"

namespace sodiem::server {

// On PostgreSQL: max_connections less the reserved slots (superuser, and
// reserved_connections from PostgreSQL 16) less the client connections now
// open (`db`'s own among them). Nothing to count on SQLite: INT64_MAX.
std::int64_t pg_free_connections(store::Db& db);

// pg_free_connections, read again for up to 300 ms while fewer than `need`:
// a backend whose client has just gone (a school this process closed to make
// room) leaves pg_stat_activity a moment later. Returns the last count.
std::int64_t pg_free_connections_settled(store::Db& db, std::int64_t need);

}  // namespace sodiem::server
