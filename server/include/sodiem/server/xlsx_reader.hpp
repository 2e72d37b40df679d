// Reading an XLSX workbook someone sends us (a teacher's marks): its sheets'
// cells as text, within fixed bounds — file size, each part's unpacked size
// (a zip bomb stops at the bound, not at the end of the disk), cells, shared
// strings — with minizip and pugixml (which expands no entities). A
// refusal says why in Vietnamese. Used by marks_import.cpp and roster_xlsx.cpp
// (server/src/print/), fuzzed (tests/fuzz/check_xlsx.cpp); thread-safe.
#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sodiem/core/status.hpp"

namespace sodiem::server::xlsx {

struct Limits {
  std::size_t max_file_bytes = 16u << 20;
  std::size_t max_part_bytes = 32u << 20;
  std::size_t max_cells = 500000;
  std::size_t max_sheets = 64;
};

struct Sheet {
  std::string name;
  // (row, column), both from 0 → the cell's text: a shared or inline
  // string as stored, a number as its decimal text ("8.5", "8.3000000000000007").
  std::map<std::pair<int, int>, std::string> cells;
  // The cells stored as numbers (what a spreadsheet sums), each with its
  // number format's code: "0.0", "General" (none), a built-in one's code.
  std::map<std::pair<int, int>, std::string> number_formats;
  std::string at(int row, int col) const {
    auto it = cells.find({row, col});
    return it == cells.end() ? std::string() : it->second;
  }
  bool number(int row, int col) const { return number_formats.contains({row, col}); }
};

Result<std::vector<Sheet>> read(const std::string& path, const Limits& limits = {});

// "D7" for (6, 3): how a spreadsheet names a cell.
std::string cell_name(int row, int col);

// A number as a spreadsheet stores it → the mark it stands for, exactly, as
// text ("8.5", "8"): float noise past the first decimal (8.3000000000000007,
// 8.2999999999999998) is taken off; a real second decimal (8.25) is left
// for the mark's own check to refuse. Text that is no number comes back as is.
std::string number_text(const std::string& stored);

}  // namespace sodiem::server::xlsx
