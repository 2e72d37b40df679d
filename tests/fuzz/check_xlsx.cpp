// Fuzz property of the XLSX reader (xlsx_reader.hpp): whatever the bytes,
// reading them as a workbook ends (no crash, no hang), and what it accepts
// keeps within its bounds; a stored number's exact reading never grows.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "fuzz_checks.hpp"
#include "sodiem/server/xlsx_reader.hpp"

namespace sodiem::fuzz {

std::string check_xlsx(std::string_view bytes) {
  // minizip reads files: one per process, rewritten for each input.
  static const std::string path = "/tmp/sodiem-fuzz-xlsx-" + std::to_string(::getpid()) + ".xlsx";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  server::xlsx::Limits limits;
  limits.max_part_bytes = 1u << 20;
  limits.max_cells = 20000;
  auto book = server::xlsx::read(path, limits);
  std::remove(path.c_str());
  if (!book) return book.status().message().empty() ? "a refusal without a reason" : "";
  std::size_t cells = 0;
  for (const auto& sheet : *book) {
    cells += sheet.cells.size();
    for (const auto& [at, value] : sheet.cells) {
      if (at.first < 0 || at.second < 0 || at.first >= 1048576 || at.second >= 16384) return "a cell outside the sheet";
      if (value.empty()) return "an empty cell kept";
      if (server::xlsx::number_text(value).size() > value.size() + 16) return "number_text grew a value";
    }
  }
  if (cells > limits.max_cells) return "more cells than the bound";
  if (book->size() > limits.max_sheets) return "more sheets than the bound";
  return "";
}

}  // namespace sodiem::fuzz
