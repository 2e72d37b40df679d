// The ingest's pending writes on PostgreSQL (Ingestor::write_pending_pg):
// the same rows as SQLite's multi-row statements in ingest.cpp, sent as one
// statement per table with each column as an array (`unnest`), so a push
// costs two round trips whatever its size. The log's versions, counted on by
// the ingest under the school's lock, are bound (the schema's rowid trigger
// fires only for rows without one). PostgreSQL refuses to upsert a row twice
// in one statement: a cell written twice in the group is written once, with
// its last write (what the op order would leave). Called by Ingestor only.
#include <unordered_set>

#include "sodiem/pg/array.hpp"
#include "sodiem/server/ingest.hpp"

namespace sodiem::server {

void Ingestor::write_pending_pg() {
  if (pending_.empty()) return;
  if (!insert_changes_pg_) {
    insert_changes_pg_ = std::make_unique<store::Stmt>(db_.prepare(
        "INSERT INTO changes(version, kind, class_id, subject_id, student_id, col, value, device_id, seq, user_id, "
        "recorded_at, received_at, current_version) "
        "SELECT v, 0, c, s, st, k, x, ?1, q, ?2, r, ?3, 0 FROM unnest(?4::bigint[], ?5::bigint[], ?6::bigint[], "
        "?7::bigint[], ?8::text[], ?9::text[], ?10::bigint[], ?11::bigint[]) AS t(v, c, s, st, k, x, q, r)"));
    upsert_cells_pg_ = std::make_unique<store::Stmt>(db_.prepare(
        "INSERT INTO cells(id, class_id, subject_id, student_id, col, value, version, device_id, user_id) "
        "SELECT i, c, s, st, k, x, v, ?1, ?2 FROM unnest(?3::bigint[], ?4::bigint[], ?5::bigint[], ?6::bigint[], "
        "?7::text[], ?8::text[], ?9::bigint[]) AS t(i, c, s, st, k, x, v) "
        "ON CONFLICT(id) DO UPDATE SET value = excluded.value, version = excluded.version, "
        "device_id = excluded.device_id, user_id = excluded.user_id"));
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

  pg::ArrayLiteral cell_id;
  version.clear(), class_id.clear(), subject_id.clear(), student_id.clear(), col.clear(), value.clear();
  std::unordered_set<std::int64_t> written;
  for (auto w = pending_.rbegin(); w != pending_.rend(); ++w) {
    if (!written.insert(w->cell_id).second) continue;  // a later write of this cell is in
    cell_id.add(w->cell_id);
    class_id.add(w->class_id);
    subject_id.add(w->subject_id);
    student_id.add(w->student_id);
    col.add(*w->col);
    value.add(w->value);
    version.add(w->version);
  }
  store::Stmt& cells = *upsert_cells_pg_;
  cells.bind(1, push_device_).bind(2, push_user_).bind(3, cell_id.str()).bind(4, class_id.str())
      .bind(5, subject_id.str()).bind(6, student_id.str()).bind(7, col.str()).bind(8, value.str())
      .bind(9, version.str());
  cells.run();
  pending_.clear();
}

}  // namespace sodiem::server
