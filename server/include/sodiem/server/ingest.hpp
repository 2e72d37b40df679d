// Ingestor: applies one device's push to the authoritative store inside the
// caller's open transaction. Per op, decide() checks (dedupe by (device,
// seq) → resolve names → authorise → validate → locks → conflict) and
// apply_decision() writes (version + outcome, the push's audit entry through
// PushAuditWriter); then the device's high-water seq. The caller commits,
// then sends the Ack. Owned by the SyncService worker thread; not
// thread-safe.
#pragma once
#include <array>
#include <set>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>
#include <string>
#include <unordered_map>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/status.hpp"
#include "sodiem/protocol/messages.hpp"
#include "sodiem/server/directory.hpp"
#include "sodiem/server/locks.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

// An authenticated device, as the server knows it.
struct DeviceContext {
  std::int64_t row_id = 0;
  std::string public_id;
  std::int64_t user_id = 0;
  std::uint64_t high_seq = 0;  // highest seq applied; kept in step with the db
  // Start of the device's previous session: ops it sends now were typed after it.
  std::int64_t session_floor = 0;
  // The ended school year the device's ops belong to (its hello's), "" when
  // current: every op of it is refused and kept, never written into this year.
  std::string stale_year{};
};

class Ingestor {
 public:
  Ingestor(store::Db& db, const Directory& directory, const Clock& clock);

  // Applies `push`. On error nothing of this push may be committed: the
  // caller rolls back (the device's high_seq is then stale: reload it).
  Result<protocol::Ack> apply(DeviceContext& device, const protocol::Push& push);
  // Drops the cells remembered from earlier pushes: the caller rolled back.
  void forget_cells() {
    cells_.clear();
    read_subjects_.clear();
    locks_read_ = false;
  }

 private:
  struct Current {
    bool exists = false;
    std::string value;
    std::uint64_t version = 0;
    std::int64_t device_id = 0;
    std::int64_t user_id = 0;
    std::int64_t rowid = 0;  // of the cells row, when it exists
  };
  struct CellId {
    std::int64_t class_id, subject_id, student_id;
    std::string col;
    bool operator==(const CellId&) const = default;
  };
  struct CellIdHash {
    std::size_t operator()(const CellId& c) const noexcept {
      std::size_t h = std::hash<std::string>{}(c.col);
      for (std::int64_t v : {c.class_id, c.subject_id, c.student_id})
        h ^= static_cast<std::size_t>(v) * 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
      return h;
    }
  };
  // The cell's remembered state, read from SQLite if need be; the reference
  // stays valid until the next call (the caller updates it after a write).
  Current& current_cell(std::int64_t class_id, std::int64_t subject_id, std::int64_t student_id,
                       const std::string& col);
  // An accepted op's writes (its log row and its cell) wait in pending_ and
  // are written kRowsPerStatement to a statement: one INSERT and one UPDATE
  // per op spent a third of the ingest time in SQLite's per-statement work.
  // Their versions (which SQLite then assigns alike, checked) and new cells'
  // ids are counted on from the tables' ends, so any other write to
  // `changes` or `cells` must come after write_pending() and be followed by
  // forget_next_ids().
  struct PendingWrite {
    std::int64_t version, cell_id, class_id, subject_id, student_id;
    const std::string* col;  // the op's, alive for the whole push
    std::string value;
    std::uint64_t seq;
    std::int64_t recorded_at;
    bool new_cell;  // the cell had no row before this write (PostgreSQL inserts it, else updates it)
  };
  static constexpr int kRowsPerStatement = 32;
  static constexpr std::size_t kPgRowsPerStatement = 4096;
  void write_pending();
  // PostgreSQL: all of pending_ in one statement per table, the rows as
  // arrays (unnest), each cell once with its last write, the versions bound
  // (ingest_pg.cpp). A statement per 32 rows, each waiting for its answer,
  // and a trigger per row made the ingest 27 times slower there.
  void write_pending_pg();
  std::unique_ptr<store::Stmt> insert_changes_pg_, update_cells_pg_, insert_cells_pg_, insert_outcomes_pg_;
  // PostgreSQL: a push's refusals (op_outcomes rows) wait here for
  // write_pending_pg, one statement for all (a round trip each was most of
  // the time of a push with many refusals). Nothing reads them before.
  struct PendingOutcome {
    std::uint64_t seq;
    std::string code, reason, col, value;
    std::int64_t class_id, subject_id, student_id;  // as write_outcome binds them (0: NULL)
  };
  std::vector<PendingOutcome> pending_outcomes_;
  void write_outcomes_pg();
  std::unique_ptr<store::Stmt> insert_runs_pg_;
  void write_runs_pg(const std::vector<protocol::AcceptedRun>& runs);  // the push's device's
  // Pending rows written when this many wait: a statement's worth on
  // SQLite, a whole push (bounded) on PostgreSQL.
  std::size_t flush_at_ = kRowsPerStatement;
  // pending_[at, at + n) into cells (no cell twice); full: the full-size
  // statement with kept bindings.
  void write_cells(std::size_t at, int n, bool full);
  // The full-size statements keep their bindings from one run to the next
  // (kept_*: row i's class id at [2i], subject id at [2i+1]); a push's
  // class and subject mostly repeat, so they are bound only when they change
  // (binding was a seventh of the DB worker's instructions). kept == nullptr:
  // bind both.
  static constexpr std::int64_t kNotBound = std::numeric_limits<std::int64_t>::min();
  std::array<std::int64_t, 2 * kRowsPerStatement> kept_log_{}, kept_cells_{};
  static void bind_class_subject(store::Stmt& stmt, std::int64_t* kept, int param, const PendingWrite& w);
  void forget_next_ids() { next_version_ = next_cell_id_ = 0; }
  // The statements for n rows, prepared on first use.
  store::Stmt& insert_changes(int n);
  store::Stmt& upsert_cells(int n);
  protocol::OpOutcome replayed_outcome(const DeviceContext& device, const protocol::Op& op, bool& accepted,
                                       std::uint64_t& version);
  // One push being applied, and what decide() found for one of its ops
  // (both in ingest.cpp).
  struct PushScope;
  struct Decision;
  // The op's checks, in order; reads only.
  Decision decide(PushScope& push, const protocol::Op& op);
  // The op's writes as decided: log rows, cells, outcomes, the audit entry.
  void apply_decision(PushScope& push, const protocol::Op& op, Decision& decision);
  void record_outcome(PushScope& push, const protocol::Op& op, const Decision& decision, protocol::OpOutcome&& out,
                      std::uint64_t audit_version, const std::string& audit_value);
  void write_outcome(PushScope& push, const protocol::Op& op, const Decision& decision,
                     const protocol::OpOutcome& out);

  store::Db& db_;
  const Directory& directory_;
  const Clock& clock_;
  store::Stmt select_cell_;
  store::Stmt insert_change_;
  // [n]: for n rows; ?1 device, ?2 user (?3 time) are the push's.
  std::vector<std::unique_ptr<store::Stmt>> insert_changes_, upsert_cells_;
  std::vector<PendingWrite> pending_;
  std::int64_t next_version_ = 0, next_cell_id_ = 0;  // 0 = read from the table
  store::Stmt select_next_version_, select_next_cell_id_;
  std::int64_t push_device_ = 0, push_user_ = 0, push_now_ = 0;
  store::Stmt insert_outcome_;
  store::Stmt select_outcome_;
  store::Stmt select_run_;
  store::Stmt insert_run_;
  store::Stmt update_high_seq_;
  store::Stmt select_open_conflicts_;
  store::Stmt resolve_conflicts_;
  store::Stmt insert_correction_;
  LockBook locks_;
  // The lock book is read again only when another connection committed
  // (data_version moved: forget_cells()), something was rolled back (the
  // store's memo_epoch, or forget_cells()), or a push held an op other than
  // a mark (a signature may approve a class): on PostgreSQL its five reads
  // are round trips.
  bool locks_read_ = false;
  std::uint64_t locks_epoch_ = 0;
  // The cells this worker has read or written, so that a push reads each
  // cell from SQLite once. Valid while no other connection commits (checked
  // with PRAGMA data_version inside the write transaction) and nothing is
  // rolled back (the caller calls forget_cells()).
  std::unordered_map<CellId, Current, CellIdHash> cells_;
  std::int64_t data_version_ = -1;
  // The store is PostgreSQL: cells are read a class × subject at a time
  // (current_cell; the pairs read since cells_ was last cleared), and the
  // push's rows are written by the *_pg functions (ingest_pg.cpp).
  bool pg_ = false;
  std::set<std::pair<std::int64_t, std::int64_t>> read_subjects_;
  std::unique_ptr<store::Stmt> select_subject_cells_;
  void read_subject(std::int64_t class_id, std::int64_t subject_id);
};

}  // namespace sodiem::server
