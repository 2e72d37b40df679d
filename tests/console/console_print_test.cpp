// The console's print buttons over real TLS (console_print.cpp): the grade
// book of 6A Toán, 6A's board and a student's transcript come as PDF
// downloads, read back with poppler's pdftotext: the class, subject and
// student are the ones asked for, and the text is that of `sodiem-server
// print` on the same data (the same functions). Roles: a teacher prints
// nothing; a department head prints their department's books but not a
// class board that is not theirs; unknown classes are not found.
#include <fstream>
#include <sstream>

#include "console_school.hpp"
#include "process.hpp"
#include "test_school.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::console;

namespace {

// The PDF's text, as poppler reads it, without the line of when it was
// printed (two prints a minute apart differ there only).
std::string pdf_text(const TempDir& tmp, const std::string& name, const std::string& bytes) {
  const std::string path = tmp / name;
  std::ofstream(path, std::ios::binary) << bytes;
  const auto r = run_command({"pdftotext", "-layout", path, "-"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string text;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (line.find("In từ Sổ điểm lúc") == std::string::npos) text += line + "\n";
  return text;
}

// What `sodiem-server print ARGS… OUT` writes, as text.
std::string cli_text(ConsoleSchool& c, const TempDir& tmp, std::vector<std::string> args) {
  const std::string out = tmp / "cli.pdf";
  std::vector<std::string> argv{SODIEM_SERVER_BIN, "print"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(), {"--data", c.school.demo.dir, out});
  const auto r = run_command(argv);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::ifstream in(out, std::ios::binary);
  return pdf_text(tmp, "cli-copy.pdf", std::string(std::istreambuf_iterator<char>(in), {}));
}

// A download: long enough for the first PDF of a busy machine.
Answer download(ConsoleSchool& c, const ConsoleSchool::Login& l, const std::string& path) {
  return c.request("GET", path, l.cookie, "", "", "", "application/json", std::chrono::seconds(60));
}

void check_pdf(const Answer& a) {
  INFO(a.head);
  REQUIRE(a.status == 200);
  CHECK(a.header("Content-Type") == "application/pdf");
  CHECK(a.raw.rfind("%PDF-", 0) == 0);
  CHECK_THAT(a.header("Content-Disposition"), Catch::StartsWith("attachment; "));
  CHECK(a.header("Cache-Control") == "no-store");
}

}  // namespace

TEST_CASE("console: the principal downloads a grade book, a board and a transcript, as `sodiem-server print` makes them",
          "[e2e][console][print]") {
  ConsoleSchool c;
  auto& d = c.school.device("gv.toan.1");
  REQUIRE(d.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "7").is_ok());
  REQUIRE(d.record({"6A", "Toán", "HS6A02", "HK1.TX1"}, "9").is_ok());
  c.school.sync("gv.toan.1");
  TempDir tmp;
  const auto ht = c.login("hieutruong");

  const Answer book = download(c, ht, "/api/print/gradebook?class=6A&subject=To%C3%A1n&term=HK1");
  check_pdf(book);
  CHECK_THAT(book.header("Content-Disposition"), Catch::Contains("filename*=UTF-8''so-theo-doi-6A-To%C3%A1n-HK1.pdf"));
  const std::string book_text = pdf_text(tmp, "book.pdf", book.raw);
  CHECK_THAT(book_text, Catch::Contains("6A") && Catch::Contains("Toán") && Catch::Contains("HS6A01") &&
                            !Catch::Contains("HS6B01"));
  CHECK(book_text == cli_text(c, tmp, {"gradebook", "--class", "6A", "--subject", "Toán", "--term", "HK1"}));

  const Answer board = download(c, ht, "/api/print/board?class=6B&term=HK1");
  check_pdf(board);
  const std::string board_text = pdf_text(tmp, "board.pdf", board.raw);
  std::string name_6b01;
  {
    auto db = c.school.server_db();
    auto s = db->prepare("SELECT full_name FROM students WHERE code = 'HS6B01'");
    REQUIRE(s.step());
    name_6b01 = s.text(0);
  }
  CHECK_THAT(board_text, Catch::Contains("Lớp 6B — Học kì I") && Catch::Contains(name_6b01) && !Catch::Contains("Lớp 6A"));
  CHECK(board_text == cli_text(c, tmp, {"board", "--class", "6B", "--term", "HK1"}));

  const Answer transcript = download(c, ht, "/api/print/transcript?class=6A&student=HS6A02");
  check_pdf(transcript);
  const std::string transcript_text = pdf_text(tmp, "transcript.pdf", transcript.raw);
  CHECK_THAT(transcript_text, Catch::Contains("HS6A02") && !Catch::Contains("HS6A01"));
  CHECK(transcript_text == cli_text(c, tmp, {"transcript", "--class", "6A", "--student", "HS6A02"}));

  // What cannot be printed is said in Vietnamese, as JSON.
  CHECK(download(c, ht, "/api/print/board?class=9Z&term=HK1").status == 404);
  const Answer no_student = download(c, ht, "/api/print/transcript?class=6A&student=HS6B01");
  CHECK(no_student.status == 400);
  CHECK_THAT(no_student.body["error"].get<std::string>(), Catch::Contains("không thuộc lớp 6A"));
}

TEST_CASE("console: printing follows who may read: a teacher nothing, a department head their department's books",
          "[e2e][console][print]") {
  ConsoleSchool c;
  const auto gv = c.login("gv.toan.2");
  for (const char* path : {"/api/print/gradebook?class=6A&subject=To%C3%A1n&term=HK1", "/api/print/board?class=6A&term=HK1",
                           "/api/print/transcript?class=6A"}) {
    INFO(path);
    const Answer a = download(c, gv, path);
    CHECK(a.status == 403);
    CHECK(a.raw.rfind("%PDF", 0) != 0);
  }
  const auto ttcm = c.login("gv.toan.1");
  std::string homeroom;
  {
    auto db = c.school.server_db();
    auto s = db->prepare("SELECT c.name FROM homerooms h JOIN classes c ON c.id = h.class_id JOIN users u ON u.id = "
                         "h.user_id WHERE u.username = 'gv.toan.1'");
    if (s.step()) homeroom = s.text(0);
  }
  const std::string other = homeroom == "7A" ? "8A" : "7A";
  check_pdf(download(c, ttcm, "/api/print/gradebook?class=" + other + "&subject=To%C3%A1n&term=HK1"));
  CHECK(download(c, ttcm, "/api/print/gradebook?class=" + other + "&subject=Ng%E1%BB%AF+v%C4%83n&term=HK1").status == 403);
  CHECK(download(c, ttcm, "/api/print/board?class=" + other + "&term=HK1").status == 403);
  CHECK(download(c, ttcm, "/api/print/transcript?class=" + other).status == 403);
  if (!homeroom.empty()) check_pdf(download(c, ttcm, "/api/print/board?class=" + homeroom + "&term=HK1"));
  // A vice principal reads every class.
  check_pdf(download(c, c.login("phohieutruong"), "/api/print/board?class=" + other + "&term=HK1"));
  // Signed out: nothing.
  CHECK(c.request("GET", "/api/print/board?class=6A&term=HK1").status == 401);
}
