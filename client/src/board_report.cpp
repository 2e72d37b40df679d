// The class board as `sodiem board` and the ui show it (board_report.hpp).
#include "sodiem/client/board_report.hpp"

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

}  // namespace sodiem::client
