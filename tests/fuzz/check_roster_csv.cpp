// Fuzz check of the roster CSV import's pure part (see fuzz_checks.hpp):
// the bytes are read as a students file and as a staff file. Whatever is
// accepted holds only checked text within the protocol's limits, and
// writing it out as the export does reads back to the same rows.
#include <map>
#include <sstream>
#include <string>

#include "fuzz_checks.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/protocol/codec.hpp"
#include "sodiem/protocol/text.hpp"
#include "sodiem/server/roster_csv.hpp"

namespace sodiem::fuzz {
namespace {

using server::RosterTable;

std::string cell_problem(const std::string& cell) {
  if (protocol::text_problem(cell, protocol::TextKind::kName)) return "a cell holds unchecked text";
  if (to_nfc(cell) != cell) return "a cell is not NFC";
  if (!cell.empty() && (cell.front() == ' ' || cell.back() == ' ')) return "a cell is not trimmed";
  return {};
}

std::string name_problem(const std::string& name) {
  if (name.empty() || name.size() > protocol::kMaxNameBytes || code_points(name) > tuning::kMaxPersonNameChars)
    return "an accepted name is empty or too long: \"" + name + "\"";
  return {};
}

std::string key_problem(const std::string& key) {
  if (key.size() > protocol::kMaxKeyBytes) return "an accepted key is too long: \"" + key + "\"";
  return {};
}

// Rows written with csv_line, then read as a roster file again.
bool read_back(const std::vector<std::vector<std::string>>& rows, const std::vector<std::string>& columns,
               RosterTable& out) {
  std::string text;
  for (const auto& row : rows) text += server::csv_line(row);
  std::istringstream in(text);
  std::vector<std::string> errors;
  return server::read_roster_table(in, columns, out, errors);
}

std::string check_students(const RosterTable& table) {
  std::vector<std::string> errors;
  const auto students = server::check_students(table, errors);
  std::vector<std::vector<std::string>> exported = {server::kStudentColumns};
  exported[0].push_back("Trạng thái");
  for (const auto& s : students) {
    for (const auto& p : {name_problem(s.name), key_problem(s.code), key_problem(s.class_name)})
      if (!p.empty()) return p;
    if (s.code.empty() || s.grade < 1 || s.grade > 12 || (s.gender != "Nam" && s.gender != "Nữ") || s.birth_date.size() != 10)
      return "an accepted student row is incomplete: " + s.code;
    const std::string birth = s.birth_date.substr(8, 2) + "/" + s.birth_date.substr(5, 2) + "/" + s.birth_date.substr(0, 4);
    exported.push_back({s.code, s.name, birth, s.gender, s.class_name, server::status_label(s.status)});
  }
  if (students.empty()) return {};
  // Export → import gives the same students.
  RosterTable again;
  if (!read_back(exported, server::kStudentColumns, again)) return "the export of accepted students is refused";
  std::vector<std::string> again_errors;
  const auto back = server::check_students(again, again_errors);
  if (!again_errors.empty()) return "the export of accepted students is refused: " + again_errors[0];
  if (back.size() != students.size()) return "the export of accepted students reads back another count";
  for (std::size_t i = 0; i < back.size(); ++i) {
    const auto &a = students[i], &b = back[i];
    if (a.code != b.code || a.name != b.name || a.birth_date != b.birth_date || a.gender != b.gender ||
        a.class_name != b.class_name || a.status != b.status)
      return "student " + a.code + " changes through export → import";
  }
  return {};
}

std::string check_staff(const RosterTable& table) {
  static const std::map<std::string, std::int64_t> kClasses = {{"6A", 1}, {"6B", 2}, {"10A1", 3}};
  static const std::map<std::string, std::int64_t> kSubjects = {{"Toán", 1}, {"Ngữ văn", 2}, {"Chủ nhiệm", 3}};
  std::vector<std::string> errors;
  for (const auto& s : server::check_staff(table, kClasses, kSubjects, errors)) {
    for (const auto& p : {name_problem(s.name), key_problem(s.username)})
      if (!p.empty()) return p;
    if (s.username.find_first_of(" ,;:") != std::string::npos || s.roles.empty())
      return "an accepted staff row is incomplete: " + s.username;
    if (s.department.size() > protocol::kMaxNameBytes) return "an accepted department is too long";
  }
  return {};
}

}  // namespace

std::string check_roster_csv(std::string_view bytes) {
  for (const auto* columns : {&server::kStudentColumns, &server::kStaffColumns}) {
    std::istringstream in{std::string(bytes)};
    RosterTable table;
    std::vector<std::string> errors;
    const bool read = server::read_roster_table(in, *columns, table, errors);
    if (read != errors.empty()) return "read_roster_table's answer and its errors disagree";
    if (!read) continue;
    for (const auto& row : table.rows)
      for (const auto& cell : row)
        if (auto p = cell_problem(cell); !p.empty()) return p + ": \"" + cell + "\"";
    // The table itself survives being written and read again.
    RosterTable again;
    if (!read_back(table.rows, *columns, again)) return "a table written again is refused";
    if (again.rows != table.rows) return "a table changes when written and read again";
    const std::string p = columns == &server::kStudentColumns ? check_students(table) : check_staff(table);
    if (!p.empty()) return p;
  }
  return {};
}

}  // namespace sodiem::fuzz
