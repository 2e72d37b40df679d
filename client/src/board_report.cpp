// The class board as `sodiem board` and the ui show it (board_report.hpp).
#include "sodiem/client/board_report.hpp"

#include <algorithm>
#include <map>

#include "sodiem/core/summary_board.hpp"

namespace sodiem::client {

BoardReport board_report(LocalStore& store, const std::string& class_name, const std::string& term) {
  BoardReport out;
  out.class_name = class_name;
  out.term = term;
  const board::ClassBook book = store.class_book(class_name);
  out.missing = board::missing_cells(book, term);
  const std::string section = "Tổng hợp " + term;
  auto lines = board::summary_board(term == "HK1" ? "HK1" : "HK2", book);
  out.primary = board::primary_class(book);
  if (out.primary) out.totals = board::class_totals(lines, section);
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> results;
  for (auto& line : lines)
    if (line.subject == section) results[line.student].emplace_back(std::move(line.column), std::move(line.value));
  for (const auto& st : store.show(class_name, std::string(protocol::kHomeroomSubject)))
    out.students.push_back({st.code, st.name, std::move(results[st.code])});
  return out;
}

nlohmann::json board_json(const BoardReport& report) {
  using nlohmann::json;
  json missing = json::array(), students = json::array(), columns = json::array();
  std::vector<std::string> order;  // the results' columns, as the board orders them
  for (const auto& m : report.missing) missing.push_back({{"student", m.student}, {"subject", m.subject}, {"column", m.column}});
  for (const auto& st : report.students) {
    json results = json::object();
    for (const auto& [column, value] : st.results) {
      results[column] = value;
      if (std::find(order.begin(), order.end(), column) == order.end()) order.push_back(column);
    }
    students.push_back({{"student", st.code}, {"name", st.name}, {"results", std::move(results)}});
  }
  for (auto& c : order) columns.push_back(std::move(c));
  json out{{"class", report.class_name}, {"term", report.term}, {"complete", report.complete()},
           {"missing", std::move(missing)}, {"students", std::move(students)}, {"columns", std::move(columns)},
           {"primary", report.primary}};
  if (report.primary) out["totals"] = report.totals;  // column → value → number of students
  return out;
}

}  // namespace sodiem::client
