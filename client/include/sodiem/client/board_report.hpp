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
  // The device holds only some of the class (LocalStore::sees_whole_class):
  // the board shows these subjects alone (own_subjects, in board order), their
  // missing cells and results, and is never complete.
  bool whole_class = true;
  std::vector<std::string> subjects;
  // An archived copy of a closed school year (LocalStore::archived_year):
  // that year; nothing is signed there.
  std::string archived_year;
  bool complete() const { return whole_class && missing.empty(); }
  bool signable() const { return complete() && archived_year.empty(); }
};

// HK1 and HK2: that term's board; CN: the year's (on the HK2 board). The
// missing cells are those the class-level signature of HK1 (resp. HK2, which
// carries the year) needs; of the user's own subjects only when the device
// does not hold the whole class. The term must be HK1, HK2 or CN.
BoardReport board_report(LocalStore& store, const std::string& class_name, const std::string& term);

// The report as `sodiem board --json` prints it and the ui's board view
// sends it: {"class","term","complete","missing":[{"student","subject",
// "column"}],"students":[{"student","name","results":{column: value}}],
// "columns":[board columns in board order],"primary", "totals" (primary),
// "whole_class", "signable", "subjects" (not whole: those shown),
// "archived_year" (an archived copy)}.
nlohmann::json board_json(const BoardReport& report);

// The report as `sodiem board` prints it for a person, in Vietnamese: what
// may be signed (never on a board of some subjects or an archived copy), the
// missing cells per subject, each student's results with the decimal comma.
std::string board_text(const BoardReport& report);

}  // namespace sodiem::client
