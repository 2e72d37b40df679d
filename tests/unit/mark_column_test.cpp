// Exact marks, columns, cell-value rules and TT22 averages.
#include <catch2/catch.hpp>

#include "sodiem/core/column.hpp"
#include "sodiem/core/grading.hpp"
#include "sodiem/core/mark.hpp"

using namespace sodiem;

TEST_CASE("marks parse exactly, with a decimal point or comma", "[unit]") {
  CHECK(Mark::parse("8")->tenths() == 80);
  CHECK(Mark::parse("8.5")->tenths() == 85);
  CHECK(Mark::parse("8,5")->tenths() == 85);
  CHECK(Mark::parse("10")->tenths() == 100);
  CHECK(Mark::parse("0")->tenths() == 0);
  CHECK(Mark::parse(" 7.0 ")->to_string() == "7");
  for (const char* bad : {"11", "10.1", "abc", "", "8.55", "-1", "8.", ".5", "1e1", "100", "8..5"})
    CHECK_FALSE(Mark::parse(bad).has_value());
}

TEST_CASE("TT22 averages round half up in exact arithmetic (DOMAIN.md float traps)", "[unit]") {
  auto m = [](const char* s) { return *Mark::parse(s); };
  std::vector<Mark> tx = {m("8"), m("8"), m("8")};
  CHECK(grading::term_average(tx, m("9"), m("8"))->to_fixed1() == "8.3");  // 66/8 = 8.25
  std::vector<Mark> tx2 = {m("7"), m("7"), m("6")};
  CHECK(grading::term_average(tx2, m("8.9"), m("8.6"))->to_fixed1() == "8.0");  // 63.6/8 = 7.95
  CHECK(grading::year_average(m("6.5"), m("7")).to_fixed1() == "6.8");          // 20.5/3
  CHECK_FALSE(grading::term_average({}, m("5"), m("5")).has_value());
}

TEST_CASE("columns parse and print", "[unit]") {
  CHECK(Column::parse("HK1.TX1")->to_string() == "HK1.TX1");
  CHECK(Column::parse("HK2.GK")->kind == Column::Kind::kMidTerm);
  CHECK(Column::parse("HK2.CK")->term == 2);
  // TX5 exists (THPT study topics); whether a subject has it is normalize_cell_value's to say.
  CHECK(Column::parse("HK1.TX5")->index == 5);
  CHECK(Column::parse("HK2.MIEN")->kind == Column::Kind::kExemption);
  CHECK(Column::parse("HK2.MIEN")->to_string() == "HK2.MIEN");
  for (const char* bad : {"HK3.TX1", "HK1.TX6", "HK1.TX0", "hk1.tx1", "HK1-GK", "HK1.", "", "CN.MIEN"})
    CHECK_FALSE(Column::parse(bad).has_value());
}

TEST_CASE("regular-assessment count follows periods per year (TT22 Điều 7)", "[unit]") {
  CHECK(regular_assessments(true, 35) == 2);
  CHECK(regular_assessments(true, 36) == 3);
  CHECK(regular_assessments(true, 70) == 3);
  CHECK(regular_assessments(true, 140) == 4);
  CHECK(regular_assessments(false, 140) == 2);
}

TEST_CASE("cell values are checked against the subject", "[unit]") {
  protocol::SubjectInfo toan{"Toán", true, 140}, gdcd{"Giáo dục công dân", true, 35}, td{"Giáo dục thể chất", false, 70};
  CHECK(*normalize_cell_value(&toan, "HK1.TX4", "8,5") == "8.5");
  CHECK(*normalize_cell_value(&toan, "HK1.TX1", "") == "");
  auto r = normalize_cell_value(&toan, "HK1.TX1", "11");
  CHECK(r.status().code() == ErrorCode::kInvalidValue);
  CHECK_THAT(r.status().message(), Catch::Contains("0 đến 10"));
  CHECK_FALSE(normalize_cell_value(&toan, "HK1.TX1", "abc").is_ok());
  CHECK_FALSE(normalize_cell_value(&gdcd, "HK1.TX3", "8").is_ok());  // only 2 TX for 35 periods
  CHECK(*normalize_cell_value(&td, "HK1.CK", "đạt") == "Đ");
  CHECK(*normalize_cell_value(&td, "HK1.CK", "CĐ") == "CĐ");
  CHECK_FALSE(normalize_cell_value(&td, "HK1.CK", "8").is_ok());
  CHECK(*normalize_cell_value(&td, "HK1.CK", "d") == "Đ");
  CHECK(*normalize_cell_value(&td, "HK1.CK", "cd") == "CĐ");
  CHECK(*normalize_cell_value(&td, "HK1.CK", "chua dat") == "CĐ");
  CHECK_FALSE(normalize_cell_value(&td, "HK1.CK", "c").is_ok());
  CHECK_FALSE(normalize_cell_value(&toan, "HK9.TX1", "8").is_ok());
}

TEST_CASE("homeroom cells: conduct, homeroom comment, attendance, comments of subjects", "[unit]") {
  protocol::SubjectInfo toan{"Toán", true, 140};
  CHECK(*normalize_cell_value(nullptr, "HK1.RL", "khá") == "Khá");
  CHECK(*normalize_cell_value(nullptr, "HK2.RL", "Chưa đạt") == "Chưa đạt");
  CHECK_FALSE(normalize_cell_value(nullptr, "HK1.RL", "Giỏi").is_ok());
  // Typed without a Vietnamese keyboard, in any case, or decomposed.
  CHECK(*normalize_cell_value(nullptr, "HK1.RL", "tot") == "Tốt");
  CHECK(*normalize_cell_value(nullptr, "HK1.RL", "KHA") == "Khá");
  CHECK(*normalize_cell_value(nullptr, "HK1.RL", "t") == "Tốt");
  CHECK(*normalize_cell_value(nullptr, "HK1.RL", " dat ") == "Đạt");
  CHECK(*normalize_cell_value(nullptr, "HK1.RL", "cd") == "Chưa đạt");
  CHECK(*normalize_cell_value(nullptr, "HK1.RL", "Chu\xcc\x9b" "a đạt") == "Chưa đạt");
  CHECK_FALSE(normalize_cell_value(nullptr, "HK1.RL", "tott").is_ok());
  CHECK(*normalize_cell_value(nullptr, "CC.2026-11-23", "p") == "P");
  CHECK(*normalize_cell_value(nullptr, "CC.2026-11-23", "") == "");
  CHECK_FALSE(normalize_cell_value(nullptr, "CC.2026-11-23", "X").is_ok());
  CHECK_FALSE(normalize_cell_value(nullptr, "CC.2026-02-30", "P").is_ok());
  CHECK_FALSE(normalize_cell_value(nullptr, "CC.2027-02-29", "P").is_ok());
  CHECK(normalize_cell_value(nullptr, "CC.2028-02-29", "P").is_ok());
  CHECK(*normalize_cell_value(nullptr, "HK1.NXCN", "  Chăm ngoan, tiến bộ.  ") == "Chăm ngoan, tiến bộ.");
  CHECK_FALSE(normalize_cell_value(nullptr, "HK1.NXCN", std::string(kMaxCommentBytes + 1, 'a')).is_ok());
  CHECK_FALSE(normalize_cell_value(nullptr, "HK1.TX1", "8").is_ok());  // marks are not homeroom cells
  CHECK_FALSE(normalize_cell_value(&toan, "HK1.RL", "Tốt").is_ok());   // conduct is not a subject cell
  CHECK(*normalize_cell_value(&toan, "HK1.NX", "Tính toán cẩn thận") == "Tính toán cẩn thận");
  CHECK(Column::parse("CC.2026-11-23")->to_string() == "CC.2026-11-23");
  CHECK(Column::parse("HK2.NXCN")->to_string() == "HK2.NXCN");
}

TEST_CASE("primary (TT27) cells: ratings, periodic tests 1–10 in the grade's tests only, qualities and competences",
          "[unit][tt27]") {
  // Toán of grade 4: tests at mid and end of each term; Đạo đức: none.
  protocol::SubjectInfo toan4{"Toán", false, 175, false, "", true, "GK1,CK1,GK2,CN"};
  protocol::SubjectInfo toan2{"Toán", false, 105, false, "", true, "CK1,CN"};
  protocol::SubjectInfo dao_duc{"Đạo đức", false, 35, false, "", true, ""};
  struct Case {
    const protocol::SubjectInfo* subject;
    const char* column;
    const char* typed;
    const char* stored;  // nullptr: refused
  };
  for (const Case& c : std::vector<Case>{
           {&toan4, "HK1.GK", "T", "Hoàn thành tốt"},
           {&toan4, "HK1.CK", "hoan thanh", "Hoàn thành"},
           {&toan4, "HK2.CK", "CHT", "Chưa hoàn thành"},
           {&dao_duc, "HK2.CK", "Hoàn thành tốt", "Hoàn thành tốt"},
           {&toan4, "HK1.GK", "Tốt", nullptr},  // a quality's level, not a subject's
           {&toan4, "HK1.GK", "8", nullptr},
           {&toan4, "HK1.KTGK", "9", "9"},
           {&toan4, "HK2.KTCK", " 10 ", "10"},
           {&toan4, "HK1.KTCK", "0", nullptr},    // no 0
           {&toan4, "HK1.KTCK", "7.5", nullptr},  // no decimals
           {&toan4, "HK1.KTCK", "11", nullptr},
           {&toan2, "HK1.KTCK", "6", "6"},
           {&toan2, "HK1.KTGK", "6", nullptr},    // grade 2 has no mid-term test
           {&toan2, "HK2.KTGK", "", nullptr},     // not even empty: the column is not there
           {&dao_duc, "HK2.KTCK", "8", nullptr},
           {&toan4, "HK1.TX1", "8", nullptr},     // no regular marks in primary
           {&toan4, "HK1.NX", "Em tiến bộ", "Em tiến bộ"},
           {nullptr, "HK1.PC1", "T", "Tốt"},
           {nullptr, "HK2.PC5.GK", "đạt", "Đạt"},
           {nullptr, "HK2.NL10", "C", "Cần cố gắng"},
           {nullptr, "HK1.NL3", "Khá", nullptr},
           {nullptr, "HK1.PC6", "T", nullptr},
           {nullptr, "HK1.NL11", "T", nullptr},
           {&toan4, "HK1.PC1", "T", nullptr},  // a homeroom column
       }) {
    INFO(c.column << " = " << c.typed);
    auto r = normalize_cell_value(c.subject, c.column, c.typed);
    if (c.stored) {
      REQUIRE(r.is_ok());
      CHECK(*r == c.stored);
    } else {
      CHECK_FALSE(r.is_ok());
    }
  }
  // A refused test column names the columns the grade has, as typed.
  auto mid = normalize_cell_value(&toan2, "HK1.KTGK", "6");
  REQUIRE_FALSE(mid.is_ok());
  CHECK_THAT(mid.status().message(), Catch::EndsWith("; có: HK1.KTCK, HK2.KTCK"));
  // A secondary subject has no TT27 periodic test columns.
  protocol::SubjectInfo toan6{"Toán", true, 140};
  CHECK_FALSE(normalize_cell_value(&toan6, "HK1.KTCK", "8").is_ok());
  // Columns print back as they parse.
  for (const char* text : {"HK1.KTGK", "HK2.KTCK", "HK1.PC3", "HK2.NL10.GK", "HK1.PC1.GK"}) {
    auto col = Column::parse(text);
    REQUIRE(col);
    CHECK(col->to_string() == text);
    CHECK(col->homeroom() == (std::string(text).find("KT") == std::string::npos));
  }
  CHECK(periodic_test_code(*Column::parse("HK2.KTCK")) == "CN");
  CHECK(periodic_test_code(*Column::parse("HK1.KTGK")) == "GK1");
  CHECK(std::string(quality_name(1)) == "Yêu nước");
  // Qualities and competences in primary classes, conduct from grade 6 up.
  CHECK_FALSE(homeroom_column_fault(*Column::parse("HK1.PC1"), 4));
  CHECK(homeroom_column_fault(*Column::parse("HK1.PC1"), 7));
  CHECK(homeroom_column_fault(*Column::parse("HK2.NL3.GK"), 10));
  CHECK(homeroom_column_fault(*Column::parse("HK1.RL"), 3));
  CHECK_FALSE(homeroom_column_fault(*Column::parse("HK1.RL"), 6));
  CHECK_FALSE(homeroom_column_fault(*Column::parse("HK1.NXCN"), 2));
  CHECK_FALSE(homeroom_column_fault(*Column::parse("HK1.PC1"), 0));
  CHECK(std::string(competence_name(10)) == "Thể chất");
}
