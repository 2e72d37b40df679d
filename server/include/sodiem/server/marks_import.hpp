// Importing a class's marks from the XLSX that `export marks` writes (the
// teacher fills it in Excel or LibreOffice). Every changed cell becomes an
// op of the importing user, run through the same Ingestor as a synced push
// — names, permission, value, locks, conflicts, audit — on that user's
// "Nhập từ Excel" device, all or nothing: one refused cell and nothing is
// stored, every problem named by sheet and cell ("Toán 6A!E7: …"). A blank
// cell changes nothing (a mark never disappears because a cell was left
// empty); averages are computed, never read. Called by the CLI.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "sodiem/core/clock.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct MarksImport {
  bool ok = false;
  std::size_t changed = 0;  // cells written (0 when nothing differed)
  std::vector<std::string> errors;
};

MarksImport import_marks_xlsx(store::Db& db, const std::string& path, const std::string& username,
                              const Clock& clock);

}  // namespace sodiem::server
