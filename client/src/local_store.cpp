#include "sodiem/client/local_store.hpp"

#include <array>
#include <filesystem>

#include "sodiem/core/column.hpp"
#include "sodiem/core/file_guard.hpp"
#include "sodiem/core/names.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/protocol/codec.hpp"
#include "outbox_sql.hpp"

namespace sodiem::client {

using protocol::CellKey;
using protocol::Op;

namespace {

enum OpState { kPending = 0, kAccepted = 1, kRefused = 2, kConflicted = 3 };


constexpr std::array<std::string_view, 10> kMigrations{R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE classes(name TEXT PRIMARY KEY, grade INTEGER NOT NULL);
CREATE TABLE subjects(name TEXT PRIMARY KEY, scored INTEGER NOT NULL, periods_per_year INTEGER NOT NULL);
CREATE TABLE students(code TEXT PRIMARY KEY, full_name TEXT NOT NULL, class_name TEXT NOT NULL);
CREATE TABLE assignments(class_name TEXT NOT NULL, subject TEXT NOT NULL, PRIMARY KEY(class_name, subject));
-- value: what this user sees (their own latest edit, or the server's);
-- server_value/version/author: the last server state known;
-- last_seq: this device's latest op on the cell (0 = none).
CREATE TABLE cells(class_name TEXT NOT NULL, subject TEXT NOT NULL, student_code TEXT NOT NULL, col TEXT NOT NULL,
                   value TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0, server_value TEXT,
                   author TEXT, last_seq INTEGER NOT NULL DEFAULT 0,
                   PRIMARY KEY(class_name, subject, student_code, col)) WITHOUT ROWID;
-- Every op this device recorded, kept after delivery so that a server
-- restored from a backup can be given back what it lost.
CREATE TABLE outbox(seq INTEGER PRIMARY KEY, class_name TEXT NOT NULL, subject TEXT NOT NULL,
                    student_code TEXT NOT NULL, col TEXT NOT NULL, value TEXT NOT NULL,
                    base_version INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
                    state INTEGER NOT NULL DEFAULT 0, version INTEGER, code TEXT, reason TEXT);
CREATE INDEX outbox_by_state ON outbox(state, seq);
CREATE TABLE conflicts(id INTEGER PRIMARY KEY, class_name TEXT NOT NULL, subject TEXT NOT NULL,
                       student_code TEXT NOT NULL, col TEXT NOT NULL, mine TEXT NOT NULL,
                       current_value TEXT NOT NULL, current_author TEXT NOT NULL,
                       other_value TEXT NOT NULL, other_author TEXT NOT NULL, at INTEGER NOT NULL,
                       mine_involved INTEGER NOT NULL);
)sql",
                                                      R"sql(
-- Op kind (0 = set, 1 = correction request) and its note (the reason).
ALTER TABLE outbox ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN note TEXT NOT NULL DEFAULT '';
)sql",
                                                      R"sql(
-- Only pending ops are indexed: settling an op removes one index entry
-- instead of moving it.
DROP INDEX outbox_by_state;
CREATE INDEX outbox_pending ON outbox(seq) WHERE state = 0;
)sql",
                                                      R"sql(
-- Correction requests as of the last sync: all of them for the HT/PHT, the
-- user's own otherwise (with the decision once taken).
CREATE TABLE corrections(id INTEGER PRIMARY KEY, class_name TEXT NOT NULL, subject TEXT NOT NULL,
                         student_code TEXT NOT NULL, col TEXT NOT NULL, student_name TEXT NOT NULL,
                         old_value TEXT NOT NULL, new_value TEXT NOT NULL, reason TEXT NOT NULL,
                         requested_by TEXT NOT NULL, requested_at INTEGER NOT NULL, status TEXT NOT NULL,
                         decided_by TEXT NOT NULL, decision_comment TEXT NOT NULL, decided_at INTEGER NOT NULL);
)sql",
                                                      R"sql(
-- An ack settles the cells whose latest op it covers by a range on last_seq
-- (a tenth of the ops, typically) instead of looking up every op's cell; the
-- sync asks whether correction requests await news without a full scan.
CREATE INDEX cells_by_last_seq ON cells(last_seq);
CREATE INDEX outbox_correction_requests ON outbox(seq) WHERE kind = 1;
)sql",
                                                      R"sql(
-- An ack no longer marks each accepted op: every op at or below
-- acked_through has had its answer, accepted unless its row records another
-- (state 2 refused, 3 conflicting). Ops above it with state 0 are pending.
INSERT OR REPLACE INTO meta(key, value)
  SELECT 'acked_through', COALESCE((SELECT MIN(seq) FROM outbox WHERE state = 0) - 1, (SELECT MAX(seq) FROM outbox), 0);
DROP INDEX outbox_pending;
)sql",
                                                      R"sql(
-- The highest answered seq (max_acked_seq) without walking every pending op:
-- answered rows above acked_through are few (refusals, conflicts).
CREATE INDEX outbox_answered ON outbox(seq) WHERE state != 0;
)sql",
                                                      R"sql(
-- The server's audit tree heads this device was shown (AuditWatch), in the
-- order kept; meta audit_key pins the key that signs them.
CREATE TABLE audit_heads(kept_seq INTEGER PRIMARY KEY, epoch TEXT NOT NULL, size INTEGER NOT NULL, root TEXT NOT NULL,
                         signature TEXT NOT NULL, kept_at INTEGER NOT NULL, UNIQUE(epoch, size));
)sql",
                                                      R"sql(
-- The newest server version known of each cell, also while a local edit is
-- pending (version then stays the one that edit was based on): a late ack
-- of an older version must not hide a newer value pulled meanwhile.
ALTER TABLE cells ADD COLUMN server_version INTEGER NOT NULL DEFAULT 0;
UPDATE cells SET server_version = version;
)sql",
                                                      R"sql(
-- The locks in force when the roster came (protocol::LockNotice): what the
-- server would refuse now in each assignment, shown before anyone types.
CREATE TABLE lock_notices(class_name TEXT NOT NULL, subject TEXT NOT NULL, term TEXT NOT NULL,
                          column_kind TEXT NOT NULL, code TEXT NOT NULL, new_values_only INTEGER NOT NULL,
                          reason TEXT NOT NULL);
)sql"};

}  // namespace

LocalStore::LocalStore(const std::string& data_dir, const Clock& clock) : clock_(clock) {
  // The device token and the queued marks: this user's alone, also in a
  // directory made before this rule (0755 / 0644).
  restrict_data_dir(data_dir);
  db_ = std::make_unique<sqlite::Db>(data_dir + "/client.db", /*synchronous_full=*/true);
  db_->migrate(kMigrations);
  // Each `sodiem` command opens and closes the store: a checkpoint at every
  // close cost `set` and `sync` ~3-4 ms (an fsync of the file); an open
  // replays the kept WAL in under 1 ms (bench, ingest_1 round trace).
  db_->keep_wal_on_close();
  check_outbox_mark(data_dir);
}
LocalStore::~LocalStore() = default;

std::uint64_t LocalStore::max_outbox_seq() {
  auto s = db_->cached("SELECT COALESCE(MAX(seq), 0) FROM outbox");
  s->step();
  return static_cast<std::uint64_t>(s->int64(0));
}

void LocalStore::check_outbox_mark(const std::string& data_dir) {
  mark_ = std::make_unique<OutboxMark>(data_dir + "/outbox.seq");
  const std::uint64_t have = max_outbox_seq();
  const auto mark = mark_->read();
  if (mark && *mark > have)
    throw OutboxDamaged(
        "sổ điểm trên máy này bị hỏng: tệp client.db-wal không đọc lại được trọn vẹn, mất " +
        std::to_string(*mark - have) + " thao tác đã ghi (số thứ tự " + std::to_string(have + 1) + "–" +
        std::to_string(*mark) + "). Máy sẽ không ghi hay gửi gì thêm từ thư mục này. Hãy chép nguyên thư mục " +
        data_dir + " để quản trị kiểm tra, rồi đăng ký lại máy vào một thư mục mới (sodiem enroll --data THƯ_MỤC_MỚI …): "
        "điểm đã đồng bộ vẫn còn trên máy chủ; điểm nhập sau lần đồng bộ cuối cần nhập lại.");
  if (!mark || *mark < have) mark_->advance(have);
}

bool LocalStore::exists(const std::string& data_dir) {
  return std::filesystem::exists(data_dir + "/client.db");
}

std::string LocalStore::meta(const std::string& key, const std::string& fallback) {
  auto s = db_->cached("SELECT value FROM meta WHERE key = ?");
  s->bind(1, key);
  return s->step() ? s->text(0) : fallback;
}
void LocalStore::set_meta(const std::string& key, const std::string& value) {
  db_->cached("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      ->bind(1, key)
      .bind(2, value)
      .run();
}

std::optional<Enrollment> LocalStore::enrollment() {
  Enrollment e;
  e.device_id = meta("device_id");
  if (e.device_id.empty()) return std::nullopt;
  e.server_url = meta("server_url");
  e.fingerprint = meta("fingerprint");
  e.token = meta("token");
  e.username = meta("username");
  return e;
}

void LocalStore::save_enrollment(const Enrollment& e, const std::string& epoch) {
  sqlite::Transaction tx(*db_);
  set_meta("server_url", e.server_url);
  set_meta("fingerprint", e.fingerprint);
  set_meta("device_id", e.device_id);
  set_meta("token", e.token);
  set_meta("username", e.username);
  set_meta("cursor_epoch", epoch);
  set_meta("cursor_seq", "0");
  tx.commit();
}

void LocalStore::apply_roster(const protocol::Roster& r) {
  sqlite::Transaction tx(*db_);
  db_->exec(
      "DELETE FROM classes; DELETE FROM subjects; DELETE FROM students; DELETE FROM assignments; "
      "DELETE FROM lock_notices;");
  auto ic = db_->prepare("INSERT INTO classes(name, grade) VALUES(?, ?)");
  for (const auto& c : r.classes) ic.bind(1, c.name).bind(2, c.grade).run();
  auto is = db_->prepare("INSERT INTO subjects(name, scored, periods_per_year) VALUES(?, ?, ?)");
  for (const auto& s : r.subjects) is.bind(1, s.name).bind(2, s.scored ? 1 : 0).bind(3, s.periods_per_year).run();
  auto ist = db_->prepare("INSERT INTO students(code, full_name, class_name) VALUES(?, ?, ?)");
  for (const auto& s : r.students) ist.bind(1, s.code).bind(2, s.full_name).bind(3, s.class_name).run();
  auto ia = db_->prepare("INSERT OR IGNORE INTO assignments(class_name, subject) VALUES(?, ?)");
  for (const auto& a : r.assignments) ia.bind(1, a.class_name).bind(2, a.subject).run();
  auto il = db_->prepare(
      "INSERT INTO lock_notices(class_name, subject, term, column_kind, code, new_values_only, reason) "
      "VALUES(?, ?, ?, ?, ?, ?, ?)");
  for (const auto& l : r.locks)
    il.bind(1, l.class_name).bind(2, l.subject).bind(3, l.term).bind(4, l.column_kind)
        .bind(5, protocol::to_string(l.code)).bind(6, l.new_values_only ? 1 : 0).bind(7, l.reason).run();
  std::string roles;
  for (const auto& role : r.roles) roles += (roles.empty() ? "" : ",") + role;
  set_meta("roles", roles);
  set_meta("roster_version", std::to_string(r.version));
  tx.commit();
}

std::uint64_t LocalStore::roster_version() { return std::stoull(meta("roster_version", "0")); }

std::optional<protocol::SubjectInfo> LocalStore::subject(const std::string& name) {
  auto s = db_->cached("SELECT scored, periods_per_year FROM subjects WHERE name = ?");
  s->bind(1, name);
  if (!s->step()) return std::nullopt;
  return protocol::SubjectInfo{name, s->int64(0) != 0, static_cast<int>(s->int64(1))};
}
bool LocalStore::has_class(const std::string& name) {
  auto s = db_->cached("SELECT 1 FROM classes WHERE name = ?");
  s->bind(1, name);
  return s->step();
}
std::optional<std::string> LocalStore::student_class(const std::string& code) {
  auto s = db_->cached("SELECT class_name FROM students WHERE code = ?");
  s->bind(1, code);
  if (!s->step()) return std::nullopt;
  return s->text(0);
}
bool LocalStore::assigned(const std::string& class_name, const std::string& subject) {
  auto s = db_->cached("SELECT 1 FROM assignments WHERE class_name = ? AND subject = ?");
  s->bind(1, class_name).bind(2, subject);
  return s->step();
}

Result<std::string> LocalStore::validate(const CellKey& cell, const std::string& value) {
  if (!enrollment()) return Status(ErrorCode::kUnauthenticated, "máy này chưa đăng ký với máy chủ: chạy `sodiem enroll` trước");
  if (!has_class(cell.class_name))
    return Status(ErrorCode::kInvalidValue, "lớp \"" + cell.class_name + "\" không có trong danh sách lớp của bạn");
  const bool homeroom = cell.subject == protocol::kHomeroomSubject;
  auto subj = subject(cell.subject);
  if (!homeroom && !subj)
    return Status(ErrorCode::kInvalidValue, "môn \"" + cell.subject + "\" không có trong danh sách môn học");
  auto cls = student_class(cell.student_code);
  if (!cls || *cls != cell.class_name)
    return Status(ErrorCode::kInvalidValue,
                  "học sinh mã \"" + cell.student_code + "\" không thuộc lớp " + cell.class_name);
  if (!assigned(cell.class_name, cell.subject))
    return Status(ErrorCode::kForbidden,
                  homeroom ? "bạn không phải giáo viên chủ nhiệm lớp " + cell.class_name
                           : "bạn không được phân công dạy môn " + cell.subject + " lớp " + cell.class_name);
  return normalize_cell_value(homeroom ? nullptr : &*subj, cell.column, value);
}

Result<Op> LocalStore::request_correction(const CellKey& cell, const std::string& value, const std::string& reason) {
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

Result<std::string> LocalStore::confirmation_document(const std::string& class_name, const std::string& subject,
                                                      const std::string& term, const std::string& step) {
  {
    auto s = db_->prepare("SELECT COUNT(*) FROM outbox WHERE " SODIEM_PENDING " AND kind IN (0, 1) AND class_name = ?");
    s.bind(1, class_name);
    s.step();
    if (s.int64(0) > 0)
      return Status(ErrorCode::kUnavailable, "lớp " + class_name + " còn thay đổi chưa gửi lên máy chủ; hãy đồng bộ trước khi ký");
  }
  std::vector<signing::CellLine> lines;
  if (subject.empty()) {
    // A class-level step signs the term's cells and the summary board, which
    // needs the whole year's cells (HK2 carries the year results).
    return board::class_document(class_name, term, step, class_cells(class_name),
                                 [this](const std::string& name) { return this->subject(name); });
  }
  const auto info = this->subject(subject);
  if (!info) return Status(ErrorCode::kInvalidValue, "môn \"" + subject + "\" không có trong danh sách môn học");
  auto s = db_->prepare("SELECT student_code, col, value FROM cells WHERE class_name = ? AND subject = ? AND col LIKE ? "
                        "AND value != ''");
  s.bind(1, class_name).bind(2, subject).bind(3, term + ".%");
  while (s.step()) lines.push_back({std::string(), s.text(0), s.text(1), s.text(2)});
  return board::subject_document(class_name, *info, term, step, std::move(lines));
}

std::vector<signing::CellLine> LocalStore::class_cells(const std::string& class_name) {
  std::vector<signing::CellLine> lines;
  auto s = db_->prepare("SELECT subject, student_code, col, value FROM cells WHERE class_name = ? AND value != ''");
  s.bind(1, class_name);
  while (s.step()) lines.push_back({s.text(0), s.text(1), s.text(2), s.text(3)});
  return lines;
}

std::pair<std::string, std::string> LocalStore::outcome(std::uint64_t seq) {
  auto s = db_->prepare("SELECT COALESCE(code, CASE WHEN seq <= " SODIEM_ACKED_THROUGH " THEN 'OK' ELSE '' END), "
                        "COALESCE(reason, '') FROM outbox WHERE seq = ?");
  s.bind(1, seq);
  if (!s.step()) return {};
  return {s.text(0), s.text(1)};
}

Result<Op> LocalStore::resolve_conflict(const CellKey& cell, const std::string& value, const std::string& note) {
  auto s = db_->prepare("SELECT COUNT(*) FROM conflicts WHERE class_name = ? AND subject = ? AND student_code = ? AND col = ?");
  s.bind(1, cell.class_name).bind(2, cell.subject).bind(3, cell.student_code).bind(4, cell.column);
  s.step();
  if (s.int64(0) == 0) return Status(ErrorCode::kInvalidValue, "ô này không có xung đột nào trên máy");
  return record(cell, value, protocol::OpKind::kResolveConflict, note);
}

Result<Op> LocalStore::record(const CellKey& cell, const std::string& value, protocol::OpKind kind,
                              const std::string& note) {
  auto normalized = validate(cell, value);
  if (!normalized) return normalized.status();

  Op op;
  op.kind = kind;
  op.note = note;
  op.cell = cell;
  op.value = *normalized;
  op.recorded_at = clock_.now_unix_seconds();
  sqlite::Transaction tx(*db_);
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
      .bind(9, static_cast<int>(kind)).bind(10, note)
      .run();
  db_->cached("INSERT INTO cells(class_name, subject, student_code, col, value, last_seq) VALUES(?, ?, ?, ?, ?, ?) "
              "ON CONFLICT DO UPDATE SET value = excluded.value, last_seq = excluded.last_seq")
      ->bind(1, cell.class_name).bind(2, cell.subject).bind(3, cell.student_code).bind(4, cell.column)
      .bind(5, op.value).bind(6, op.seq)
      .run();
  tx.commit();
  mark_->advance(op.seq);
  return op;
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

void LocalStore::apply_changes(const protocol::Changes& changes) {
  const std::string me = meta("username");
  // Relaxed: a lost commit only means pulling the same changes again.
  sqlite::Transaction tx(*db_, sqlite::Durability::kRelaxed);
  const std::string known_epoch = meta("cursor_epoch");
  if (!known_epoch.empty() && known_epoch != changes.cursor.epoch) {
    // The server was restored from a backup (a new epoch): its versions
    // start a new timeline and this page starts from its beginning. Forget
    // the server state known here; keep only undelivered local edits (and
    // ops the server lost, requeued at the welcome), which are resent.
    db_->exec(
        "DELETE FROM cells WHERE NOT EXISTS(SELECT 1 FROM outbox o WHERE o.seq = cells.last_seq AND " SODIEM_O_PENDING ");"
        "UPDATE cells SET version = 0, server_value = NULL, author = NULL, server_version = 0;"
        "DELETE FROM conflicts;");
  }
  // A cell with an undelivered local edit keeps showing it; only the known
  // server state is updated, and the edit's outcome will settle it.
  auto upsert = db_->prepare(
      "INSERT INTO cells(class_name, subject, student_code, col, value, version, server_value, author, server_version) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?5, ?7, ?6) ON CONFLICT DO UPDATE SET "
      "value = CASE WHEN EXISTS(SELECT 1 FROM outbox o WHERE o.seq = cells.last_seq AND " SODIEM_O_PENDING ") "
      "             THEN cells.value ELSE excluded.value END, "
      "version = CASE WHEN EXISTS(SELECT 1 FROM outbox o WHERE o.seq = cells.last_seq AND " SODIEM_O_PENDING ") "
      "             THEN cells.version ELSE excluded.version END, "
      "server_value = excluded.server_value, author = excluded.author, server_version = excluded.server_version "
      "WHERE excluded.version > cells.server_version");
  auto conflict = db_->prepare(
      "INSERT INTO conflicts(class_name, subject, student_code, col, mine, current_value, current_author, "
      "other_value, other_author, at, mine_involved) "
      "SELECT ?1, ?2, ?3, ?4, '', COALESCE(c.server_value, ''), COALESCE(c.author, ''), ?5, ?6, ?7, "
      "       COALESCE(c.author, '') = ?8 "
      "FROM (SELECT 1) LEFT JOIN cells c ON c.class_name = ?1 AND c.subject = ?2 AND c.student_code = ?3 AND c.col = ?4");
  auto resolved = db_->prepare("DELETE FROM conflicts WHERE class_name = ? AND subject = ? AND student_code = ? AND col = ?");
  for (const auto& c : changes.changes) {
    if (c.kind == protocol::ChangeKind::kResolved) {
      resolved.bind(1, c.cell.class_name).bind(2, c.cell.subject).bind(3, c.cell.student_code).bind(4, c.cell.column).run();
    } else if (c.kind == protocol::ChangeKind::kSet) {
      upsert.bind(1, c.cell.class_name).bind(2, c.cell.subject).bind(3, c.cell.student_code).bind(4, c.cell.column)
          .bind(5, c.value).bind(6, c.version).bind(7, c.author).run();
    } else {
      conflict.bind(1, c.cell.class_name).bind(2, c.cell.subject).bind(3, c.cell.student_code).bind(4, c.cell.column)
          .bind(5, c.value).bind(6, c.author).bind(7, c.at).bind(8, me).run();
    }
  }
  set_meta("cursor_epoch", changes.cursor.epoch);
  set_meta("cursor_seq", std::to_string(changes.cursor.seq));
  tx.commit();
}

std::vector<std::string> LocalStore::roles() {
  std::vector<std::string> out;
  std::string all = meta("roles");
  for (std::size_t at = 0; at < all.size();) {
    auto comma = all.find(',', at);
    if (comma == std::string::npos) comma = all.size();
    if (comma > at) out.push_back(all.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

bool LocalStore::has_role(const std::string& role) {
  const std::string roles = "," + meta("roles") + ",";
  return roles.find("," + role + ",") != std::string::npos;
}

bool LocalStore::wants_corrections() {
  if (has_role("HT") || has_role("PHT")) return true;
  auto s = db_->prepare(
      "SELECT EXISTS(SELECT 1 FROM corrections WHERE status = 'pending') OR "
      "(SELECT COUNT(*) FROM outbox WHERE kind = 1 AND state IN (0, 1)) > (SELECT COUNT(*) FROM corrections)");
  return s.step() && s.int64(0) != 0;
}

void LocalStore::apply_corrections(const protocol::CorrectionList& list) {
  // Relaxed: a lost commit only means fetching the list again.
  sqlite::Transaction tx(*db_, sqlite::Durability::kRelaxed);
  db_->exec("DELETE FROM corrections");
  auto ins = db_->prepare(
      "INSERT INTO corrections(id, class_name, subject, student_code, col, student_name, old_value, new_value, reason, "
      "requested_by, requested_at, status, decided_by, decision_comment, decided_at) "
      "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& c : list.items)
    ins.bind(1, c.id).bind(2, c.cell.class_name).bind(3, c.cell.subject).bind(4, c.cell.student_code)
        .bind(5, c.cell.column).bind(6, c.student_name).bind(7, c.old_value).bind(8, c.new_value).bind(9, c.reason)
        .bind(10, c.requested_by).bind(11, c.requested_at).bind(12, c.status).bind(13, c.decided_by)
        .bind(14, c.decision_comment).bind(15, c.decided_at).run();
  tx.commit();
}

std::vector<protocol::CorrectionInfo> LocalStore::corrections() {
  std::vector<protocol::CorrectionInfo> out;
  auto s = db_->prepare(
      "SELECT id, class_name, subject, student_code, col, student_name, old_value, new_value, reason, requested_by, "
      "requested_at, status, decided_by, decision_comment, decided_at FROM corrections ORDER BY id");
  while (s.step())
    out.push_back({static_cast<std::uint64_t>(s.int64(0)), {s.text(1), s.text(2), s.text(3), s.text(4)}, s.text(5),
                   s.text(6), s.text(7), s.text(8), s.text(9), s.int64(10), s.text(11), s.text(12), s.text(13),
                   s.int64(14)});
  return out;
}

Result<std::uint64_t> LocalStore::decide_correction(std::uint64_t id, bool approve, const std::string& comment) {
  if (!has_role("HT") && !has_role("PHT"))
    return Status(ErrorCode::kForbidden, "chỉ Hiệu trưởng hoặc Phó hiệu trưởng được duyệt yêu cầu điều chỉnh");
  if (!approve && comment.empty()) return Status(ErrorCode::kInvalidValue, "từ chối cần ghi rõ lý do (--comment)");
  for (const auto& c : corrections()) {
    if (c.id != id) continue;
    if (c.status != "pending")
      return Status(ErrorCode::kInvalidValue, "yêu cầu #" + std::to_string(id) + " đã được xử lý (" + c.status + ")");
    protocol::Op op;
    op.kind = protocol::OpKind::kDecideCorrection;
    op.cell = c.cell;
    op.base_version = id;
    op.value = approve ? "approve" : "refuse";
    op.note = comment;
    return queue_op(op);
  }
  return Status(ErrorCode::kInvalidValue, "không có yêu cầu điều chỉnh #" + std::to_string(id) +
                                              " trong danh sách đã đồng bộ (chạy `sodiem sync` rồi `sodiem correction list`)");
}

protocol::Cursor LocalStore::cursor() { return {meta("cursor_epoch"), std::stoull(meta("cursor_seq", "0"))}; }

void LocalStore::set_last_sync(std::int64_t when) {
  // Relaxed: a time shown by `status`; losing it to a power cut loses nothing recorded.
  sqlite::Transaction tx(*db_, sqlite::Durability::kRelaxed);
  set_meta("last_sync", std::to_string(when));
  tx.commit();
}

StatusReport LocalStore::status() {
  StatusReport r;
  auto s = db_->prepare(
      "SELECT (SELECT COUNT(*) FROM outbox WHERE " SODIEM_PENDING "), (SELECT COUNT(*) FROM outbox WHERE state = 2), "
      "(SELECT COUNT(*) FROM conflicts WHERE mine_involved = 1)");
  s.step();
  r.pending = s.int64(0);
  r.rejected = s.int64(1);
  r.conflicts = s.int64(2);
  auto last = meta("last_sync");
  if (!last.empty()) r.last_sync = std::stoll(last);
  return r;
}

std::vector<StudentCells> LocalStore::show(const std::string& class_name, const std::string& subject) {
  std::vector<StudentCells> out;
  auto st = db_->prepare("SELECT code, full_name FROM students WHERE class_name = ? ORDER BY code");
  st.bind(1, class_name);
  auto cells = db_->prepare(
      "SELECT c.col, c.value, EXISTS(SELECT 1 FROM outbox o WHERE o.seq = c.last_seq AND " SODIEM_O_PENDING ") FROM cells c "
      "WHERE c.class_name = ? AND c.subject = ? AND c.student_code = ? AND c.value != '' ORDER BY c.col");
  while (st.step()) {
    StudentCells sc;
    sc.code = st.text(0);
    sc.name = st.text(1);
    cells.bind(1, class_name).bind(2, subject).bind(3, sc.code);
    while (cells.step()) {
      sc.cells.emplace_back(cells.text(0), cells.text(1));
      if (cells.int64(2)) sc.pending_columns.push_back(cells.text(0));
    }
    cells.reset();
    out.push_back(std::move(sc));
  }
  NameOrder().sort(out, [](const StudentCells& s) -> const std::string& { return s.name; });
  return out;
}

std::vector<ConflictInfo> LocalStore::conflict_rows(const std::string& class_name, const std::string& subject,
                                                    bool mine_only) {
  std::vector<ConflictInfo> out;
  auto s = db_->prepare(
      "SELECT class_name, subject, student_code, col, mine, current_value, current_author, other_value, other_author "
      "FROM conflicts WHERE (?1 = '' OR class_name = ?1) AND (?2 = '' OR subject = ?2) AND (?3 = 0 OR mine_involved = 1) "
      "ORDER BY id");
  s.bind(1, class_name).bind(2, subject).bind(3, mine_only ? 1 : 0);
  while (s.step()) {
    ConflictInfo c;
    c.cell = {s.text(0), s.text(1), s.text(2), s.text(3)};
    c.mine = s.text(4);
    c.current = s.text(5);
    c.current_author = s.text(6);
    c.other = s.text(7);
    c.other_author = s.text(8);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<ConflictInfo> LocalStore::conflicts(const std::string& class_name, const std::string& subject) {
  return conflict_rows(class_name, subject, false);
}

std::vector<ConflictInfo> LocalStore::my_conflicts() { return conflict_rows("", "", true); }

std::vector<RefusedOp> LocalStore::refused() {
  std::vector<RefusedOp> out;
  auto s = db_->prepare(
      "SELECT o.seq, o.class_name, o.subject, o.student_code, o.col, o.value, o.code, o.reason, "
      "COALESCE(c.server_value, ''), o.recorded_at, o.kind, o.base_version FROM outbox o "
      "LEFT JOIN cells c ON c.class_name = o.class_name "
      "AND c.subject = o.subject AND c.student_code = o.student_code AND c.col = o.col WHERE o.state = 2 ORDER BY o.seq");
  while (s.step()) {
    RefusedOp r;
    r.seq = static_cast<std::uint64_t>(s.int64(0));
    r.cell = {s.text(1), s.text(2), s.text(3), s.text(4)};
    r.value = s.text(5);
    r.code = s.text(6);
    r.reason = s.text(7);
    r.server_value = s.text(8);
    r.recorded_at = s.int64(9);
    r.kind = static_cast<protocol::OpKind>(s.int64(10));
    r.base_version = static_cast<std::uint64_t>(s.int64(11));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace sodiem::client
