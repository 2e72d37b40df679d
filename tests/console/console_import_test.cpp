// The console's Nhập danh sách over real TLS (console_import.cpp): a
// students CSV, a students XLSX and a staff CSV imported all or nothing by
// the CLI's functions and audited as `sodiem-server import`; a bad file's
// rows refused exactly as the CLI prints them (the real binary run on the
// same file), nothing changed; only this route may send more than 16 KB,
// and not more than 2 MB (refused in Vietnamese before the body is read);
// teachers and vice principals refused, no CSRF token changes nothing.
#include <openssl/evp.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "console_school.hpp"
#include "process.hpp"
#include "test_school.hpp"
#include "sodiem/server/roster_csv.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::console;

namespace {

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::int64_t students_total(ConsoleSchool& c) { return c.school.server_scalar("SELECT COUNT(*) FROM students"); }
std::int64_t audit_total(ConsoleSchool& c) { return c.school.server_scalar("SELECT COUNT(*) FROM audit_log"); }

// A students file: the header (without the BOM an export adds), then the rows.
std::string student_csv(const std::vector<std::vector<std::string>>& rows) {
  std::string csv = server::csv_line(server::kStudentColumns);
  for (const auto& r : rows) csv += server::csv_line(r);
  return csv;
}

json import_body(const std::string& what, const std::string& filename, const std::string& bytes) {
  return {{"what", what}, {"filename", filename}, {"data", base64(bytes)}};
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The CLI's refusal of the same file: its stderr lines, "sodiem-server: "
// and the indent taken off, the file's path named as the console names it.
std::vector<std::string> cli_refusal(ConsoleSchool& c, const std::string& dir, const std::string& filename,
                                     const std::string& bytes) {
  const std::string path = dir + "/" + filename;
  std::ofstream(path, std::ios::binary) << bytes;
  const auto run = run_command({SODIEM_SERVER_BIN, "import", "students", "--data", c.school.demo.dir, path, "--by",
                                "quantri", "--password-stdin"},
                               c.school.demo.password_of("quantri") + "\n");
  INFO(run.out << run.err);
  CHECK(run.exit_code == 2);
  std::vector<std::string> lines;
  std::istringstream err(run.err);
  for (std::string line; std::getline(err, line);) {
    if (line.rfind("sodiem-server: ", 0) == 0) line.erase(0, 15);
    else if (line.rfind("  ", 0) == 0) line.erase(0, 2);
    for (auto at = line.find(path); at != std::string::npos; at = line.find(path)) line.replace(at, path.size(), filename);
    lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> console_refusal(const Answer& a) {
  std::vector<std::string> lines{a.body["error"].get<std::string>()};
  for (const auto& l : a.body["errors"]) lines.push_back(l.get<std::string>());
  return lines;
}

}  // namespace

TEST_CASE("console: a roster file imports all its rows — CSV or XLSX, audited as `import`, passwords shown once",
          "[e2e][console]") {
  ConsoleSchool c;
  const auto admin = c.login("quantri");
  const auto students = students_total(c);

  const Answer csv = c.post(admin, "/api/import",
                            import_body("students", "hs-moi.csv",
                                        student_csv({{"HS6A90", "Lê Văn Mới", "01/02/2014", "Nam", "6A"}})));
  INFO(csv.body.dump());
  REQUIRE(csv.status == 200);
  CHECK(csv.body["inserted"] == 1);
  CHECK(students_total(c) == students + 1);
  CHECK(c.school.server_scalar("SELECT COUNT(*) FROM students WHERE code = 'HS6A90'") == 1);
  {
    auto db = c.school.server_db();
    auto s = db->prepare("SELECT actor FROM audit_log WHERE kind = 'import_students' ORDER BY seq DESC LIMIT 1");
    REQUIRE(s.step());
    CHECK(s.text(0) == "quantri");  // what `sodiem-server import students` writes, in the console user's name
  }

  // A sheet typed in a spreadsheet: read through the same checks.
  TempDir tmp;
  const std::string sheet = tmp / "hs.xlsx";
  const auto made = run_command({"python3", SODIEM_TEST_SUPPORT_DIR "/make_xlsx.py", sheet, "Học sinh",
                                 R"([["A1","s","Mã học sinh"],["B1","s","Họ và tên"],["C1","s","Ngày sinh"],)"
                                 R"(["D1","s","Giới tính"],["E1","s","Lớp"],)"
                                 R"(["A2","s","HS6A91"],["B2","s","Trần Thị Bảng"],["C2","s","03/04/2014"],)"
                                 R"(["D2","s","Nữ"],["E2","s","6A"]])"});
  REQUIRE(made.exit_code == 0);
  const Answer xlsx = c.post(admin, "/api/import", import_body("students", "Danh sách.xlsx", slurp(sheet)));
  INFO(xlsx.body.dump());
  REQUIRE(xlsx.status == 200);
  CHECK(xlsx.body["inserted"] == 1);
  CHECK(c.school.server_scalar("SELECT COUNT(*) FROM students WHERE code = 'HS6A91'") == 1);

  // Staff: a new account's issued password, shown in the answer once.
  std::string staff = server::csv_line(server::kStaffColumns) +
                      server::csv_line({"gv.ly.9", "Đỗ Văn Lý", "GVBM", "Khoa học tự nhiên", "", "6A:Toán"});
  const Answer made_staff = c.post(admin, "/api/import", import_body("staff", "gv.csv", staff));
  INFO(made_staff.body.dump());
  REQUIRE(made_staff.status == 200);
  REQUIRE(made_staff.body["passwords"].size() == 1);
  CHECK(made_staff.body["passwords"][0]["username"] == "gv.ly.9");
  const std::string password = made_staff.body["passwords"][0]["password"];
  CHECK(password.size() >= 8);
  // It opens the console only once changed (an issued password).
  CHECK(c.try_login("gv.ly.9", password).error_code() == "PASSWORD_CHANGE_REQUIRED");
}

TEST_CASE("console: a bad roster file changes nothing and shows each row's error as the CLI prints it",
          "[e2e][console]") {
  ConsoleSchool c;
  const auto admin = c.login("quantri");
  TempDir tmp;
  const auto students = students_total(c), audits = audit_total(c);

  const std::string bad = student_csv({{"HS6A90", "Lê Văn Mới", "01/02/2014", "Nam", "6A"},
                                       {"HS6A91", "Trần Thị Sai", "31/02/2014", "Nữ", "6A"},
                                       {"HS6A92", "Phạm Văn Ba", "01/01/2014", "Không rõ", "6A"},
                                       {"HS6A93", "", "01/01/2014", "Nam", "6A"}});
  const Answer refused = c.post(admin, "/api/import", import_body("students", "hs.csv", bad));
  INFO(refused.body.dump());
  REQUIRE(refused.status == 400);
  CHECK(refused.error_code() == "IMPORT_REFUSED");
  CHECK(refused.body["errors"].size() >= 3);
  CHECK_THAT(refused.body["errors"][0].get<std::string>(), Catch::StartsWith("dòng 3"));
  CHECK(console_refusal(refused) == cli_refusal(c, tmp.path(), "hs.csv", bad));
  CHECK(students_total(c) == students);  // the good row neither
  CHECK(c.school.server_scalar("SELECT COUNT(*) FROM students WHERE code = 'HS6A90'") == 0);
  CHECK(audit_total(c) == audits);

  // Forty bad rows: the first thirty, then how many more, as the CLI.
  std::vector<std::vector<std::string>> many;
  for (int i = 0; i < 40; ++i) many.push_back({"HS7Z" + std::to_string(10 + i), "Học Sinh", "99/99/2014", "Nam", "7A"});
  const std::string forty = student_csv(many);
  const Answer long_list = c.post(admin, "/api/import", import_body("students", "nhieu-loi.csv", forty));
  REQUIRE(long_list.status == 400);
  CHECK(long_list.body["errors"].size() == 31);
  CHECK_THAT(long_list.body["errors"].back().get<std::string>(), Catch::StartsWith("… và "));
  CHECK(console_refusal(long_list) == cli_refusal(c, tmp.path(), "nhieu-loi.csv", forty));

  // Not a spreadsheet: named as the user named it, not where the server kept it.
  const Answer not_xlsx = c.post(admin, "/api/import", import_body("students", "hs.xlsx", "day khong phai excel"));
  INFO(not_xlsx.body.dump());
  REQUIRE(not_xlsx.status == 400);
  CHECK(console_refusal(not_xlsx) == cli_refusal(c, tmp.path(), "hs.xlsx", "day khong phai excel"));
  CHECK_THAT(not_xlsx.body.dump(), !Catch::Contains("sodiem-console") && Catch::Contains("hs.xlsx"));

  // Damaged upload, unknown kind: refused in Vietnamese.
  json damaged = import_body("students", "hs.csv", bad);
  damaged["data"] = "@@@=";
  CHECK(c.post(admin, "/api/import", damaged).status == 400);
  CHECK(c.post(admin, "/api/import", import_body("marks", "hs.csv", bad)).status == 400);
  CHECK(students_total(c) == students);
  CHECK(audit_total(c) == audits);
}

TEST_CASE("console: only the import may send more than 16 KB, and never more than 2 MB", "[e2e][console][fault]") {
  ConsoleSchool c;
  const auto admin = c.login("quantri");
  // A declared length over the bound: refused at once, in Vietnamese, before any body.
  auto head_only = [&](const std::string& path, std::size_t length) {
    WsProbe p(c.edge->url());
    REQUIRE(p.tls());
    const std::string raw =
        p.http_raw("POST " + path + " HTTP/1.1\r\nHost: " + c.host + "\r\nCookie: __Host-sodiem_console=" + admin.cookie +
                   "\r\nX-CSRF-Token: " + admin.csrf + "\r\nContent-Type: application/json\r\nContent-Length: " +
                   std::to_string(length) + "\r\n\r\n");
    REQUIRE(raw.rfind("HTTP/1.1 ", 0) == 0);
    Answer a;
    a.status = std::stoi(raw.substr(9, 3));
    a.body = json::parse(raw.substr(raw.find("\r\n\r\n") + 4), nullptr, false);
    return a;
  };
  const Answer huge = head_only("/api/import", tuning::kConsoleMaxImportBytes + 1);
  CHECK(huge.status == 413);
  CHECK_THAT(huge.body["error"].get<std::string>(), Catch::Contains("quá lớn") && Catch::Contains("2 MB"));
  const Answer huge_lock = head_only("/api/locks/add", tuning::kConsoleMaxBodyBytes + 1);
  CHECK(huge_lock.status == 413);
  CHECK_THAT(huge_lock.body["error"].get<std::string>(), Catch::Contains("16 KB"));
  CHECK(head_only("/api/import?x=1", tuning::kConsoleMaxImportBytes + 1).status == 413);

  // A file well past 16 KB imports; the same bytes to any other route are refused.
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < 1500; ++i)
    rows.push_back({"HS7Z" + std::to_string(1000 + i), "Nguyễn Văn Học Sinh", "01/02/2013", "Nam", "7Z"});
  const json big = import_body("students", "khoi-7.csv", student_csv(rows));
  REQUIRE(big.dump().size() > 4 * tuning::kConsoleMaxBodyBytes);
  const Answer imported = c.post(admin, "/api/import", big);
  INFO(imported.body.dump().substr(0, 500));
  REQUIRE(imported.status == 200);
  CHECK(imported.body["inserted"] == 1500);
  CHECK(c.post(admin, "/api/accounts/create", big).status == 413);
}

TEST_CASE("console: at most two uploads are received at once, and only from a session that may import",
          "[e2e][console][fault]") {
  ConsoleSchool c;
  const auto admin = c.login("quantri");
  const auto teacher = c.login("gv.toan.1");
  // Announced uploads of 1 MB (then nothing more), as `who` (no cookie: a stranger).
  auto announce = [&](WsProbe& p, const ConsoleSchool::Login* who, bool await_answer) {
    REQUIRE(p.tls());
    std::string head = "POST /api/import HTTP/1.1\r\nHost: " + c.host + "\r\n";
    if (who) head += "Cookie: __Host-sodiem_console=" + who->cookie + "\r\nX-CSRF-Token: " + who->csrf + "\r\n";
    head += "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{";
    return await_answer ? p.http_response(head, std::chrono::seconds(5)) : p.http_raw(head, std::chrono::seconds(0));
  };
  // A stranger's, or a teacher's, is refused before its body is read: it holds no slot.
  {
    WsProbe stranger(c.edge->url()), other(c.edge->url());
    CHECK_THAT(announce(stranger, nullptr, true), Catch::StartsWith("HTTP/1.1 401"));
    CHECK_THAT(announce(other, &teacher, true),
               Catch::StartsWith("HTTP/1.1 403") && Catch::Contains("Nhập danh sách chỉ dành cho"));
  }
  // Two of the administrator's own: the server holds their slots, and a third
  // upload is refused at once.
  const json body = import_body("students", "hs.csv", student_csv({{"HS6A90", "Lê Văn Mới", "01/02/2014", "Nam", "6A"}}));
  {
    WsProbe first(c.edge->url()), second(c.edge->url());
    announce(first, &admin, false);  // written; no answer awaited
    announce(second, &admin, false);
    Answer busy;
    for (int i = 0; i < 50 && busy.status != 503; ++i) {  // until both heads are read
      busy = c.post(admin, "/api/import", json{{"what", "students"}, {"filename", "x.csv"},
                                               {"data", base64(std::string(20000, 'x'))}});
      if (busy.status != 503) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(busy.status == 503);
    CHECK_THAT(busy.body["error"].get<std::string>(), Catch::Contains("đang nhận tệp khác"));
    // A small request is not an upload: answered as usual.
    CHECK(c.get(admin, "/api/session").status == 200);
    CHECK(c.post(admin, "/api/import", body).status == 200);  // under 16 KB: no slot needed
  }
  // The peers gone, their slots are free again.
  Answer again;
  const json big = import_body("students", "hs2.csv", student_csv({{"HS6A91", std::string(16000, 'a'), "01/02/2014", "Nam", "6A"}}));
  for (int i = 0; i < 50; ++i) {
    again = c.post(admin, "/api/import", big);
    if (again.status != 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(again.status != 503);
  CHECK(again.status != 413);
}

TEST_CASE("console: a roster import by a teacher, a vice principal or without the CSRF token changes nothing",
          "[e2e][console]") {
  ConsoleSchool c;
  const json body = import_body("students", "hs.csv", student_csv({{"HS6A90", "Lê Văn Mới", "01/02/2014", "Nam", "6A"}}));
  const auto students = students_total(c);
  for (const char* user : {"gv.toan.2", "gv.toan.1", "phohieutruong"}) {
    const auto l = c.login(user);
    INFO(user);
    const Answer a = c.post(l, "/api/import", body);
    CHECK(a.status == 403);
    const json pages = c.get(l, "/api/session").body["pages"];
    CHECK(std::find(pages.begin(), pages.end(), "import") == pages.end());
  }
  const auto admin = c.login("quantri");
  const auto audits = audit_total(c);
  CHECK(c.request("POST", "/api/import", admin.cookie, "", body.dump()).status == 403);
  CHECK(c.request("POST", "/api/import", admin.cookie, "wrong", body.dump()).status == 403);
  CHECK(students_total(c) == students);
  CHECK(audit_total(c) == audits);
}
