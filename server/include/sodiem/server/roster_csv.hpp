// Reading a roster CSV file without trusting it, and writing one safely.
// Reading: RFC 4180 rows (Excel's UTF-8 BOM accepted) within fixed bounds
// (file size, rows, fields per row, bytes per field: tuning.hpp), every
// field well-formed UTF-8 without control characters, trimmed and
// normalised to NFC; then the rows of the two roster files (students,
// staff) are checked without the database, each bad row named by its line.
// Writing: a field a spreadsheet would run as a formula is written as text.
// Pure (no database); thread-safe. Used by roster_io.cpp (import, export)
// and by the CSV fuzz target.
#pragma once
#include "sodiem/protocol/text.hpp"
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sodiem/core/status.hpp"
#include "sodiem/core/tuning.hpp"

namespace sodiem::server {

struct CsvLimits {
  std::size_t max_bytes = tuning::kRosterMaxFileBytes;
  std::size_t max_rows = tuning::kRosterMaxRows;
  std::size_t max_fields = tuning::kRosterMaxFields;
  std::size_t max_field_bytes = tuning::kRosterMaxFieldBytes;
};

// Rows of raw fields, or the first problem met (Vietnamese, naming the
// line: a row's line is its index + 1, as a spreadsheet numbers it).
struct CsvRows {
  std::vector<std::vector<std::string>> rows;
  std::string error;  // "" = read whole
};
// Quotes, "" escapes, CRLF, LF or CR line ends. Stops at the first limit
// passed or at a quote left open.
CsvRows parse_csv(std::string_view text, const CsvLimits& limits = {});
// Reads at most limits.max_bytes from `in` (and one byte more, to know the
// file is larger), then parses: a huge file is refused without being read.
CsvRows read_csv(std::istream& in, const CsvLimits& limits = {});
// The first sheet of an XLSX file as the CSV text the roster import reads
// (its rows numbered as in the sheet; within xlsx_reader's bounds), so one
// set of checks serves both (roster_xlsx_csv.cpp).
Result<std::string> roster_csv_from_xlsx(const std::string& path);

// One field as an export writes it: quoted when it holds , " or a line
// break; a field starting with = + - @ tab or CR (a formula for Excel and
// LibreOffice: OWASP "CSV injection"), or with ' , gets a ' in front, which
// spreadsheets show as text and unguard_field() takes off again.
std::string csv_field(std::string_view value);
// Fields joined by commas through csv_field, ending with "\n".
std::string csv_line(const std::vector<std::string>& fields);
// The first line of an exported file: Excel's UTF-8 byte order mark, then
// the header, so that Excel shows Vietnamese as it is (read back as usual).
std::string csv_first_line(const std::vector<std::string>& header);
// Why text was refused (a name with an invisible character, …), in
// Vietnamese, for the clerk who fixes it.
std::string text_fault_text(protocol::TextFault fault);
// Takes off the ' that csv_field put in front of a field.
std::string unguard_field(std::string value);

// A roster file read and checked field by field (rows[0] is the header).
// Every cell is trimmed, NFC, without the export's ' guard, and passes the
// protocol's text rule for names.
struct RosterTable {
  std::vector<std::vector<std::string>> rows;
  std::map<std::string, std::size_t> columns;  // header name → index
  std::string cell(std::size_t row, const std::string& column) const;
  bool blank(std::size_t row) const;
};
// Appends every problem to `errors` ("dòng 7, cột "Họ và tên": …"); false if any.
bool read_roster_table(std::istream& in, const std::vector<std::string>& required_columns, RosterTable& table,
                       std::vector<std::string>& errors, const CsvLimits& limits = {});

// Grade of a class from the start of its name (6A → 6, 10A1 → 10), 0 if none.
int grade_of_class(std::string_view name);
// "Trạng thái" labels and their stored codes (active, left, transferred).
std::optional<std::string> status_code(const std::string& label);
std::string status_label(const std::string& code);

struct ImportedStudent {
  std::string code, name, birth_date /* yyyy-mm-dd */, gender, class_name, status;
  int grade = 0;
};
inline const std::vector<std::string> kStudentColumns = {"Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp"};
// The rows to import; every bad row's problems are appended to `errors`.
// `taught_grades`: the grades the school was set up with (sodiem-server
// setup); a class of another grade is refused. Empty: any grade 1–12.
std::vector<ImportedStudent> check_students(const RosterTable& table, std::vector<std::string>& errors,
                                            const std::set<int>& taught_grades = {});

struct ImportedStaff {
  std::string username, name, department, homeroom;
  std::vector<std::string> roles;
  struct Teaching {
    std::int64_t class_id = 0, subject_id = 0, ends_at = 0;  // ends_at 0 = open-ended
  };
  std::vector<Teaching> teaches;
};
inline const std::vector<std::string> kStaffColumns = {"Tên đăng nhập", "Họ và tên", "Vai trò",
                                                        "Tổ chuyên môn", "Chủ nhiệm", "Phân công"};
// Classes and subjects of the school by name → id.
std::vector<ImportedStaff> check_staff(const RosterTable& table, const std::map<std::string, std::int64_t>& classes,
                                  const std::map<std::string, std::int64_t>& subjects, std::vector<std::string>& errors);

}  // namespace sodiem::server
