// Keys as people type them (issue 15, "input people actually type"):
// decomposed Unicode (macOS, Unikey "Unicode tổ hợp") and any letter case
// reach the same cell as the roster's spelling; unknown names are still
// refused, named as typed.
#include <catch2/catch.hpp>
#include <sstream>

#include "loopback_school.hpp"
#include "school_year_script.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/roster_io.hpp"

using namespace sodiem;
using namespace sodiem::testing;

TEST_CASE("match_key folds Unicode form, letter case and where a tone mark is typed, nothing else", "[unit]") {
  const std::string nfd_toan = "To" "a\xcc\x81" "n";  // "Toán" with a combining acute
  CHECK(match_key(nfd_toan) == match_key("Toán"));
  CHECK(match_key("TOÁN") == match_key("toán"));
  CHECK(match_key("ÂM NHẠC") == match_key("Âm nhạc"));
  CHECK(match_key("Toan") != match_key("Toán"));  // a missing accent is another word
  // Old and new tone placement (Unikey "đặt dấu oà, uý"), precomposed or not.
  CHECK(match_key("Hoá học") == match_key("Hóa học"));
  CHECK(match_key("HOÁ HỌC") == match_key("Hóa học"));
  CHECK(match_key("Ho" "a\xcc\x81" " học") == match_key("Hóa học"));
  CHECK(match_key("Thuỷ") == match_key("Thủy"));
  CHECK(match_key("Hoà Bình") == match_key("Hòa Bình"));
  CHECK(match_key("Hỏa") != match_key("Hóa"));    // another tone is another word
  CHECK(match_key("Hoa học") != match_key("Hóa học"));
  CHECK(match_key("Hóa Học") != match_key("Hoa Hóc"));  // a tone stays in its word
  CHECK_FALSE(match_key("\xff"));
}

TEST_CASE("a cell typed in decomposed Unicode or another letter case lands in the roster's cell", "[e2e]") {
  LoopbackSchool school;
  auto& store = school.device("gv.toan.1");
  const std::string nfd_toan = "To" "a\xcc\x81" "n";
  auto op = store.record({"6a", nfd_toan, "hs6a01", "hk1.tx1"}, "8,5");
  INFO(op.status().message());
  REQUIRE(op.is_ok());
  CHECK(op->cell == protocol::CellKey{"6A", "Toán", "HS6A01", "HK1.TX1"});
  auto again = store.record({"6A", "TOÁN", "HS6A01", "HK1.TX1"}, "9");
  REQUIRE(again.is_ok());
  CHECK(again->cell == op->cell);
  school.sync("gv.toan.1");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells WHERE col = 'HK1.TX1' AND value = '9'") == 1);

  auto unknown = store.record({"6A", "Toan", "HS6A01", "HK1.TX1"}, "9");
  REQUIRE_FALSE(unknown.is_ok());
  CHECK_THAT(unknown.status().message(), Catch::Contains("\"Toan\""));
  auto other_class = store.record({"6A", "Toán", "hs6b01", "HK1.TX1"}, "9");
  REQUIRE_FALSE(other_class.is_ok());
  CHECK_THAT(other_class.status().message(), Catch::Contains("không thuộc lớp 6A"));
}

TEST_CASE("import files name classes and subjects as people type them: any case, any tone placement", "[e2e][sqlite]") {
  ManualClock clock(local_time("2025-10-01T08:00"));
  LoopbackSchool school(LoopbackSchool::PlainInit{"Trường THPT Lê Lợi"}, clock);
  setup_from_defaults(school, "thpt", "2025-2026");
  import_students(school, "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                          "HS1,Nguyễn Văn An,05/09/2010,Nam,10A1\n");
  // The class of a later file, typed in lower case: the same class, not a
  // second one (and HS1 does not move).
  import_students(school, "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                          "HS1,Nguyễn Văn An,05/09/2010,Nam,10a1\n"
                          "HS2,Trần Thị Bình,12/03/2010,Nữ,10a1\n"
                          "HS3,Lê Văn Cường,01/02/2010,Nam,10a2\n");
  // A class first typed in lower case is named as schools write it, 10A2,
  // on its records and in every later match.
  CHECK(school.server_scalar("SELECT COUNT(*) FROM current_classes") == 2);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM current_classes WHERE name = '10A2'") == 1);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM students s JOIN current_classes c ON c.id = s.class_id "
                             "WHERE c.name = '10A1'") == 2);
  // Assignments and homeroom typed the same way; "Hoá học" with the tone on the a.
  import_staff(school, "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                       "gv.hoa,Lê Thị Hoa,GVBM;GVCN,,10a1,10a1:hoá học;10A1:TOÁN\n");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM homerooms h JOIN current_classes c ON c.id = h.class_id "
                             "WHERE c.name = '10A1'") == 1);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM teaching_assignments t JOIN subjects s ON s.id = t.subject_id "
                             "WHERE s.name IN ('Hóa học', 'Toán')") == 2);
  auto& store = school.device("gv.hoa");
  auto op = store.record({"10A1", "Hóa học", "HS2", "HK1.TX4"}, "8");
  INFO(op.status().message());
  CHECK(op.is_ok());
}

TEST_CASE("a students file naming a grade the school does not teach is refused, naming the row", "[e2e][sqlite]") {
  ManualClock clock(local_time("2025-10-01T08:00"));
  LoopbackSchool school(LoopbackSchool::PlainInit{"Trường THPT Lê Lợi"}, clock);
  setup_from_defaults(school, "thpt", "2025-2026");
  // "1A1" typed for "11A1": a grade-1 class in an upper secondary school
  // would get every subject of the school and go up to "2A1" next year.
  auto db = school.server_db();
  std::istringstream in("Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                        "HS1,Nguyễn Văn An,05/09/2009,Nam,11A1\n"
                        "HS2,Trần Thị Bình,12/03/2009,Nữ,1A1\n");
  auto report = server::import_students(*db, in, "admin");
  CHECK_FALSE(report.ok);
  REQUIRE(report.errors.size() == 1);
  CHECK(report.errors[0] == "dòng 3: lớp 1A1 thuộc khối 1, trường không dạy khối này (các khối của trường: 10, 11, 12)");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM classes") == 0);
}

TEST_CASE("a clerk's staff and students files: roles by name or code in any case, gender in any case, a list "
          "split by the separator refused naming the row", "[e2e][sqlite]") {
  ManualClock clock(local_time("2025-10-01T08:00"));
  LoopbackSchool school(LoopbackSchool::PlainInit{"Trường THCS Lê Lợi"}, clock);
  setup_from_defaults(school, "thcs", "2025-2026");
  // ";" as a Vietnamese Excel writes, with a BOM; "nam" and "NỮ" as typed.
  import_students(school, "\xEF\xBB\xBFMã học sinh;Họ và tên;Ngày sinh;Giới tính;Lớp\n"
                          "HS1;Nguyễn Văn An;05/09/2013;nam;6A\n"
                          "HS2;Trần Thị Bình;12/03/2013;NỮ;6A\n");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM students WHERE gender = 'Nam'") == 1);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM students WHERE gender = 'Nữ'") == 1);

  auto db = school.server_db();
  {
    // The assignments typed without quotes: "6A:Toán;6A:Ngữ văn" became two
    // cells, and the second would have been dropped without a word.
    std::istringstream in("Tên đăng nhập;Họ và tên;Vai trò;Tổ chuyên môn;Chủ nhiệm;Phân công\n"
                          "gv.lan;Lê Thị Lan;GVBM;;;6A:Toán;6A:Ngữ văn\n");
    auto report = server::import_staff(*db, in, clock, "admin");
    CHECK_FALSE(report.ok);
    REQUIRE(report.errors.size() == 1);
    CHECK_THAT(report.errors[0], Catch::StartsWith("dòng 2: có 7 ô, nhiều hơn 6 cột của dòng tiêu đề"));
    CHECK(school.server_scalar("SELECT COUNT(*) FROM users WHERE username = 'gv.lan'") == 0);
  }
  {
    // Roles by name or code, any case; a trailing separator is no extra cell.
    std::istringstream in("Tên đăng nhập;Họ và tên;Vai trò;Tổ chuyên môn;Chủ nhiệm;Phân công\n"
                          "ht.minh;Phạm Văn Minh;Hiệu trưởng;;;;\n"
                          "pht.ha;Đỗ Thu Hà;pht;;;\n"
                          "gv.lan;Lê Thị Lan;\"giáo viên bộ môn;Giáo viên chủ nhiệm\";;6A;\"6A:Toán;6A:Ngữ văn\"\n");
    auto report = server::import_staff(*db, in, clock, "admin");
    INFO((report.errors.empty() ? "" : report.errors[0]));
    REQUIRE(report.ok);
    CHECK(school.server_scalar("SELECT COUNT(*) FROM users WHERE username = 'ht.minh' AND roles = 'HT'") == 1);
    CHECK(school.server_scalar("SELECT COUNT(*) FROM users WHERE username = 'pht.ha' AND roles = 'PHT'") == 1);
    CHECK(school.server_scalar("SELECT COUNT(*) FROM teaching_assignments t JOIN users u ON u.id = t.user_id "
                               "WHERE u.username = 'gv.lan'") == 2);
  }
  {
    std::istringstream in("Tên đăng nhập;Họ và tên;Vai trò;Tổ chuyên môn;Chủ nhiệm;Phân công\n"
                          "gv.x;Lê Văn X;Bảo vệ;;;\n");
    auto report = server::import_staff(*db, in, clock, "admin");
    REQUIRE(report.errors.size() == 1);
    CHECK_THAT(report.errors[0], Catch::Contains("vai trò \"Bảo vệ\" không có"));
  }
}
