// Roster import/export: all or nothing with line numbers, round trips, and a
// running server picking up new assignments on the teacher's next sync.
#include <catch2/catch.hpp>
#include <sstream>

#include "audited_write.hpp"
#include "loopback_school.hpp"
#include "sodiem/server/locks.hpp"
#include "process.hpp"
#include "sodiem/server/records_print.hpp"
#include "sodiem/server/roster_io.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {
std::int64_t scalar(store::Db& db, const std::string& sql) {
  auto s = db.prepare(sql);
  REQUIRE(s.step());
  return s.int64(0);
}
}  // namespace

TEST_CASE("CSV parsing handles quotes, embedded commas and newlines, CRLF and a BOM", "[unit]") {
  auto csv = server::parse_csv("\xEF\xBB\xBF" "a,\"b, c\",\"say \"\"hi\"\"\"\r\n1,\"two\nlines\",3\n");
  CHECK(csv.error.empty());
  const auto& rows = csv.rows;
  REQUIRE(rows.size() == 2);
  CHECK(rows[0] == std::vector<std::string>{"a", "b, c", "say \"hi\""});
  CHECK(rows[1] == std::vector<std::string>{"1", "two\nlines", "3"});
  CHECK(server::csv_field("b, c") == "\"b, c\"");
  CHECK(server::csv_field("plain") == "plain");
}

TEST_CASE("a file saved by Excel with semicolons (Vietnamese settings) reads like one with commas", "[unit]") {
  auto semi = server::parse_csv("\xEF\xBB\xBF" "Mã học sinh;Họ và tên;Lớp\r\nHS1;\"Lê; Văn\";6A\r\nHS2;Trần Bình;6B\r\n");
  CHECK(semi.error.empty());
  REQUIRE(semi.rows.size() == 3);
  CHECK(semi.rows[1] == std::vector<std::string>{"HS1", "Lê; Văn", "6A"});
  // A comma file whose fields hold semicolons (roles "GVBM;GVCN") stays a comma file.
  auto comma = server::parse_csv("Tên đăng nhập,Vai trò,Phân công\ngv,GVBM;GVCN,6A:Toán;6B:Toán\n");
  REQUIRE(comma.rows.size() == 2);
  CHECK(comma.rows[1] == std::vector<std::string>{"gv", "GVBM;GVCN", "6A:Toán;6B:Toán"});
  CHECK(server::csv_first_line({"Mã học sinh", "Lớp"}) == "\xEF\xBB\xBF" "Mã học sinh,Lớp\n");
}

TEST_CASE("a students file with one bad row imports nothing and names the row", "[storage]") {
  TempDir tmp;
  auto demo = make_demo_server(tmp / "server");
  auto db = server::open_server_db(server::DataPaths{demo.dir}.db());
  const auto before = scalar(*db, "SELECT COUNT(*) FROM students");
  const auto version = server::get_meta(*db, "roster_version");
  std::istringstream csv(
      "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
      "HS6C01,Nguyễn Văn Mới,01/09/2015,Nam,6C\n"
      "HS6C02,Trần Thị Hoa,2015-05-05,Nữ,6C\n"
      "HS6C03,Lê Văn Sai,30/02/2015,Nam,6C\n"
      "HS6C04,Phạm Thị Đúng,12/12/2015,Nữ,6C\n");
  auto report = server::import_students(*db, csv, "admin");
  CHECK_FALSE(report.ok);
  REQUIRE(report.errors.size() == 1);
  CHECK_THAT(report.errors[0], Catch::StartsWith("dòng 4:") && Catch::Contains("30/02/2015"));
  CHECK(scalar(*db, "SELECT COUNT(*) FROM students") == before);
  CHECK(scalar(*db, "SELECT COUNT(*) FROM classes WHERE name = '6C'") == 0);
  CHECK(server::get_meta(*db, "roster_version") == version);

  std::istringstream good(
      "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
      "HS6C01,Nguyễn Văn Mới,01/09/2015,Nam,6C\n"
      "\n"
      "HS6C02,\"Trần Thị Hoa\",2015-05-05,Nữ,6C\n");
  report = server::import_students(*db, good, "admin");
  CHECK(report.ok);
  CHECK(report.inserted == 2);
  CHECK(scalar(*db, "SELECT grade FROM classes WHERE name = '6C'") == 6);
  CHECK(server::get_meta(*db, "roster_version") != version);
}

TEST_CASE("only an administrator or the principal imports, audited in their name", "[storage]") {
  TempDir tmp;
  auto demo = make_demo_server(tmp / "server");
  auto db = server::open_server_db(server::DataPaths{demo.dir}.db());
  const auto before = scalar(*db, "SELECT COUNT(*) FROM students");
  const std::string file = "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\nHS6C01,Nguyễn Văn Mới,01/09/2015,Nam,6C\n";
  for (const char* who : {"gv.toan.1", "vanthu", "khong.co.ai"}) {
    std::istringstream csv(file);
    auto report = server::import_students(*db, csv, who);
    CHECK_FALSE(report.ok);
    REQUIRE(report.errors.size() == 1);
    CHECK_THAT(report.errors[0], Catch::Contains(who));
    std::istringstream staff("Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\ngv.moi,Giáo Viên Mới,GVBM,,,\n");
    CHECK_FALSE(server::import_staff(*db, staff, SystemClock::instance(), who).ok);
  }
  CHECK(scalar(*db, "SELECT COUNT(*) FROM students") == before);
  CHECK(scalar(*db, "SELECT COUNT(*) FROM users WHERE username = 'gv.moi'") == 0);
  std::istringstream csv(file);
  REQUIRE(server::import_students(*db, csv, "quantri").ok);
  CHECK(scalar(*db, "SELECT COUNT(*) FROM audit_log WHERE kind = 'import_students' AND actor = 'quantri'") == 1);
}

TEST_CASE("a staff file is checked whole: unknown role, class, subject, double homeroom", "[storage]") {
  TempDir tmp;
  auto demo = make_demo_server(tmp / "server");
  auto db = server::open_server_db(server::DataPaths{demo.dir}.db());
  std::istringstream csv(
      "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
      "gv.moi,Giáo Viên Mới,GVBM,,,6A:Tin học\n"
      "gv.sai,Sai Vai Trò,THAYGIAO,,,\n"
      "gv.sai2,Sai Lớp,GVBM,,,6Z:Toán\n"
      "gv.sai3,Sai Môn,GVBM,,,6A:Thiên văn\n"
      "gv.cn1,Chủ Nhiệm Một,GVBM;GVCN,,9B,\n"
      "gv.cn2,Chủ Nhiệm Hai,GVBM;GVCN,,9B,\n");
  auto report = server::import_staff(*db, csv, SystemClock::instance(), "admin");
  CHECK_FALSE(report.ok);
  REQUIRE(report.errors.size() == 4);
  CHECK_THAT(report.errors[0], Catch::StartsWith("dòng 3:") && Catch::Contains("THAYGIAO"));
  CHECK_THAT(report.errors[1], Catch::StartsWith("dòng 4:") && Catch::Contains("6Z"));
  CHECK_THAT(report.errors[2], Catch::StartsWith("dòng 5:") && Catch::Contains("Thiên văn"));
  CHECK_THAT(report.errors[3], Catch::StartsWith("dòng 7:") && Catch::Contains("dòng 6"));
  CHECK(scalar(*db, "SELECT COUNT(*) FROM users WHERE username LIKE 'gv.moi'") == 0);
}

TEST_CASE("a role named twice is kept once, and a file exported with a role stored twice imports back", "[storage]") {
  TempDir tmp;
  auto demo = make_demo_server(tmp / "server");
  auto db = server::open_server_db(server::DataPaths{demo.dir}.db());
  const auto roles_of = [&](const std::string& user) {
    auto s = db->prepare("SELECT roles FROM users WHERE username = ?");
    s.bind(1, user);
    REQUIRE(s.step());
    return s.text(0);
  };
  std::istringstream csv(
      "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
      "gv.moi,Giáo Viên Mới,GVBM; GVBM ;TTCM;GVBM,,,6A:Tin học\n");
  auto report = server::import_staff(*db, csv, SystemClock::instance(), "admin");
  INFO((report.errors.empty() ? "" : report.errors[0]));
  REQUIRE(report.ok);
  CHECK(roles_of("gv.moi") == "GVBM,TTCM");

  // Stored twice by an import before this rule: exported as it is stored,
  // the file imports back and the account holds the role once.
  audited_write(*db, [&] { db->prepare("UPDATE users SET roles = 'GVBM,GVBM' WHERE username = 'gv.moi'").run(); });
  std::ostringstream exported;
  server::export_staff(*db, exported);
  REQUIRE_THAT(exported.str(), Catch::Contains("gv.moi,Giáo Viên Mới,GVBM;GVBM,"));
  std::istringstream back(exported.str());
  report = server::import_staff(*db, back, SystemClock::instance(), "admin");
  INFO((report.errors.empty() ? "" : report.errors[0]));
  REQUIRE(report.ok);
  CHECK(roles_of("gv.moi") == "GVBM");
}

TEST_CASE("export then import changes nothing, and the export is the same", "[storage]") {
  TempDir tmp;
  auto demo = make_demo_server(tmp / "server");
  auto db = server::open_server_db(server::DataPaths{demo.dir}.db());
  for (auto kind : {"students", "staff"}) {
    std::ostringstream first;
    kind == std::string("students") ? server::export_students(*db, first) : server::export_staff(*db, first);
    std::istringstream in(first.str());
    auto report = kind == std::string("students") ? server::import_students(*db, in, "admin")
                                                  : server::import_staff(*db, in, SystemClock::instance(), "admin");
    INFO(kind << (report.errors.empty() ? "" : report.errors[0]));
    CHECK(report.ok);
    CHECK(report.inserted == 0);
    std::ostringstream second;
    kind == std::string("students") ? server::export_students(*db, second) : server::export_staff(*db, second);
    CHECK(first.str() == second.str());
    CHECK(first.str().rfind("\xEF\xBB\xBF", 0) == 0);  // Excel shows Vietnamese
  }
}

TEST_CASE("a running server picks up an imported assignment on the teacher's next sync", "[e2e]") {
  LoopbackSchool school;
  auto& store = school.device("gv.tinhoc.1");
  CHECK_FALSE(store.record({"8A", "Tin học", "HS8A01", "HK1.TX1"}, "9").is_ok());  // not assigned yet
  {
    auto db = server::open_server_db(school.db_path());  // the clerk's CLI, another connection
    std::istringstream csv(
        "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
        "gv.tinhoc.1,Giáo Viên Tin,GVBM,,,6A:Tin học;8A:Tin học\n");
    auto report = server::import_staff(*db, csv, SystemClock::instance(), "admin");
    REQUIRE(report.ok);
  }
  school.sync("gv.tinhoc.1");  // the roster is re-fetched
  REQUIRE(store.record({"8A", "Tin học", "HS8A01", "HK1.TX1"}, "9").is_ok());
  CHECK_FALSE(store.record({"6B", "Tin học", "HS6B01", "HK1.TX1"}, "9").is_ok());  // assignment removed
  CHECK(school.sync("gv.tinhoc.1").rejected == 0);
  CHECK(store.status().pending == 0);
}

TEST_CASE("delegated entry: an assignment with an end date stops allowing writes after it", "[e2e]") {
  ManualClock clock(*sodiem::parse_local_time("2026-12-31T20:00"));
  LoopbackSchool school(clock);
  {
    auto db = server::open_server_db(school.db_path());
    std::istringstream csv(
        "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
        "gv.tinhoc.1,Giáo Viên Tin,GVBM,,,6A:Tin học;6B:Toán@2026-12-31\n");
    auto report = server::import_staff(*db, csv, SystemClock::instance(), "admin");
    REQUIRE(report.ok);
    std::ostringstream out;
    server::export_staff(*db, out);
    CHECK_THAT(out.str(), Catch::Contains("6B:Toán@2026-12-31"));  // round-trips
    std::istringstream bad("Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                           "gv.tinhoc.1,Giáo Viên Tin,GVBM,,,6B:Toán@31/12/2026\n");
    CHECK_FALSE(server::import_staff(*db, bad, SystemClock::instance(), "admin").ok);
  }
  auto& store = school.device("gv.tinhoc.1");
  auto in_time = store.record({"6B", "Toán", "HS6B01", "HK1.TX1"}, "8");
  REQUIRE(in_time.is_ok());
  school.sync("gv.tinhoc.1");
  CHECK(store.outcome(in_time->seq).first == "OK");
  // Typed offline on the last evening, synced the next morning: still in time.
  auto offline = store.record({"6B", "Toán", "HS6B02", "HK1.TX1"}, "7");
  REQUIRE(offline.is_ok());
  clock.advance(12 * 3600);
  school.sync("gv.tinhoc.1");
  CHECK(store.outcome(offline->seq).first == "OK");
  auto late = store.record({"6B", "Toán", "HS6B01", "HK1.TX2"}, "8");  // typed after the delegation ended
  REQUIRE(late.is_ok());
  school.sync("gv.tinhoc.1");
  CHECK(store.outcome(late->seq).first == "FORBIDDEN");
}

TEST_CASE("students and staff as XLSX: exported as text, read back through the same checks", "[storage]") {
  TempDir tmp;
  auto demo = make_demo_server(tmp / "server");
  auto db = server::open_server_db(server::DataPaths{demo.dir}.db());
  for (auto kind : {"students", "staff"}) {
    const std::string file = tmp / (std::string(kind) + ".xlsx");
    REQUIRE(server::export_roster_xlsx(*db, kind, file).is_ok());
    auto csv = server::roster_csv_from_xlsx(file);
    REQUIRE(csv.is_ok());
    std::ostringstream direct;
    kind == std::string("students") ? server::export_students(*db, direct) : server::export_staff(*db, direct);
    CHECK(*csv == direct.str().substr(3));  // the same rows as the CSV export (which starts with a BOM)
    std::istringstream in(*csv);
    auto report = kind == std::string("students") ? server::import_students(*db, in, "admin")
                                                  : server::import_staff(*db, in, SystemClock::instance(), "admin");
    INFO(kind << (report.errors.empty() ? "" : report.errors[0]));
    CHECK(report.ok);
    CHECK(report.inserted == 0);
  }
  // A sheet typed by hand: the bad row is named by its row number in the sheet.
  const std::string typed = tmp / "typed.xlsx";
  auto made = run_command({"python3", SODIEM_TEST_SUPPORT_DIR "/make_xlsx.py", typed, "Học sinh",
                           R"([["A1","s","Mã học sinh"],["B1","s","Họ và tên"],["C1","s","Ngày sinh"],["D1","s","Giới tính"],)"
                           R"(["E1","s","Lớp"],["F1","s","Trạng thái"],)"
                           R"(["A2","s","HS6A90"],["B2","s","Lê Văn Mới"],["C2","s","01/02/2014"],["D2","s","Nam"],["E2","s","6A"],)"
                           R"(["F2","s","Đang học"],["A3","s","HS6A91"],["B3","s","Trần Thị Sai"],["C3","s","31/02/2014"],)"
                           R"(["D3","s","Nữ"],["E3","s","6A"],["F3","s","Đang học"]])"});
  REQUIRE(made.exit_code == 0);
  auto csv = server::roster_csv_from_xlsx(typed);
  REQUIRE(csv.is_ok());
  std::istringstream in(*csv);
  auto report = server::import_students(*db, in, "admin");
  CHECK_FALSE(report.ok);
  REQUIRE_FALSE(report.errors.empty());
  CHECK_THAT(report.errors[0], Catch::StartsWith("dòng 3"));
  CHECK_THAT(report.errors[0], Catch::Contains("31/02/2014"));
}

TEST_CASE("names stored before the invisible-character rule are named, shown escaped", "[storage]") {
  TempDir tmp;
  auto demo = make_demo_server(tmp / "server");
  auto db = server::open_server_db(server::DataPaths{demo.dir}.db());
  CHECK(server::stored_name_faults(*db).empty());
  audited_write(*db, [&] {
    db->prepare("UPDATE students SET full_name = 'Nguy\xE1\xBB\x85n \xE2\x80\xAE" "An' WHERE code = 'HS6A01'").run();
    db->prepare("UPDATE users SET full_name = 'C\xC2\xADo' WHERE username = 'gv.toan.1'").run();
  });
  const auto faults = server::stored_name_faults(*db);
  REQUIRE(faults.size() == 2);
  CHECK_THAT(faults[0], Catch::StartsWith("học sinh \"HS6A01\" (họ tên \"Nguyễn <U+202E>An\"): có ký tự ẩn"));
  CHECK_THAT(faults[1], Catch::StartsWith("tài khoản \"gv.toan.1\" (họ tên \"C<U+00AD>o\")"));
}
