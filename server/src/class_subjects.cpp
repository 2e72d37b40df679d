// The subjects of a class and their settings (class_subjects.hpp).
#include "sodiem/server/class_subjects.hpp"

#include "sodiem/core/attendance.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/server/class_choices.hpp"
#include "sodiem/server/calendar.hpp"

namespace sodiem::server {
namespace {

// A grade's own row when it has one; the subject's own settings when the
// grade has no rows at all; nothing when the grade has rows but not this
// subject. A class with a choice (class_subject_choices: its electives and
// study topics) has its grade's compulsory subjects and exactly its chosen
// electives, with study topics only where chosen. The first parameter is
// elective_subject_ids().
constexpr const char* kClassSubjects =
    "SELECT c.id, s.id, s.name, CASE WHEN g.kind IS NULL THEN s.scored WHEN g.kind = 'scored' THEN 1 ELSE 0 END, "
    "COALESCE(g.periods_per_year, s.periods_per_year), "
    "CASE WHEN COALESCE(g.topic_periods, 0) > 0 AND (hc.class_id IS NULL OR ch.study_topics = 1) THEN 1 ELSE 0 END, "
    "COALESCE(g.assessed_as, ''), CASE WHEN g.kind = 'primary' THEN 1 ELSE 0 END, COALESCE(g.periodic_tests, '') "
    "FROM current_classes c CROSS JOIN subjects s "
    "LEFT JOIN grade_subjects g ON g.grade = c.grade AND g.subject_id = s.id "
    "LEFT JOIN (SELECT DISTINCT class_id FROM class_subject_choices) hc ON hc.class_id = c.id "
    "LEFT JOIN class_subject_choices ch ON ch.class_id = c.id AND ch.subject_id = s.id "
    "WHERE (g.grade IS NOT NULL OR NOT EXISTS (SELECT 1 FROM grade_subjects x WHERE x.grade = c.grade)) "
    "AND (hc.class_id IS NULL OR ch.class_id IS NOT NULL OR INSTR(?, ',' || s.id || ',') = 0)";

protocol::SubjectInfo info_of(store::Stmt& s) {
  return {s.text(2), s.int64(3) != 0, static_cast<int>(s.int64(4)), s.int64(5) != 0, s.text(6), s.int64(7) != 0,
          s.text(8)};
}

}  // namespace

std::vector<ClassSubject> load_class_subjects(store::Db& db) {
  std::vector<ClassSubject> out;
  auto s = db.prepare(std::string(kClassSubjects) + " ORDER BY c.id, s.id");
  s.bind(1, elective_subject_ids(db));
  while (s.step()) out.push_back({s.int64(0), s.int64(1), info_of(s)});
  return out;
}

std::vector<ClassSubject> class_subjects_of(store::Db& db, std::int64_t class_id) {
  std::vector<ClassSubject> out;
  auto s = db.prepare(std::string(kClassSubjects) + " AND c.id = ? ORDER BY s.id");
  s.bind(1, elective_subject_ids(db)).bind(2, class_id);
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
  s.bind(1, elective_subject_ids(db)).bind(2, class_id).bind(3, name);
  if (!s.step()) return std::nullopt;
  return info_of(s);
}

std::vector<std::string> stranded_marks(store::Db& db, const std::vector<ClassSubject>& before,
                                        const std::vector<ClassSubject>& after, const std::string& gone) {
  std::map<std::pair<std::int64_t, std::int64_t>, const protocol::SubjectInfo*> now;
  for (const auto& cs : after) now[{cs.class_id, cs.subject_id}] = &cs.info;
  std::vector<std::string> out;
  auto marks = db.prepare("SELECT col FROM cells WHERE class_id = ? AND subject_id = ? AND value != ''");
  auto class_name = db.prepare("SELECT name FROM classes WHERE id = ?");
  for (const auto& cs : before) {
    auto it = now.find({cs.class_id, cs.subject_id});
    const protocol::SubjectInfo* next = it == now.end() ? nullptr : it->second;
    const bool kind_kept = next && next->scored == cs.info.scored && next->primary == cs.info.primary;
    const int tx = next ? regular_assessments(*next) : 0;
    std::string problem;
    marks.bind(1, cs.class_id).bind(2, cs.subject_id);
    while (problem.empty() && marks.step()) {
      const auto col = Column::parse(marks.text(0));
      if (!next) problem = gone;
      else if (!kind_kept) problem = "đổi cách đánh giá (điểm số / nhận xét)";
      else if (col && col->kind == Column::Kind::kRegular && col->index > tx)
        problem = "chỉ còn " + std::to_string(tx) + " cột đánh giá thường xuyên mà đã có điểm " + marks.text(0);
    }
    marks.reset();
    if (problem.empty()) continue;
    class_name.bind(1, cs.class_id);
    const std::string cls = class_name.step() ? class_name.text(0) : "?";
    class_name.reset();
    out.push_back("lớp " + cls + ", môn " + cs.info.name + ": đã có điểm, không thể " + problem);
  }
  return out;
}

std::map<std::int64_t, protocol::ClassSubjects> load_class_choices(store::Db& db) {
  std::map<std::int64_t, protocol::ClassSubjects> out;
  {
    auto s = db.prepare("SELECT DISTINCT c.id, c.name FROM current_classes c JOIN class_subject_choices ch ON ch.class_id = c.id");
    while (s.step()) out[s.int64(0)].class_name = s.text(1);
  }
  if (out.empty()) return out;
  for (const auto& cs : load_class_subjects(db)) {
    auto it = out.find(cs.class_id);
    if (it == out.end()) continue;
    it->second.subjects.push_back(cs.info.name);
    if (cs.info.study_topics) it->second.study_topics.push_back(cs.info.name);
  }
  return out;
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
