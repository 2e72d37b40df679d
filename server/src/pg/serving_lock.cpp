// The serving lock of a PostgreSQL school (serving_lock.hpp). Per-backend
// code: it reaches pg::Db under store::Db. Callers: sync_service.cpp,
// school_open.cpp, backup.cpp, init.cpp.
#include "sodiem/server/serving_lock.hpp"

#include <chrono>
#include <thread>

#include "sodiem/pg/db.hpp"

namespace sodiem::server {
namespace {
// The lock's key: the school's, in a namespace of its own (the writers' lock
// is hashtext(school), store::Transaction).
constexpr const char* kKey = "hashtext('sodiem-serving:' || ?)";
// A restore's request to let go of the school: held exclusively by the
// restore's session; a server's try for it, shared, fails while it is held.
constexpr const char* kRestoreKey = "hashtext('sodiem-restore:' || ?)";
}  // namespace

void hold_serving_lock(store::Db& db) {
  if (!db.pg()) return;
  const std::string school = db.school_id();
  // Now and on every new connection after a lost one: a session-level lock
  // goes with its connection.
  db.pg()->on_connect([school](pg::Db& pg) {
    auto s = pg.prepare(std::string("SELECT pg_advisory_lock_shared(") + kKey + ")");
    s.bind(1, school);
    s.step();
  });
}

bool no_server_serving(store::Db& db) {
  if (!db.pg()) return true;
  auto s = db.pg()->prepare(std::string("SELECT pg_try_advisory_xact_lock(") + kKey + ")");
  s.bind(1, db.school_id());
  return s.step() && s.text(0) == "t";
}

bool restore_requested(store::Db& db) {
  if (!db.pg()) return false;
  // Outside a transaction: the statement's own, so taken and let go at once.
  auto s = db.pg()->prepare(std::string("SELECT pg_try_advisory_xact_lock_shared(") + kRestoreKey + ")");
  s.bind(1, db.school_id());
  return s.step() && s.text(0) != "t";
}

bool RestoreRequest::take() {
  if (!db_.pg()) return true;
  // A server's look (restore_requested) holds the key shared for one
  // statement: tried again for a second before another restore is named.
  for (int attempt = 0; attempt < 20 && !held_; ++attempt) {
    if (attempt) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto s = db_.pg()->prepare(std::string("SELECT pg_try_advisory_lock(") + kRestoreKey + ")");
    s.bind(1, db_.school_id());
    held_ = s.step() && s.text(0) == "t";
  }
  return held_;
}

void RestoreRequest::withdraw() noexcept {
  if (!held_) return;
  held_ = false;
  try {
    auto s = db_.pg()->prepare(std::string("SELECT pg_advisory_unlock(") + kRestoreKey + ")");
    s.bind(1, db_.school_id());
    s.step();
  } catch (...) {
    // The connection is gone: so is the lock.
  }
}

std::int64_t serving_connections(const std::string& url) {
  pg::Db db(url);
  // Serving locks are the only shared session-level advisory locks the
  // servers take (the writers' lock is exclusive, per transaction).
  auto s = db.prepare(
      "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' AND granted AND "
      "database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND pid <> pg_backend_pid()");
  return s.step() ? s.int64(0) : 0;
}

}  // namespace sodiem::server
