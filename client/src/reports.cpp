// LocalStore, reports: status, the cells of a class and subject, conflicts,
// refused ops, and the documents a signature covers. Read-only; see
// local_store.hpp; same thread as the store.
#include "sodiem/client/local_store.hpp"

#include "outbox_sql.hpp"
#include "sodiem/core/names.hpp"
#include "sodiem/core/attendance.hpp"
#include "sodiem/core/summary_board.hpp"

namespace sodiem::client {

using protocol::CellKey;
using protocol::Op;

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
    return board::class_document(term, step, class_book(class_name));
  }
  const auto info = this->subject(subject, class_name);
  if (!info) return Status(ErrorCode::kInvalidValue, "môn \"" + subject + "\" không có trong danh sách môn học");
  // The class's students as the roster says: one who moved or left is not signed here.
  auto s = db_->prepare("SELECT student_code, col, value FROM cells WHERE class_name = ? AND subject = ? AND col LIKE ? "
                        "AND value != '' AND student_code IN (SELECT code FROM students WHERE class_name = ?1)");
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

board::ClassBook LocalStore::class_book(const std::string& class_name) {
  board::ClassBook book;
  book.class_name = class_name;
  book.grade = class_grade(class_name);
  // A grade with rows has exactly those subjects (class_subjects.hpp on the
  // server); in the roster's (the server's subject) order.
  auto g = db_->prepare(std::string("SELECT ") + kClassGradeSubjects +
                        " AND c.name = ? ORDER BY (SELECT s.rowid FROM subjects s WHERE s.name = g.name), g.name");
  g.bind(1, class_name);
  while (g.step())
    book.subjects.push_back({g.text(0), g.int64(1) != 0, static_cast<int>(g.int64(2)), g.int64(3) != 0, g.text(4),
                             g.int64(5) != 0, g.text(6)});
  if (book.subjects.empty()) {
    auto s = db_->prepare("SELECT name, scored, periods_per_year FROM subjects ORDER BY rowid");
    while (s.step())
      book.subjects.push_back({s.text(0), s.int64(1) != 0, static_cast<int>(s.int64(2)), false, "", false, ""});
  }
  auto st = db_->prepare("SELECT code FROM students WHERE class_name = ? ORDER BY code");
  st.bind(1, class_name);
  while (st.step()) book.students.push_back(st.text(0));
  book.cells = class_cells(class_name);
  book.two_sessions = attendance::two_sessions(calendar(), class_name);
  return book;
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
