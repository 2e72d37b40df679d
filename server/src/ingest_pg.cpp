// The ingest's pending writes on PostgreSQL (Ingestor::write_pending_pg):
// the same rows as SQLite's multi-row statements in ingest.cpp, sent as one
// statement per table with each column as an array (`unnest`), so a push
// costs two round trips whatever its size. The log's versions, counted on by
// the ingest under the school's lock, are bound (the schema's rowid trigger
// fires only for rows without one). PostgreSQL refuses to upsert a row twice
// in one statement: a cell written twice in the group is written once, with
// its last write (what the op order would leave): updated by its id when
// the ingest knows it exists, inserted when not. A push's refusals
// (op_outcomes) and its runs of accepted ops (accepted_runs) go the same
// way. Called by Ingestor only.
#include <stdexcept>
#include <unordered_set>

#include "sodiem/pg/array.hpp"
#include "sodiem/server/ingest.hpp"

namespace sodiem::server {

void Ingestor::write_outcomes_pg() {
  if (pending_outcomes_.empty()) return;
  if (!insert_outcomes_pg_)
    insert_outcomes_pg_ = std::make_unique<store::Stmt>(db_.prepare(
        "INSERT INTO op_outcomes(device_id, seq, code, reason, class_id, subject_id, student_id, col, value, at) "
        "SELECT ?1, q, k, r, c, s, st, l, x, ?2 FROM unnest(?3::bigint[], ?4::text[], ?5::text[], ?6::bigint[], "
        "?7::bigint[], ?8::bigint[], ?9::text[], ?10::text[]) AS t(q, k, r, c, s, st, l, x)"));
  pg::ArrayLiteral seq, code, reason, class_id, subject_id, student_id, col, value;
  for (const PendingOutcome& o : pending_outcomes_) {
    seq.add(static_cast<std::int64_t>(o.seq));
    code.add(o.code);
    reason.add(o.reason);
    // As Ingestor::write_outcome: no class, NULL; no student, no subject either.
    if (o.class_id) class_id.add(o.class_id); else class_id.add_null();
    if (o.student_id) subject_id.add(o.subject_id), student_id.add(o.student_id);
    else subject_id.add_null(), student_id.add_null();
    col.add(o.col);
    value.add(o.value);
  }
  store::Stmt& s = *insert_outcomes_pg_;
  s.bind(1, push_device_).bind(2, push_now_).bind(3, seq.str()).bind(4, code.str()).bind(5, reason.str())
      .bind(6, class_id.str()).bind(7, subject_id.str()).bind(8, student_id.str()).bind(9, col.str())
      .bind(10, value.str());
  s.run();
  pending_outcomes_.clear();
}

void Ingestor::write_runs_pg(const std::vector<protocol::AcceptedRun>& runs) {
  if (runs.empty()) return;
  if (!insert_runs_pg_)
    insert_runs_pg_ = std::make_unique<store::Stmt>(
        db_.prepare("INSERT INTO accepted_runs(device_id, first_seq, count, first_version) "
                    "SELECT ?1, f, n, v FROM unnest(?2::bigint[], ?3::bigint[], ?4::bigint[]) AS t(f, n, v)"));
  pg::ArrayLiteral first_seq, count, first_version;
  for (const auto& run : runs) {
    first_seq.add(static_cast<std::int64_t>(run.first_seq));
    count.add(static_cast<std::int64_t>(run.count));
    first_version.add(static_cast<std::int64_t>(run.first_version));
  }
  insert_runs_pg_->bind(1, push_device_).bind(2, first_seq.str()).bind(3, count.str()).bind(4, first_version.str());
  insert_runs_pg_->run();
}

void Ingestor::write_pending_pg() {
  write_outcomes_pg();
  if (pending_.empty()) return;
  if (!insert_changes_pg_) {
    insert_changes_pg_ = std::make_unique<store::Stmt>(db_.prepare(
        "INSERT INTO changes(version, kind, class_id, subject_id, student_id, col, value, device_id, seq, user_id, "
        "recorded_at, received_at, current_version) "
        "SELECT v, 0, c, s, st, k, x, ?1, q, ?2, r, ?3, 0 FROM unnest(?4::bigint[], ?5::bigint[], ?6::bigint[], "
        "?7::bigint[], ?8::text[], ?9::text[], ?10::bigint[], ?11::bigint[]) AS t(v, c, s, st, k, x, q, r)"));
    // A cell the ingest knows to exist is updated by its id (one WAL record;
    // an upsert first locks the row it finds: two); a new one is inserted,
    // its id counted on under the school's lock as the log's versions are.
    update_cells_pg_ = std::make_unique<store::Stmt>(db_.prepare(
        "UPDATE cells SET value = t.x, version = t.v, device_id = ?1, user_id = ?2 FROM unnest(?3::bigint[], "
        "?4::text[], ?5::bigint[]) AS t(i, x, v) WHERE cells.id = t.i"));
    insert_cells_pg_ = std::make_unique<store::Stmt>(db_.prepare(
        "INSERT INTO cells(id, class_id, subject_id, student_id, col, value, version, device_id, user_id) "
        "SELECT i, c, s, st, k, x, v, ?1, ?2 FROM unnest(?3::bigint[], ?4::bigint[], ?5::bigint[], ?6::bigint[], "
        "?7::text[], ?8::text[], ?9::bigint[]) AS t(i, c, s, st, k, x, v)"));
  }
  pg::ArrayLiteral version, class_id, subject_id, student_id, col, value, seq, recorded_at;
  for (const PendingWrite& w : pending_) {
    version.add(w.version);
    class_id.add(w.class_id);
    subject_id.add(w.subject_id);
    student_id.add(w.student_id);
    col.add(*w.col);
    value.add(w.value);
    seq.add(static_cast<std::int64_t>(w.seq));
    recorded_at.add(w.recorded_at);
  }
  store::Stmt& log = *insert_changes_pg_;
  log.bind(1, push_device_).bind(2, push_user_).bind(3, push_now_).bind(4, version.str()).bind(5, class_id.str())
      .bind(6, subject_id.str()).bind(7, student_id.str()).bind(8, col.str()).bind(9, value.str()).bind(10, seq.str())
      .bind(11, recorded_at.str());
  log.run();

  // Each cell once, with its last write; inserted if its first write in
  // pending_ found no row, else updated.
  std::unordered_set<std::int64_t> created;
  for (const PendingWrite& w : pending_)
    if (w.new_cell) created.insert(w.cell_id);
  pg::ArrayLiteral cell_id, new_id;
  version.clear(), class_id.clear(), subject_id.clear(), student_id.clear(), col.clear(), value.clear();
  pg::ArrayLiteral upd_value, upd_version;
  std::unordered_set<std::int64_t> written;
  for (auto w = pending_.rbegin(); w != pending_.rend(); ++w) {
    if (!written.insert(w->cell_id).second) continue;  // a later write of this cell is in
    if (created.contains(w->cell_id)) {
      new_id.add(w->cell_id);
      class_id.add(w->class_id);
      subject_id.add(w->subject_id);
      student_id.add(w->student_id);
      col.add(*w->col);
      value.add(w->value);
      version.add(w->version);
    } else {
      cell_id.add(w->cell_id);
      upd_value.add(w->value);
      upd_version.add(w->version);
    }
  }
  if (cell_id.size()) {
    store::Stmt& upd = *update_cells_pg_;
    upd.bind(1, push_device_).bind(2, push_user_).bind(3, cell_id.str()).bind(4, upd_value.str())
        .bind(5, upd_version.str());
    upd.run();
    // The remembered cells are exact (Ingestor::current_cell); were one not
    // in the table, its write would vanish: refuse the push instead.
    if (db_.changes() != static_cast<std::int64_t>(cell_id.size()))
      throw std::runtime_error("ingest: " + std::to_string(cell_id.size()) + " cells to update, " +
                               std::to_string(db_.changes()) + " found");
  }
  if (new_id.size()) {
    store::Stmt& ins = *insert_cells_pg_;
    ins.bind(1, push_device_).bind(2, push_user_).bind(3, new_id.str()).bind(4, class_id.str())
        .bind(5, subject_id.str()).bind(6, student_id.str()).bind(7, col.str()).bind(8, value.str())
        .bind(9, version.str());
    ins.run();
  }
  pending_.clear();
}

}  // namespace sodiem::server
