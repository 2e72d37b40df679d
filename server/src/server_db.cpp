#include "sodiem/server/server_db.hpp"

#include <sqlite3.h>

#include <filesystem>

#include "sodiem/core/file_guard.hpp"
#include "sodiem/server/access_seal.hpp"
#include "sodiem/server/store_config.hpp"
#include "sodiem/sqlite/db.hpp"

#include <array>
#include <string_view>

namespace sodiem::server {
namespace {

// Append-only: never edit a migration that has shipped; add a new one.
constexpr std::array<std::string_view, 23> kMigrations{R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE classes(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, grade INTEGER NOT NULL);
CREATE TABLE subjects(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, scored INTEGER NOT NULL,
                      periods_per_year INTEGER NOT NULL);
CREATE TABLE students(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, full_name TEXT NOT NULL,
                      class_id INTEGER NOT NULL REFERENCES classes(id), birth_date TEXT, gender TEXT,
                      status TEXT NOT NULL DEFAULT 'active');
CREATE TABLE users(id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, full_name TEXT NOT NULL,
                   password_hash TEXT NOT NULL, roles TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0);
CREATE TABLE teaching_assignments(user_id INTEGER NOT NULL REFERENCES users(id),
                                  class_id INTEGER NOT NULL REFERENCES classes(id),
                                  subject_id INTEGER NOT NULL REFERENCES subjects(id),
                                  ends_at INTEGER,
                                  PRIMARY KEY(user_id, class_id, subject_id));
CREATE TABLE homerooms(class_id INTEGER PRIMARY KEY REFERENCES classes(id),
                       user_id INTEGER NOT NULL REFERENCES users(id));
CREATE TABLE devices(id INTEGER PRIMARY KEY, public_id TEXT NOT NULL UNIQUE,
                     user_id INTEGER NOT NULL REFERENCES users(id), name TEXT NOT NULL,
                     token_hash TEXT NOT NULL, high_seq INTEGER NOT NULL DEFAULT 0,
                     created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL);
-- Current value of every cell; version = the change that set it.
CREATE TABLE cells(class_id INTEGER NOT NULL, subject_id INTEGER NOT NULL, student_id INTEGER NOT NULL,
                   col TEXT NOT NULL, value TEXT NOT NULL, version INTEGER NOT NULL,
                   device_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
                   PRIMARY KEY(class_id, subject_id, student_id, col)) WITHOUT ROWID;
-- Every accepted value (kind 0) and every conflicting value kept aside (kind 1),
-- in commit order: the pull feed and the cells' history.
CREATE TABLE changes(version INTEGER PRIMARY KEY, kind INTEGER NOT NULL,
                     class_id INTEGER NOT NULL, subject_id INTEGER NOT NULL, student_id INTEGER NOT NULL,
                     col TEXT NOT NULL, value TEXT NOT NULL, device_id INTEGER NOT NULL, seq INTEGER NOT NULL,
                     user_id INTEGER NOT NULL, recorded_at INTEGER NOT NULL, received_at INTEGER NOT NULL,
                     current_version INTEGER NOT NULL);
CREATE INDEX changes_by_device ON changes(device_id, seq);
-- Outcome of every op that did not simply become a new version.
CREATE TABLE op_outcomes(device_id INTEGER NOT NULL, seq INTEGER NOT NULL, code TEXT NOT NULL,
                         reason TEXT NOT NULL, PRIMARY KEY(device_id, seq)) WITHOUT ROWID;
)sql",
                                                      R"sql(
-- Departments (tổ chuyên môn): a TTCM reads the marks of their department's subjects.
ALTER TABLE subjects ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN department TEXT NOT NULL DEFAULT '';
)sql",
                                                      R"sql(
-- School years and their terms, with the entry window of each term
-- (dates "YYYY-MM-DD"; the window is where lock periods build on).
CREATE TABLE school_years(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, starts_on TEXT NOT NULL,
                          ends_on TEXT NOT NULL, current INTEGER NOT NULL DEFAULT 0);
CREATE TABLE terms(id INTEGER PRIMARY KEY, school_year_id INTEGER NOT NULL REFERENCES school_years(id),
                   code TEXT NOT NULL, starts_on TEXT NOT NULL, ends_on TEXT NOT NULL,
                   entry_opens_on TEXT NOT NULL, entry_closes_on TEXT NOT NULL,
                   UNIQUE(school_year_id, code));
)sql",
                                                      R"sql(
-- Append-only, hash-chained audit trail; the head (last seq and hash) is
-- also kept in meta so that a deleted tail is detected.
CREATE TABLE audit_log(seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, device TEXT NOT NULL,
                       kind TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
-- Refused ops keep what was refused, for the cell's history.
ALTER TABLE op_outcomes ADD COLUMN class_id INTEGER;
ALTER TABLE op_outcomes ADD COLUMN subject_id INTEGER;
ALTER TABLE op_outcomes ADD COLUMN student_id INTEGER;
ALTER TABLE op_outcomes ADD COLUMN col TEXT;
ALTER TABLE op_outcomes ADD COLUMN value TEXT;
ALTER TABLE op_outcomes ADD COLUMN at INTEGER;
CREATE INDEX op_outcomes_by_cell ON op_outcomes(class_id, subject_id, student_id, col);
CREATE INDEX changes_by_cell ON changes(class_id, subject_id, student_id, col);
)sql",
                                                      R"sql(
-- Lock periods (khóa sổ). A lock matches a cell when every scope field that
-- is set matches it; none set = the whole school. kind: entry_closed | frozen.
CREATE TABLE locks(id INTEGER PRIMARY KEY, term TEXT, grade INTEGER, class_name TEXT, subject TEXT,
                   column_kind TEXT, kind TEXT NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,
                   reason TEXT NOT NULL, set_by TEXT NOT NULL, set_at INTEGER NOT NULL,
                   removed_at INTEGER, removed_by TEXT, removed_reason TEXT);
-- Narrow, expiring unlocks.
CREATE TABLE lock_exceptions(id INTEGER PRIMARY KEY, username TEXT, class_name TEXT, subject TEXT, col TEXT,
                             expires_at INTEGER NOT NULL, reason TEXT NOT NULL, created_by TEXT NOT NULL,
                             created_at INTEGER NOT NULL, removed_at INTEGER, removed_by TEXT);
-- When each device last opened a session: the floor of its claimed op times.
ALTER TABLE devices ADD COLUMN session_floor INTEGER NOT NULL DEFAULT 0;
)sql",
                                                      R"sql(
-- Correction requests after a lock (giấy đề nghị thay đổi thông tin).
CREATE TABLE corrections(id INTEGER PRIMARY KEY, class_id INTEGER NOT NULL, subject_id INTEGER NOT NULL,
                         student_id INTEGER NOT NULL, col TEXT NOT NULL, old_value TEXT NOT NULL,
                         new_value TEXT NOT NULL, reason TEXT NOT NULL, requested_by INTEGER NOT NULL,
                         device_id INTEGER NOT NULL, seq INTEGER NOT NULL, requested_at INTEGER NOT NULL,
                         status TEXT NOT NULL DEFAULT 'pending', decided_by TEXT, decided_at INTEGER,
                         decision_comment TEXT, applied_version INTEGER);
-- Why a version exists when it did not come straight from a teacher's op.
ALTER TABLE changes ADD COLUMN note TEXT;
)sql",
                                                      R"sql(
-- Each user's Ed25519 public key; the private key stays on their device.
CREATE TABLE signing_keys(user_id INTEGER PRIMARY KEY REFERENCES users(id), public_key TEXT NOT NULL,
                          registered_at INTEGER NOT NULL, device_id INTEGER NOT NULL);
-- Signed confirmation steps (subject, class, review, approve) with the exact
-- document signed. subject_id NULL = the whole class.
CREATE TABLE confirmations(id INTEGER PRIMARY KEY, class_id INTEGER NOT NULL, subject_id INTEGER, term TEXT NOT NULL,
                           step TEXT NOT NULL, user_id INTEGER NOT NULL, document TEXT NOT NULL, digest TEXT NOT NULL,
                           signature TEXT NOT NULL, public_key TEXT NOT NULL, signed_at INTEGER NOT NULL,
                           revoked_at INTEGER, revoked_by TEXT, revoked_reason TEXT);
)sql",
                                                      R"sql(
-- A conflict (changes.kind = 1) is open until a resolution (kind 2) names its version.
ALTER TABLE changes ADD COLUMN resolved_by_version INTEGER;
)sql",
                                                      R"sql(
-- Only conflicts need a per-cell lookup on the write path; a full per-cell
-- index cost one more B-tree insert per op (history scans instead).
DROP INDEX changes_by_cell;
CREATE INDEX conflicts_by_cell ON changes(class_id, subject_id, student_id, col) WHERE kind = 1;
)sql",
                                                      R"sql(
-- The versions given to a device's accepted ops, one row per run of
-- consecutive seqs and versions (as the ack carried them): a replayed op
-- finds its version here, without a per-op (device, seq) index on changes.
CREATE TABLE accepted_runs(device_id INTEGER NOT NULL, first_seq INTEGER NOT NULL, count INTEGER NOT NULL,
                           first_version INTEGER NOT NULL, PRIMARY KEY(device_id, first_seq)) WITHOUT ROWID;
INSERT OR IGNORE INTO accepted_runs
  SELECT device_id, seq, 1, version FROM changes c WHERE kind = 0
    AND NOT EXISTS(SELECT 1 FROM op_outcomes o WHERE o.device_id = c.device_id AND o.seq = c.seq);
DROP INDEX changes_by_device;
)sql",
                                                      R"sql(
-- An issued password (init, import, reset) must be replaced at first login.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
)sql",
                                                      R"sql(
-- Powers the HT delegates to a PHT (power 'corrections': decide correction
-- requests), until expires_at (0 = until revoked).
CREATE TABLE delegations(id INTEGER PRIMARY KEY, power TEXT NOT NULL, user_id INTEGER NOT NULL REFERENCES users(id),
                         granted_by TEXT NOT NULL, granted_at INTEGER NOT NULL, expires_at INTEGER NOT NULL DEFAULT 0,
                         reason TEXT NOT NULL DEFAULT '', revoked_at INTEGER, revoked_by TEXT);
)sql",
                                                      R"sql(
-- A device can be cut off (a lost or stolen laptop) without disabling the account.
ALTER TABLE devices ADD COLUMN revoked_at INTEGER;
ALTER TABLE devices ADD COLUMN revoked_by TEXT;
ALTER TABLE devices ADD COLUMN revoked_reason TEXT;
)sql",
                                                      R"sql(
-- Cells get a rowid: the DB worker remembers it and updates a cell by that
-- (an integer seek) rather than by its four-part key (same key, now a unique index).
CREATE TABLE cells_by_id(id INTEGER PRIMARY KEY, class_id INTEGER NOT NULL, subject_id INTEGER NOT NULL,
                         student_id INTEGER NOT NULL, col TEXT NOT NULL, value TEXT NOT NULL, version INTEGER NOT NULL,
                         device_id INTEGER NOT NULL, user_id INTEGER NOT NULL);
INSERT INTO cells_by_id(class_id, subject_id, student_id, col, value, version, device_id, user_id)
  SELECT class_id, subject_id, student_id, col, value, version, device_id, user_id FROM cells;
DROP TABLE cells;
ALTER TABLE cells_by_id RENAME TO cells;
CREATE UNIQUE INDEX cells_by_key ON cells(class_id, subject_id, student_id, col);
)sql",
                                                      R"sql(
-- The Merkle tree over the audit trail (audit_tree.hpp): the hash of each
-- perfect subtree of 2^level entries starting at entry idx << level (hex). Filled
-- in the same transaction as each entry; entries from before it are added
-- at the next append. meta audit_tree_size counts the leaves.
CREATE TABLE audit_tree(level INTEGER NOT NULL, idx INTEGER NOT NULL, hash TEXT NOT NULL,
                        PRIMARY KEY(level, idx)) WITHOUT ROWID;
-- Devices that found the tree head the server shows inconsistent with one
-- it had signed before: a rewritten audit trail.
CREATE TABLE audit_alarms(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, device TEXT NOT NULL, username TEXT NOT NULL,
                          kept_epoch TEXT NOT NULL, kept_size INTEGER NOT NULL, kept_root TEXT NOT NULL,
                          kept_signature TEXT NOT NULL, kept_signature_valid INTEGER NOT NULL,
                          shown_size INTEGER NOT NULL, shown_root TEXT NOT NULL, why TEXT NOT NULL);
)sql",
                                                      R"sql(
-- Wrong passwords and lockouts per account (LoginLimiter, lockout_store.hpp),
-- shared by the running server and the commands acting for a person.
CREATE TABLE login_lockouts(username TEXT PRIMARY KEY, failures INTEGER NOT NULL, lockouts INTEGER NOT NULL,
                            last_failure INTEGER NOT NULL, locked_until INTEGER NOT NULL);
)sql",
                                                      R"sql(
-- Sessions (buổi) a class is taught each day: 1, or 2 (morning and
-- afternoon); attendance is then kept per session (calendar.hpp).
ALTER TABLE classes ADD COLUMN sessions_per_day INTEGER NOT NULL DEFAULT 1;
)sql",
                                                      R"sql(
-- Login sessions of the web console (server/src/console): only the SHA-256
-- of each random token; ended_at set at logout or expiry.
CREATE TABLE console_sessions(id INTEGER PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,
                              user_id INTEGER NOT NULL REFERENCES users(id), address TEXT NOT NULL,
                              created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL, ended_at INTEGER);
)sql",
                                                      R"sql(
-- Each grade's subjects as set up from a curriculum (sodiem-server setup,
-- class_subjects.hpp): kind scored | comment | primary, periods per year,
-- THPT study-topic periods (> 0: one more regular assessment), the combined
-- subject it is assessed as (Nghệ thuật), primary periodic tests ("GK1,CK1").
-- A grade with rows here has exactly these subjects; a grade without (the
-- demo school, databases from before) has every subject with its settings
-- in `subjects`.
CREATE TABLE grade_subjects(grade INTEGER NOT NULL, subject_id INTEGER NOT NULL REFERENCES subjects(id),
                            kind TEXT NOT NULL, periods_per_year INTEGER NOT NULL,
                            topic_periods INTEGER NOT NULL DEFAULT 0, assessed_as TEXT NOT NULL DEFAULT '',
                            periodic_tests TEXT NOT NULL DEFAULT '',
                            PRIMARY KEY(grade, subject_id)) WITHOUT ROWID;
)sql",
                                                      R"sql(
-- Classes belong to a school year (school_year.hpp): 6A is a new class each
-- year, and a class's cells, assignments, signatures and requests stay with
-- the year they were made in (year new). 0 = made before any school year.
-- Rebuilt because the old table had UNIQUE(name).
DROP VIEW IF EXISTS current_classes;
CREATE TABLE classes_by_year(id INTEGER PRIMARY KEY, name TEXT NOT NULL, grade INTEGER NOT NULL,
                             sessions_per_day INTEGER NOT NULL DEFAULT 1,
                             school_year_id INTEGER NOT NULL DEFAULT 0, UNIQUE(school_year_id, name));
INSERT INTO classes_by_year(id, name, grade, sessions_per_day, school_year_id)
  SELECT id, name, grade, sessions_per_day, COALESCE((SELECT MAX(id) FROM school_years WHERE current = 1), 0)
  FROM classes;
DROP TABLE classes;
ALTER TABLE classes_by_year RENAME TO classes;
-- The current year's classes: every lookup of a class by name goes through it.
CREATE VIEW current_classes AS SELECT * FROM classes
  WHERE school_year_id = COALESCE((SELECT MAX(id) FROM school_years WHERE current = 1), 0);
)sql",
                                                      R"sql(
-- Who may do what, tied to the audit trail (access_seal.hpp): an entry that
-- follows a change to these tables carries the digest of each (access, in
-- its hash), and verify compares them with the tables. The triggers tell
-- the server's connection which tables a transaction changed (the function
-- exists only there: an edit from elsewhere must drop them first). A
-- migration that rebuilds one of these tables must create its triggers again.
ALTER TABLE audit_log ADD COLUMN access TEXT NOT NULL DEFAULT '';
-- A console session is valid only with the audited login that opened it
-- (console_sessions.cpp): a row added to the file opens nothing.
ALTER TABLE console_sessions ADD COLUMN login_seq INTEGER;
CREATE INDEX audit_log_access ON audit_log(seq) WHERE access != '';
CREATE TRIGGER access_users_ins BEFORE INSERT ON users BEGIN SELECT sodiem_access_touch('users'); END;
CREATE TRIGGER access_users_upd BEFORE UPDATE OF id, username, full_name, password_hash, roles, disabled, department, must_change_password ON users BEGIN SELECT sodiem_access_touch('users'); END;
CREATE TRIGGER access_users_del BEFORE DELETE ON users BEGIN SELECT sodiem_access_touch('users'); END;
CREATE TRIGGER access_devices_ins BEFORE INSERT ON devices BEGIN SELECT sodiem_access_touch('devices'); END;
CREATE TRIGGER access_devices_upd BEFORE UPDATE OF id, public_id, user_id, name, token_hash, revoked_at, revoked_by, revoked_reason ON devices BEGIN SELECT sodiem_access_touch('devices'); END;
CREATE TRIGGER access_devices_del BEFORE DELETE ON devices BEGIN SELECT sodiem_access_touch('devices'); END;
CREATE TRIGGER access_teaching_assignments_ins BEFORE INSERT ON teaching_assignments BEGIN SELECT sodiem_access_touch('teaching_assignments'); END;
CREATE TRIGGER access_teaching_assignments_upd BEFORE UPDATE OF user_id, class_id, subject_id, ends_at ON teaching_assignments BEGIN SELECT sodiem_access_touch('teaching_assignments'); END;
CREATE TRIGGER access_teaching_assignments_del BEFORE DELETE ON teaching_assignments BEGIN SELECT sodiem_access_touch('teaching_assignments'); END;
CREATE TRIGGER access_homerooms_ins BEFORE INSERT ON homerooms BEGIN SELECT sodiem_access_touch('homerooms'); END;
CREATE TRIGGER access_homerooms_upd BEFORE UPDATE OF class_id, user_id ON homerooms BEGIN SELECT sodiem_access_touch('homerooms'); END;
CREATE TRIGGER access_homerooms_del BEFORE DELETE ON homerooms BEGIN SELECT sodiem_access_touch('homerooms'); END;
CREATE TRIGGER access_locks_ins BEFORE INSERT ON locks BEGIN SELECT sodiem_access_touch('locks'); END;
CREATE TRIGGER access_locks_upd BEFORE UPDATE OF id, term, grade, class_name, subject, column_kind, kind, starts_at, ends_at, reason, set_by, set_at, removed_at, removed_by, removed_reason ON locks BEGIN SELECT sodiem_access_touch('locks'); END;
CREATE TRIGGER access_locks_del BEFORE DELETE ON locks BEGIN SELECT sodiem_access_touch('locks'); END;
CREATE TRIGGER access_lock_exceptions_ins BEFORE INSERT ON lock_exceptions BEGIN SELECT sodiem_access_touch('lock_exceptions'); END;
CREATE TRIGGER access_lock_exceptions_upd BEFORE UPDATE OF id, username, class_name, subject, col, expires_at, reason, created_by, created_at, removed_at, removed_by ON lock_exceptions BEGIN SELECT sodiem_access_touch('lock_exceptions'); END;
CREATE TRIGGER access_lock_exceptions_del BEFORE DELETE ON lock_exceptions BEGIN SELECT sodiem_access_touch('lock_exceptions'); END;
CREATE TRIGGER access_delegations_ins BEFORE INSERT ON delegations BEGIN SELECT sodiem_access_touch('delegations'); END;
CREATE TRIGGER access_delegations_upd BEFORE UPDATE OF id, power, user_id, granted_by, granted_at, expires_at, reason, revoked_at, revoked_by ON delegations BEGIN SELECT sodiem_access_touch('delegations'); END;
CREATE TRIGGER access_delegations_del BEFORE DELETE ON delegations BEGIN SELECT sodiem_access_touch('delegations'); END;
CREATE TRIGGER access_signing_keys_ins BEFORE INSERT ON signing_keys BEGIN SELECT sodiem_access_touch('signing_keys'); END;
CREATE TRIGGER access_signing_keys_upd BEFORE UPDATE OF user_id, public_key, registered_at, device_id ON signing_keys BEGIN SELECT sodiem_access_touch('signing_keys'); END;
CREATE TRIGGER access_signing_keys_del BEFORE DELETE ON signing_keys BEGIN SELECT sodiem_access_touch('signing_keys'); END;
CREATE TRIGGER access_classes_ins BEFORE INSERT ON classes BEGIN SELECT sodiem_access_touch('classes'); END;
CREATE TRIGGER access_classes_upd BEFORE UPDATE OF id, name, grade, sessions_per_day, school_year_id ON classes BEGIN SELECT sodiem_access_touch('classes'); END;
CREATE TRIGGER access_classes_del BEFORE DELETE ON classes BEGIN SELECT sodiem_access_touch('classes'); END;
CREATE TRIGGER access_students_ins BEFORE INSERT ON students BEGIN SELECT sodiem_access_touch('students'); END;
CREATE TRIGGER access_students_upd BEFORE UPDATE OF id, code, full_name, class_id, birth_date, gender, status ON students BEGIN SELECT sodiem_access_touch('students'); END;
CREATE TRIGGER access_students_del BEFORE DELETE ON students BEGIN SELECT sodiem_access_touch('students'); END;
CREATE TRIGGER access_subjects_ins BEFORE INSERT ON subjects BEGIN SELECT sodiem_access_touch('subjects'); END;
CREATE TRIGGER access_subjects_upd BEFORE UPDATE OF id, name, scored, periods_per_year, department ON subjects BEGIN SELECT sodiem_access_touch('subjects'); END;
CREATE TRIGGER access_subjects_del BEFORE DELETE ON subjects BEGIN SELECT sodiem_access_touch('subjects'); END;
CREATE TRIGGER access_grade_subjects_ins BEFORE INSERT ON grade_subjects BEGIN SELECT sodiem_access_touch('grade_subjects'); END;
CREATE TRIGGER access_grade_subjects_upd BEFORE UPDATE OF grade, subject_id, kind, periods_per_year, topic_periods, assessed_as, periodic_tests ON grade_subjects BEGIN SELECT sodiem_access_touch('grade_subjects'); END;
CREATE TRIGGER access_grade_subjects_del BEFORE DELETE ON grade_subjects BEGIN SELECT sodiem_access_touch('grade_subjects'); END;
CREATE TRIGGER access_school_years_ins BEFORE INSERT ON school_years BEGIN SELECT sodiem_access_touch('school_years'); END;
CREATE TRIGGER access_school_years_upd BEFORE UPDATE OF id, name, starts_on, ends_on, current ON school_years BEGIN SELECT sodiem_access_touch('school_years'); END;
CREATE TRIGGER access_school_years_del BEFORE DELETE ON school_years BEGIN SELECT sodiem_access_touch('school_years'); END;
CREATE TRIGGER access_terms_ins BEFORE INSERT ON terms BEGIN SELECT sodiem_access_touch('terms'); END;
CREATE TRIGGER access_terms_upd BEFORE UPDATE OF id, school_year_id, code, starts_on, ends_on, entry_opens_on, entry_closes_on ON terms BEGIN SELECT sodiem_access_touch('terms'); END;
CREATE TRIGGER access_terms_del BEFORE DELETE ON terms BEGIN SELECT sodiem_access_touch('terms'); END;
)sql",
                                                      R"sql(
-- Each class change of a student within the school year (student_moves.hpp):
-- the old class's teachers are told on their next roster (protocol::MoveNotice).
CREATE TABLE student_moves(id INTEGER PRIMARY KEY, student_id INTEGER NOT NULL, from_class_id INTEGER NOT NULL,
                           to_class_id INTEGER NOT NULL, at INTEGER NOT NULL, moved_by TEXT NOT NULL);
CREATE INDEX student_moves_by_class ON student_moves(from_class_id);
)sql",
                                                      R"sql(
-- A THPT class's choice (tổ hợp, class_choices.hpp): its elective subjects
-- and the subjects of its study topics (chuyên đề học tập, study_topics 1).
-- A class with rows learns its grade's compulsory subjects and exactly these
-- electives, with study topics exactly in these; a class without has every
-- subject of its grade (class_subjects.hpp). An access table (the seal): it
-- decides which cells a board needs before it is signed.
CREATE TABLE class_subject_choices(class_id INTEGER NOT NULL REFERENCES classes(id),
                                   subject_id INTEGER NOT NULL REFERENCES subjects(id),
                                   study_topics INTEGER NOT NULL DEFAULT 0,
                                   PRIMARY KEY(class_id, subject_id)) WITHOUT ROWID;
CREATE TRIGGER access_class_subject_choices_ins BEFORE INSERT ON class_subject_choices BEGIN SELECT sodiem_access_touch('class_subject_choices'); END;
CREATE TRIGGER access_class_subject_choices_upd BEFORE UPDATE OF class_id, subject_id, study_topics ON class_subject_choices BEGIN SELECT sodiem_access_touch('class_subject_choices'); END;
CREATE TRIGGER access_class_subject_choices_del BEFORE DELETE ON class_subject_choices BEGIN SELECT sodiem_access_touch('class_subject_choices'); END;
)sql"};

}  // namespace

namespace {
// The SQLite school at `path`, migrated. `alone`: first the file's
// exclusive lock, asked for without waiting (nullptr when another
// connection has the file open), then kept until the Db is closed;
// `version_before`: the schema's version under that lock, before migrating.
std::unique_ptr<store::Db> open_sqlite_school(const std::string& path, bool alone, int* version_before) {
  // Password and token hashes and every mark: the server's user's alone,
  // also in a data directory made before this rule (0755 / 0644).
  restrict_data_dir(std::filesystem::path(path).parent_path().empty() ? "." : std::filesystem::path(path).parent_path().string());
  auto file = std::make_unique<sqlite::Db>(path, /*synchronous_full=*/true);
  if (alone) {
    sqlite3_busy_timeout(file->handle(), 0);
    file->exec("PRAGMA locking_mode=EXCLUSIVE");
    try {
      file->exec("BEGIN EXCLUSIVE");
    } catch (const sqlite::Error& e) {
      if ((e.code & 0xff) == SQLITE_BUSY || (e.code & 0xff) == SQLITE_LOCKED) return nullptr;
      throw;
    }
    file->exec("COMMIT");  // the lock stays: locking_mode=EXCLUSIVE
    sqlite3_busy_timeout(file->handle(), 10000);
  }
  if (version_before) *version_before = file->user_version();
  auto db = std::make_unique<store::Db>(std::move(file));
  install_access_guard(*db);
  db->sqlite()->migrate(kMigrations);
  enforce_access_guard(*db);
  return db;
}
}  // namespace

std::unique_ptr<store::Db> open_server_db(const std::string& path) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (auto pg = read_store_config(parent.empty() ? "." : parent.string())) return open_postgres_school(*pg);
  return open_sqlite_school(path, /*alone=*/false, nullptr);
}

std::unique_ptr<store::Db> open_sqlite_school_alone(const std::string& path, int* version_before) {
  return open_sqlite_school(path, /*alone=*/true, version_before);
}

std::string audit_key_path(const std::string& db_path) {
  const auto dir = std::filesystem::path(db_path).parent_path();
  return DataPaths{dir.empty() ? "." : dir.string()}.audit_key();
}

Status check_database_pages(store::Db& db, const std::string& data_dir) {
  // PostgreSQL checks its own pages (data checksums, its own recovery).
  if (db.backend() == store::Backend::kPostgres) return Status::ok();
  std::string problems;
  try {
    auto s = db.prepare("PRAGMA quick_check(5)");
    while (s.step()) {
      if (s.text(0) == "ok") return Status::ok();
      problems += (problems.empty() ? "" : "; ") + s.text(0);
    }
  } catch (const std::exception& e) {
    problems = e.what();
  }
  return Status(ErrorCode::kInternal,
                "cơ sở dữ liệu " + data_dir + "/server.db bị hỏng (" + problems +
                    "). Máy chủ không khởi động để khỏi ghi thêm lên dữ liệu hỏng. Cách khôi phục: "
                    "sodiem-server restore THƯ_MỤC_SAO_LƯU --data THƯ_MỤC_MỚI, rồi chạy máy chủ với thư mục mới; "
                    "các máy giáo viên sẽ tự gửi lại những gì bản sao lưu còn thiếu.");
}

// Inside a transaction the values read or written here are memoised
// (store::Db::recall): the audit chain reads its heads at every entry.
std::string get_meta(store::Db& db, const std::string& key, const std::string& fallback) {
  const std::string memo = "meta:" + key;
  if (auto m = db.recall(memo)) return m->value_or(fallback);
  auto s = db.cached("SELECT value FROM meta WHERE key = ?");
  s->bind(1, key);
  std::optional<std::string> value;
  if (s->step()) value = s->text(0);
  db.remember(memo, value);
  return value.value_or(fallback);
}

void set_meta(store::Db& db, const std::string& key, const std::string& value) {
  db.cached("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      ->bind(1, key)
      .bind(2, value)
      .run();
  db.remember("meta:" + key, value);
}

void bump_roster_version(store::Db& db) {
  set_meta(db, "roster_version", std::to_string(std::stoull(get_meta(db, "roster_version", "1")) + 1));
}

}  // namespace sodiem::server
