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

}  // namespace sodiem::server
