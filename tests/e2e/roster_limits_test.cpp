// Roster import against hostile or broken files (issue 13, finding 7): names
// longer than the protocol carries, a huge file, bytes that are not UTF-8,
// and names a spreadsheet would run as formulas. Real SQLite, the real
// import and export, and a real sync over the loopback transport.
#include <catch2/catch.hpp>
#include <sstream>

#include "loopback_school.hpp"
#include "sodiem/protocol/codec.hpp"
#include "sodiem/server/roster_io.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

const std::string kHeader = "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n";

std::int64_t count(store::Db& db, const std::string& sql) {
  auto s = db.prepare(sql);
  REQUIRE(s.step());
  return s.int64(0);
}

std::string name_of(store::Db& db, const std::string& code) {
  auto s = db.prepare("SELECT full_name FROM students WHERE code = ?");
  s.bind(1, code);
  REQUIRE(s.step());
  return s.text(0);
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("a name longer than the protocol carries is refused by line — one at the limit imports and syncs", "[e2e]") {
  LoopbackSchool school;
  auto& store = school.device("gv.tinhoc.1");
  auto db = server::open_server_db(school.db_path());
  const auto students = count(*db, "SELECT COUNT(*) FROM students");

  // The finding: 405 bytes (135 three-byte letters, 135 characters).
  const std::string too_long = repeat("Ệ", 135);
  REQUIRE(too_long.size() == 405);
  std::istringstream bad(kHeader + "HS6A98,Nguyễn Văn Ổn,01/09/2015,Nam,6A\n" + "HS6A99," + too_long +
                         ",01/09/2015,Nam,6A\n");
  auto report = server::import_students(*db, bad, "admin");
  CHECK_FALSE(report.ok);
  REQUIRE(report.errors.size() == 1);
  CHECK_THAT(report.errors[0], Catch::StartsWith("dòng 3:") && Catch::Contains("405 byte") &&
                                   Catch::Contains(std::to_string(protocol::kMaxNameBytes) + " byte"));
  CHECK(count(*db, "SELECT COUNT(*) FROM students") == students);  // all or nothing

  // Short in bytes but more characters than a name has.
  std::istringstream wordy(kHeader + "HS6A99," + repeat("A", 101) + ",01/09/2015,Nam,6A\n");
  report = server::import_students(*db, wordy, "admin");
  CHECK_FALSE(report.ok);
  REQUIRE(report.errors.size() == 1);
  CHECK_THAT(report.errors[0], Catch::StartsWith("dòng 2:") && Catch::Contains("101 ký tự"));

  // A key longer than the protocol's: the student code.
  std::istringstream long_code(kHeader + "HS" + repeat("9", 63) + ",Nguyễn Văn Ổn,01/09/2015,Nam,6A\n");
  report = server::import_students(*db, long_code, "admin");
  CHECK_FALSE(report.ok);
  REQUIRE(report.errors.size() == 1);
  CHECK_THAT(report.errors[0], Catch::StartsWith("dòng 2:") && Catch::Contains("mã học sinh"));

  // Exactly the protocol's limit: 85 three-byte letters and one ASCII, 86 characters.
  const std::string at_limit = repeat("Ệ", 85) + "A";
  REQUIRE(at_limit.size() == protocol::kMaxNameBytes);
  std::istringstream good(kHeader + "HS6A99," + at_limit + ",01/09/2015,Nam,6A\n");
  report = server::import_students(*db, good, "admin");
  INFO((report.errors.empty() ? "" : report.errors[0]));
  REQUIRE(report.ok);
  // The teacher of 6A receives it in the roster, and syncs as before.
  school.sync("gv.tinhoc.1");
  CHECK(store.student_class("HS6A99") == std::optional<std::string>("6A"));
  REQUIRE(store.record({"6A", "Tin học", "HS6A99", "HK1.TX1"}, "9").is_ok());
  CHECK(school.sync("gv.tinhoc.1").rejected == 0);
  CHECK(store.status().pending == 0);
}

TEST_CASE("a 50 MB file is refused without being read into memory", "[storage]") {
  TempDir tmp;
  auto demo = make_demo_server(tmp / "server");
  auto db = server::open_server_db(server::DataPaths{demo.dir}.db());
  const auto students = count(*db, "SELECT COUNT(*) FROM students");
  std::istringstream huge(kHeader + "HS6A99," + std::string(50'000'000, 'A') + ",01/09/2015,Nam,6A\n");
  auto report = server::import_students(*db, huge, "admin");
  CHECK_FALSE(report.ok);
  REQUIRE(report.errors.size() == 1);
  CHECK_THAT(report.errors[0], Catch::Contains("16 MiB"));
  // Read up to the limit and one byte more, not the rest of the 50 MB.
  CHECK(static_cast<std::size_t>(huge.tellg()) == tuning::kRosterMaxFileBytes + 1);
  CHECK(count(*db, "SELECT COUNT(*) FROM students") == students);

  // A field of 1 MB in a small file: refused by line before any row check.
  std::istringstream fat(kHeader + "HS6A99," + std::string(1'000'000, 'A') + ",01/09/2015,Nam,6A\n");
  report = server::import_students(*db, fat, "admin");
  CHECK_FALSE(report.ok);
  REQUIRE(report.errors.size() == 1);
  CHECK_THAT(report.errors[0], Catch::StartsWith("dòng 2:") && Catch::Contains("ô thứ 2"));

  // More rows than a school has.
  std::string rows = kHeader;
  for (std::size_t i = 0; i < tuning::kRosterMaxRows; ++i) rows += "\n";
  std::istringstream longer(rows);
  report = server::import_students(*db, longer, "admin");
  CHECK_FALSE(report.ok);
  REQUIRE(report.errors.size() == 1);
  CHECK_THAT(report.errors[0], Catch::StartsWith("dòng " + std::to_string(tuning::kRosterMaxRows + 1) + ":"));
  CHECK(count(*db, "SELECT COUNT(*) FROM students") == students);
}

TEST_CASE("bytes that are not UTF-8, and control characters, are refused by line and column", "[storage]") {
  TempDir tmp;
  auto demo = make_demo_server(tmp / "server");
  auto db = server::open_server_db(server::DataPaths{demo.dir}.db());
  const auto students = count(*db, "SELECT COUNT(*) FROM students");
  std::istringstream csv(kHeader +
                         "HS6A97,Nguyễn Văn Ổn,01/09/2015,Nam,6A\n"
                         "HS6A98,Nguy\xEAn Th\xE1\xBB,01/09/2015,Nữ,6A\n"  // Latin-1 ê, a cut 3-byte letter
                         "HS6A99,\"Trần\nThị Hoa\",01/09/2015,Nữ,6A\n"      // a line break in a name
                         "HS6A96,Lê Văn\x07 Chuông,01/09/2015,Nam,6A\n");  // BEL
  auto report = server::import_students(*db, csv, "admin");
  CHECK_FALSE(report.ok);
  REQUIRE(report.errors.size() == 3);
  CHECK_THAT(report.errors[0], Catch::StartsWith("dòng 3, cột \"Họ và tên\":") && Catch::Contains("UTF-8"));
  CHECK_THAT(report.errors[1], Catch::StartsWith("dòng 4, cột \"Họ và tên\":") && Catch::Contains("điều khiển"));
  CHECK_THAT(report.errors[2], Catch::StartsWith("dòng 5, cột \"Họ và tên\":") && Catch::Contains("điều khiển"));
  CHECK(count(*db, "SELECT COUNT(*) FROM students") == students);

  // A name typed in decomposed form (e + combining marks, as some editors
  // save) is stored composed (NFC): one student, one spelling.
  std::istringstream nfd(kHeader + "HS6A99,Nguye\xCC\x82\xCC\x83n Va\xCC\x86n An,01/09/2015,Nam,6A\n");
  report = server::import_students(*db, nfd, "admin");
  REQUIRE(report.ok);
  CHECK(name_of(*db, "HS6A99") == "Nguyễn Văn An");
}

TEST_CASE("names with a bidi override or a zero-width character are refused by line and column", "[storage]") {
  TempDir tmp;
  auto demo = make_demo_server(tmp / "server");
  auto db = server::open_server_db(server::DataPaths{demo.dir}.db());
  const auto students = count(*db, "SELECT COUNT(*) FROM students");
  // "\u202E" makes "Nguyễn Văn An" display as another name; the others are
  // invisible and make a second, look-alike key.
  std::istringstream csv(kHeader +
                         "HS6A97,Nguyễn Văn Ổn,01/09/2015,Nam,6A\n"
                         "HS6A98,\xE2\x80\xAEnA năV nễyugN,01/09/2015,Nam,6A\n"  // U+202E RIGHT-TO-LEFT OVERRIDE
                         "HS6A\xE2\x80\x8B" "99,Trần Thị Hoa,01/09/2015,Nữ,6A\n"  // U+200B in the student code
                         "HS6A96,Lê Văn Bình,01/09/2015,Nam,6A\xEF\xBB\xBF\n"     // U+FEFF after the class
                         "HS6A95,Đỗ\xE2\x81\xA6 Anh\xE2\x81\xA9,01/09/2015,Nam,6A\n"  // U+2066 … U+2069
                         "HS6A94,Phạm\xE2\x80\xA8Minh,01/09/2015,Nam,6A\n");      // U+2028 LINE SEPARATOR
  auto report = server::import_students(*db, csv, "admin");
  CHECK_FALSE(report.ok);
  REQUIRE(report.errors.size() == 5);
  CHECK_THAT(report.errors[0], Catch::StartsWith("dòng 3, cột \"Họ và tên\":") && Catch::Contains("ký tự ẩn"));
  CHECK_THAT(report.errors[1], Catch::StartsWith("dòng 4, cột \"Mã học sinh\":") && Catch::Contains("ký tự ẩn"));
  CHECK_THAT(report.errors[2], Catch::StartsWith("dòng 5, cột \"Lớp\":") && Catch::Contains("ký tự ẩn"));
  CHECK_THAT(report.errors[3], Catch::StartsWith("dòng 6, cột \"Họ và tên\":") && Catch::Contains("ký tự ẩn"));
  CHECK_THAT(report.errors[4], Catch::StartsWith("dòng 7, cột \"Họ và tên\":") && Catch::Contains("ký tự ẩn"));
  CHECK(count(*db, "SELECT COUNT(*) FROM students") == students);  // all or nothing

  // Staff: a zero-width non-joiner in a teacher's name, an LRM in the department.
  const auto users = count(*db, "SELECT COUNT(*) FROM users");
  std::istringstream staff("Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                           "gv.moi,Nguyễn\xE2\x80\x8CThị Mới,GVBM,Tổ Toán\xE2\x80\x8E,,6A:Toán\n");
  report = server::import_staff(*db, staff, SystemClock::instance(), "admin");
  CHECK_FALSE(report.ok);
  REQUIRE(report.errors.size() == 2);
  CHECK_THAT(report.errors[0], Catch::StartsWith("dòng 2, cột \"Họ và tên\":") && Catch::Contains("ký tự ẩn"));
  CHECK_THAT(report.errors[1], Catch::StartsWith("dòng 2, cột \"Tổ chuyên môn\":") && Catch::Contains("ký tự ẩn"));
  CHECK(count(*db, "SELECT COUNT(*) FROM users") == users);
}

TEST_CASE("names a spreadsheet would run as formulas export as text and import back unchanged", "[storage]") {
  TempDir tmp;
  auto demo = make_demo_server(tmp / "server");
  auto db = server::open_server_db(server::DataPaths{demo.dir}.db());
  const std::vector<std::string> names = {"=HYPERLINK(\"http://x.example\",\"Bấm vào\")", "+84 Lê", "-1+2",
                                          "@SUM(A1:A9)", "'Ngọc Anh", "''=Hai dấu nháy", "Bình thường"};
  std::string csv = kHeader;
  for (std::size_t i = 0; i < names.size(); ++i)
    csv += "HS6A9" + std::to_string(i) + "," + server::csv_field(names[i]) + ",01/09/2015,Nam,6A\n";
  std::istringstream in(csv);
  auto report = server::import_students(*db, in, "admin");
  INFO((report.errors.empty() ? "" : report.errors[0]));
  REQUIRE(report.ok);
  for (std::size_t i = 0; i < names.size(); ++i) CHECK(name_of(*db, "HS6A9" + std::to_string(i)) == names[i]);

  std::ostringstream first;
  server::export_students(*db, first);
  // No field of the export starts a formula: each is text for Excel and LibreOffice.
  auto rows = server::parse_csv(first.str());
  REQUIRE(rows.error.empty());
  for (const auto& row : rows.rows)
    for (const auto& field : row) CHECK((field.empty() || std::string("=+-@\t\r").find(field[0]) == std::string::npos));
  CHECK_THAT(first.str(), Catch::Contains(",\"'=HYPERLINK(\"\"http://x.example\"\",\"\"Bấm vào\"\")\",") &&
                              Catch::Contains(",'+84 Lê,") && Catch::Contains(",'-1+2,") &&
                              Catch::Contains(",'@SUM(A1:A9),") && Catch::Contains(",''Ngọc Anh,"));

  // Export → import changes nothing; the second export is the same.
  std::istringstream back(first.str());
  report = server::import_students(*db, back, "admin");
  REQUIRE(report.ok);
  CHECK(report.inserted == 0);
  for (std::size_t i = 0; i < names.size(); ++i) CHECK(name_of(*db, "HS6A9" + std::to_string(i)) == names[i]);
  std::ostringstream second;
  server::export_students(*db, second);
  CHECK(first.str() == second.str());

  // Staff names too.
  std::istringstream staff("Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                           "gv.cong,+Cộng Văn Trừ,GVBM,=Tổ Toán,,6A:Toán\n");
  REQUIRE(server::import_staff(*db, staff, SystemClock::instance(), "admin").ok);
  std::ostringstream staff_out;
  server::export_staff(*db, staff_out);
  CHECK_THAT(staff_out.str(), Catch::Contains("gv.cong,'+Cộng Văn Trừ,GVBM,'=Tổ Toán,,6A:Toán\n"));
  std::istringstream staff_back(staff_out.str());
  report = server::import_staff(*db, staff_back, SystemClock::instance(), "admin");
  REQUIRE(report.ok);
  CHECK(report.inserted == 0);
  std::ostringstream staff_again;
  server::export_staff(*db, staff_again);
  CHECK(staff_out.str() == staff_again.str());
}

TEST_CASE("the CSV reader stops at its limits and at an open quote, naming the line", "[unit]") {
  const server::CsvLimits small{1000, 3, 4, 10};
  CHECK(server::parse_csv("a,b\nc,d\ne,f\n", small).error.empty());
  CHECK(server::parse_csv("a\nb\nc\nd\n", small).error == "dòng 4: tệp có hơn 3 dòng; danh sách của một trường không dài như vậy");
  CHECK_THAT(server::parse_csv("a\nb,c,d,e,f\n", small).error, Catch::StartsWith("dòng 2: có hơn 4 cột"));
  CHECK_THAT(server::parse_csv("a\n\"0123456789A\"\n", small).error, Catch::StartsWith("dòng 2: ô thứ 1 dài hơn 10 byte"));
  CHECK(server::parse_csv("a\nb,\"c\nd\n", small).error == "dòng 2: dấu ngoặc kép (\") mở mà không đóng");
  // The export's guard comes off again, and only the guard.
  for (const std::string v : {"=1+1", "+", "-x", "@a", "'", "'=", "''", "Ngọc", "", "a'b", "\xEF\xBB\xBF" "x"}) {
    const auto rows = server::parse_csv(server::csv_line({v}));
    REQUIRE(rows.rows.size() == 1);
    CHECK(server::unguard_field(rows.rows[0][0]) == v);
  }
  CHECK(server::unguard_field("'Ngọc") == "'Ngọc");  // a quote a person typed stays
}
