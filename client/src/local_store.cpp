#include "sodiem/client/local_store.hpp"

#include <array>
#include <filesystem>

#include "sodiem/core/attendance.hpp"
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


constexpr std::array<std::string_view, 15> kMigrations{R"sql(
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
)sql",
                                                      R"sql(
-- Each grade's subject settings of a school set up from a curriculum
-- (protocol::GradeSubject): a grade with rows has exactly those subjects.
CREATE TABLE grade_subjects(grade INTEGER NOT NULL, name TEXT NOT NULL, scored INTEGER NOT NULL,
                            periods_per_year INTEGER NOT NULL, study_topics INTEGER NOT NULL,
                            assessed_as TEXT NOT NULL, primary_rated INTEGER NOT NULL, PRIMARY KEY(grade, name));
)sql",
                                                      R"sql(
-- TT27 periodic tests of a primary subject in that grade ("GK1,CK1,GK2,CN").
ALTER TABLE grade_subjects ADD COLUMN periodic_tests TEXT NOT NULL DEFAULT '';
)sql",
                                                      R"sql(
-- Students who moved out of the user's classes this school year
-- (protocol::MoveNotice), as the last roster said: shown in the inbox.
CREATE TABLE move_notices(student_code TEXT NOT NULL, student_name TEXT NOT NULL, from_class TEXT NOT NULL,
                          to_class TEXT NOT NULL, at INTEGER NOT NULL);
)sql",
                                                      R"sql(
-- A class that learns only some of its grade's subjects (protocol::ClassSubjects,
-- a THPT class's electives and study topics): it has exactly the grade's
-- rows named here, with study topics where study_topics = 1.
CREATE TABLE class_subjects(class_name TEXT NOT NULL, name TEXT NOT NULL, study_topics INTEGER NOT NULL,
                            PRIMARY KEY(class_name, name));
)sql",
                                                      R"sql(
-- The subjects the user may read in a class not seen whole, as the last
-- roster said (protocol::ReadSubjects, the server's may_read): a department
-- head's department subjects with no cells yet among them.
CREATE TABLE read_subjects(class_name TEXT NOT NULL, subject TEXT NOT NULL, PRIMARY KEY(class_name, subject));
)sql"};

}  // namespace

LocalStore::LocalStore(const std::string& data_dir, const Clock& clock) : clock_(clock), data_dir_(data_dir) {
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

std::uint64_t LocalStore::roster_version() {
  // A roster kept by a client older than the roster's `wc` or `rs`: asked for again.
  if (meta("whole_classes_said").empty() || meta("read_subjects_said").empty()) return 0;
  return std::stoull(meta("roster_version", "0"));
}

std::optional<protocol::SubjectInfo> LocalStore::subject(const std::string& name, const std::string& class_name) {
  if (!class_name.empty()) {
    // The class's grade's own settings, as the server's class_subjects.hpp
    // decides them: a grade with rows has exactly those subjects.
    auto g = db_->cached(std::string("SELECT ") + kClassGradeSubjects + " AND c.name = ? ORDER BY g.name = ? DESC LIMIT 1");
    g->bind(1, class_name).bind(2, name);
    if (g->step()) {
      if (g->text(0) != name) return std::nullopt;  // the grade has its subjects, not this one
      protocol::SubjectInfo info{name, g->int64(1) != 0, static_cast<int>(g->int64(2)), g->int64(3) != 0, g->text(4),
                                 g->int64(5) != 0, g->text(6)};
      return info;
    }
  }
  auto s = db_->cached("SELECT scored, periods_per_year FROM subjects WHERE name = ?");
  s->bind(1, name);
  if (!s->step()) return std::nullopt;
  return protocol::SubjectInfo{name, s->int64(0) != 0, static_cast<int>(s->int64(1)), false, "", false, ""};
}
bool LocalStore::has_class(const std::string& name) {
  auto s = db_->cached("SELECT 1 FROM classes WHERE name = ?");
  s->bind(1, name);
  return s->step();
}
int LocalStore::class_grade(const std::string& name) {
  auto s = db_->cached("SELECT grade FROM classes WHERE name = ?");
  s->bind(1, name);
  const int grade = s->step() ? static_cast<int>(s->int64(0)) : 0;
  s->reset();
  return grade;
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
  auto subj = subject(cell.subject, cell.class_name);
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
  auto normal = normalize_cell_value(homeroom ? nullptr : &*subj, cell.column, value);
  if (normal && homeroom && !normal->empty())
    if (auto col = Column::parse(cell.column)) {
      auto why = attendance::fault(*col, calendar(), cell.class_name);
      if (!why) why = homeroom_column_fault(*col, class_grade(cell.class_name));
      if (why) return Status(ErrorCode::kInvalidValue, *why);
    }
  return normal;
}

}  // namespace sodiem::client
