// Who serves a PostgreSQL school right now (docs/postgresql.md §5). Each
// SyncService's connection holds a shared advisory lock keyed on its school
// for as long as it serves it (taken again after a reconnect); a restore,
// which replaces the school's rows under the servers' caches, takes the same
// lock exclusively for its transaction and is refused while any server
// holds it. SQLite needs none: a restore there fills a new folder.
// A restore asks the processes serving the school to let go of it first
// (RestoreRequest): a session-level advisory lock of its own connection,
// kept in the database (processes may be on other machines), withdrawn when
// the restore ends and, if it dies, with its connection.
// Each process looks for requests once per database per
// kRestoreLookInterval (one query over pg_locks, on the connection of
// whichever of its schools' workers comes first), not once per open school.
// Callers: SyncService (hold, the looks), school_open.cpp
// (restore_requested), backup.cpp (restore), init.cpp (migrate).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

#include "sodiem/core/status.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::tuning {
using namespace std::chrono_literals;
// `restore` of a school on PostgreSQL while processes serve it: each open
// school's worker looks for the restore's request every
// kRestoreLookInterval; a multi-school process asked lets go of the school
// (its pushes in flight committed and acked, its connections closed, those
// still open after kLetGoGrace cut) and refuses its devices until the
// request is withdrawn. `restore` waits kRestoreWait (--wait) for every
// process to let go.
inline constexpr auto kRestoreLookInterval = 2s;
inline constexpr auto kLetGoGrace = 5s;
inline constexpr auto kRestoreWait = 60s;
// How long an opening (or a new connection after a lost one) tries for the
// serving lock a restore's transaction holds before it gives up: never
// blocks the one opener thread, nor a worker, for the restore's length.
inline constexpr auto kServingLockTries = 1s;
}  // namespace sodiem::tuning

namespace sodiem::server {

inline constexpr const char* kRestoringRefusal =
    "Trường đang được khôi phục từ bản sao lưu; hãy thử lại sau ít phút.";
// The refusal of a school a restore has asked its servers to let go of, or
// holds (marked by its detail, not its words).
inline Status restoring_refusal() {
  return Status(ErrorCode::kRateLimited, kRestoringRefusal, Status::Detail::kSchoolRestoring);
}
inline bool refused_for_restore(const Status& st) {
  return !st && st.detail() == Status::Detail::kSchoolRestoring;
}

// The serving lock could not be had: a restore of the school holds it (its
// transaction replacing the school's rows is under way).
class SchoolRestoring : public std::runtime_error {
 public:
  SchoolRestoring() : std::runtime_error("a restore of the school holds its serving lock") {}
};

// On PostgreSQL, marks `db`'s session as serving its school until it closes;
// nothing on SQLite. Now and on every new connection after a lost one, it
// tries for kServingLockTries and tells `held` (if any) whether it got it;
// when not, it throws SchoolRestoring (the new connection is dropped, tried
// again at its next use).
void hold_serving_lock(store::Db& db, std::function<void(bool held)> held = {});

// Inside the caller's transaction on `db` (PostgreSQL): true when no server
// serves the school, which then cannot start serving it before the
// transaction ends.
bool no_server_serving(store::Db& db);

// PostgreSQL: whether a restore of `db`'s school asks its servers to let go
// of it now (outside a transaction; false on SQLite).
bool restore_requested(store::Db& db);

// The looks of one process (PostgreSQL): a school's restore key in its
// database, read once at its opening (restore_look_key).
struct RestoreLookKey {
  std::string database;  // the database and cluster reached
  std::int64_t key = 0;  // the school's request's advisory key there
};
RestoreLookKey restore_look_key(store::Db& db);
// On `db` (a school's worker, between batches): every restore request held in
// its database, in one query, unless a school of this process looked there
// within the last 3/4 of kRestoreLookInterval. Throws if the query fails.
void look_for_restore_requests(store::Db& db, const RestoreLookKey& key);
// Whether the last look at key.database, if it began at or after `since`
// (the school's opening, which looked itself), saw the school's request. Any thread.
bool restore_seen(const RestoreLookKey& key, std::chrono::steady_clock::time_point since);
// Queries look_for_restore_requests made in this process (tests).
std::uint64_t restore_looks();

// A restore's request to the servers of `db`'s school (PostgreSQL) to let go
// of it, held on `db` (its own connection, used for nothing else) until
// withdraw() or the connection ends. take() is false when another restore
// of the school holds one already.
class RestoreRequest {
 public:
  explicit RestoreRequest(store::Db& db) : db_(db) {}
  ~RestoreRequest() { withdraw(); }
  RestoreRequest(const RestoreRequest&) = delete;
  RestoreRequest& operator=(const RestoreRequest&) = delete;
  bool take();
  void withdraw() noexcept;

 private:
  store::Db& db_;
  bool held_ = false;
};

// How many server connections serve any school of the PostgreSQL database
// of `url` right now (their serving locks, whatever the school): `migrate`
// changes the schema they all share, so it waits for 0.
std::int64_t serving_connections(const std::string& url);

}  // namespace sodiem::server
