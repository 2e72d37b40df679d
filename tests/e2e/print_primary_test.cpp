// The printed records of a primary (TT27) class, read back with poppler's
// pdftotext and pdfinfo: the grade book (sổ theo dõi chất lượng giáo dục)
// with the ratings in the circular's symbols (T/H/C), the periodic test
// scores, the comments and the qualities and competences (T/Đ/C); the class
// board; the học bạ Tiểu học, a page per pupil in class-list order. A new
// primary school's year typed on the teacher's real client and synced.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <sstream>

#include "pdf_pages.hpp"
#include "loopback_school.hpp"
#include "process.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/curriculum.hpp"
#include "sodiem/server/records_print.hpp"
#include "sodiem/server/roster_io.hpp"
#include "sodiem/server/school_setup.hpp"
#include "sodiem/server/xlsx_reader.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

std::int64_t at(const char* local) { return *parse_local_time(local); }

std::string pdf_text(const std::string& path) {
  auto r = run_command({"pdftotext", "-layout", path, "-"});
  REQUIRE(r.exit_code == 0);
  return r.out;
}

int pdf_pages(const std::string& path) {
  auto r = run_command({"pdfinfo", path});
  REQUIRE(r.exit_code == 0);
  const auto at = r.out.find("Pages:");
  REQUIRE(at != std::string::npos);
  return std::stoi(r.out.substr(at + 6));
}

}  // namespace

TEST_CASE("a primary class prints its TT27 grade book, board and học bạ Tiểu học", "[e2e][tt27][print]") {
  ManualClock clock(at("2025-10-01T08:00"));
  LoopbackSchool school(LoopbackSchool::PlainInit{"Trường Tiểu học Bản Mù"}, clock);
  std::vector<protocol::SubjectInfo> subjects;
  {
    auto db = school.server_db();
    auto parsed = server::parse_curriculum(*server::shipped_curriculum("tieu-hoc"));
    REQUIRE(parsed.curriculum);
    REQUIRE(server::apply_curriculum(*db, *parsed.curriculum, server::default_year("2025-2026"), clock, "admin").is_ok());
    // Class-list order: Páo (HS402) before Xuân (HS401).
    std::istringstream pupils("Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                              "HS401,Sùng Thị Xuân,12/03/2016,Nữ,4A\n"
                              "HS402,Giàng A Páo,05/09/2016,Nam,4A\n");
    REQUIRE(server::import_students(*db, pupils, "admin").ok);
    const auto id = school.server_scalar("SELECT id FROM current_classes WHERE name = '4A'");
    std::string assigned;
    for (auto& cs : server::class_subjects_of(*db, id)) {
      assigned += (assigned.empty() ? "" : ";") + std::string("4A:") + cs.info.name;
      subjects.push_back(cs.info);
    }
    std::istringstream staff("Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                             "gv.lan,Vàng Thị Lan,GVBM;GVCN,,4A,\"" + assigned + "\"\n"
                             "hieu.truong,Vũ Thị Hiệu,HT,,,\n");
    auto people = server::import_staff(*db, staff, clock, "admin");
    REQUIRE(people.ok);
    for (const auto& [user, password] : people.new_passwords)
      school.demo.accounts.push_back({{"username", user}, {"password", password}, {"new_password", "mới " + user}});
  }
  // HS402: Hoàn thành tốt, tests of 9, qualities Tốt; HS401 Hoàn thành in
  // Toán with 6 in its tests, Đạt in the qualities. A comment each.
  auto& gv = school.device("gv.lan");
  for (const char* term : {"HK1", "HK2"}) {
    if (std::string(term) == "HK2") clock.advance(at("2026-05-20T08:00") - clock.now_unix_seconds());
    std::vector<std::pair<protocol::CellKey, std::string>> edits;
    for (const char* code : {"HS401", "HS402"}) {
      const bool xuan = std::string(code) == "HS401";
      for (const auto& subject : subjects)
        for (const auto& column : board::required_columns(subject, term)) {
          const bool toan = subject.name == "Toán";
          const bool test = column.find(".KT") != std::string::npos;
          edits.push_back({{"4A", subject.name, code, column},
                           test ? (xuan && toan ? "6" : "9") : (xuan && toan ? "H" : "T")});
        }
      edits.push_back({{"4A", "Toán", code, std::string(term) + ".NX"}, xuan ? "Cần luyện thêm phép chia" : "Tính nhanh, chính xác"});
      for (const auto& column : board::homeroom_required_columns(true, term))
        edits.push_back({{"4A", "Chủ nhiệm", code, column}, xuan ? "Đ" : "T"});
    }
    for (const auto& r : gv.record_batch(edits)) REQUIRE(r.is_ok());
    school.sync("gv.lan");
  }

  auto db = school.server_db();
  // The grade book of HK1: every subject, then the qualities and competences.
  const std::string book = school.tmp / "4A-HK1.pdf";
  REQUIRE(server::print_gradebook(*db, "4A", "", "HK1", book).is_ok());
  std::string text = pdf_text(book);
  keep_first_page(book, "gradebook-tieu-hoc");
  CHECK_THAT(text, Catch::Contains("SỔ THEO DÕI CHẤT LƯỢNG GIÁO DỤC"));
  CHECK_THAT(text, Catch::Contains("Lớp 4A — Học kì I"));
  CHECK_THAT(text, Catch::Contains("Môn: Toán"));
  CHECK_THAT(text, Catch::Contains("Môn: Tiếng Việt"));
  CHECK_THAT(text, Catch::Contains("Tính nhanh, chính xác"));
  CHECK_THAT(text, Catch::Contains("Cần luyện thêm phép chia"));
  CHECK_THAT(text, Catch::Contains("Yêu nước"));
  std::string compact;  // pdftotext spaces table cells as it likes
  for (char c : text)
    if (c != ' ') compact += c;
  CHECK_THAT(compact, Catch::Contains("GiàngAPáoT/TT/T"));  // mid-term/end of term, each quality
  CHECK_THAT(compact, Catch::Contains("SùngThịXuânĐ/ĐĐ/Đ"));
  CHECK_THAT(text, Catch::Contains("Bản nháp"));
  CHECK_THAT(text, !Catch::Contains("Hoàn thành tốt"));  // the forms' codes, not the words
  CHECK(text.find("Giàng A Páo") < text.find("Sùng Thị Xuân"));
  const int book_pages = pdf_pages(book);
  CHECK(book_pages >= 2);  // the subjects, then the qualities on a page of their own
  CHECK_THAT(text, Catch::Contains("Trang " + std::to_string(book_pages) + "/" + std::to_string(book_pages)));
  // Toán alone: the HK1 row of each pupil, in order, with the ratings and tests.
  REQUIRE(server::print_gradebook(*db, "4A", "Toán", "HK1", book).is_ok());
  text = pdf_text(book);
  CHECK_THAT(text, !Catch::Contains("Môn: Tiếng Việt"));
  CHECK_THAT(text, !Catch::Contains("Yêu nước"));
  const auto paos = text.find("Giàng A Páo"), xuans = text.find("Sùng Thị Xuân");
  REQUIRE(paos != std::string::npos);
  REQUIRE(xuans != std::string::npos);
  const std::string pao_line = text.substr(paos, text.find('\n', paos) - paos);
  const std::string xuan_line = text.substr(xuans, text.find('\n', xuans) - xuans);
  auto squeeze = [](const std::string& line) {
    std::string out;
    for (char c : line)
      if (c != ' ') out += c;
    return out;
  };
  // Mid-term and end-of-term rating, then the test: T T 9 for Páo, H H 6 for Xuân.
  CHECK_THAT(squeeze(pao_line), Catch::StartsWith("GiàngAPáoTT9"));
  CHECK_THAT(squeeze(xuan_line), Catch::StartsWith("SùngThịXuânHH6"));
  CHECK_THAT(text, !Catch::Contains("HTT"));
  CHECK_THAT(text, Catch::Contains("T hoàn thành tốt, H hoàn thành, C chưa hoàn thành"));
  CHECK_FALSE(server::print_gradebook(*db, "4A", "Hóa học", "HK1", book + "x").is_ok());
  CHECK_FALSE(std::filesystem::exists(book + "x"));

  // The board of the year.
  const std::string board = school.tmp / "4A-HK2-board.pdf";
  REQUIRE(server::print_board(*db, "4A", "HK2", board).is_ok());
  text = pdf_text(board);
  keep_first_page(board, "board-tieu-hoc");
  CHECK_THAT(text, Catch::Contains("BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP"));
  CHECK_THAT(text, Catch::Contains("Cuối năm học"));
  CHECK_THAT(text, Catch::Contains("xuất sắc"));  // HS402's year (the cell may wrap)
  CHECK_THAT(text, Catch::Contains("Học sinh"));   // and award
  CHECK_THAT(text, Catch::Contains("KTĐK"));
  // The wide year board (issue 15): each subject's end of HK1 beside the year's, in one table.
  const auto wide = text.find("Cả năm học: cuối học kì I (HK I) và cuối năm (CN)");
  REQUIRE(wide != std::string::npos);
  // Its last page, at a resolution that shows whether the small type overlaps.
  keep_page(board, pdf_pages(board), "board-year-tieu-hoc", 110);
  {
    const std::string page = text.substr(wide);
    const auto pao = page.find("Giàng A Páo"), xuan = page.find("Sùng Thị Xuân");
    REQUIRE(pao != std::string::npos);
    REQUIRE(xuan != std::string::npos);
    CHECK(pao < xuan);
    const auto line = [&](std::size_t at) {
      std::string out;
      for (std::size_t i = at; i < page.size() && page[i] != '\n'; ++i)
        if (page[i] != ' ') out += page[i];
      return out;
    };
    // Páo: T at the end of HK1 and of the year in every subject, tests of 9; Xuân: H H and 6 6 in Toán.
    CHECK_THAT(line(pao), Catch::StartsWith("GiàngAPáoTT99"));
    CHECK_THAT(line(xuan), Catch::Contains("HH66"));
  }

  // The board as XLSX: the periodic tests are whole numbers (TT27: 1–10, no
  // decimals), shown without a decimal; the ratings the circular's words.
  {
    const std::string xlsx = school.tmp / "4A-board.xlsx";
    REQUIRE(server::export_board_xlsx(*db, "4A", "HK2", xlsx).is_ok());
    auto sheets = server::xlsx::read(xlsx);
    REQUIRE(sheets.is_ok());
    const auto& hk2 = sheets->front();
    std::map<std::string, int> column;
    int pao = -1;
    for (const auto& [at, text] : hk2.cells) {
      if (at.first == 3) column[text] = at.second;
      if (at.second == 1 && text == "HS402") pao = at.first;
    }
    REQUIRE(pao >= 0);
    REQUIRE(column.contains("Toán (KTĐK)"));
    const int test = column.at("Toán (KTĐK)");
    CHECK(hk2.at(pao, test) == "9");
    REQUIRE(hk2.number(pao, test));
    CHECK(hk2.number_formats.at({pao, test}) == "0");
  }

  // The học bạ Tiểu học: a page per pupil, in class-list order.
  const std::string hoc_ba = school.tmp / "4A-hoc-ba.pdf";
  REQUIRE(server::print_transcript(*db, "4A", "", hoc_ba).is_ok());
  text = pdf_text(hoc_ba);
  keep_first_page(hoc_ba, "hoc-ba-tieu-hoc");
  CHECK(pdf_pages(hoc_ba) == 2);
  CHECK_THAT(text, Catch::Contains("Trang 2/2"));
  CHECK_THAT(text, Catch::Contains("TIỂU HỌC"));
  CHECK_THAT(text, Catch::Contains("Họ và tên học sinh: Giàng A Páo"));
  CHECK_THAT(text, Catch::Contains("Ngày sinh: 05/09/2016"));
  CHECK_THAT(text, Catch::Contains("Các môn học và hoạt động giáo dục"));
  CHECK_THAT(text, Catch::Contains("Những phẩm chất chủ yếu"));
  CHECK_THAT(text, Catch::Contains("4. Đánh giá kết quả giáo dục: Hoàn thành xuất sắc"));
  CHECK_THAT(text, Catch::Contains("Hoàn thành chương trình lớp 4"));
  CHECK_THAT(text, Catch::Contains("Vàng Thị Lan"));  // the homeroom teacher's signature block
  CHECK(text.find("Giàng A Páo") < text.find("Sùng Thị Xuân"));
  // One pupil: one page.
  REQUIRE(server::print_transcript(*db, "4A", "HS401", hoc_ba).is_ok());
  CHECK(pdf_pages(hoc_ba) == 1);
  text = pdf_text(hoc_ba);
  CHECK_THAT(text, Catch::Contains("Sùng Thị Xuân"));
  CHECK_THAT(text, !Catch::Contains("Giàng A Páo"));
  CHECK_THAT(text, Catch::Contains("Cần luyện thêm phép chia"));  // the year's comment in Toán
}
