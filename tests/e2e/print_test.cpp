// Printed records (issue 17): the grade book and the summary board as PDF
// from the server's data, read back with poppler's pdftotext: Vietnamese
// text and fonts embedded, marks with a decimal comma, page numbers, and a
// draft mark on anything the principal has not approved.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "pdf_pages.hpp"
#include "loopback_school.hpp"
#include "process.hpp"
#include "sodiem/client/actions.hpp"
#include "sodiem/server/marks_import.hpp"
#include "sodiem/server/records_print.hpp"
#include "sodiem/server/xlsx_reader.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {
std::string pdf_text(const std::string& path) {
  auto r = run_command({"pdftotext", "-layout", path, "-"});
  REQUIRE(r.exit_code == 0);
  return r.out;
}
}  // namespace

TEST_CASE("the grade book of a class and subject prints as a draft PDF with the marks as typed", "[e2e]") {
  LoopbackSchool school;
  auto& teacher = school.device("gv.toan.1");
  REQUIRE(teacher.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "8,5").is_ok());
  REQUIRE(teacher.record({"6A", "Toán", "HS6A01", "HK1.GK"}, "7").is_ok());
  REQUIRE(teacher.record({"6A", "Toán", "HS6A01", "HK1.NX"}, "Tiến bộ rõ, cần cẩn thận hơn").is_ok());
  school.sync("gv.toan.1");

  const std::string out = school.tmp / "6A-Toan-HK1.pdf";
  {
    auto db = school.server_db();
    REQUIRE(server::print_gradebook(*db, "6A", "Toán", "HK1", out).is_ok());
    CHECK_FALSE(server::print_gradebook(*db, "6A", "Toán", "HK3", out + "x").is_ok());
    CHECK_FALSE(server::print_gradebook(*db, "6Z", "Toán", "HK1", out + "x").is_ok());
    CHECK_FALSE(std::filesystem::exists(out + "x"));
  }
  const std::string text = pdf_text(out);
  keep_first_page(out, "gradebook-thcs");
  CHECK_THAT(text, Catch::Contains("SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH"));
  CHECK_THAT(text, Catch::Contains("Môn: Toán — Lớp 6A — Học kì I"));
  CHECK_THAT(text, Catch::Contains("8,5"));
  CHECK_THAT(text, Catch::Contains("Tiến bộ rõ"));
  CHECK_THAT(text, Catch::Contains("Bản nháp: chưa được hiệu trưởng phê duyệt"));
  CHECK_THAT(text, Catch::Contains("Trang 1/"));
  CHECK_THAT(text, Catch::Contains("Giáo viên bộ môn"));
  // Every student of the class, by name; the fonts are embedded.
  auto db = school.server_db();
  auto names = db->prepare("SELECT full_name FROM students WHERE class_id = (SELECT id FROM classes WHERE name = '6A')");
  int students = 0;
  while (names.step()) {
    ++students;
    CHECK_THAT(text, Catch::Contains(names.text(0)));
  }
  CHECK(students >= 40);
  auto fonts = run_command({"pdffonts", out});
  REQUIRE(fonts.exit_code == 0);
  CHECK_THAT(fonts.out, Catch::Contains("LiberationSerif"));
  CHECK_THAT(fonts.out, !Catch::Contains(" no  "));  // every font embedded

  const std::string board = school.tmp / "6A-HK1-board.pdf";
  REQUIRE(server::print_board(*db, "6A", "HK1", board).is_ok());
  const std::string board_text = pdf_text(board);
  keep_first_page(board, "board-thcs");
  CHECK_THAT(board_text, Catch::Contains("BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ"));
  CHECK_THAT(board_text, Catch::Contains("Học tập"));
  CHECK_THAT(board_text, Catch::Contains("Giáo viên chủ nhiệm"));
  CHECK_THAT(board_text, Catch::Contains("Bản nháp: chưa được hiệu trưởng phê duyệt"));

  // The transcript (học bạ) of one student: the year's results per subject.
  const std::string transcript = school.tmp / "HS6A01.pdf";
  REQUIRE(server::print_transcript(*db, "6A", "HS6A01", transcript).is_ok());
  const std::string tt = pdf_text(transcript);
  keep_first_page(transcript, "hoc-ba-thcs");
  CHECK_THAT(tt, Catch::Contains("HỌC BẠ"));
  CHECK_THAT(tt, Catch::Contains("Mã học sinh: HS6A01"));
  CHECK_THAT(tt, Catch::Contains("Toán"));
  CHECK_THAT(tt, Catch::Contains("Kết quả học tập"));
  CHECK_THAT(tt, Catch::Contains("Trang 1/1"));
  // The Ministry's layout (TT22): the level, identity, each subject's teacher, the homeroom and principal blocks.
  CHECK_THAT(tt, Catch::Contains("TRUNG HỌC CƠ SỞ"));
  CHECK_THAT(tt, Catch::Contains("Giáo viên bộ môn"));
  CHECK_THAT(tt, Catch::Contains("Kết quả rèn luyện"));
  CHECK_THAT(tt, Catch::Contains("Nhận xét của giáo viên chủ nhiệm"));
  CHECK_THAT(tt, Catch::Contains("Giáo viên chủ nhiệm"));
  CHECK_THAT(tt, Catch::Contains("Hiệu trưởng"));
  {
    auto who = db->prepare("SELECT u.full_name FROM teaching_assignments ta JOIN users u ON u.id = ta.user_id "
                           "JOIN subjects sj ON sj.id = ta.subject_id JOIN classes c ON c.id = ta.class_id "
                           "WHERE c.name = '6A' AND sj.name = 'Toán'");
    REQUIRE(who.step());
    const auto toan = tt.find("Toán");
    REQUIRE(toan != std::string::npos);
    CHECK_THAT(tt.substr(toan, tt.find('\n', toan) - toan), Catch::Contains(who.text(0)));  // on the subject's row
    auto born = db->prepare("SELECT birth_date FROM students WHERE code = 'HS6A01'");
    REQUIRE(born.step());
    const std::string iso = born.text(0);
    CHECK_THAT(tt, Catch::Contains("Ngày sinh: " + iso.substr(8, 2) + "/" + iso.substr(5, 2) + "/" + iso.substr(0, 4)));
  }
  CHECK_FALSE(server::print_transcript(*db, "6A", "HS6B01", transcript + "x").is_ok());
  // The whole class: a page per student.
  REQUIRE(server::print_transcript(*db, "6A", "", transcript).is_ok());
  CHECK_THAT(pdf_text(transcript), Catch::Contains("Trang 40/40"));
}

TEST_CASE("a signed subject prints its signature and digest, and says so when the data changed after", "[e2e]") {
  LoopbackSchool school;
  auto& store = school.device("gv.toan.1");
  const std::string keys = school.tmp / "keys";
  std::filesystem::create_directories(keys);
  REQUIRE(client::create_signing_key(store, keys, "mật khẩu ký").is_ok());
  // Every required cell of the term, for every student of the class.
  std::vector<std::pair<protocol::CellKey, std::string>> edits;
  auto db = school.server_db();
  auto codes = db->prepare("SELECT code FROM students WHERE class_id = (SELECT id FROM classes WHERE name = '6A') "
                           "AND status = 'active'");
  while (codes.step())
    for (const auto* col : {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4", "HK1.GK", "HK1.CK"})
      edits.push_back({{"6A", "Toán", codes.text(0), col}, "7"});
  for (const auto& r : store.record_batch(edits)) REQUIRE(r.is_ok());
  school.sync("gv.toan.1");
  auto signed_ok = client::sign_step(store, keys, "subject", "6A", "HK1", "Toán", "mật khẩu ký",
                                     [&] { return school.try_sync(store).status(); });
  INFO((signed_ok.is_ok() ? "" : signed_ok.status().message()));
  REQUIRE(signed_ok.is_ok());

  const std::string out = school.tmp / "signed.pdf";
  REQUIRE(server::print_gradebook(*db, "6A", "Toán", "HK1", out).is_ok());
  std::string text = pdf_text(out);
  CHECK_THAT(text, Catch::Contains("Đã ký số lúc"));
  CHECK_THAT(text, Catch::Contains("Ký số xác nhận môn (gv.toan.1):"));
  CHECK_THAT(text, Catch::Contains("khớp dữ liệu"));
  CHECK_THAT(text, !Catch::Contains("KHÔNG khớp"));
  CHECK_THAT(text, Catch::Contains("Bản nháp"));  // signed by the teacher, not yet approved

  // A mark changed after the signature: the print says the data no longer matches.
  REQUIRE(store.record({"6A", "Toán", edits.front().first.student_code, "HK1.TX1"}, "9").is_ok());
  school.sync("gv.toan.1");
  REQUIRE(server::print_gradebook(*db, "6A", "Toán", "HK1", out).is_ok());
  text = pdf_text(out);
  CHECK_THAT(text, Catch::Contains("KHÔNG khớp dữ liệu hiện tại"));
  CHECK_THAT(text, Catch::Contains("DỮ LIỆU ĐÃ THAY ĐỔI SAU"));  // the note wraps after it
}

namespace {
// One part of an XLSX file (a zip), read with Python's zipfile.
std::string xlsx_part(const std::string& path, const std::string& part) {
  auto r = run_command({"python3", "-c", "import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())",
                        path, part});
  REQUIRE(r.exit_code == 0);
  return r.out;
}
}  // namespace

TEST_CASE("a class's marks and summary board export as XLSX: numbers for marks, names in Vietnamese", "[e2e]") {
  LoopbackSchool school;
  auto& teacher = school.device("gv.toan.1");
  REQUIRE(teacher.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "8,5").is_ok());
  REQUIRE(teacher.record({"6A", "Toán", "HS6A01", "HK1.NX"}, "Chăm chỉ").is_ok());
  school.sync("gv.toan.1");
  auto db = school.server_db();
  const std::string out = school.tmp / "marks.xlsx";
  REQUIRE(server::export_marks_xlsx(*db, "6A", "Toán", out).is_ok());
  CHECK_FALSE(std::filesystem::exists(out + ".tmp"));
  const std::string strings = xlsx_part(out, "xl/sharedStrings.xml");
  const std::string sheet = xlsx_part(out, "xl/worksheets/sheet1.xml");
  CHECK_THAT(strings, Catch::Contains("BẢNG ĐIỂM MÔN Toán — LỚP 6A"));
  CHECK_THAT(strings, Catch::Contains("HK1.TX1"));  // the hidden row that names the columns
  CHECK_THAT(strings, Catch::Contains("Chăm chỉ"));
  CHECK_THAT(sheet, Catch::Contains("<v>8.5</v>"));
  CHECK_THAT(sheet, Catch::Contains("hidden=\"1\""));
  CHECK_THAT(xlsx_part(out, "xl/workbook.xml"), Catch::Contains("Toán 6A"));
  auto name = db->prepare("SELECT full_name FROM students WHERE code = 'HS6A01'");
  REQUIRE(name.step());
  CHECK_THAT(strings, Catch::Contains(name.text(0)));

  CHECK_FALSE(server::export_marks_xlsx(*db, "6A", "Tiếng Klingon", out + "x").is_ok());
  CHECK_FALSE(std::filesystem::exists(out + "x"));
  const std::string board = school.tmp / "board.xlsx";
  REQUIRE(server::export_board_xlsx(*db, "6A", "HK2", board).is_ok());
  CHECK_THAT(xlsx_part(board, "xl/workbook.xml"), Catch::Contains("6A HK2"));
  CHECK_THAT(xlsx_part(board, "xl/workbook.xml"), Catch::Contains("6A Cả năm"));
  CHECK_THAT(xlsx_part(board, "xl/sharedStrings.xml"), Catch::Contains("Học tập"));
}

namespace {
// A minimal XLSX of the marks template's shape (tests/support/make_xlsx.py).
void make_xlsx(const std::string& out, const std::string& sheet, const std::string& cells_json) {
  auto r = run_command({"python3", SODIEM_TEST_SUPPORT_DIR "/make_xlsx.py", out, sheet, cells_json});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}
std::string cell_value(LoopbackSchool& school, const std::string& code, const std::string& col) {
  auto db = school.server_db();
  auto s = db->prepare("SELECT c.value FROM cells c JOIN students st ON st.id = c.student_id "
                       "JOIN subjects sj ON sj.id = c.subject_id WHERE st.code = ? AND sj.name = 'Toán' AND c.col = ?");
  s.bind(1, code).bind(2, col);
  return s.step() ? s.text(0) : std::string();
}
}  // namespace

TEST_CASE("marks come back from the exported XLSX as the teacher's ops: checked, audited, all or nothing", "[e2e]") {
  LoopbackSchool school;
  auto& teacher = school.device("gv.toan.1");
  REQUIRE(teacher.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "8,5").is_ok());
  school.sync("gv.toan.1");
  auto db = school.server_db();

  // The exported file, edited as Excel would: 8.5 → 9.
  const std::string exported = school.tmp / "marks.xlsx";
  REQUIRE(server::export_marks_xlsx(*db, "6A", "Toán", exported).is_ok());
  auto edit = run_command({"python3", "-c",
                           "import sys, zipfile\n"
                           "src = zipfile.ZipFile(sys.argv[1]); dst = zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED)\n"
                           "for i in src.infolist():\n"
                           "    d = src.read(i.filename)\n"
                           "    if i.filename == 'xl/worksheets/sheet1.xml': d = d.replace(b'<v>8.5</v>', b'<v>9</v>', 1)\n"
                           "    dst.writestr(i, d)\n"
                           "dst.close()\n",
                           exported, school.tmp / "edited.xlsx"});
  REQUIRE(edit.exit_code == 0);
  const auto audit_before = school.server_scalar("SELECT COUNT(*) FROM audit_log");
  auto imported = server::import_marks_xlsx(*db, school.tmp / "edited.xlsx", "gv.toan.1", school.clock);
  INFO((imported.errors.empty() ? "" : imported.errors[0]));
  REQUIRE(imported.ok);
  CHECK(imported.changed == 1);
  CHECK(cell_value(school, "HS6A01", "HK1.TX1") == "9");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM audit_log") > audit_before);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM changes c JOIN devices d ON d.id = c.device_id "
                             "WHERE d.public_id = 'xlsx-gv.toan.1'") == 1);
  // The same file again changes nothing; the teacher's device pulls the new mark.
  CHECK(server::import_marks_xlsx(*db, school.tmp / "edited.xlsx", "gv.toan.1", school.clock).changed == 0);
  school.sync("gv.toan.1");
  auto shown = teacher.show("6A", "Toán");
  bool pulled = false;
  for (const auto& st : shown)
    if (st.code == "HS6A01")
      for (const auto& [col, v] : st.cells) pulled = pulled || (col == "HK1.TX1" && v == "9");
  CHECK(pulled);

  // Float noise and a decimal comma are the marks they stand for.
  make_xlsx(school.tmp / "typed.xlsx", "Toán 6A",
            R"([["A6","s","sodiem:marks"],["B6","s","6A"],["C6","s","Toán"],["D6","s","HK1.TX1"],["E6","s","HK1.TX2"],)"
            R"(["F6","s","HK1"],["B7","s","HS6A02"],["D7","n","8.3000000000000007"],["E7","s","7,5"],["F7","n","1"],)"
            R"(["B8","s","HS6A03"],["D8","n","6.9999999999999996"]])");
  auto typed = server::import_marks_xlsx(*db, school.tmp / "typed.xlsx", "gv.toan.1", school.clock);
  INFO((typed.errors.empty() ? "" : typed.errors[0]));
  REQUIRE(typed.ok);
  CHECK(typed.changed == 3);  // the average column F is computed, never read
  CHECK(cell_value(school, "HS6A02", "HK1.TX1") == "8.3");
  CHECK(cell_value(school, "HS6A02", "HK1.TX2") == "7.5");
  CHECK(cell_value(school, "HS6A03", "HK1.TX1") == "7");

  // One bad cell: nothing stored, each problem named by sheet and cell.
  make_xlsx(school.tmp / "bad.xlsx", "Toán 6A",
            R"([["A6","s","sodiem:marks"],["B6","s","6A"],["C6","s","Toán"],["D6","s","HK1.TX1"],["E6","s","HK1.TX2"],)"
            R"(["B7","s","HS6A04"],["D7","n","6"],["E7","n","11"],["B8","s","HS6A05"],["D8","n","8.25"]])");
  auto bad = server::import_marks_xlsx(*db, school.tmp / "bad.xlsx", "gv.toan.1", school.clock);
  CHECK_FALSE(bad.ok);
  REQUIRE(bad.errors.size() == 2);
  CHECK_THAT(bad.errors[0], Catch::StartsWith("Toán 6A!E7: "));
  CHECK_THAT(bad.errors[1], Catch::StartsWith("Toán 6A!D8: "));
  CHECK(cell_value(school, "HS6A04", "HK1.TX1").empty());  // the good cell was not stored either

  // Someone who does not teach Toán 6A: refused, nothing stored.
  make_xlsx(school.tmp / "other.xlsx", "Toán 6A",
            R"([["A6","s","sodiem:marks"],["B6","s","6A"],["C6","s","Toán"],["D6","s","HK1.TX1"],)"
            R"(["B7","s","HS6A06"],["D7","n","5"]])");
  auto other = server::import_marks_xlsx(*db, school.tmp / "other.xlsx", "gv.van.1", school.clock);
  CHECK_FALSE(other.ok);
  REQUIRE_FALSE(other.errors.empty());
  CHECK_THAT(other.errors.front(), Catch::Contains("không được phân công"));
  CHECK(cell_value(school, "HS6A06", "HK1.TX1").empty());
  // Not a spreadsheet.
  std::ofstream(school.tmp / "not.xlsx") << "Mã học sinh,Lớp\n";
  auto not_xlsx = server::import_marks_xlsx(*db, school.tmp / "not.xlsx", "gv.toan.1", school.clock);
  CHECK_FALSE(not_xlsx.ok);
  REQUIRE_FALSE(not_xlsx.errors.empty());
  CHECK_THAT(not_xlsx.errors.front(), Catch::Contains("không phải tệp Excel"));
}

// Marks and averages in the exported XLSX are numbers (Excel sums them)
// with a one-decimal format, stored as their exact decimals: libxlsxwriter
// alone writes 8,2 as 8.199999999999999 and 9,3 as 9.300000000000001.
// Read back with the project's reader (xlsx_reader.hpp): the stored text,
// the cell's type and its number format.
TEST_CASE("XLSX marks and averages are numeric cells with a decimal format and their exact value", "[e2e]") {
  LoopbackSchool school;
  auto& teacher = school.device("gv.toan.1");
  // Every HK1 column of three pupils: one mark each (the term average is that mark), and a mix.
  const std::map<std::string, std::vector<std::string>> typed = {
      {"HS6A01", {"8,2"}}, {"HS6A02", {"9,7"}}, {"HS6A03", {"8,3", "8,8", "9,3", "9,8", "8,7", "9,2"}}};
  std::vector<std::pair<protocol::CellKey, std::string>> edits;
  const std::vector<std::string> hk1 = {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4", "HK1.GK", "HK1.CK"};
  for (const auto& [code, marks] : typed)
    for (std::size_t i = 0; i < hk1.size(); ++i) edits.push_back({{"6A", "Toán", code, hk1[i]}, marks[i % marks.size()]});
  for (const auto& r : teacher.record_batch(edits)) REQUIRE(r.is_ok());
  school.sync("gv.toan.1");
  auto db = school.server_db();
  const std::string out = school.tmp / "marks.xlsx";
  REQUIRE(server::export_marks_xlsx(*db, "6A", "Toán", out).is_ok());
  CHECK_FALSE(std::filesystem::exists(out + ".num"));
  auto book = server::xlsx::read(out);
  REQUIRE(book.is_ok());
  const auto& sheet = book->front();
  // Row 6 (hidden) names the columns; one row per student after it.
  std::map<std::string, int> column;
  for (const auto& [at, text] : sheet.cells)
    if (at.first == 5) column[text] = at.second;
  REQUIRE(column.contains("HK1.TX1"));
  REQUIRE(column.contains("HK1"));
  std::map<std::string, int> row;
  for (const auto& [at, text] : sheet.cells)
    if (at.first > 5 && at.second == 1) row[text] = at.first;
  auto expect_number = [&](const std::string& code, const std::string& id, const std::string& value) {
    const int r = row.at(code), c = column.at(id);
    INFO(code << " " << id << " (" << server::xlsx::cell_name(r, c) << ")");
    CHECK(sheet.number(r, c));
    CHECK(sheet.number_formats.count({r, c}) == 1);
    if (sheet.number(r, c)) CHECK(sheet.number_formats.at({r, c}) == "0.0");
    CHECK(sheet.at(r, c) == value);  // stored exactly: no 8.199999999999999
  };
  auto point = [](std::string mark) {
    for (auto& ch : mark)
      if (ch == ',') ch = '.';
    return mark;
  };
  for (const auto& [code, marks] : typed)
    for (std::size_t i = 0; i < hk1.size(); ++i) expect_number(code, hk1[i], point(marks[i % marks.size()]));
  expect_number("HS6A01", "HK1", "8.2");
  expect_number("HS6A02", "HK1", "9.7");
  {  // HS6A03's term average: (ΣTX + 2·GK + 3·CK) / 9 in tenths, rounded half up.
    const int sum = 83 + 88 + 93 + 98 + 2 * 87 + 3 * 92, d = 4 + 5;
    const int avg = (2 * sum + d) / (2 * d);
    expect_number("HS6A03", "HK1", std::to_string(avg / 10) + (avg % 10 ? "." + std::to_string(avg % 10) : ""));
  }
  // A comment stays text.
  CHECK_FALSE(sheet.number(row.at("HS6A01"), column.at("HK1.NX")));
  // The class's summary board: the subject's term average, a number likewise.
  const std::string board = school.tmp / "board.xlsx";
  REQUIRE(server::export_board_xlsx(*db, "6A", "HK1", board).is_ok());
  auto board_book = server::xlsx::read(board);
  REQUIRE(board_book.is_ok());
  const auto& b = board_book->front();
  int toan = -1, hs01 = -1;
  for (const auto& [at, text] : b.cells) {
    if (at.first == 3 && text == "Toán") toan = at.second;
    if (at.second == 1 && text == "HS6A01") hs01 = at.first;
  }
  REQUIRE(toan >= 0);
  REQUIRE(hs01 >= 0);
  CHECK(b.number(hs01, toan));
  CHECK(b.at(hs01, toan) == "8.2");
  if (b.number(hs01, toan)) CHECK(b.number_formats.at({hs01, toan}) == "0.0");
}

TEST_CASE("a spreadsheet's stored numbers become exact marks", "[unit]") {
  using server::xlsx::number_text;
  CHECK(number_text("8.5") == "8.5");
  CHECK(number_text("8") == "8");
  CHECK(number_text("8.3000000000000007") == "8.3");
  CHECK(number_text("8.2999999999999998") == "8.3");
  CHECK(number_text("9.9999999999999982") == "10");
  CHECK(number_text("6.9999999999999996") == "7");
  CHECK(number_text("8.25") == "8.25");  // a real second decimal: the mark's own check refuses it
  CHECK(number_text("8.5E0") == "8.5");
  CHECK(number_text("85E-1") == "8.5");
  CHECK(number_text("1E1") == "10");
  CHECK(number_text("abc") == "abc");
  CHECK(number_text("-1") == "-1");
  CHECK(server::xlsx::cell_name(6, 3) == "D7");
  CHECK(server::xlsx::cell_name(0, 26) == "AA1");
}

TEST_CASE("the board XLSX: averages as exact one-decimal numbers, absences as whole numbers", "[e2e]") {
  LoopbackSchool school;
  auto& teacher = school.device("gv.toan.1");
  std::vector<std::pair<protocol::CellKey, std::string>> edits;
  // HS6A01: HK1 (8·4 + 2·9 + 3·8) / 9 = 8.2, HK2 7.0, the year (8.2 + 2·7.0) / 3 = 7.4.
  for (const auto& [col, value] : std::vector<std::pair<std::string, std::string>>{
           {"HK1.TX1", "8"}, {"HK1.TX2", "8"}, {"HK1.TX3", "8"}, {"HK1.TX4", "8"}, {"HK1.GK", "9"}, {"HK1.CK", "8"},
           {"HK2.TX1", "7"}, {"HK2.TX2", "7"}, {"HK2.TX3", "7"}, {"HK2.TX4", "7"}, {"HK2.GK", "7"}, {"HK2.CK", "7"}})
    edits.push_back({{"6A", "Toán", "HS6A01", col}, value});
  for (const auto& r : teacher.record_batch(edits)) REQUIRE(r.is_ok());
  school.sync("gv.toan.1");
  // Three sessions missed: two without leave, one with.
  auto& homeroom = school.device("gv.van.1");
  for (const auto& [day, kind] : std::vector<std::pair<std::string, std::string>>{
           {"CC.2026-11-23", "K"}, {"CC.2026-11-24", "K"}, {"CC.2026-11-25", "P"}}) {
    auto r = homeroom.record({"6A", "Chủ nhiệm", "HS6A01", day}, kind);
    INFO(day << ": " << r.status().message());
    REQUIRE(r.is_ok());
  }
  school.sync("gv.van.1");

  auto db = school.server_db();
  const std::string out = school.tmp / "board.xlsx";
  REQUIRE(server::export_board_xlsx(*db, "6A", "HK2", out).is_ok());
  auto book = server::xlsx::read(out);
  REQUIRE(book.is_ok());
  const server::xlsx::Sheet* year = nullptr;
  for (const auto& s : *book)
    if (s.name == "6A Cả năm") year = &s;
  REQUIRE(year);
  std::map<std::string, int> column;  // row 4 heads the columns
  int hs01 = -1;
  for (const auto& [at, text] : year->cells) {
    if (at.first == 3) column[text] = at.second;
    if (at.second == 1 && text == "HS6A01") hs01 = at.first;
  }
  REQUIRE(hs01 >= 0);
  auto expect = [&](const std::string& head, const std::string& value, const std::string& format) {
    INFO(head);
    REQUIRE(column.contains(head));
    const int c = column.at(head);
    CHECK(year->at(hs01, c) == value);
    REQUIRE(year->number(hs01, c));
    CHECK(year->number_formats.at({hs01, c}) == format);
  };
  expect("Toán", "7.4", "0.0");
  expect("Nghỉ (buổi)", "3", "0");
  expect("Nghỉ có phép", "1", "0");
  expect("Nghỉ không phép", "2", "0");
  CHECK_FALSE(column.contains("Nghỉ"));  // the count, not "3 buổi (…)" as text
  // Another student: no absence is 0, still a number.
  int other = -1;
  for (const auto& [at, text] : year->cells)
    if (at.second == 1 && text == "HS6A02") other = at.first;
  REQUIRE(other >= 0);
  CHECK(year->at(other, column.at("Nghỉ (buổi)")) == "0");
  CHECK(year->number(other, column.at("Nghỉ (buổi)")));
}
