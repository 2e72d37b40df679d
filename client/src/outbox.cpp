// LocalStore, the outbox: recording a cell (checked, then cell + op in one
// durable transaction), queued ops, the pending window a sync pushes and the
// acks that settle it. See local_store.hpp; same thread as the store.
#include "sodiem/client/local_store.hpp"

#include "outbox_sql.hpp"
#include "sodiem/protocol/codec.hpp"

namespace sodiem::client {

using protocol::CellKey;
using protocol::Op;

Result<Op> LocalStore::request_correction(const CellKey& typed, const std::string& value, const std::string& reason) {
  if (auto st = closed_year_refusal(); !st) return st;
  auto canonical = canonical_cell(typed);
  if (!canonical) return canonical.status();
  const CellKey& cell = *canonical;
  auto normalized = validate(cell, value);
  if (!normalized) return normalized.status();
  if (reason.empty()) return Status(ErrorCode::kInvalidValue, "yêu cầu điều chỉnh cần ghi lý do (--reason)");
  Op op;
  op.cell = cell;
  op.value = *normalized;
  op.kind = protocol::OpKind::kCorrectionRequest;
  op.note = reason;
  op.recorded_at = clock_.now_unix_seconds();
  // The cell itself does not change until the leadership approves.
  op.seq = queue_op(op);
  return op;
}

std::uint64_t LocalStore::queue_op(protocol::Op op) {
  if (op.recorded_at == 0) op.recorded_at = clock_.now_unix_seconds();
  sqlite::Transaction tx(*db_);
  auto s = db_->prepare("SELECT COALESCE(MAX(seq), 0) FROM outbox");
  s.step();
  op.seq = static_cast<std::uint64_t>(s.int64(0)) + 1;
  s.reset();
  db_->prepare("INSERT INTO outbox(seq, class_name, subject, student_code, col, value, base_version, recorded_at, kind, "
               "note) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(1, op.seq).bind(2, op.cell.class_name).bind(3, op.cell.subject).bind(4, op.cell.student_code)
      .bind(5, op.cell.column).bind(6, op.value).bind(7, op.base_version).bind(8, op.recorded_at)
      .bind(9, static_cast<int>(op.kind)).bind(10, op.note)
      .run();
  tx.commit();
  mark_->advance(op.seq);
  return op.seq;
}

std::pair<std::string, std::string> LocalStore::outcome(std::uint64_t seq) {
  auto s = db_->prepare("SELECT COALESCE(code, CASE WHEN seq <= " SODIEM_ACKED_THROUGH " THEN 'OK' ELSE '' END), "
                        "COALESCE(reason, '') FROM outbox WHERE seq = ?");
  s.bind(1, seq);
  if (!s.step()) return {};
  return {s.text(0), s.text(1)};
}

Result<Op> LocalStore::resolve_conflict(const CellKey& typed, const std::string& value, const std::string& note) {
  auto canonical = canonical_cell(typed);
  if (!canonical) return canonical.status();
  const CellKey& cell = *canonical;
  auto s = db_->prepare("SELECT COUNT(*) FROM conflicts WHERE class_name = ? AND subject = ? AND student_code = ? AND col = ?");
  s.bind(1, cell.class_name).bind(2, cell.subject).bind(3, cell.student_code).bind(4, cell.column);
  s.step();
  if (s.int64(0) == 0) return Status(ErrorCode::kInvalidValue, "ô này không có xung đột nào trên máy");
  return record(cell, value, protocol::OpKind::kResolveConflict, note);
}

Result<Op> LocalStore::record(const CellKey& typed, const std::string& value, protocol::OpKind kind,
                              const std::string& note) {
  if (auto st = closed_year_refusal(); !st) return st;  // read-only: nothing recorded there
  auto checked = checked_op(typed, value, kind, note);
  if (!checked) return checked.status();
  sqlite::Transaction tx(*db_);
  insert_recorded(*checked);
  tx.commit();
  mark_->advance(checked->seq);
  return checked;
}

std::vector<Result<Op>> LocalStore::record_batch(const std::vector<std::pair<CellKey, std::string>>& edits) {
  std::vector<Result<Op>> out;
  out.reserve(edits.size());
  if (auto st = closed_year_refusal(); !st) {
    out.assign(edits.size(), st);
    return out;
  }
  std::uint64_t last = 0;
  {
    sqlite::Transaction tx(*db_);
    for (const auto& [typed, value] : edits) {
      auto checked = checked_op(typed, value, protocol::OpKind::kSet, "");
      if (checked) {
        insert_recorded(*checked);
        last = checked->seq;
      }
      out.push_back(std::move(checked));
    }
    tx.commit();  // all the batch's accepted edits, or (a crash) none of them
  }
  if (last) mark_->advance(last);
  return out;
}

Result<Op> LocalStore::checked_op(const CellKey& typed, const std::string& value, protocol::OpKind kind,
                                  const std::string& note) {
  auto canonical = canonical_cell(typed);
  if (!canonical) return canonical.status();
  auto normalized = validate(*canonical, value);
  if (!normalized) return normalized.status();
  Op op;
  op.kind = kind;
  op.note = note;
  op.cell = *canonical;
  op.value = *normalized;
  op.recorded_at = clock_.now_unix_seconds();
  return op;
}

void LocalStore::insert_recorded(Op& op) {
  const CellKey& cell = op.cell;
  {
    auto s = db_->cached("SELECT COALESCE(MAX(seq), 0) FROM outbox");
    s->step();
    op.seq = static_cast<std::uint64_t>(s->int64(0)) + 1;
  }
  {
    auto s = db_->cached("SELECT version FROM cells WHERE class_name = ? AND subject = ? AND student_code = ? AND col = ?");
    s->bind(1, cell.class_name).bind(2, cell.subject).bind(3, cell.student_code).bind(4, cell.column);
    op.base_version = s->step() ? static_cast<std::uint64_t>(s->int64(0)) : 0;
  }
  db_->cached("INSERT INTO outbox(seq, class_name, subject, student_code, col, value, base_version, recorded_at, kind, "
              "note) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      ->bind(1, op.seq).bind(2, cell.class_name).bind(3, cell.subject).bind(4, cell.student_code)
      .bind(5, cell.column).bind(6, op.value).bind(7, op.base_version).bind(8, op.recorded_at)
      .bind(9, static_cast<int>(op.kind)).bind(10, op.note)
      .run();
  db_->cached("INSERT INTO cells(class_name, subject, student_code, col, value, last_seq) VALUES(?, ?, ?, ?, ?, ?) "
              "ON CONFLICT DO UPDATE SET value = excluded.value, last_seq = excluded.last_seq")
      ->bind(1, cell.class_name).bind(2, cell.subject).bind(3, cell.student_code).bind(4, cell.column)
      .bind(5, op.value).bind(6, op.seq)
      .run();
}

template <class Visit>
void LocalStore::visit_pending(std::uint64_t after_seq, std::size_t max_ops, std::size_t max_bytes, Visit&& visit) {
  auto s = db_->cached("SELECT seq, class_name, subject, student_code, col, value, base_version, recorded_at, "
                       "kind, note FROM outbox WHERE state = 0 AND seq > ? ORDER BY seq LIMIT ?");
  s->bind(1, std::max(after_seq, acked_through())).bind(2, static_cast<std::int64_t>(max_ops));
  std::size_t bytes = 0, count = 0;
  while (s->step()) {
    protocol::OpView op;
    op.seq = static_cast<std::uint64_t>(s->int64(0));
    op.class_name = s->view(1);
    op.subject = s->view(2);
    op.student_code = s->view(3);
    op.column = s->view(4);
    op.value = s->view(5);
    op.base_version = static_cast<std::uint64_t>(s->int64(6));
    op.recorded_at = s->int64(7);
    op.kind = static_cast<protocol::OpKind>(s->int64(8));
    op.note = s->view(9);
    bytes += 32 + op.note.size() + op.class_name.size() + op.subject.size() + op.student_code.size() +
             op.column.size() + op.value.size();
    if (count > 0 && bytes > max_bytes) break;  // over the byte budget: it goes in the next batch
    visit(op);
    ++count;
  }
}

std::vector<Op> LocalStore::pending_ops(std::uint64_t after_seq, std::size_t max_ops, std::size_t max_bytes) {
  std::vector<Op> ops;
  ops.reserve(std::min<std::size_t>(max_ops, 4096));
  visit_pending(after_seq, max_ops, max_bytes, [&](const protocol::OpView& v) {
    ops.push_back(Op{v.seq, CellKey{std::string(v.class_name), std::string(v.subject), std::string(v.student_code),
                                    std::string(v.column)},
                     std::string(v.value), v.base_version, v.recorded_at, v.kind, std::string(v.note)});
  });
  return ops;
}

LocalStore::PendingPush LocalStore::pending_push(std::uint64_t batch_id, std::uint64_t after_seq,
                                                 std::size_t max_ops, std::size_t max_bytes) {
  protocol::PushEncoder encoder(batch_id, max_ops);
  PendingPush out;
  visit_pending(after_seq, max_ops, max_bytes, [&](const protocol::OpView& v) {
    encoder.add(v);
    out.last_seq = v.seq;
  });
  out.ops = encoder.ops();
  if (out.ops > 0) out.message = encoder.finish();
  return out;
}

std::uint64_t LocalStore::max_acked_seq() {
  auto s = db_->cached("SELECT MAX(seq) FROM outbox WHERE state != 0");  // index outbox_answered
  return std::max(acked_through(), s->step() ? static_cast<std::uint64_t>(s->int64(0)) : 0);
}

std::uint64_t LocalStore::acked_through() {
  auto s = db_->cached("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'acked_through'");
  return s->step() ? static_cast<std::uint64_t>(s->int64(0)) : 0;
}

void LocalStore::requeue_after(std::uint64_t high_seq) {
  sqlite::Transaction tx(*db_);
  db_->prepare("UPDATE outbox SET state = 0, version = NULL, code = NULL, reason = NULL WHERE seq > ? AND state != 0")
      .bind(1, high_seq)
      .run();
  if (acked_through() > high_seq) set_meta("acked_through", std::to_string(high_seq));
  tx.commit();
}

void LocalStore::apply_ack(const protocol::Ack& ack) {
  const std::string me = meta("username");
  // Relaxed: if these commits are lost, the ops are resent and the server
  // answers with the outcomes it stored.
  sqlite::Transaction tx(*db_, sqlite::Durability::kRelaxed);
  // An accepted run is settled with two set-based statements; its ops'
  // rows are left as they are (acked_through, below, says they are answered).
  // The cell follows the server only if this op is still the device's latest
  // on it, and its version is not older than one already pulled (a replayed
  // ack after a lost one: a newer value pulled meanwhile stands).
  auto cell_accepted = db_->cached(
      "UPDATE cells SET version = ?1 + (last_seq - ?2), server_value = value, author = ?4, "
      "server_version = ?1 + (last_seq - ?2) "
      "WHERE last_seq BETWEEN ?2 AND ?3 AND ?1 + (last_seq - ?2) >= server_version");
  auto cell_superseded = db_->cached(
      "UPDATE cells SET value = server_value, version = server_version "
      "WHERE last_seq BETWEEN ?2 AND ?3 AND ?1 + (last_seq - ?2) < server_version");
  // An accepted resolution closes the cell's conflicts here too.
  auto resolved = db_->cached(
      "DELETE FROM conflicts WHERE EXISTS(SELECT 1 FROM outbox o WHERE o.seq BETWEEN ?1 AND ?2 AND o.kind = 4 "
      "AND o.class_name = conflicts.class_name AND o.subject = conflicts.subject "
      "AND o.student_code = conflicts.student_code AND o.col = conflicts.col)");
  // Every op of the pushed batch is answered here; acks come in batch order.
  const std::uint64_t acked = acked_through();
  std::uint64_t answered = acked;
  for (const auto& run : ack.accepted) {
    if (run.count == 0) continue;
    const std::uint64_t last = run.first_seq + run.count - 1;
    answered = std::max(answered, last);
    cell_accepted->bind(1, run.first_version).bind(2, run.first_seq).bind(3, last).bind(4, me).run();
    cell_superseded->bind(1, run.first_version).bind(2, run.first_seq).bind(3, last).run();
    resolved->bind(1, run.first_seq).bind(2, last).run();
  }
  auto mark_outcome = db_->cached("UPDATE outbox SET state = ?, version = ?, code = ?, reason = ? WHERE seq = ?");
  // The server's state at the op's answer, unless a newer one was pulled.
  auto cell_restore = db_->cached(
      "UPDATE cells SET value = CASE WHEN ?2 >= server_version THEN ?1 ELSE server_value END, "
      "version = MAX(?2, server_version), "
      "server_value = CASE WHEN ?2 >= server_version THEN ?1 ELSE server_value END, "
      "author = CASE WHEN ?2 >= server_version THEN ?4 ELSE author END, server_version = MAX(?2, server_version) "
      "WHERE last_seq = ?3 AND "
      "(class_name, subject, student_code, col) = (SELECT class_name, subject, student_code, col FROM outbox WHERE seq = ?3)");
  auto add_conflict = db_->cached(
      "INSERT INTO conflicts(class_name, subject, student_code, col, mine, current_value, current_author, other_value, "
      "other_author, at, mine_involved) SELECT class_name, subject, student_code, col, value, ?, ?, value, ?, ?, 1 "
      "FROM outbox WHERE seq = ?");
  for (const auto& o : ack.outcomes) {
    int state = kRefused;
    if (o.code == ErrorCode::kOk || o.code == ErrorCode::kDuplicate) state = kAccepted;
    else if (o.code == ErrorCode::kConflict) state = kConflicted;
    // A replayed conflict is already stored: do not count it twice.
    bool first_time = true;
    {
      auto s = db_->cached("SELECT state FROM outbox WHERE seq = ?");
      s->bind(1, o.seq);
      first_time = s->step() && s->int64(0) == kPending && o.seq > acked;
    }
    mark_outcome->bind(1, state).bind(2, o.current_version).bind(3, protocol::to_string(o.code)).bind(4, o.reason)
        .bind(5, o.seq).run();
    if (o.code != ErrorCode::kDuplicate)
      cell_restore->bind(1, o.current_value).bind(2, o.current_version).bind(3, o.seq).bind(4, o.current_author).run();
    if (state == kConflicted && first_time)
      add_conflict->bind(1, o.current_value).bind(2, o.current_author).bind(3, me)
          .bind(4, clock_.now_unix_seconds()).bind(5, o.seq).run();
  }
  for (const auto& o : ack.outcomes) answered = std::max(answered, o.seq);
  if (answered > acked) set_meta("acked_through", std::to_string(answered));
  tx.commit();
}

}  // namespace sodiem::client
