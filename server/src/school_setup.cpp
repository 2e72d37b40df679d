// Applies a curriculum to the school's database (school_setup.hpp).
#include "sodiem/server/school_setup.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "sodiem/core/column.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/school_year.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {
namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ",") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// The current school year set to `plan`: created, or its dates and terms
// updated. True if anything changed.
Result<bool> set_year(store::Db& db, const YearPlan& plan) {
  std::int64_t year_id = 0;
  bool changed = false;
  {
    auto cur = db.prepare("SELECT id, name FROM school_years WHERE current = 1");
    if (cur.step() && cur.text(1) != plan.name)
      return Status(ErrorCode::kInvalidValue,
                    "năm học hiện tại là " + cur.text(1) + ", không phải " + plan.name +
                        "; sang năm học mới bằng lệnh sodiem-server year new, không bằng setup");
  }
  auto y = db.prepare("SELECT id, starts_on, ends_on, current FROM school_years WHERE name = ?");
  y.bind(1, plan.name);
  if (y.step()) {
    year_id = y.int64(0);
    if (y.text(1) != plan.starts_on || y.text(2) != plan.ends_on || y.int64(3) != 1) {
      db.prepare("UPDATE school_years SET starts_on = ?, ends_on = ?, current = 1 WHERE id = ?")
          .bind(1, plan.starts_on).bind(2, plan.ends_on).bind(3, year_id).run();
      changed = true;
    }
  } else {
    db.prepare("INSERT INTO school_years(name, starts_on, ends_on, current) VALUES(?, ?, ?, 1)")
        .bind(1, plan.name).bind(2, plan.starts_on).bind(3, plan.ends_on).run();
    year_id = db.last_insert_rowid();
    adopt_yearless_classes(db, year_id);  // classes imported before the first year was set up
    changed = true;
  }
  for (const auto& t : plan.terms) {
    auto old = db.prepare("SELECT starts_on, ends_on, entry_opens_on, entry_closes_on FROM terms "
                          "WHERE school_year_id = ? AND code = ?");
    old.bind(1, year_id).bind(2, t.code);
    if (old.step() && old.text(0) == t.starts_on && old.text(1) == t.ends_on && old.text(2) == t.entry_opens_on &&
        old.text(3) == t.entry_closes_on)
      continue;
    db.prepare("INSERT INTO terms(school_year_id, code, starts_on, ends_on, entry_opens_on, entry_closes_on) "
               "VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(school_year_id, code) DO UPDATE SET starts_on = excluded.starts_on, "
               "ends_on = excluded.ends_on, entry_opens_on = excluded.entry_opens_on, "
               "entry_closes_on = excluded.entry_closes_on")
        .bind(1, year_id).bind(2, t.code).bind(3, t.starts_on).bind(4, t.ends_on).bind(5, t.entry_opens_on)
        .bind(6, t.entry_closes_on).run();
    changed = true;
  }
  return changed;
}

}  // namespace

std::string school_year_around(std::int64_t unix_seconds) {
  const std::time_t local = static_cast<std::time_t>(unix_seconds + 7 * 3600);  // Vietnam time
  std::tm tm{};
  gmtime_r(&local, &tm);
  const int y = tm.tm_year + 1900 - (tm.tm_mon < 8 ? 1 : 0);
  return std::to_string(y) + "-" + std::to_string(y + 1);
}

Result<SetupReport> apply_curriculum(store::Db& db, const Curriculum& cur, std::optional<YearPlan> year,
                                     const Clock& clock, const std::string& by) {
  SetupReport report;
  if (Status st = require_role(db, by, {"ADMIN", "HT"}, "chỉ quản trị hệ thống hoặc Hiệu trưởng được thiết lập chương trình học");
      !st)
    return st;
  store::Transaction tx(db);
  const auto before = load_class_subjects(db);

  // Levels: the union of those set up before and these.
  std::vector<std::string> levels;
  for (std::string rest = get_meta(db, "school_levels", ""); !rest.empty();) {
    const auto comma = rest.find(',');
    levels.push_back(rest.substr(0, comma));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  for (const auto& l : cur.levels)
    if (std::find(levels.begin(), levels.end(), l) == levels.end()) levels.push_back(l);
  std::sort(levels.begin(), levels.end(), [](auto& a, auto& b) { return level_grades(a).first < level_grades(b).first; });
  if (join(levels) != get_meta(db, "school_levels", "")) {
    set_meta(db, "school_levels", join(levels));
    report.changed = true;
  }
  report.levels = levels;

  // Subjects: by name; their own settings are those of their lowest grade
  // (what older clients, which know no grades, use).
  std::set<int> grades;
  std::map<std::pair<int, std::int64_t>, bool> in_file;
  for (const auto& s : cur.subjects) {
    const CurriculumGrade& first = s.grades.front();
    const int scored = first.kind == SubjectKind::kScored ? 1 : 0;
    std::int64_t id = 0;
    auto find = db.prepare("SELECT id, scored, periods_per_year, department FROM subjects WHERE name = ?");
    find.bind(1, s.name);
    if (find.step()) {
      id = find.int64(0);
      const std::string department = s.department.empty() ? find.text(3) : s.department;
      if (find.int64(1) != scored || find.int64(2) != first.periods || find.text(3) != department) {
        db.prepare("UPDATE subjects SET scored = ?, periods_per_year = ?, department = ? WHERE id = ?")
            .bind(1, scored).bind(2, first.periods).bind(3, department).bind(4, id).run();
        ++report.subjects_updated;
      }
    } else {
      db.prepare("INSERT INTO subjects(name, scored, periods_per_year, department) VALUES(?, ?, ?, ?)")
          .bind(1, s.name).bind(2, scored).bind(3, first.periods).bind(4, s.department).run();
      id = db.last_insert_rowid();
      ++report.subjects_added;
    }
    for (const auto& g : s.grades) {
      grades.insert(g.grade);
      in_file[{g.grade, id}] = true;
      const std::string tests = join(g.periodic_tests);
      auto old = db.prepare("SELECT kind, periods_per_year, topic_periods, assessed_as, periodic_tests FROM grade_subjects "
                            "WHERE grade = ? AND subject_id = ?");
      old.bind(1, g.grade).bind(2, id);
      if (old.step() && old.text(0) == subject_kind_code(g.kind) && old.int64(1) == g.periods &&
          old.int64(2) == g.topic_periods && old.text(3) == g.assessed_as && old.text(4) == tests)
        continue;
      db.prepare("INSERT INTO grade_subjects(grade, subject_id, kind, periods_per_year, topic_periods, assessed_as, "
                 "periodic_tests) VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(grade, subject_id) DO UPDATE SET "
                 "kind = excluded.kind, periods_per_year = excluded.periods_per_year, topic_periods = excluded.topic_periods, "
                 "assessed_as = excluded.assessed_as, periodic_tests = excluded.periodic_tests")
          .bind(1, g.grade).bind(2, id).bind(3, subject_kind_code(g.kind)).bind(4, g.periods).bind(5, g.topic_periods)
          .bind(6, g.assessed_as).bind(7, tests).run();
      ++report.grade_settings_changed;
    }
  }
  // A grade the curriculum covers has exactly the curriculum's subjects.
  {
    std::vector<std::pair<int, std::int64_t>> gone;
    auto rows = db.prepare("SELECT grade, subject_id FROM grade_subjects");
    while (rows.step())
      if (grades.contains(static_cast<int>(rows.int64(0))) && !in_file.contains({static_cast<int>(rows.int64(0)), rows.int64(1)}))
        gone.emplace_back(static_cast<int>(rows.int64(0)), rows.int64(1));
    for (auto [grade, subject] : gone) {
      db.prepare("DELETE FROM grade_subjects WHERE grade = ? AND subject_id = ?").bind(1, grade).bind(2, subject).run();
      ++report.grade_settings_changed;
    }
  }
  if (auto stranded = stranded_marks(db, before, load_class_subjects(db), "môn không còn trong chương trình của khối"); !stranded.empty()) {
    std::string text = "không thay đổi gì: chương trình mới bỏ mất điểm đã nhập (" + std::to_string(stranded.size()) + " chỗ): ";
    for (std::size_t i = 0; i < stranded.size() && i < 5; ++i) text += (i ? "; " : "") + stranded[i];
    return Status(ErrorCode::kInvalidValue, text);  // the transaction rolls back
  }

  // The school year: the one asked for, else the file's, else the current
  // one is kept, else the usual calendar's for the year around today.
  if (!year) year = cur.year;
  if (!year) {
    auto current = db.prepare("SELECT name FROM school_years WHERE current = 1");
    if (current.step()) report.year = current.text(0);
    else year = default_year(school_year_around(clock.now_unix_seconds()));
  }
  if (year) {
    auto changed = set_year(db, *year);
    if (!changed) return changed.status();
    report.year = year->name;
    report.year_changed = *changed;
  }

  report.changed = report.changed || report.subjects_added || report.subjects_updated ||
                   report.grade_settings_changed || report.year_changed;
  if (!report.changed) return report;  // the same curriculum again: nothing to record
  bump_roster_version(db);
  append_audit(db, {clock.now_unix_seconds(), by, "", "setup",
                    nlohmann::json{{"title", cur.title},
                                   {"levels", levels},
                                   {"subjects_added", report.subjects_added},
                                   {"subjects_updated", report.subjects_updated},
                                   {"grade_settings_changed", report.grade_settings_changed},
                                   {"school_year", report.year},
                                   {"school_year_changed", report.year_changed}}
                        .dump()});
  tx.commit();
  return report;
}

}  // namespace sodiem::server
