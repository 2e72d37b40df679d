// Data-entry progress (progress.hpp): read-only; same thread as the connection.
#include "sodiem/server/progress.hpp"

#include <map>

#include "sodiem/core/required_cells.hpp"
#include "sodiem/server/class_subjects.hpp"

namespace sodiem::server {

Result<std::vector<ProgressRow>> entry_progress(store::Db& db, const std::string& term) {
  if (term != "HK1" && term != "HK2") return Status(ErrorCode::kInvalidValue, "học kì phải là HK1 hoặc HK2");
  std::string deadline;
  {
    auto s = db.prepare("SELECT t.entry_closes_on FROM terms t JOIN school_years y ON y.id = t.school_year_id "
                        "WHERE y.current = 1 AND t.code = ?");
    s.bind(1, term);
    if (s.step()) deadline = s.text(0);
  }
  std::map<std::pair<std::int64_t, std::string>, std::string> teachers;  // (class id, subject) → usernames
  {
    auto s = db.prepare("SELECT t.class_id, s.name, u.username FROM teaching_assignments t "
                        "JOIN subjects s ON s.id = t.subject_id JOIN users u ON u.id = t.user_id "
                        "ORDER BY t.class_id, t.subject_id, u.username");
    while (s.step()) {
      auto& names = teachers[{s.int64(0), s.text(1)}];
      names += (names.empty() ? "" : ", ") + s.text(2);
    }
  }
  // Each class's assigned subjects × required columns × its active students,
  // exempt counting as filled (board::subject_counts, the rule the
  // signatures use): a student who moved out or left is not counted, and a
  // subject nobody has entered a mark in (or nobody teaches) is still a row.
  std::vector<ProgressRow> rows;
  auto c = db.prepare("SELECT id FROM current_classes ORDER BY grade, name");
  while (c.step()) {
    const board::ClassBook book = load_class_book(db, c.int64(0), term);
    for (const auto& count : board::subject_counts(book, term)) {
      ProgressRow r;
      r.class_name = book.class_name;
      r.subject = count.subject;
      r.required = count.required;
      r.filled = count.filled;
      if (auto it = teachers.find({c.int64(0), r.subject}); it != teachers.end()) r.teachers = it->second;
      r.deadline = deadline;
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

}  // namespace sodiem::server
