// The ui's read-only views (see ui_views.hpp).
#include "ui_views.hpp"

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "sodiem/client/board_report.hpp"
#include "sodiem/client/cell_states.hpp"
#include "sodiem/client/grade_book.hpp"
#include "sodiem/core/attendance.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/core/summary_board.hpp"

namespace sodiem::client::ui {

using nlohmann::json;

namespace {

// `copy`: the store's closed_year_refusal() (a copy words reasons without actions).
json cell_json(const CellState& c, const Status& copy) {
  json j{{"value", c.value}, {"state", c.state}};
  if (c.state == "refused" || c.state == "locked") {
    j["code"] = c.code;
    j["reason"] = reason_here(c.reason, copy);
    j["mine"] = c.mine;
    j["server_value"] = c.server_value;
  } else if (c.state == "conflict") {
    j["current"] = c.current;
    j["current_author"] = c.current_author;
    j["other"] = c.other;
    j["other_author"] = c.other_author;
  }
  return j;
}

json columns_json(const std::vector<GridColumn>& columns) {
  json out = json::array();
  for (const auto& c : columns) {
    json j{{"label", c.label}, {"term", c.term}, {"type", c.type}};
    if (c.average.empty()) j["id"] = c.id;
    else j["average"] = c.average;
    out.push_back(std::move(j));
  }
  return out;
}

// Students of the class in name order, with their cells' states.
json students_json(LocalStore& store, const std::string& class_name, const std::string& subject,
                   const std::string& prefix, const protocol::SubjectInfo* averages_for) {
  std::map<std::string, json> cells;
  const auto copy = store.closed_year_refusal();
  for (const auto& c : cell_states(store.db(), class_name, subject, prefix)) cells[c.student][c.column] = cell_json(c, copy);
  json out = json::array();
  int stt = 0;
  for (const auto& st : store.show(class_name, subject)) {
    json j{{"stt", ++stt}, {"code", st.code}, {"name", st.name}};
    auto it = cells.find(st.code);
    j["cells"] = it == cells.end() ? json::object() : std::move(it->second);
    if (averages_for) {
      std::map<std::string, std::string> values(st.cells.begin(), st.cells.end());
      j["averages"] = averages_of(*averages_for, values);
    }
    out.push_back(std::move(j));
  }
  return out;
}

// The columns of `ids` that a lock notice covers (lock_for: the grid's one
// decision, marks and attendance alike) → {code, reason, new_values_only};
// each student's empty cell there becomes `locked` with the reason.
json locked_columns(LocalStore& store, const std::string& class_name, const std::string& subject,
                    const std::vector<std::string>& ids, json& students) {
  const auto notices = lock_notices(store.db(), class_name, subject);
  const auto copy = store.closed_year_refusal();
  json out = json::object();
  if (notices.locks.empty()) return out;
  for (const auto& id : ids) {
    const auto* lock = id.empty() ? nullptr : lock_for(notices, id);
    if (!lock) continue;
    const auto reason = reason_here(lock->reason, copy);
    out[id] = {{"code", lock->code}, {"reason", reason}, {"new_values_only", lock->new_values_only}};
    for (auto& s : students)
      if (!s["cells"].contains(id))
        s["cells"][id] = {{"value", ""}, {"state", "locked"}, {"code", lock->code}, {"reason", reason}};
  }
  return out;
}

}  // namespace

json grid_view(LocalStore& store, const std::string& class_name, const protocol::SubjectInfo& subject) {
  const bool homeroom = subject.name == protocol::kHomeroomSubject;
  // The homeroom grid: conduct (primary: qualities and competences) and
  // comments; attendance has its own view.
  json students = json::array();
  if (homeroom) {
    json all = students_json(store, class_name, subject.name, "HK", nullptr);
    for (auto& s : all) {
      json kept = json::object();
      for (auto& [col, cell] : s["cells"].items()) {
        const auto c = Column::parse(col);
        if (c && c->homeroom() && c->kind != Column::Kind::kAttendance) kept[col] = cell;
      }
      s["cells"] = kept;
      students.push_back(std::move(s));
    }
  } else {
    students = students_json(store, class_name, subject.name, "", &subject);
  }
  // Columns the server has locked: greyed with the reason, empty cells too.
  const auto columns = grid_columns(subject);
  json cols = columns_json(columns);
  std::vector<std::string> ids;
  for (const auto& c : columns) ids.push_back(c.id);
  const json locks = locked_columns(store, class_name, subject.name, ids, students);
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (locks.contains(columns[i].id)) cols[i]["lock"] = locks[columns[i].id];
  return {{"class", class_name}, {"subject", subject.name}, {"scored", subject.scored}, {"homeroom", homeroom},
          {"columns", std::move(cols)}, {"students", std::move(students)}};
}

json averages_view(LocalStore& store, const std::string& class_name, const protocol::SubjectInfo& subject,
                   const std::vector<std::string>& students) {
  const std::set<std::string> wanted(students.begin(), students.end());
  json out = json::object();
  if (subject.name == protocol::kHomeroomSubject) return out;
  for (const auto& st : store.show(class_name, subject.name))
    if (wanted.contains(st.code)) {
      std::map<std::string, std::string> values(st.cells.begin(), st.cells.end());
      out[st.code] = averages_of(subject, values);
    }
  return out;
}

json attendance_view(LocalStore& store, const std::string& class_name, int year, int month) {
  using namespace std::chrono;
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "CC.%04d-%02d-", year, month);
  // The school days of the month: those the server would take an absence
  // for (attendance::fault, the same rule), Sundays only where taught.
  const auto calendar = store.calendar();
  const bool two = attendance::two_sessions(calendar, class_name);
  json days = json::array();
  const year_month ym{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month))};
  const auto last = static_cast<unsigned>((ym / std::chrono::last).day());
  for (unsigned d = 1; d <= last; ++d) {
    char iso[16];
    std::snprintf(iso, sizeof iso, "%04d-%02d-%02u", year, month, d);
    Column day;
    day.kind = Column::Kind::kAttendance;
    day.term = 0;
    day.date = iso;
    if (!attendance::fault(day, calendar, class_name)) days.push_back(iso);
  }
  json students = students_json(store, class_name, std::string(protocol::kHomeroomSubject), prefix, nullptr);
  // The day's columns a lock covers (by the day's term), greyed as the grid's.
  std::vector<std::string> ids;
  for (const auto& d : days) {
    const std::string day = d.get<std::string>();
    if (two) {
      ids.push_back("CC." + day + ".S");
      ids.push_back("CC." + day + ".C");
    } else {
      ids.push_back("CC." + day);
    }
  }
  json locks = locked_columns(store, class_name, std::string(protocol::kHomeroomSubject), ids, students);
  for (auto& s : students) {
    std::map<std::string, std::string> cells;
    for (auto& [col, cell] : s["cells"].items()) cells[col] = cell["value"].get<std::string>();
    const auto absent = attendance::count(cells, two);
    s["absent"] = {{"P", absent.excused}, {"K", absent.unexcused}};
  }
  char m[8];
  std::snprintf(m, sizeof m, "%04d-%02d", year, month);
  return {{"class", class_name}, {"month", m}, {"sessions", two ? 2 : 1}, {"days", std::move(days)},
          {"students", std::move(students)}, {"locks", std::move(locks)}};
}

json sign_view(LocalStore& store, const std::string& class_name, const protocol::SubjectInfo& subject,
               const std::string& term, bool has_key) {
  json missing = json::array(), lines = json::array(), results = json::array();
  std::vector<std::pair<std::string, std::map<std::string, std::string>>> students;
  std::map<std::string, std::string> names;
  for (const auto& st : store.show(class_name, subject.name)) {
    std::map<std::string, std::string> values(st.cells.begin(), st.cells.end());
    students.emplace_back(st.code, values);
    names[st.code] = st.name;
    for (const auto& [col, v] : values)
      if (col.rfind(term + ".", 0) == 0)
        lines.push_back({{"student", st.code}, {"name", st.name}, {"column", col}, {"value", v}});
    const auto averages = averages_of(subject, values);
    auto it = averages.find(term);
    results.push_back({{"student", st.code}, {"name", st.name},
                       {"result", it == averages.end() ? std::string("chưa đủ điểm") : it->second}});
  }
  // A closed year's copy: never signable, whatever it holds; its refusal is
  // the one reason, no list of cells to fill where nothing is typed.
  const auto copy = store.closed_year_refusal();
  if (copy)
    for (const auto& m : board::missing_cells(subject, term, students))
      missing.push_back({{"student", m.student}, {"name", names[m.student]}, {"column", m.column}});
  const auto status = store.status();
  std::string error;
  if (!copy) error = copy.message();
  else if (status.pending > 0) error = "còn thay đổi chưa gửi lên máy chủ; hãy đồng bộ trước khi ký";
  const bool ready = missing.empty() && error.empty();
  return {{"class", class_name}, {"subject", subject.name}, {"term", term}, {"ready", ready},
          {"missing", std::move(missing)}, {"lines", std::move(lines)}, {"results", std::move(results)},
          {"has_key", has_key}, {"error", error}, {"read_only", !copy.is_ok()}};
}

json board_view(LocalStore& store, const std::string& class_name, const std::string& term) {
  // What `sodiem board --json` prints (the one report): the board the
  // class-level signature covers and the required cells it still lacks
  // (board::missing_cells, the rule the server enforces).
  return board_json(board_report(store, class_name, term));
}

json class_sign_view(LocalStore& store, const std::string& class_name, const std::string& term, const std::string& step,
                     bool has_key) {
  json out = board_view(store, class_name, term);
  std::string error, digest;
  // A closed year's copy: never signable, whatever it holds; its refusal is
  // the one reason, no list of cells to fill where nothing is typed.
  const auto copy = store.closed_year_refusal();
  if (!copy) {
    error = copy.message();
    out["missing"] = json::array();
  } else if (store.status().pending > 0) {
    error = "còn thay đổi chưa gửi lên máy chủ; hãy đồng bộ trước khi ký";
  } else if (auto document = store.confirmation_document(class_name, "", term, step)) {
    digest = signing::digest_hex(*document);
  } else {
    error = document.status().message();
  }
  out["ready"] = out["signable"].get<bool>() && error.empty();
  out["step"] = step;
  out["digest"] = digest;
  out["has_key"] = has_key;
  out["error"] = error;
  out["read_only"] = !copy.is_ok();
  return out;
}

}  // namespace sodiem::client::ui
