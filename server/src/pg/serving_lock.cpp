// The serving lock of a PostgreSQL school, a restore's request and this
// process's looks for requests (serving_lock.hpp). Per-backend code: it
// reaches pg::Db under store::Db. Callers: sync_service.cpp,
// school_open.cpp, backup.cpp, init.cpp.
#include "sodiem/server/serving_lock.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

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

void hold_serving_lock(store::Db& db, std::function<void(bool held)> held) {
  if (!db.pg()) return;
  const std::string school = db.school_id();
  // Now and on every new connection after a lost one: a session-level lock
  // goes with its connection. Tried, never waited for: a restore's
  // transaction holds it exclusively for as long as it replaces the rows,
  // and the opener thread (every school's openings) or the worker must not
  // stand still that long. The restore's brief looks (wait_for_servers)
  // hold it for one statement: tried again for kServingLockTries.
  db.pg()->on_connect([school, held = std::move(held)](pg::Db& pg) {
    const auto until = std::chrono::steady_clock::now() + tuning::kServingLockTries;
    for (;;) {
      auto s = pg.prepare(std::string("SELECT pg_try_advisory_lock_shared(") + kKey + ")");
      s.bind(1, school);
      if (s.step() && s.text(0) == "t") {
        if (held) held(true);
        return;
      }
      if (std::chrono::steady_clock::now() >= until) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (held) held(false);
    throw SchoolRestoring();
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

namespace {
// This process's last look at each database (restore_seen).
struct DatabaseLook {
  std::chrono::steady_clock::time_point at{};  // when it began
  bool looking = false;
  std::chrono::steady_clock::time_point looking_since{};  // a look stuck on a dead connection is not waited for
  std::unordered_set<std::int64_t> held;  // exclusive advisory keys granted then
};
std::mutex looks_mutex;
std::unordered_map<std::string, DatabaseLook> looks;
std::atomic<std::uint64_t> look_count{0};
}  // namespace

RestoreLookKey restore_look_key(store::Db& db) {
  if (!db.pg()) return {};
  // The cluster by its address, port and start (two clusters of one machine
  // may hold databases and schools of the same names).
  auto s = db.pg()->prepare(std::string("SELECT current_database() || ' ' || COALESCE(host(inet_server_addr()), '') "
                                        "|| ':' || current_setting('port') || ' ' || pg_postmaster_start_time()::text, ") +
                            kRestoreKey + "::bigint");
  s.bind(1, db.school_id());
  if (!s.step()) throw std::runtime_error("restore_look_key: no row");
  return {s.text(0), s.int64(1)};
}

void look_for_restore_requests(store::Db& db, const RestoreLookKey& key) {
  if (!db.pg()) return;
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(looks_mutex);
    auto& look = looks[key.database];
    // 3/4: a worker waking a little early still looks on its own turn.
    if ((look.looking && now - look.looking_since < tuning::kRestoreLookInterval) ||
        (look.at != std::chrono::steady_clock::time_point{} &&
                         now - look.at < tuning::kRestoreLookInterval * 3 / 4))
      return;
    look.looking = true;
    look.looking_since = now;
  }
  std::unordered_set<std::int64_t> held;
  try {
    // Every advisory key held exclusively in the database (restore requests,
    // and the writers' and restores' transaction locks, never asked about):
    // a single-bigint key shows as classid (high half) and objid, objsubid 1.
    auto s = db.pg()->prepare(
        "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND "
        "mode = 'ExclusiveLock' AND granted AND objsubid = 1 AND "
        "database = (SELECT oid FROM pg_database WHERE datname = current_database())");
    while (s.step()) held.insert(s.int64(0));
  } catch (...) {
    std::lock_guard lock(looks_mutex);
    auto& look = looks[key.database];
    if (look.looking_since == now) look.looking = false;  // not another's, begun after this one was given up
    throw;
  }
  ++look_count;
  std::lock_guard lock(looks_mutex);
  auto& look = looks[key.database];
  if (look.looking_since == now) look.looking = false;
  if (now < look.at) return;  // a late look (given up on, then answered): a newer one is kept
  look.at = now;
  look.held = std::move(held);
}

bool restore_seen(const RestoreLookKey& key, std::chrono::steady_clock::time_point since) {
  if (key.database.empty()) return false;
  std::lock_guard lock(looks_mutex);
  auto it = looks.find(key.database);
  return it != looks.end() && it->second.at >= since && it->second.held.count(key.key) > 0;
}

std::uint64_t restore_looks() { return look_count.load(); }

bool RestoreRequest::take() {
  if (!db_.pg()) return true;
  // An opening's look (restore_requested) holds the key shared for one
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
