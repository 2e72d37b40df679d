// Roster import and export as UTF-8 CSV (Excel's BOM accepted), for the
// school's clerks: students, and staff with roles and assignments. An import
// reads the file within bounds and checks every row first (roster_csv.hpp),
// reporting each bad one with its line number and reason; then it imports
// all rows in one transaction, or nothing at all. An export writes fields a
// spreadsheet would run as formulas as text, and imports back unchanged.
// Done by an administrator or the principal (`by`, already authenticated:
// the refusal of anyone else is the report's one error), audited in their
// name. Used by the sodiem-server CLI on its own database connection.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "sodiem/core/clock.hpp"
#include "sodiem/server/roster_csv.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct ImportReport {
  bool ok = false;
  std::vector<std::string> errors;  // "dòng 7: …"
  int inserted = 0;
  int updated = 0;
  // Staff import: initial passwords of new accounts, "username,password" lines.
  std::vector<std::pair<std::string, std::string>> new_passwords;
  // Students import: each student of this year who changed class, their
  // marks following them ("HS6A01: 6A → 6B (12 ô điểm chuyển theo)").
  std::vector<std::string> moves;
};

// How a refused import is told, by the CLI and the console alike: the
// headline ("không nhập gì cả; 3 lỗi trong hs.csv:") and the first 30
// errors as they are ("dòng 7: …"), then "… và N lỗi khác".
struct ImportRefusal {
  std::string headline;
  std::vector<std::string> lines;
};
ImportRefusal import_refusal(const std::string& file, const std::vector<std::string>& errors);

// Students: "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp[,Trạng thái]".
// A new class is created when its name starts with its grade (6A, 10A1).
// An active student named in another class of this year takes their marks
// along (student_moves.hpp).
ImportReport import_students(store::Db& db, std::istream& csv, const std::string& by);
void export_students(store::Db& db, std::ostream& csv);

// Staff: "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công"
// with Vai trò "GVBM;GVCN", Phân công "6A:Toán;6B:Toán", and "6A:Toán@2027-01-31"
// for delegated entry that ends with that day (Vietnam time). Existing accounts
// get their roles and assignments replaced; new ones a random password.
ImportReport import_staff(store::Db& db, std::istream& csv, const Clock& clock, const std::string& by);
void export_staff(store::Db& db, std::ostream& csv);

// Names and codes stored before today's rules that the roster import would
// now refuse (an invisible or direction-changing character): one line each,
// naming the row and what to do. `audit verify` prints them as warnings.
std::vector<std::string> stored_name_faults(store::Db& db);

}  // namespace sodiem::server
