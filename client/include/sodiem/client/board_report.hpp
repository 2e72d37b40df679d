// The class summary board a class-level signature covers, from the device's
// data as of its last sync, for `sodiem board` and the ui's board view: the
// board itself (board::summary_board) and the required cells still empty
// (board::missing_cells, the rule the server enforces when the board is
// signed). Same thread as the store.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "sodiem/client/local_store.hpp"
#include "sodiem/core/primary_board.hpp"
#include "sodiem/core/required_cells.hpp"

namespace sodiem::client {

struct BoardStudent {
  std::string code, name;
  // Board column ("Toán", "Nghệ thuật", "Học tập", "Rèn luyện", "Lên lớp", …) → value, in board order.
  std::vector<std::pair<std::string, std::string>> results;
};
struct BoardReport {
  std::string class_name, term;  // term: HK1 | HK2 | CN
  std::vector<board::MissingCell> missing;
  std::vector<BoardStudent> students;  // in Vietnamese name order
  // A primary class (TT27): its board's class totals (board::class_totals).
  bool primary = false;
  board::Totals totals;
  bool complete() const { return missing.empty(); }
};

// HK1 and HK2: that term's board; CN: the year's (on the HK2 board). The
// missing cells are those the class-level signature of HK1 (resp. HK2, which
// carries the year) needs. The term must be HK1, HK2 or CN.
BoardReport board_report(LocalStore& store, const std::string& class_name, const std::string& term);

// The report as `sodiem board --json` prints it and the ui's board view
// sends it: {"class","term","complete","missing":[{"student","subject",
// "column"}],"students":[{"student","name","results":{column: value}}],
// "columns":[board columns in board order],"primary", "totals" (primary)}.
nlohmann::json board_json(const BoardReport& report);

}  // namespace sodiem::client
