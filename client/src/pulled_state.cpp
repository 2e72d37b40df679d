// LocalStore, what comes from the server: the roster (with its lock
// notices and class moves), pulled changes, the correction requests, the cursor. See
// local_store.hpp; same thread as the store.
#include "sodiem/client/local_store.hpp"

#include <algorithm>
#include <filesystem>

#include "outbox_sql.hpp"
#include "sodiem/client/cell_states.hpp"

namespace sodiem::client {

using protocol::CellKey;
using protocol::Op;

std::string LocalStore::school_year() { return meta("school_year"); }
std::string LocalStore::school_name() { return meta("school_name"); }
std::string LocalStore::user_full_name() { return meta("full_name"); }

void LocalStore::enter_school_year(const std::string& year) {
  const std::string known = meta("school_year");
  if (year.empty() || year == known) return;
  if (!known.empty()) {
    // The old year, as this device knew it, kept aside before it is forgotten.
    const std::string dir = data_dir_ + "/years/" + known;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!std::filesystem::exists(dir + "/client.db")) {
      db_->prepare("VACUUM INTO ?").bind(1, dir + "/client.db").run();
      // Marked as the closed year's copy: nothing is signed there (archived_year()).
      sqlite::Db copy(dir + "/client.db");
      copy.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES('archived_for', ?)").bind(1, year).run();
    }
  }
  sqlite::Transaction tx(*db_);
  if (!known.empty())
    db_->exec(
        "DELETE FROM cells WHERE NOT EXISTS(SELECT 1 FROM outbox o WHERE o.seq = cells.last_seq AND " SODIEM_O_PENDING ");"
        "DELETE FROM conflicts;");
  set_meta("school_year", year);
  tx.commit();
}

void LocalStore::apply_roster(const protocol::Roster& r) {
  enter_school_year(r.school_year);
  sqlite::Transaction tx(*db_);
  db_->exec(
      "DELETE FROM classes; DELETE FROM subjects; DELETE FROM students; DELETE FROM assignments; "
      "DELETE FROM lock_notices; DELETE FROM grade_subjects; DELETE FROM move_notices; DELETE FROM class_subjects; "
      "DELETE FROM read_subjects;");
  auto ic = db_->prepare("INSERT INTO classes(name, grade) VALUES(?, ?)");
  for (const auto& c : r.classes) ic.bind(1, c.name).bind(2, c.grade).run();
  auto is = db_->prepare("INSERT INTO subjects(name, scored, periods_per_year) VALUES(?, ?, ?)");
  for (const auto& s : r.subjects) is.bind(1, s.name).bind(2, s.scored ? 1 : 0).bind(3, s.periods_per_year).run();
  auto ig = db_->prepare(
      "INSERT OR REPLACE INTO grade_subjects(grade, name, scored, periods_per_year, study_topics, assessed_as, primary_rated, "
      "periodic_tests) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& g : r.grade_subjects)
    ig.bind(1, g.grade).bind(2, g.subject.name).bind(3, g.subject.scored ? 1 : 0).bind(4, g.subject.periods_per_year)
        .bind(5, g.subject.study_topics ? 1 : 0).bind(6, g.subject.assessed_as).bind(7, g.subject.primary ? 1 : 0)
        .bind(8, g.subject.periodic_tests).run();
  auto ik = db_->prepare("INSERT OR REPLACE INTO class_subjects(class_name, name, study_topics) VALUES(?, ?, ?)");
  for (const auto& c : r.class_subjects)
    for (const auto& name : c.subjects)
      ik.bind(1, c.class_name).bind(2, name)
          .bind(3, std::find(c.study_topics.begin(), c.study_topics.end(), name) != c.study_topics.end() ? 1 : 0).run();
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
  auto im = db_->prepare("INSERT INTO move_notices(student_code, student_name, from_class, to_class, at) VALUES(?, ?, ?, ?, ?)");
  for (const auto& m : r.moves) im.bind(1, m.student_code).bind(2, m.student_name).bind(3, m.from_class).bind(4, m.to_class)
                                    .bind(5, m.at).run();
  std::string roles;
  for (const auto& role : r.roles) roles += (roles.empty() ? "" : ",") + role;
  set_meta("roles", roles);
  // Class names hold no control characters: one per line.
  std::string two;
  for (const auto& c : r.calendar.two_session_classes) two += c + "\n";
  set_meta("calendar_first_day", r.calendar.first_day);
  set_meta("calendar_last_day", r.calendar.last_day);
  set_meta("calendar_sundays", r.calendar.sundays ? "1" : "0");
  set_meta("calendar_two_sessions", two);
  set_meta("calendar_terms", term_dates_text(r.calendar.terms));
  // The classes seen whole (board_scope.cpp): one per line, as the server
  // said ("1") or not ("0": an older server).
  std::string whole;
  for (const auto& c : r.whole_classes.value_or(std::vector<std::string>{})) whole += c + "\n";
  set_meta("whole_classes", whole);
  set_meta("whole_classes_said", r.whole_classes ? "1" : "0");
  auto ir = db_->prepare("INSERT OR IGNORE INTO read_subjects(class_name, subject) VALUES(?, ?)");
  for (const auto& c : r.read_subjects.value_or(std::vector<protocol::ReadSubjects>{}))
    for (const auto& s : c.subjects) ir.bind(1, c.class_name).bind(2, s).run();
  set_meta("read_subjects_said", r.read_subjects ? "1" : "0");
  set_meta("roster_version", std::to_string(r.version));
  set_meta("school_name", r.school);
  set_meta("full_name", r.full_name);
  tx.commit();
}

std::vector<protocol::MoveNotice> LocalStore::move_notices() {
  std::vector<protocol::MoveNotice> out;
  auto s = db_->prepare("SELECT student_code, student_name, from_class, to_class, at FROM move_notices ORDER BY at, rowid");
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.int64(4)});
  return out;
}

protocol::SchoolCalendar LocalStore::calendar() {
  protocol::SchoolCalendar c;
  c.first_day = meta("calendar_first_day");
  c.last_day = meta("calendar_last_day");
  c.sundays = meta("calendar_sundays") == "1";
  const std::string two = meta("calendar_two_sessions");
  for (std::size_t at = 0, end; (end = two.find('\n', at)) != std::string::npos; at = end + 1)
    c.two_session_classes.push_back(two.substr(at, end - at));
  c.terms = term_dates(*db_);
  return c;
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
  if (auto st = closed_year_refusal(); !st) return st;
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

}  // namespace sodiem::client
