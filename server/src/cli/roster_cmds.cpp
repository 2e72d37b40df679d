// sodiem-server import and export: the roster (students, staff) as CSV, all
// or nothing; a class's signed record for a term; the district export. Registered by main.cpp
// (see commands.hpp).
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sodiem/core/clock.hpp"
#include "sodiem/server/confirmations.hpp"
#include "sodiem/server/district_export.hpp"
#include "sodiem/server/roster_io.hpp"
#include "sodiem/server/marks_import.hpp"
#include "sodiem/server/records_print.hpp"
#include "sodiem/server/school_year.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

struct ImportOptions {
  std::string what, dir, file, passwords_out;
  ActorOptions actor;
};

// "nothing imported; N errors in FILE:" and the first 30 of them; exit code 2.
int refused_import(const std::string& file, const std::vector<std::string>& errors) {
  const ImportRefusal refusal = import_refusal(file, errors);  // as the console shows it
  std::cerr << "sodiem-server: " << refusal.headline << "\n";
  for (const auto& line : refusal.lines) std::cerr << "  " << line << "\n";
  return 2;
}

int run_import(const ImportOptions& o) {
  std::ifstream in(o.file, std::ios::binary);
  if (!in) {
    std::cerr << "sodiem-server: không mở được tệp " << o.file << "\n";
    return 2;
  }
  auto db = open_existing(o.dir);
  if (o.what == "marks" && o.actor.maintenance)
    return fail_status(Status(ErrorCode::kForbidden, "điểm được nhập bởi giáo viên: dùng --by TÀI_KHOẢN --password-stdin"));
  auto by = authenticate(*db, o.dir, o.actor, "import " + o.what);
  if (!by) return fail_status(by.status());
  if (o.what == "marks") {
    const auto marks = import_marks_xlsx(*db, o.file, *by, SystemClock::instance());
    if (!marks.ok) return refused_import(o.file, marks.errors);
    std::cout << "Đã nhập " << o.file << ": " << marks.changed << " ô thay đổi, ghi dưới tên " << *by << "\n";
    return 0;
  }
  // An XLSX roster is read as the CSV it holds: the same checks.
  std::istringstream from_xlsx;
  const bool xlsx = o.file.size() > 5 && o.file.substr(o.file.size() - 5) == ".xlsx";
  if (xlsx) {
    auto csv = roster_csv_from_xlsx(o.file);
    if (!csv) return refused_import(o.file, {csv.status().message()});
    from_xlsx.str(*csv);
  }
  std::istream& rows = xlsx ? static_cast<std::istream&>(from_xlsx) : in;
  ImportReport report =
      o.what == "students" ? import_students(*db, rows, *by) : import_staff(*db, rows, SystemClock::instance(), *by);
  if (!report.ok) return refused_import(o.file, report.errors);
  std::cout << "Đã nhập " << o.file << ": thêm " << report.inserted << ", cập nhật " << report.updated << "\n";
  for (const auto& m : report.moves) std::cout << "  chuyển lớp " << m << "\n";
  if (!report.new_passwords.empty()) {
    const std::string passwords_out = o.passwords_out.empty() ? o.dir + "/new-passwords.csv" : o.passwords_out;
    const mode_t old = umask(077);
    std::ofstream out(passwords_out, std::ios::app);
    umask(old);
    for (const auto& [user, password] : report.new_passwords) out << user << ',' << password << "\n";
    std::cout << "Mật khẩu ban đầu của " << report.new_passwords.size() << " tài khoản mới: " << passwords_out << "\n";
  }
  return 0;
}

struct ExportOptions {
  std::string what, class_name, subject, term = "HK2", year, dir, file;
};

// The district export of the year: the data directory's own, or the year
// archived in DIR/years/YEAR (school_year.hpp). All or nothing, every
// problem listed.
int run_export_district(const ExportOptions& o) {
  std::string dir = o.dir;
  {
    auto db = open_existing(o.dir);
    if (!o.year.empty() && current_year_name(*db) != o.year && std::filesystem::exists(o.dir + "/years/" + o.year))
      dir = o.dir + "/years/" + o.year;
  }
  auto db = open_existing(dir);
  const DistrictReport r = export_district(*db, o.year, o.file);
  if (!r.ok) {
    std::cerr << "sodiem-server: không xuất dữ liệu lên CSDL ngành; không tệp nào được ghi. Cần sửa " << r.problems.size()
              << " vấn đề:\n";
    for (const auto& p : r.problems) std::cerr << "  - " << p << "\n";
    return 2;
  }
  std::cout << "Đã xuất kết quả năm học " << r.year << " lên CSDL ngành: " << r.classes << " lớp, " << r.students
            << " học sinh vào " << o.file << "\n";
  return 0;
}

int run_export(const ExportOptions& given) {
  if (given.what == "district") return run_export_district(given);
  auto db = open_existing(given.dir);
  ExportOptions o = given;
  canonical_class(*db, o.class_name);
  canonical_subject(*db, o.subject);
  if (o.what == "signed") {
    if (auto st = export_signed(*db, o.class_name, o.term, o.file); !st) {
      std::cerr << "sodiem-server: " << st.message() << "\n";
      return 2;
    }
    std::cout << "Đã xuất hồ sơ đã ký của lớp " << o.class_name << " " << o.term << " vào " << o.file << "\n";
    return 0;
  }
  if (o.what == "marks" || o.what == "board") {
    if (o.class_name.empty() || (o.what == "marks" && o.subject.empty()))
      return fail_status(Status(ErrorCode::kInvalidValue, o.what == "marks" ? "cần --class và --subject" : "cần --class"));
    const Status st = o.what == "marks" ? export_marks_xlsx(*db, o.class_name, o.subject, o.file)
                                        : export_board_xlsx(*db, o.class_name, o.term, o.file);
    if (!st) return fail_status(st);
    std::cout << "Đã xuất " << (o.what == "marks" ? "bảng điểm môn " + o.subject : "bảng tổng hợp " + o.term) << " lớp "
              << o.class_name << " vào " << o.file << "\n";
    return 0;
  }
  if (o.file.size() > 5 && o.file.substr(o.file.size() - 5) == ".xlsx") {
    if (auto st = export_roster_xlsx(*db, o.what, o.file); !st) return fail_status(st);
    return 0;
  }
  std::ofstream out(o.file, std::ios::trunc);
  if (!out) {
    std::cerr << "sodiem-server: không ghi được tệp " << o.file << "\n";
    return 2;
  }
  if (o.what == "students") export_students(*db, out);
  else export_staff(*db, out);
  return out ? 0 : 1;
}

}  // namespace

void add_import_command(CLI::App& app, Context& ctx) {
  auto [import, o] = add_command(app, ctx, "import",
                                 "Nhập danh sách học sinh hoặc cán bộ, giáo viên từ tệp CSV (UTF-8, dấu phẩy hoặc chấm phẩy) hoặc "
                                 "XLSX (Excel), hoặc nhập điểm từ tệp XLSX do `export marks` tạo ra (nhập hết hoặc không "
                                 "nhập gì)",
                                 run_import);
  add_choice(*import, "WHAT", o->what, {"students", "staff", "marks"});
  add_data_option(*import, o->dir);
  import->add_option("FILE", o->file, "Tệp CSV hoặc XLSX (students, staff), tệp XLSX (marks)")->required();
  import->add_option("--passwords-out", o->passwords_out, "Tệp để ghi thêm mật khẩu ban đầu của các tài khoản mới");
  add_actor_options(*import, o->actor, "quản trị viên hoặc HT (marks: giáo viên có các điểm đó)");
}

void add_export_command(CLI::App& app, Context& ctx) {
  auto [exp, o] = add_command(app, ctx, "export",
                              "Xuất danh sách học sinh hoặc cán bộ, giáo viên ra CSV (đúng dạng lệnh import đọc), hồ sơ đã ký "
                              "của một lớp, điểm và bảng tổng hợp ra XLSX, hoặc kết quả cả năm của trường lên CSDL ngành "
                              "(district: CSV hoặc XML, chỉ từ các bảng đã phê duyệt)",
                              run_export);
  add_choice(*exp, "WHAT", o->what, {"students", "staff", "signed", "marks", "board", "district"});
  exp->add_option("--class", o->class_name, "signed, marks, board: lớp");
  exp->add_option("--subject", o->subject, "marks: môn");
  exp->add_option("--term", o->term, "signed, board: HK1 | HK2 (mặc định HK2, gồm cả kết quả cả năm)");
  exp->add_option("--year", o->year, "district: năm học YYYY-YYYY (mặc định: năm học hiện tại)");
  add_data_option(*exp, o->dir);
  exp->add_option("FILE", o->file, "Tệp cần ghi (.csv, .json, .xlsx; district: .csv hoặc .xml)")->required();
}

}  // namespace sodiem::server::cli
