#include "sodiem/server/progress.hpp"

#include <map>

#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/class_subjects.hpp"

namespace sodiem::server {

Result<std::vector<ProgressRow>> entry_progress(sqlite::Db& db, const std::string& term) {
  if (term != "HK1" && term != "HK2") return Status(ErrorCode::kInvalidValue, "học kì phải là HK1 hoặc HK2");
  std::string deadline;
  {
    auto s = db.prepare("SELECT t.entry_closes_on FROM terms t JOIN school_years y ON y.id = t.school_year_id "
                        "WHERE y.current = 1 AND t.code = ?");
    s.bind(1, term);
    if (s.step()) deadline = s.text(0);
  }
  // The term's cells of each current student in their own class: a mark
  // left behind in a class the student has left, or of a student who left,
  // is not progress (board::missing_cells is the rule the signature uses).
  using Cells = std::map<std::string, std::string>;
  std::map<std::pair<std::int64_t, std::int64_t>, std::map<std::int64_t, Cells>> cells;
  {
    auto s = db.prepare(
        "SELECT c.class_id, c.subject_id, c.student_id, c.col, c.value FROM cells c "
        "JOIN students st ON st.id = c.student_id AND st.class_id = c.class_id AND st.status = 'active' "
        "WHERE c.value != '' AND c.subject_id != 0 AND c.col LIKE ?");
    s.bind(1, term + ".%");
    while (s.step()) cells[{s.int64(0), s.int64(1)}][s.int64(2)][s.text(3)] = s.text(4);
  }
  std::map<std::int64_t, std::vector<std::int64_t>> students;  // class → current students
  {
    auto s = db.prepare("SELECT id, class_id FROM students WHERE status = 'active'");
    while (s.step()) students[s.int64(1)].push_back(s.int64(0));
  }
  std::vector<ProgressRow> rows;
  auto s = db.prepare(
      "SELECT c.id, c.name, s.id, s.name, s.scored, s.periods_per_year, "
      "COALESCE((SELECT group_concat(u.username, ', ') FROM teaching_assignments t JOIN users u ON u.id = t.user_id "
      "          WHERE t.class_id = c.id AND t.subject_id = s.id), '') "
      "FROM current_classes c CROSS JOIN subjects s "
      "WHERE EXISTS (SELECT 1 FROM teaching_assignments t WHERE t.class_id = c.id AND t.subject_id = s.id) "
      "ORDER BY c.grade, c.name, s.id");
  while (s.step()) {
    ProgressRow r;
    r.class_name = s.text(1);
    r.subject = s.text(3);
    // The subject as the class's grade has it (class_subjects.hpp).
    const protocol::SubjectInfo info = class_subject(db, s.int64(0), r.subject)
                                           .value_or(protocol::SubjectInfo{r.subject, s.int64(4) != 0, static_cast<int>(s.int64(5)), false, "", false, ""});
    const auto& of_subject = cells[{s.int64(0), s.int64(2)}];
    std::vector<std::pair<std::string, Cells>> book;
    for (std::int64_t student : students[s.int64(0)]) {
      auto it = of_subject.find(student);
      book.emplace_back(std::to_string(student), it == of_subject.end() ? Cells{} : it->second);
    }
    r.required = static_cast<int>(board::required_columns(info, term).size() * book.size());
    r.filled = r.required - static_cast<int>(board::missing_cells(info, term, book).size());
    r.teachers = s.text(6);
    r.deadline = deadline;
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace sodiem::server
