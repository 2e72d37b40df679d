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
