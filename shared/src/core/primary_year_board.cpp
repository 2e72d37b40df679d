// The wide primary year board (primary_year_board.hpp), from primary_board().
#include "sodiem/core/primary_year_board.hpp"

#include <algorithm>

#include "sodiem/core/primary_board.hpp"

namespace sodiem::board {

PrimaryYearBoard primary_year_board(const ClassBook& book) {
  PrimaryYearBoard out;
  std::vector<std::string> hk1_columns, year_columns;
  auto add = [](std::vector<std::string>& order, const std::string& column) {
    if (std::find(order.begin(), order.end(), column) == order.end()) order.push_back(column);
  };
  for (const auto& line : primary_board("HK1", book))
    if (line.subject == "Tổng hợp HK1") {
      add(hk1_columns, line.column);
      out.values[line.student]["HK1"][line.column] = line.value;
    }
  for (const auto& line : primary_board("HK2", book))
    if (line.subject == "Tổng hợp CN") {
      add(year_columns, line.column);
      out.values[line.student]["CN"][line.column] = line.value;
    }
  const auto in = [](const std::vector<std::string>& order, const std::string& column) {
    return std::find(order.begin(), order.end(), column) != order.end();
  };
  for (const auto& column : year_columns)
    out.columns.push_back({column, in(hk1_columns, column) ? std::vector<std::string>{"HK1", "CN"} : std::vector<std::string>{"CN"}});
  for (const auto& column : hk1_columns)
    if (!in(year_columns, column)) out.columns.push_back({column, {"HK1"}});
  return out;
}

}  // namespace sodiem::board
