#include "sodiem/server/progress.hpp"

#include <map>

#include "sodiem/core/column.hpp"

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
  // Filled cells per (class, subject) among the term's assessment columns.
  std::map<std::pair<std::int64_t, std::int64_t>, int> filled;
  {
    auto s = db.prepare("SELECT class_id, subject_id, col FROM cells WHERE value != '' AND subject_id != 0 AND col LIKE ?");
    s.bind(1, term + ".%");
    while (s.step()) {
      auto c = Column::parse(s.text(2));
      if (c && (c->kind == Column::Kind::kRegular || c->kind == Column::Kind::kMidTerm ||
                c->kind == Column::Kind::kEndTerm))
        ++filled[{s.int64(0), s.int64(1)}];
    }
  }
  std::vector<ProgressRow> rows;
  auto s = db.prepare(
      "SELECT c.id, c.name, s.id, s.name, s.scored, s.periods_per_year, "
      "(SELECT COUNT(*) FROM students st WHERE st.class_id = c.id AND st.status = 'active'), "
      "COALESCE((SELECT group_concat(u.username, ', ') FROM teaching_assignments t JOIN users u ON u.id = t.user_id "
      "          WHERE t.class_id = c.id AND t.subject_id = s.id), '') "
      "FROM classes c CROSS JOIN subjects s "
      "WHERE EXISTS (SELECT 1 FROM teaching_assignments t WHERE t.class_id = c.id AND t.subject_id = s.id) "
      "ORDER BY c.grade, c.name, s.id");
  while (s.step()) {
    ProgressRow r;
    r.class_name = s.text(1);
    r.subject = s.text(3);
    const int per_student = regular_assessments(s.int64(4) != 0, static_cast<int>(s.int64(5))) + 2;
    r.required = per_student * static_cast<int>(s.int64(6));
    r.filled = filled[{s.int64(0), s.int64(2)}];
    r.teachers = s.text(7);
    r.deadline = deadline;
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace sodiem::server
