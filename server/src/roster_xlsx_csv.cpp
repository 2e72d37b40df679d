// The first sheet of a roster XLSX as the CSV text the roster import reads
// (see roster_csv.hpp): one set of checks serves both file kinds.
#include <algorithm>

#include "sodiem/server/roster_csv.hpp"
#include "sodiem/server/xlsx_reader.hpp"

namespace sodiem::server {

Result<std::string> roster_csv_from_xlsx(const std::string& path) {
  auto book = xlsx::read(path);
  if (!book) return book.status();
  if (book->empty()) return Status(ErrorCode::kInvalidValue, "tệp " + path + " không có trang tính nào");
  // The first sheet, row by row from the first, as the CSV import reads it;
  // numbers as stored ("2012" stays 2012), rows without any cell kept empty
  // so that line numbers are the sheet's row numbers.
  const auto& sheet = book->front();
  int rows = 0, cols = 0;
  for (const auto& [at, v] : sheet.cells) {
    rows = std::max(rows, at.first + 1);
    cols = std::max(cols, at.second + 1);
  }
  std::string csv;
  for (int r = 0; r < rows; ++r) {
    std::vector<std::string> fields;
    bool any = false;
    for (int c = 0; c < cols; ++c) {
      fields.push_back(sheet.at(r, c));
      any = any || !fields.back().empty();
    }
    csv += any ? csv_line(fields) : "\n";
  }
  return csv;
}

}  // namespace sodiem::server
