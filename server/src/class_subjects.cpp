// The subjects of a class and their settings (class_subjects.hpp).
#include "sodiem/server/class_subjects.hpp"

#include "sodiem/core/attendance.hpp"
#include "sodiem/server/calendar.hpp"

namespace sodiem::server {
namespace {

// A grade's own row when it has one; the subject's own settings when the
// grade has no rows at all; nothing when the grade has rows but not this subject.
constexpr const char* kClassSubjects =
    "SELECT c.id, s.id, s.name, CASE WHEN g.kind IS NULL THEN s.scored WHEN g.kind = 'scored' THEN 1 ELSE 0 END, "
    "COALESCE(g.periods_per_year, s.periods_per_year), CASE WHEN COALESCE(g.topic_periods, 0) > 0 THEN 1 ELSE 0 END, "
    "COALESCE(g.assessed_as, ''), CASE WHEN g.kind = 'primary' THEN 1 ELSE 0 END, COALESCE(g.periodic_tests, '') "
    "FROM current_classes c CROSS JOIN subjects s "
    "LEFT JOIN grade_subjects g ON g.grade = c.grade AND g.subject_id = s.id "
    "WHERE (g.grade IS NOT NULL OR NOT EXISTS (SELECT 1 FROM grade_subjects x WHERE x.grade = c.grade))";

protocol::SubjectInfo info_of(store::Stmt& s) {
  return {s.text(2), s.int64(3) != 0, static_cast<int>(s.int64(4)), s.int64(5) != 0, s.text(6), s.int64(7) != 0,
          s.text(8)};
}

}  // namespace

std::vector<ClassSubject> load_class_subjects(store::Db& db) {
  std::vector<ClassSubject> out;
  auto s = db.prepare(std::string(kClassSubjects) + " ORDER BY c.id, s.id");
  while (s.step()) out.push_back({s.int64(0), s.int64(1), info_of(s)});
  return out;
}

std::vector<ClassSubject> class_subjects_of(store::Db& db, std::int64_t class_id) {
  std::vector<ClassSubject> out;
  auto s = db.prepare(std::string(kClassSubjects) + " AND c.id = ? ORDER BY s.id");
  s.bind(1, class_id);
  while (s.step()) out.push_back({s.int64(0), s.int64(1), info_of(s)});
  return out;
}

board::ClassBook load_class_book(store::Db& db, std::int64_t class_id, const std::string& only_term) {
  board::ClassBook book;
  {
    auto s = db.prepare("SELECT name, grade FROM classes WHERE id = ?");
    s.bind(1, class_id);
    if (!s.step()) return book;
    book.class_name = s.text(0);
    book.grade = static_cast<int>(s.int64(1));
  }
  for (auto& cs : class_subjects_of(db, class_id)) book.subjects.push_back(std::move(cs.info));
  {
    auto s = db.prepare("SELECT code FROM students WHERE class_id = ? AND status = 'active' ORDER BY code");
    s.bind(1, class_id);
    while (s.step()) book.students.push_back(s.text(0));
  }
  auto s = db.prepare(
      "SELECT COALESCE(sj.name, ?), st.code, c.col, c.value FROM cells c JOIN students st ON st.id = c.student_id "
      "LEFT JOIN subjects sj ON sj.id = c.subject_id WHERE c.class_id = ? AND c.value != '' AND c.col LIKE ?");
  s.bind(1, protocol::kHomeroomSubject).bind(2, class_id).bind(3, only_term.empty() ? "%" : only_term + ".%");
  while (s.step()) book.cells.push_back({s.text(0), s.text(1), s.text(2), s.text(3)});
  book.two_sessions = attendance::two_sessions(load_calendar(db), book.class_name);
  return book;
}

std::optional<protocol::SubjectInfo> class_subject(store::Db& db, std::int64_t class_id, const std::string& name) {
  auto s = db.prepare(std::string(kClassSubjects) + " AND c.id = ? AND s.name = ?");
  s.bind(1, class_id).bind(2, name);
  if (!s.step()) return std::nullopt;
  return info_of(s);
}

std::vector<protocol::GradeSubject> load_grade_subjects(store::Db& db) {
  std::vector<protocol::GradeSubject> out;
  auto s = db.prepare(
      "SELECT g.grade, s.name, g.kind = 'scored', g.periods_per_year, g.topic_periods > 0, g.assessed_as, "
      "g.kind = 'primary', g.periodic_tests FROM grade_subjects g JOIN subjects s ON s.id = g.subject_id "
      "ORDER BY g.grade, s.id");
  while (s.step()) {
    protocol::GradeSubject g;
    g.grade = static_cast<int>(s.int64(0));
    g.subject = {s.text(1), s.int64(2) != 0, static_cast<int>(s.int64(3)), s.int64(4) != 0, s.text(5), s.int64(6) != 0,
                 s.text(7)};
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace sodiem::server
