// The wide year board of a primary class (Thông tư 27/2020), as the
// principal reads it at year end: one table, a row per student, and for each
// subject (its rating, its periodic test), each quality and competence, the
// value at the end of HK1 beside the value at the end of the year; then the
// year's own columns (Kết quả giáo dục, Hoàn thành chương trình, Khen
// thưởng, Nghỉ). Laid out from primary_board() (its "Tổng hợp HK1" and
// "Tổng hợp CN" sections): no rule of its own. Used by the web console's
// board page and the board PDF (sodiem-server print board … --term HK2).
// Pure function; thread-safe.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "sodiem/core/required_cells.hpp"

namespace sodiem::board {

struct YearBoardColumn {
  std::string name;                // primary_board's column: "Toán", "Toán (KTĐK)", "Phẩm chất Yêu nước", "Kết quả giáo dục"
  std::vector<std::string> terms;  // in order: "HK1" (end of HK1) and/or "CN" (end of the year)
};

struct PrimaryYearBoard {
  std::vector<YearBoardColumn> columns;
  // student code → "HK1" | "CN" → column → value, as primary_board() has it
  std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> values;
};

// Columns in the year's order (primary_board("HK2")'s "Tổng hợp CN"), a
// column the HK1 board also has gets both terms; one only HK1 has (a test
// sat at the end of HK1 alone) comes after the year's, with "HK1".
PrimaryYearBoard primary_year_board(const ClassBook& book);

}  // namespace sodiem::board
