// The free connections of a PostgreSQL cluster (see pg_room.hpp).
// Per-backend code: PostgreSQL's settings and pg_stat_activity.
#include "sodiem/server/pg_room.hpp"

#include <chrono>
#include <limits>
#include <thread>

namespace sodiem::server {

std::int64_t pg_free_connections(store::Db& db) {
  if (db.backend() != store::Backend::kPostgres) return std::numeric_limits<std::int64_t>::max();
  // Every row of pg_stat_activity is visible to any role, but another
  // role's backend_type reads NULL: a row with a user and no type visible
  // is counted as a client too (autovacuum workers and standbys' senders,
  // counted with them, only make the figure safer). Background workers
  // without a user take no max_connections slot.
  auto s = db.prepare(
      "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int - "
      "COALESCE(current_setting('reserved_connections', true)::int, 0) - "
      "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' OR "
      "(backend_type IS NULL AND usesysid IS NOT NULL))");
  if (!s.step()) return 0;
  return s.int64(0);
}

std::int64_t pg_free_connections_settled(store::Db& db, std::int64_t need) {
  std::int64_t free = pg_free_connections(db);
  for (int attempt = 0; attempt < 6 && free < need; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    free = pg_free_connections(db);
  }
  return free;
}

}  // namespace sodiem::server
