// The roster (students, staff) exported as XLSX (see records_print.hpp):
// the same rows as the CSV files, so that import (roster_csv_from_xlsx,
// roster_xlsx_csv.cpp) reads back what export writes.
#include <xlsxwriter.h>

#include <filesystem>
#include <sstream>

#include "sodiem/server/records_print.hpp"
#include "sodiem/server/roster_csv.hpp"
#include "sodiem/server/roster_io.hpp"

namespace sodiem::server {

Status export_roster_xlsx(store::Db& db, const std::string& what, const std::string& path) {
  std::ostringstream csv;
  if (what == "students") export_students(db, csv);
  else export_staff(db, csv);
  const auto rows = parse_csv(csv.str());
  if (!rows.error.empty()) return Status(ErrorCode::kInternal, rows.error);
  const std::string tmp = path + ".tmp";
  lxw_workbook* book = workbook_new(tmp.c_str());
  if (!book) return Status(ErrorCode::kInvalidValue, "không ghi được tệp " + path);
  lxw_worksheet* sheet = workbook_add_worksheet(book, what == "students" ? "Học sinh" : "Cán bộ");
  lxw_format* head = workbook_add_format(book);
  format_set_bold(head);
  format_set_bg_color(head, 0xE8E8E8);
  for (std::size_t r = 0; r < rows.rows.size(); ++r)
    for (std::size_t c = 0; c < rows.rows[r].size(); ++c)
      // Text, all of it: a code "0123" or a date stays as typed.
      worksheet_write_string(sheet, static_cast<lxw_row_t>(r), static_cast<lxw_col_t>(c),
                             unguard_field(rows.rows[r][c]).c_str(), r == 0 ? head : nullptr);
  worksheet_set_column(sheet, 0, 0, 14, nullptr);
  worksheet_set_column(sheet, 1, 1, 28, nullptr);
  worksheet_set_column(sheet, 2, 8, 16, nullptr);
  worksheet_freeze_panes(sheet, 1, 0);
  std::error_code ec;
  if (workbook_close(book) != LXW_NO_ERROR) {
    std::filesystem::remove(tmp, ec);
    return Status(ErrorCode::kInvalidValue, "không ghi được tệp " + path);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status(ErrorCode::kInvalidValue, "không ghi được tệp " + path + ": " + ec.message());
  return Status::ok();
}

}  // namespace sodiem::server
