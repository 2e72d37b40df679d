// A primary class (Thông tư 27/2020), table-driven: the cells its signatures
// need (ratings at mid and end of term, the periodic tests the grade sits,
// qualities and competences; never conduct), the year's result and award
// from the cells (Điều 9, 13), the class board and its totals, and the year's
// outcome (Điều 11: Lên lớp, Chưa hoàn thành → help over the summer and
// assess again → Lên lớp / Ở lại lớp; grade 5 completes primary school).
#include <catch2/catch.hpp>
#include <functional>

#include "sodiem/core/primary_board.hpp"
#include "sodiem/core/primary_year_board.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/core/year_outcomes.hpp"

using namespace sodiem;
using signing::CellLine;

namespace {

// Grade 4 as the shipped default has them (tieu-hoc.json), a few of them.
const protocol::SubjectInfo kTiengViet{"Tiếng Việt", false, 245, false, "", true, "GK1,CK1,GK2,CN"};
const protocol::SubjectInfo kKhoaHoc{"Khoa học", false, 70, false, "", true, "CK1,CN"};
const protocol::SubjectInfo kDaoDuc{"Đạo đức", false, 35, false, "", true, ""};

struct Student {
  std::string rating = "Hoàn thành tốt";  // every subject, both terms, mid and end
  std::string test = "9";                 // every periodic test
  std::string quality = "Tốt";            // every quality and competence
  // (Its {}: a row that leaves it out is not a -Wmissing-field-initializers warning.)
  std::map<std::string, std::string> year{};  // column of the year ("Khoa học HK2.CK", "Chủ nhiệm HK2.PC3") → value
};

void add(board::ClassBook& book, const std::string& code, const Student& s) {
  book.students.push_back(code);
  for (const char* term : {"HK1", "HK2"})
    for (const auto& subject : book.subjects) {
      for (const auto& col : board::required_columns(subject, term))
        book.cells.push_back({subject.name, code, col, col.find(".KT") != std::string::npos ? s.test : s.rating});
      for (const auto& col : board::homeroom_required_columns(true, term))
        if (&subject == &book.subjects.front()) book.cells.push_back({"Chủ nhiệm", code, col, s.quality});
    }
  for (const auto& [where, value] : s.year) {
    const auto space = where.rfind(' ');
    const std::string subject = where.substr(0, space), column = where.substr(space + 1);
    std::erase_if(book.cells, [&](const CellLine& c) { return c.student == code && c.subject == subject && c.column == column; });
    if (!value.empty()) book.cells.push_back({subject, code, column, value});
  }
}

board::ClassBook class_of(int grade) {
  board::ClassBook book;
  book.class_name = std::to_string(grade) + "A";
  book.grade = grade;
  book.subjects = {kTiengViet, kKhoaHoc, kDaoDuc};
  return book;
}

std::vector<std::string> named(const std::vector<board::MissingCell>& missing) {
  std::vector<std::string> out;
  for (const auto& m : missing) out.push_back(m.student + " " + m.subject + " " + m.column);
  return out;
}

std::map<std::string, std::string> board_of(const std::vector<CellLine>& lines, const std::string& student) {
  std::map<std::string, std::string> out;
  for (const auto& l : lines)
    if (l.student == student) out[l.subject + "|" + l.column] = l.value;
  return out;
}

}  // namespace

TEST_CASE("a primary subject needs its ratings at mid and end of term and the tests its grade sits", "[unit][tt27]") {
  struct Row {
    protocol::SubjectInfo subject;
    std::string term;
    std::vector<std::string> required;
  };
  const protocol::SubjectInfo tv1{"Tiếng Việt", false, 420, false, "", true, "CK1,CN"};
  const std::vector<Row> rows = {
      {kTiengViet, "HK1", {"HK1.GK", "HK1.KTGK", "HK1.CK", "HK1.KTCK"}},  // grades 4–5: mid-term test too
      {kTiengViet, "HK2", {"HK2.GK", "HK2.KTGK", "HK2.CK", "HK2.KTCK"}},
      {tv1, "HK1", {"HK1.GK", "HK1.CK", "HK1.KTCK"}},  // grades 1–3: end of term only
      {tv1, "HK2", {"HK2.GK", "HK2.CK", "HK2.KTCK"}},
      {kKhoaHoc, "HK2", {"HK2.GK", "HK2.CK", "HK2.KTCK"}},
      {kDaoDuc, "HK1", {"HK1.GK", "HK1.CK"}},                            // no periodic test
      {{"Toán", false, 175, false, "", true, "CN"}, "HK1", {"HK1.GK", "HK1.CK"}},  // a year-end test only
  };
  for (const auto& row : rows) {
    INFO(row.subject.name << " " << row.subject.periodic_tests << " " << row.term);
    CHECK(board::required_columns(row.subject, row.term) == row.required);
  }
  // The homeroom: conduct from grade 6; qualities and competences, mid-term then end of term, in primary.
  CHECK(board::homeroom_required_columns(false, "HK2") == std::vector<std::string>{"HK2.RL"});
  const auto homeroom = board::homeroom_required_columns(true, "HK1");
  REQUIRE(homeroom.size() == 30);
  CHECK(homeroom[0] == "HK1.PC1.GK");
  CHECK(homeroom[5] == "HK1.NL1.GK");
  CHECK(homeroom[15] == "HK1.PC1");
  CHECK(homeroom[29] == "HK1.NL10");
}

TEST_CASE("a primary class is primary by its grade, else by its subjects", "[unit][tt27]") {
  board::ClassBook book = class_of(4);
  CHECK(board::primary_class(book));
  book.grade = 6;
  CHECK_FALSE(board::primary_class(book));
  book.grade = 0;
  CHECK(board::primary_class(book));
  book.subjects.push_back({"Toán", true, 140});
  CHECK_FALSE(board::primary_class(book));
}

TEST_CASE("which cells a primary class board still lacks", "[unit][tt27]") {
  struct Row {
    const char* what;
    std::string term;
    std::function<void(board::ClassBook&)> change;
    std::vector<std::string> missing;
  };
  auto drop = [](board::ClassBook& b, const std::string& student, const std::string& subject, const std::string& col) {
    std::erase_if(b.cells, [&](const CellLine& c) { return c.student == student && c.subject == subject && c.column == col; });
  };
  const std::vector<Row> rows = {
      {"everything given", "HK2", [](board::ClassBook&) {}, {}},
      {"no conduct in primary", "HK1", [&](board::ClassBook&) {}, {}},
      {"an end-of-term rating", "HK1", [&](board::ClassBook& b) { drop(b, "HS2", "Đạo đức", "HK1.CK"); },
       {"HS2 Đạo đức HK1.CK"}},
      {"a mid-term rating", "HK1", [&](board::ClassBook& b) { drop(b, "HS1", "Khoa học", "HK1.GK"); },
       {"HS1 Khoa học HK1.GK"}},
      {"a mid-term test (grade 4 Tiếng Việt)", "HK1", [&](board::ClassBook& b) { drop(b, "HS1", "Tiếng Việt", "HK1.KTGK"); },
       {"HS1 Tiếng Việt HK1.KTGK"}},
      {"the year-end test, on the HK2 board", "HK2", [&](board::ClassBook& b) { drop(b, "HS1", "Khoa học", "HK2.KTCK"); },
       {"HS1 Khoa học HK2.KTCK"}},
      {"HK1's on the HK2 board too", "HK2", [&](board::ClassBook& b) { drop(b, "HS2", "Tiếng Việt", "HK1.KTCK"); },
       {"HS2 Tiếng Việt HK1.KTCK"}},
      {"a quality and a mid-term competence", "HK1",
       [&](board::ClassBook& b) {
         drop(b, "HS1", "Chủ nhiệm", "HK1.PC3");
         drop(b, "HS2", "Chủ nhiệm", "HK1.NL10.GK");
       },
       {"HS1 Chủ nhiệm HK1.PC3", "HS2 Chủ nhiệm HK1.NL10.GK"}},
      {"exempt (miễn học) counts as given", "HK1",
       [&](board::ClassBook& b) {
         drop(b, "HS1", "Khoa học", "HK1.CK");
         drop(b, "HS1", "Khoa học", "HK1.KTCK");
         b.cells.push_back({"Khoa học", "HS1", "HK1.MIEN", "khuyết tật"});
       },
       {}},
      {"a student who left is not counted", "HK1",
       [&](board::ClassBook& b) {
         b.students = {"HS1"};
         drop(b, "HS2", "Tiếng Việt", "HK1.CK");
       },
       {}},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    auto book = class_of(4);
    add(book, "HS1", {});
    add(book, "HS2", {});
    row.change(book);
    CHECK(named(board::missing_cells(book, row.term)) == row.missing);
  }
  // The progress report counts the same cells.
  auto book = class_of(4);
  add(book, "HS1", {});
  drop(book, "HS1", "Tiếng Việt", "HK1.KTGK");
  const auto counts = board::subject_counts(book, "HK1");
  REQUIRE(counts.size() == 3);
  CHECK(counts[0].subject == "Tiếng Việt");
  CHECK(counts[0].required == 4);
  CHECK(counts[0].filled == 3);
}

TEST_CASE("a primary student's year: result, award, programme completed", "[unit][tt27]") {
  struct Row {
    const char* what;
    Student student;
    const char* result;  // "-" while something is missing
    const char* award;
    const char* completion;
  };
  const std::vector<Row> rows = {
      {"all HTT, Tốt, tests ≥ 9", {}, "Hoàn thành xuất sắc", "Học sinh Xuất sắc", "Hoàn thành chương trình lớp 4"},
      {"a year-end test of 8", {.year = {{"Khoa học HK2.KTCK", "8"}}}, "Hoàn thành tốt", "", "Hoàn thành chương trình lớp 4"},
      {"a mid-year test does not count", {.year = {{"Tiếng Việt HK1.KTCK", "3"}, {"Tiếng Việt HK2.KTGK", "4"}}},
       "Hoàn thành xuất sắc", "Học sinh Xuất sắc", "Hoàn thành chương trình lớp 4"},
      {"one subject Hoàn thành", {.year = {{"Đạo đức HK2.CK", "Hoàn thành"}}}, "Hoàn thành", "",
       "Hoàn thành chương trình lớp 4"},
      {"one competence Đạt", {.year = {{"Chủ nhiệm HK2.NL4", "Đạt"}}}, "Hoàn thành", "", "Hoàn thành chương trình lớp 4"},
      {"HK1's rating does not count", {.year = {{"Đạo đức HK1.CK", "Chưa hoàn thành"}}}, "Hoàn thành xuất sắc",
       "Học sinh Xuất sắc", "Hoàn thành chương trình lớp 4"},
      {"a test of 4", {.year = {{"Tiếng Việt HK2.KTCK", "4"}}}, "Chưa hoàn thành", "", "Chưa hoàn thành chương trình lớp 4"},
      {"a subject Chưa hoàn thành", {.year = {{"Khoa học HK2.CK", "Chưa hoàn thành"}}}, "Chưa hoàn thành", "",
       "Chưa hoàn thành chương trình lớp 4"},
      {"a quality Cần cố gắng", {.year = {{"Chủ nhiệm HK2.PC2", "Cần cố gắng"}}}, "Chưa hoàn thành", "",
       "Chưa hoàn thành chương trình lớp 4"},
      {"exempt from a subject in HK2: left out",
       {.year = {{"Khoa học HK2.CK", ""}, {"Khoa học HK2.KTCK", ""}, {"Khoa học HK2.MIEN", "khuyết tật"}}},
       "Hoàn thành xuất sắc", "Học sinh Xuất sắc", "Hoàn thành chương trình lớp 4"},
      {"a year-end rating missing", {.year = {{"Đạo đức HK2.CK", ""}}}, "-", "", ""},
      {"a year-end test missing", {.year = {{"Tiếng Việt HK2.KTCK", ""}}}, "-", "", ""},
      {"a year-end competence missing", {.year = {{"Chủ nhiệm HK2.NL7", ""}}}, "-", "", ""},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    auto book = class_of(4);
    add(book, "HS1", row.student);
    const auto b = board_of(board::summary_board("HK2", book), "HS1");
    const auto result = b.find("Tổng hợp CN|Kết quả giáo dục");
    REQUIRE(result != b.end());
    CHECK(result->second == (row.result == std::string("-") ? "chưa đủ dữ liệu" : row.result));
    const auto award = b.find("Tổng hợp CN|Khen thưởng");
    CHECK((award == b.end() ? "" : award->second) == row.award);
    if (*row.completion) CHECK(b.at("Tổng hợp CN|Hoàn thành chương trình") == row.completion);
    // The outcomes read the same year.
    const auto outcomes = board::year_outcomes(book);
    REQUIRE(outcomes.size() == 1);
    CHECK((outcomes[0].primary_result ? std::string(grading::year_result_name(*outcomes[0].primary_result)) : "-") ==
          row.result);
  }
  // What is missing is named.
  auto book = class_of(4);
  add(book, "HS1", {.year = {{"Tiếng Việt HK2.KTCK", ""}, {"Chủ nhiệm HK2.PC1", ""}}});
  const auto o = board::year_outcomes(book);
  CHECK(o[0].final == board::Final::kIncomplete);
  CHECK(o[0].awaiting == std::vector<std::string>{"môn Tiếng Việt chưa có điểm kiểm tra định kì cuối năm",
                                                  "chưa đánh giá phẩm chất Yêu nước cuối năm"});
}

TEST_CASE("the primary board: each term's ratings, tests, qualities and competences, the year, the class totals",
          "[unit][tt27]") {
  auto book = class_of(5);
  add(book, "HS1", {});
  add(book, "HS2", {.rating = "Hoàn thành", .test = "7", .quality = "Đạt"});
  add(book, "HS3", {.year = {{"Tiếng Việt HK1.CK", "Chưa hoàn thành"}, {"Khoa học HK2.KTCK", "3"}}});
  const auto hk1 = board::summary_board("HK1", book);
  auto b = board_of(hk1, "HS3");
  CHECK(b["Tổng hợp HK1|Tiếng Việt"] == "Chưa hoàn thành");
  CHECK(b["Tổng hợp HK1|Tiếng Việt (KTĐK)"] == "9");
  CHECK(b["Tổng hợp HK1|Phẩm chất Yêu nước"] == "Tốt");
  CHECK(b["Tổng hợp HK1|Năng lực Thể chất"] == "Tốt");
  CHECK_FALSE(b.contains("Tổng hợp HK1|Đạo đức (KTĐK)"));  // no test in Đạo đức
  CHECK_FALSE(b.contains("Tổng hợp HK1|Rèn luyện"));       // no conduct in primary
  CHECK_FALSE(b.contains("Tổng hợp HK1|Kết quả giáo dục"));  // the result is the year's
  // 3 subjects, 2 tests, 5 qualities, 10 competences per student.
  CHECK(hk1.size() == 3 * 20);
  const auto hk2 = board::summary_board("HK2", book);
  b = board_of(hk2, "HS3");
  CHECK(b["Tổng hợp CN|Khoa học (KTĐK)"] == "3");
  CHECK(b["Tổng hợp CN|Kết quả giáo dục"] == "Chưa hoàn thành");
  CHECK(b["Tổng hợp CN|Hoàn thành chương trình"] == "Chưa hoàn thành chương trình lớp 5");
  CHECK(board_of(hk2, "HS1")["Tổng hợp CN|Hoàn thành chương trình"] == "Hoàn thành chương trình tiểu học");
  CHECK(board_of(hk2, "HS2")["Tổng hợp CN|Kết quả giáo dục"] == "Hoàn thành");

  const auto totals = board::class_totals(hk2, "Tổng hợp CN");
  CHECK(totals.at("Kết quả giáo dục") ==
        std::map<std::string, int>{{"Hoàn thành xuất sắc", 1}, {"Hoàn thành", 1}, {"Chưa hoàn thành", 1}});
  CHECK(totals.at("Tiếng Việt") == std::map<std::string, int>{{"Hoàn thành tốt", 2}, {"Hoàn thành", 1}});
  CHECK(totals.at("Khen thưởng") == std::map<std::string, int>{{"Học sinh Xuất sắc", 1}});
  CHECK(totals.at("Phẩm chất Trung thực") == std::map<std::string, int>{{"Tốt", 2}, {"Đạt", 1}});
  CHECK_FALSE(totals.contains("Nghỉ"));
  CHECK(board::class_totals(hk1, "Tổng hợp HK1").at("Tiếng Việt") ==
        std::map<std::string, int>{{"Hoàn thành tốt", 1}, {"Hoàn thành", 1}, {"Chưa hoàn thành", 1}});

  // The subject document's result of a primary subject is its rating.
  const auto r = board::subject_results(kTiengViet, {{"HK1.CK", "Hoàn thành"}, {"HK2.CK", "Hoàn thành tốt"}});
  CHECK(r.hk1 == "Hoàn thành");
  CHECK(r.year == "Hoàn thành tốt");
}

TEST_CASE("a primary student's year-end outcome (TT27 Điều 11)", "[unit][tt27][outcomes]") {
  struct Row {
    const char* what;
    int grade;
    Student student;
    std::string summer;  // CN.RLH: the assessment after the summer's help
    const char* outcome;
    board::Final final;
    const char* completion;
  };
  const Student failing{.year = {{"Tiếng Việt HK2.KTCK", "4"}}};
  const std::vector<Row> rows = {
      {"completed: Lên lớp", 3, {.rating = "Hoàn thành", .test = "5", .quality = "Đạt"}, "", "Lên lớp",
       board::Final::kPromoted, "Hoàn thành chương trình lớp 3"},
      {"grade 5 completed: primary school completed", 5, {}, "", "Lên lớp", board::Final::kPromoted,
       "Hoàn thành chương trình tiểu học"},
      {"Chưa hoàn thành: helped over the summer, pending", 3, failing, "", "Rèn luyện trong hè", board::Final::kPending,
       "Chưa hoàn thành chương trình lớp 3"},
      {"completed after the summer: Lên lớp", 3, failing, "Đạt", "Rèn luyện trong hè", board::Final::kPromoted,
       "Hoàn thành chương trình lớp 3"},
      {"still not completed: Ở lại lớp", 3, failing, "Chưa đạt", "Rèn luyện trong hè", board::Final::kRetained,
       "Chưa hoàn thành chương trình lớp 3"},
      {"grade 5 completed after the summer", 5, failing, "Đạt", "Rèn luyện trong hè", board::Final::kPromoted,
       "Hoàn thành chương trình tiểu học"},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    auto book = class_of(row.grade);
    add(book, "HS1", row.student);
    if (!row.summer.empty()) book.cells.push_back({"Chủ nhiệm", "HS1", "CN.RLH", row.summer});
    // Many sessions absent: no 45-session rule in primary.
    for (int d = 1; d <= 28; ++d)
      for (int m = 1; m <= 2; ++m) {
        char date[11];
        std::snprintf(date, sizeof date, "2027-%02d-%02d", m, d);
        book.cells.push_back({"Chủ nhiệm", "HS1", std::string("CC.") + date, "P"});
      }
    const auto o = board::year_outcomes(book);
    REQUIRE(o.size() == 1);
    REQUIRE(o[0].outcome);
    CHECK(grading::outcome_name(*o[0].outcome) == row.outcome);
    CHECK(board::final_name(o[0].final) == board::final_name(row.final));
    CHECK(o[0].completion == row.completion);
    CHECK(o[0].absent_sessions == 56);
    CHECK_FALSE(o[0].learning);  // no TT22 levels in primary
    if (o[0].final == board::Final::kPending) CHECK(o[0].awaiting.size() == 1);
  }
}

TEST_CASE("a Hoàn thành tốt pupil recognised by the class is Học sinh Tiêu biểu (TT27 Điều 13.1.a)", "[unit][tt27][outcomes]") {
  struct Row {
    const char* what;
    Student student;
    bool recognised;
    const char* award;  // "" for none
  };
  const std::vector<Row> rows = {
      {"Hoàn thành tốt, recognised", {.test = "8"}, true, "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện"},
      {"Hoàn thành tốt, not (yet) recognised", {.test = "8"}, false, ""},
      {"Hoàn thành xuất sắc: Xuất sắc whatever the class says", {}, true, "Học sinh Xuất sắc"},
      {"Hoàn thành: no award", {.rating = "Hoàn thành"}, true, ""},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    auto book = class_of(4);
    add(book, "HS1", row.student);
    if (row.recognised) book.cells.push_back({"Chủ nhiệm", "HS1", "CN.TB", "Tiến bộ vượt bậc môn Toán"});
    const auto o = board::year_outcomes(book);
    REQUIRE(o.size() == 1);
    CHECK(o[0].award.value_or("") == row.award);
    // The board signed at the approval is not changed by a later recognition.
    const auto b = board_of(board::summary_board("HK2", book), "HS1");
    const auto award = b.find("Tổng hợp CN|Khen thưởng");
    CHECK((award == b.end() ? "" : award->second) == (row.award == std::string("Học sinh Xuất sắc") ? row.award : ""));
  }
}

// The wide year board (issue 15): one table with each subject's rating and
// test and each quality and competence at the end of HK1 beside the end of
// the year, then the year's result; every value the one primary_board()'s.
TEST_CASE("the wide primary year board puts each column's end of HK1 beside the year, from primary_board", "[unit][tt27]") {
  board::ClassBook book = class_of(4);
  // An: Hoàn thành in Khoa học at the end of HK1, Hoàn thành tốt at the end of the year.
  add(book, "HS1", {"Hoàn thành tốt", "9", "Tốt", {{"Khoa học HK1.CK", "Hoàn thành"}, {"Khoa học HK1.KTCK", "6"}}});
  add(book, "HS2", {"Hoàn thành", "7", "Đạt", {{"Chủ nhiệm HK1.PC2", "Cần cố gắng"}}});
  const auto yb = board::primary_year_board(book);
  auto column = [&](const std::string& name) -> const board::YearBoardColumn* {
    for (const auto& c : yb.columns)
      if (c.name == name) return &c;
    return nullptr;
  };
  using Terms = std::vector<std::string>;
  for (const char* both : {"Tiếng Việt", "Tiếng Việt (KTĐK)", "Khoa học", "Khoa học (KTĐK)", "Đạo đức", "Phẩm chất Yêu nước",
                           "Năng lực Tự chủ và tự học"}) {
    INFO(both);
    REQUIRE(column(both));
    CHECK(column(both)->terms == Terms{"HK1", "CN"});
  }
  CHECK_FALSE(column("Đạo đức (KTĐK)"));  // the grade sits no test in it
  REQUIRE(column("Kết quả giáo dục"));
  CHECK(column("Kết quả giáo dục")->terms == Terms{"CN"});
  CHECK(column("Nghỉ")->terms == Terms{"CN"});
  // The year's columns in the year board's order: the subjects first, the result after them.
  CHECK(yb.columns.front().name == "Tiếng Việt");
  CHECK(column("Kết quả giáo dục") > column("Năng lực Tự chủ và tự học"));
  // Every value is primary_board's, HK1 from its HK1 board, CN from the year's section.
  const auto hk1 = board_of(board::primary_board("HK1", book), "HS1");
  const auto year = board_of(board::primary_board("HK2", book), "HS1");
  for (const auto& c : yb.columns)
    for (const auto& t : c.terms) {
      INFO(c.name << " " << t);
      const auto& source = t == "HK1" ? hk1 : year;
      const auto it = source.find((t == "HK1" ? "Tổng hợp HK1|" : "Tổng hợp CN|") + c.name);
      REQUIRE(it != source.end());
      CHECK(yb.values.at("HS1").at(t).at(c.name) == it->second);
    }
  CHECK(yb.values.at("HS1").at("HK1").at("Khoa học") == "Hoàn thành");
  CHECK(yb.values.at("HS1").at("CN").at("Khoa học") == "Hoàn thành tốt");
  CHECK(yb.values.at("HS1").at("HK1").at("Khoa học (KTĐK)") == "6");
  CHECK(yb.values.at("HS2").at("HK1").at("Phẩm chất Nhân ái") == "Cần cố gắng");
  CHECK(yb.values.at("HS2").at("CN").at("Phẩm chất Nhân ái") == "Đạt");
}
