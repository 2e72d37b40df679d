// School years and the rollover to the next one (school_year.hpp).
#include "sodiem/server/school_year.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <set>

#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/backup.hpp"
#include "sodiem/server/class_choices.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/year_outcomes.hpp"

namespace sodiem::server {
namespace {

struct OldClass {
  std::int64_t id;
  std::string name;
  int grade, sessions;
  std::vector<std::pair<std::int64_t, std::string>> students;  // id, code (active)
};

// The highest grade the school teaches: the end of its highest level.
int top_grade(store::Db& db, const std::vector<OldClass>& classes) {
  int top = 0;
  for (std::string rest = get_meta(db, "school_levels", ""); !rest.empty();) {
    const auto comma = rest.find(',');
    top = std::max(top, level_grades(rest.substr(0, comma)).second);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  if (top > 0) return top;
  int highest = 0;
  for (const auto& c : classes) highest = std::max(highest, c.grade);
  return highest <= 5 ? 5 : highest <= 9 ? 9 : 12;
}

std::string first_few(const std::vector<std::string>& items, std::size_t n = 8) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < n; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > n) out += " và " + std::to_string(items.size() - n) + " nữa";
  return out;
}

}  // namespace

std::int64_t current_year_id(store::Db& db) {
  auto s = db.cached("SELECT COALESCE(MAX(id), 0) FROM school_years WHERE current = 1");
  s->step();
  const std::int64_t id = s->int64(0);
  s->reset();
  return id;
}

std::string current_year_name(store::Db& db) {
  auto s = db.prepare("SELECT name FROM school_years WHERE current = 1 ORDER BY id DESC LIMIT 1");
  return s.step() ? s.text(0) : std::string();
}

std::string class_name_as_written(const std::string& typed) {
  std::string name = typed;
  for (char c : name)
    if (static_cast<unsigned char>(c) >= 0x80) return name;  // a name in words ("Lá 1"): as typed
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::int64_t add_class(store::Db& db, const std::string& name, int grade) {
  db.cached("INSERT INTO classes(name, grade, school_year_id) VALUES(?, ?, ?)")
      ->bind(1, class_name_as_written(name))
      .bind(2, grade)
      .bind(3, current_year_id(db))
      .run();
  return db.last_insert_rowid();
}

void adopt_yearless_classes(store::Db& db, std::int64_t year_id) {
  db.prepare("UPDATE classes SET school_year_id = ? WHERE school_year_id = 0").bind(1, year_id).run();
}

std::string promoted_class_name(const std::string& name, int grade) {
  const std::string prefix = std::to_string(grade);
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return "";
  if (name[prefix.size()] >= '0' && name[prefix.size()] <= '9') return "";  // "12A" is not grade 1
  return std::to_string(grade + 1) + name.substr(prefix.size());
}

std::optional<YearOutcome> parse_year_outcome(const std::string& text) {
  std::string_view v = text;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
  const auto t = match_key(v);
  auto is = [&](std::initializer_list<const char*> spellings) {
    for (const char* spelling : spellings)
      if (t && match_key(spelling) == t) return true;
    return false;
  };
  if (is({"len-lop", "Lên lớp"})) return YearOutcome::kPromoted;
  if (is({"o-lai", "Ở lại lớp", "Ở lại"})) return YearOutcome::kRetained;
  if (is({"nghi-hoc", "Nghỉ học"})) return YearOutcome::kLeft;
  if (is({"chuyen-truong", "Chuyển trường"})) return YearOutcome::kTransferred;
  return std::nullopt;
}

std::string archived_year(store::Db& db) { return get_meta(db, "archived_year", ""); }

Result<NewYearReport> start_new_year(store::Db& db, const NewYearRequest& r, const Clock& clock,
                                     const std::string& by) {
  if (Status st = require_role(db, by, {"ADMIN", "HT"}, "chỉ quản trị hệ thống hoặc Hiệu trưởng được chuyển năm học");
      !st)
    return st;
  if (const std::string a = archived_year(db); !a.empty())
    return Status(ErrorCode::kInvalidValue, "đây là bản lưu trữ năm học " + a + ", chỉ để xem");
  const std::int64_t now = clock.now_unix_seconds();
  // The write lock from here on: the copy of the old year below is the
  // last state anyone wrote to it.
  store::Transaction tx(db);
  NewYearReport report;
  const std::int64_t old_id = current_year_id(db);
  report.old_year = current_year_name(db);
  report.new_year = r.plan.name;
  if (old_id == 0)
    return Status(ErrorCode::kInvalidValue, "chưa có năm học hiện tại; hãy thiết lập trường trước (sodiem-server setup)");
  if (r.plan.name <= report.old_year)
    return Status(ErrorCode::kInvalidValue, "năm học mới " + r.plan.name + " phải sau năm học hiện tại " + report.old_year);
  {
    auto s = db.prepare("SELECT 1 FROM school_years WHERE name = ?");
    s.bind(1, r.plan.name);
    if (s.step()) return Status(ErrorCode::kInvalidValue, "đã có năm học " + r.plan.name);
  }
  {
    auto s = db.prepare("SELECT COUNT(*) FROM corrections r JOIN current_classes c ON c.id = r.class_id "
                        "WHERE r.status = 'pending'");
    s.step();
    if (s.int64(0) > 0)
      return Status(ErrorCode::kInvalidValue, "còn " + std::to_string(s.int64(0)) +
                                                  " yêu cầu điều chỉnh chờ duyệt của năm học " + report.old_year +
                                                  "; hãy duyệt hoặc từ chối trước khi chuyển năm học");
  }

  std::vector<OldClass> classes;
  {
    auto c = db.prepare("SELECT id, name, grade, sessions_per_day FROM current_classes ORDER BY grade, name");
    auto st = db.prepare("SELECT id, code FROM students WHERE class_id = ? AND status = 'active' ORDER BY code");
    while (c.step()) {
      OldClass oc{c.int64(0), c.text(1), static_cast<int>(c.int64(2)), static_cast<int>(c.int64(3)), {}};
      st.bind(1, oc.id);
      while (st.step()) oc.students.emplace_back(st.int64(0), st.text(1));
      st.reset();
      classes.push_back(std::move(oc));
    }
  }
  std::vector<std::string> problems;
  {
    std::set<std::string> codes;
    for (const auto& c : classes)
      for (const auto& s : c.students) codes.insert(s.second);
    for (const auto& [code, outcome] : r.outcomes)
      if (!codes.contains(code)) problems.push_back("không có học sinh mã " + excerpt(code) + " đang học");
  }
  const int top = top_grade(db, classes);
  for (const auto& c : classes)
    if (c.grade < top && promoted_class_name(c.name, c.grade).empty())
      problems.push_back("tên lớp " + c.name + " không bắt đầu bằng khối " + std::to_string(c.grade) +
                         " nên không biết lên lớp thành lớp nào; hãy đổi tên lớp trước");
  if (!problems.empty())
    return Status(ErrorCode::kInvalidValue, "không chuyển năm học: " + first_few(problems));
  // The year's results are on the HK2 board (board_terms): its approval is
  // the year's. Each approved class's students (THCS/THPT by TT22, primary
  // by TT27) go where their computed outcome says (year_outcomes.hpp),
  // unless the file says otherwise.
  std::map<std::string, YearOutcome> computed;
  std::vector<std::string> pending;
  {
    auto outcomes = load_year_outcomes(db);
    if (!outcomes) return outcomes.status();
    for (const auto& c : *outcomes) {
      if (!c.approved) continue;
      for (const auto& s : c.students) {
        if (r.outcomes.contains(s.student)) continue;
        if (s.final == board::Final::kPromoted) computed[s.student] = YearOutcome::kPromoted;
        else if (s.final == board::Final::kRetained) computed[s.student] = YearOutcome::kRetained;
        else {
          // Not re-tested or trained (yet): not promoted (TT22 Điều 13) when forced on.
          computed[s.student] = YearOutcome::kRetained;
          std::string awaiting;
          for (const auto& a : s.awaiting) awaiting += (awaiting.empty() ? "" : ", ") + a;
          pending.push_back(c.class_name + " " + s.student + " (" + awaiting + ")");
        }
      }
    }
  }
  report.pending_retained = pending;
  if (!r.force) {
    std::vector<std::string> unapproved;
    for (const auto& c : classes)
      if (!c.students.empty() && !year_approved(db, c.id)) unapproved.push_back(c.name);
    if (!unapproved.empty())
      return Status(ErrorCode::kInvalidValue,
                    "chưa phê duyệt kết quả cả năm của lớp " + first_few(unapproved) +
                        "; hãy hoàn tất phê duyệt, hoặc chạy lại với --force nếu trường quyết định chuyển năm học dù chưa duyệt");
    if (!pending.empty())
      return Status(ErrorCode::kInvalidValue,
                    "còn " + std::to_string(pending.size()) + " học sinh chờ kiểm tra lại hoặc rèn luyện trong hè: " +
                        first_few(pending) +
                        "; hãy ghi kết quả (sodiem-server retest, sodiem-server summer), hoặc chạy lại với --force "
                        "(các học sinh này sẽ ở lại lớp) hay --outcomes nếu trường quyết định khác");
  }

  // The old year, aside: a checked copy of the whole data directory, marked
  // as an archive (read commands work on it; commands that change anything
  // and `run` refuse it).
  namespace fs = std::filesystem;
  report.archive_dir = r.data_dir + "/years/" + report.old_year;
  if (fs::exists(report.archive_dir) && !fs::is_empty(report.archive_dir))
    return Status(ErrorCode::kInvalidValue, "đã có bản lưu trữ " + report.archive_dir + "; không ghi đè");
  fs::create_directories(r.data_dir + "/years");
  auto copy = backup_data_dir(r.data_dir, report.archive_dir);
  if (!copy) return copy.status();
  bool keep_archive = false;
  struct RemoveUnlessKept {
    const std::string& dir;
    const bool& keep;
    ~RemoveUnlessKept() {
      std::error_code ec;
      if (!keep) fs::remove_all(dir, ec);
    }
  } cleanup{report.archive_dir, keep_archive};
  {
    auto archive = open_server_db(DataPaths{report.archive_dir}.db());
    set_meta(*archive, "archived_year", report.old_year);
  }

  db.prepare("UPDATE school_years SET current = 0 WHERE current = 1").run();
  db.prepare("INSERT INTO school_years(name, starts_on, ends_on, current) VALUES(?, ?, ?, 1)")
      .bind(1, r.plan.name).bind(2, r.plan.starts_on).bind(3, r.plan.ends_on).run();
  const std::int64_t new_id = db.last_insert_rowid();
  for (const auto& t : r.plan.terms)
    db.prepare("INSERT INTO terms(school_year_id, code, starts_on, ends_on, entry_opens_on, entry_closes_on) "
               "VALUES(?, ?, ?, ?, ?, ?)")
        .bind(1, new_id).bind(2, t.code).bind(3, t.starts_on).bind(4, t.ends_on).bind(5, t.entry_opens_on)
        .bind(6, t.entry_closes_on).run();

  std::map<std::string, std::int64_t> new_classes;  // name → id in the new year
  auto class_in_new_year = [&](const std::string& old_name, int grade, int sessions) {
    const std::string name = class_name_as_written(old_name);  // "1a" of an older import: 2A next year
    if (auto it = new_classes.find(name); it != new_classes.end()) return it->second;
    db.prepare("INSERT INTO classes(name, grade, sessions_per_day, school_year_id) VALUES(?, ?, ?, ?)")
        .bind(1, name).bind(2, grade).bind(3, sessions).bind(4, new_id).run();
    ++report.classes;
    return new_classes[name] = db.last_insert_rowid();
  };
  auto move = db.prepare("UPDATE students SET class_id = ? WHERE id = ?");
  auto set_status = db.prepare("UPDATE students SET status = ? WHERE id = ?");
  for (const auto& c : classes) {
    if (c.grade < top && !c.students.empty()) {
      const std::string next = promoted_class_name(c.name, c.grade);
      carry_class_choice(db, c.id, class_in_new_year(next, c.grade + 1, c.sessions));  // 10A1 → 11A1 keeps its tổ hợp
      report.class_moves.push_back(c.name + " → " + next);
    }
    for (const auto& [id, code] : c.students) {
      auto it = r.outcomes.find(code);
      auto from_board = computed.find(code);
      const YearOutcome outcome = it != r.outcomes.end()             ? it->second
                                  : from_board != computed.end() ? from_board->second
                                                                 : YearOutcome::kPromoted;
      if (it == r.outcomes.end() && from_board != computed.end()) ++report.from_boards;
      if (outcome == YearOutcome::kLeft || outcome == YearOutcome::kTransferred) {
        set_status.bind(1, outcome == YearOutcome::kLeft ? "left" : "transferred").bind(2, id).run();
        ++report.left;
      } else if (outcome == YearOutcome::kRetained) {
        move.bind(1, class_in_new_year(c.name, c.grade, c.sessions)).bind(2, id).run();
        ++report.retained;
      } else if (c.grade >= top) {
        set_status.bind(1, "graduated").bind(2, id).run();  // stays in the old year's class
        ++report.graduated;
      } else {
        move.bind(1, class_in_new_year(promoted_class_name(c.name, c.grade), c.grade + 1, c.sessions)).bind(2, id).run();
        ++report.promoted;
      }
    }
  }
  // Lock periods and exceptions name terms (HK1, HK2) that come back every
  // year: the old year's end here, its classes being out of every roster.
  const std::string why = "năm học " + report.old_year + " kết thúc";
  db.prepare("UPDATE locks SET removed_at = ?, removed_by = ?, removed_reason = ? WHERE removed_at IS NULL")
      .bind(1, now).bind(2, by).bind(3, why).run();
  db.prepare("UPDATE lock_exceptions SET removed_at = ?, removed_by = ? WHERE removed_at IS NULL")
      .bind(1, now).bind(2, by).run();
  bump_roster_version(db);
  append_audit(db, {now, by, "", "year_new",
                    nlohmann::json{{"old_year", report.old_year},
                                   {"new_year", report.new_year},
                                   {"archive", report.archive_dir},
                                   {"classes", report.class_moves},
                                   {"promoted", report.promoted},
                                   {"retained", report.retained},
                                   {"graduated", report.graduated},
                                   {"left", report.left},
                                   {"from_boards", report.from_boards},
                                   {"retained_pending", report.pending_retained},
                                   {"forced", r.force}}
                        .dump()});
  tx.commit();
  keep_archive = true;
  return report;
}

}  // namespace sodiem::server
