// The data the printed and exported records read (see records_data.hpp).
#include "records_data.hpp"

#include <algorithm>

#include "sodiem/core/names.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/school_year.hpp"

namespace sodiem::server::records {

std::optional<ClassData> load_class(sqlite::Db& db, const std::string& class_name) {
  auto c = db.prepare("SELECT id, name FROM current_classes WHERE name = ?");
  c.bind(1, class_name);
  if (!c.step()) return std::nullopt;
  ClassData out{c.int64(0), c.text(1), {}};
  auto s = db.prepare("SELECT code, full_name FROM students WHERE class_id = ? AND status = 'active'");
  s.bind(1, out.id);
  while (s.step()) out.students.push_back({s.text(0), s.text(1)});
  NameOrder().sort(out.students, [](const Student& st) { return st.name; });
  return out;
}

std::string comma(std::string v) {
  if (v.size() >= 3 && v[v.size() - 2] == '.' && v.find_first_not_of("0123456789.") == std::string::npos)
    v[v.size() - 2] = ',';
  return v;
}

std::optional<SubjectData> load_subject(sqlite::Db& db, const ClassData& cls, const std::string& subject) {
  auto sj = db.prepare("SELECT id FROM subjects WHERE name = ?");
  sj.bind(1, subject);
  if (!sj.step()) return std::nullopt;
  // The subject as the class's grade has it (class_subjects.hpp).
  auto info = class_subject(db, cls.id, subject);
  if (!info) return std::nullopt;
  SubjectData out;
  out.id = sj.int64(0);
  out.info = std::move(*info);
  auto c = db.prepare("SELECT st.code, c.col, c.value FROM cells c JOIN students st ON st.id = c.student_id "
                      "WHERE c.class_id = ? AND c.subject_id = ? AND c.value != ''");
  c.bind(1, cls.id).bind(2, out.id);
  while (c.step()) out.cells[c.text(0)][c.text(1)] = c.text(2);
  return out;
}

std::string year_name(sqlite::Db& db) {
  const std::string year = current_year_name(db);
  return year.empty() ? std::string() : "Năm học " + year;
}

BoardTable class_board(sqlite::Db& db, const ClassData& cls, const std::string& term) {
  const auto board = board::summary_board(term, load_class_book(db, cls.id));
  BoardTable out;
  for (const auto& l : board) {
    if (std::find(out.sections.begin(), out.sections.end(), l.subject) == out.sections.end())
      out.sections.push_back(l.subject);
    auto& cols = out.columns[l.subject];
    if (std::find(cols.begin(), cols.end(), l.column) == cols.end()) cols.push_back(l.column);
    out.values[l.subject][l.student][l.column] = l.value;
  }
  return out;
}

}  // namespace sodiem::server::records
