// Year-end outcomes (TT22 Điều 12–13) from a class's book: the first
// decision, the subjects to re-test, the results recomputed once the
// re-tests and summer training are recorded, more than 45 sessions absent,
// awards; and the year-end columns CN.KTL / CN.RLH, which only the
// leadership's commands write. Table-driven.
#include <catch2/catch.hpp>

#include "sodiem/core/column.hpp"
#include "sodiem/core/year_outcomes.hpp"

using namespace sodiem;
using signing::CellLine;

namespace {

const std::vector<std::string> kScored = {"Toán", "Ngữ văn", "Tiếng Anh", "KHTN", "Lịch sử và Địa lí", "GDCD"};
const std::vector<std::string> kComment = {"Giáo dục thể chất", "Âm nhạc", "Mĩ thuật"};

board::ClassBook empty_book() {
  board::ClassBook book;
  book.class_name = "6A";
  for (const auto& s : kScored) book.subjects.push_back({s, true, 35});  // 2 regular marks
  book.subjects.push_back({"Giáo dục thể chất", false, 70});
  for (const char* part : {"Âm nhạc", "Mĩ thuật"}) book.subjects.push_back({part, false, 35, false, "Nghệ thuật"});
  return book;
}

struct Student {
  std::map<std::string, std::string> year;  // subject → its result in both terms (so the year's); default 7 / Đ
  std::string hk1_conduct = "Tốt", hk2_conduct = "Tốt";
  int absent_days = 0;                      // whole days absent (one session a day)
  // Members left out of a row's braces are defaulted by these {} (without
  // them -Wmissing-field-initializers warns on every short row).
  std::map<std::string, std::string> retest{};  // subject → CN.KTL
  std::string summer{};                         // CN.RLH
  bool missing_hk2_conduct = false;
};

void add(board::ClassBook& book, const std::string& code, const Student& s) {
  book.students.push_back(code);
  auto value_of = [&](const std::string& subject, const char* fallback) {
    auto it = s.year.find(subject);
    return it == s.year.end() ? std::string(fallback) : it->second;
  };
  for (const char* term : {"HK1", "HK2"}) {
    const std::string t = term;
    for (const auto& subject : kScored)
      for (const char* col : {".TX1", ".TX2", ".GK", ".CK"}) book.cells.push_back({subject, code, t + col, value_of(subject, "7")});
    for (const auto& subject : kComment)
      for (const char* col : {".TX1", ".TX2", ".GK", ".CK"}) book.cells.push_back({subject, code, t + col, value_of(subject, "Đ")});
  }
  book.cells.push_back({"Chủ nhiệm", code, "HK1.RL", s.hk1_conduct});
  if (!s.missing_hk2_conduct) book.cells.push_back({"Chủ nhiệm", code, "HK2.RL", s.hk2_conduct});
  for (int d = 0; d < s.absent_days; ++d) {
    char date[32];  // room for any int: no -Wformat-truncation
    std::snprintf(date, sizeof date, "2027-%02d-%02d", 1 + d / 28, 1 + d % 28);
    book.cells.push_back({"Chủ nhiệm", code, std::string("CC.") + date, "K"});
  }
  for (const auto& [subject, value] : s.retest) book.cells.push_back({subject, code, "CN.KTL", value});
  if (!s.summer.empty()) book.cells.push_back({"Chủ nhiệm", code, "CN.RLH", s.summer});
}

std::string outcome_text(const board::StudentOutcome& o) {
  return o.outcome ? std::string(grading::outcome_name(*o.outcome)) : "-";
}

}  // namespace

TEST_CASE("year outcomes: first decision, re-tests, summer training, recomputed final", "[unit][outcomes]") {
  struct Row {
    const char* name;
    Student student;
    const char* outcome;                 // the first decision
    std::vector<std::string> retests;    // the subjects to re-test
    board::Final final;
    const char* final_learning;          // after re-tests ("" = none yet)
  };
  const std::vector<Row> rows = {
      {"all 7.0, Tốt: Lên lớp", {}, "Lên lớp", {}, board::Final::kPromoted, "Khá"},
      {"Toán 4.0: re-test Toán, waiting", {{{"Toán", "4"}}}, "Kiểm tra lại", {"Toán"}, board::Final::kPending, ""},
      {"Toán 4.0, re-test 6.0 replaces the year average: Lên lớp",
       {{{"Toán", "4"}}, "Tốt", "Tốt", 0, {{"Toán", "6"}}}, "Kiểm tra lại", {"Toán"}, board::Final::kPromoted, "Đạt"},
      {"Toán 4.0, re-test 4.5: Ở lại lớp",
       {{{"Toán", "4"}}, "Tốt", "Tốt", 0, {{"Toán", "4.5"}}}, "Kiểm tra lại", {"Toán"}, board::Final::kRetained, "Chưa đạt"},
      {"Toán 4.0, absent from the re-test (Vắng): the year average stands, Ở lại lớp",
       {{{"Toán", "4"}}, "Tốt", "Tốt", 0, {{"Toán", "Vắng"}}}, "Kiểm tra lại", {"Toán"}, board::Final::kRetained,
       "Chưa đạt"},
      {"absent from the GDTC re-test (CĐ stands), Toán re-tested 6.0: one comment subject CĐ is still Đạt",
       {{{"Toán", "4"}, {"Giáo dục thể chất", "CĐ"}}, "Tốt", "Tốt", 0, {{"Toán", "6"}, {"Giáo dục thể chất", "Vắng"}}},
       "Kiểm tra lại", {"Toán", "Giáo dục thể chất"}, board::Final::kPromoted, "Đạt"},
      {"4.9 is below 5.0, 5.0 is not: only Văn re-tested",
       {{{"Ngữ văn", "4.9"}, {"Toán", "5"}, {"GDCD", "3"}}, "Tốt", "Tốt", 0, {{"Ngữ văn", "5"}, {"GDCD", "5"}}},
       "Kiểm tra lại", {"Ngữ văn", "GDCD"}, board::Final::kPromoted, "Đạt"},
      {"two comment subjects Chưa đạt (Nghệ thuật once): re-test both parts that failed",
       {{{"Âm nhạc", "CĐ"}, {"Giáo dục thể chất", "CĐ"}}, "Tốt", "Tốt", 0, {{"Âm nhạc", "Đ"}, {"Giáo dục thể chất", "CĐ"}}},
       "Kiểm tra lại", {"Giáo dục thể chất", "Âm nhạc"}, board::Final::kPromoted, "Đạt"},
      {"one comment subject Chưa đạt is still Đạt: no re-test",
       {{{"Mĩ thuật", "CĐ"}}}, "Lên lớp", {}, board::Final::kPromoted, "Đạt"},
      {"conduct Chưa đạt: summer training, waiting", {{}, "Chưa đạt", "Chưa đạt"}, "Rèn luyện trong hè", {},
       board::Final::kPending, ""},
      {"summer training Đạt: Lên lớp", {{}, "Chưa đạt", "Chưa đạt", 0, {}, "Đạt"}, "Rèn luyện trong hè", {},
       board::Final::kPromoted, "Khá"},
      {"summer training Chưa đạt: Ở lại lớp", {{}, "Chưa đạt", "Chưa đạt", 0, {}, "Chưa đạt"}, "Rèn luyện trong hè", {},
       board::Final::kRetained, "Khá"},
      {"both: waits for both, then decided on both",
       {{{"Toán", "3"}}, "Chưa đạt", "Chưa đạt", 0, {{"Toán", "7"}}, "Đạt"}, "Kiểm tra lại và rèn luyện trong hè",
       {"Toán"}, board::Final::kPromoted, "Khá"},
      {"both, re-test passed but summer training not: Ở lại lớp",
       {{{"Toán", "3"}}, "Chưa đạt", "Chưa đạt", 0, {{"Toán", "7"}}, "Chưa đạt"}, "Kiểm tra lại và rèn luyện trong hè",
       {"Toán"}, board::Final::kRetained, "Khá"},
      {"45 sessions absent: Lên lớp", {{}, "Tốt", "Tốt", 45}, "Lên lớp", {}, board::Final::kPromoted, "Khá"},
      {"46 sessions absent: Ở lại lớp directly, no re-test", {{{"Toán", "3"}}, "Tốt", "Tốt", 46}, "Ở lại lớp", {},
       board::Final::kRetained, ""},
      {"HK2 conduct not rated: nothing decided", {{}, "Tốt", "Tốt", 0, {}, "", true}, "-", {}, board::Final::kIncomplete,
       ""},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    auto book = empty_book();
    add(book, "HS01", row.student);
    const auto outcomes = board::year_outcomes(book);
    REQUIRE(outcomes.size() == 1);
    const auto& o = outcomes[0];
    CHECK(outcome_text(o) == row.outcome);
    std::vector<std::string> retests;
    for (const auto& r : o.retests) retests.push_back(r.subject);
    CHECK(retests == row.retests);
    CHECK(board::final_name(o.final) == board::final_name(row.final));
    CHECK((o.final_learning ? std::string(grading::level_name(*o.final_learning)) : "") == row.final_learning);
    if (o.final == board::Final::kPending) CHECK_FALSE(o.awaiting.empty());
  }
}

TEST_CASE("year outcomes: what is awaited is named, awards come from the year's results", "[unit][outcomes]") {
  auto book = empty_book();
  add(book, "HS01", {{{"Toán", "4"}, {"Ngữ văn", "4.5"}}, "Chưa đạt", "Chưa đạt"});
  Student best;
  for (const auto& s : kScored) best.year[s] = "9";
  add(book, "HS02", best);
  add(book, "HS03", {{{"Toán", "4"}}, "Tốt", "Tốt", 0, {{"Toán", "5"}}});
  const auto outcomes = board::year_outcomes(book);
  REQUIRE(outcomes.size() == 3);
  CHECK(outcomes[0].awaiting ==
        std::vector<std::string>{"kiểm tra lại môn Toán", "kiểm tra lại môn Ngữ văn", "rèn luyện trong hè"});
  CHECK(outcomes[0].retests[0].year_result == "4.0");
  CHECK_FALSE(outcomes[0].retests[0].result);
  CHECK(outcomes[1].award == "Học sinh Xuất sắc");
  CHECK(outcomes[1].final == board::Final::kPromoted);
  // Promoted after a re-test is no award: the year's learning was Chưa đạt.
  CHECK_FALSE(outcomes[2].award);
  CHECK(outcomes[2].final == board::Final::kPromoted);
  CHECK(outcomes[2].retests[0].result == "5");
}

TEST_CASE("year-end columns: written by the leadership's commands, never typed into the book", "[unit][outcomes]") {
  const protocol::SubjectInfo toan{"Toán", true, 140}, gdtc{"Giáo dục thể chất", false, 70};
  struct Row {
    const protocol::SubjectInfo* subject;
    const char* column;
    const char* value;
    const char* expected;  // canonical value, or "!" + part of the refusal
  };
  const std::vector<Row> rows = {
      {&toan, "CN.KTL", "6,5", "6.5"},
      {&toan, "CN.KTL", "10", "10"},
      {&toan, "CN.KTL", "11", "!từ 0 đến 10"},
      {&toan, "CN.KTL", "Đ", "!từ 0 đến 10"},
      {&gdtc, "CN.KTL", "dat", "Đ"},
      {&gdtc, "CN.KTL", "cd", "CĐ"},
      {&gdtc, "CN.KTL", "7", "!Đ (Đạt) hoặc CĐ"},
      {&toan, "CN.KTL", "vắng", "Vắng"},  // did not sit the re-test
      {&toan, "CN.KTL", "V", "Vắng"},
      {&gdtc, "CN.KTL", "Vang thi", "Vắng"},
      {&toan, "CN.KTL", "vắng mặt", "!Vắng nếu học sinh không dự"},
      {nullptr, "CN.RLH", "đ", "Đạt"},
      {nullptr, "CN.RLH", "chua dat", "Chưa đạt"},
      {nullptr, "CN.RLH", "Tốt", "!Đạt hoặc Chưa đạt"},
      {nullptr, "CN.KTL", "5", "!không phải cột cuối năm"},
      {&toan, "CN.RLH", "Đạt", "!không phải cột cuối năm"},
      {&toan, "HK2.CK", "5", "!không phải cột cuối năm"},
      {nullptr, "CN.TB", " Tiến bộ vượt bậc môn Toán ", "Tiến bộ vượt bậc môn Toán"},
      {nullptr, "CN.TB", "  ", "!hãy ghi thành tích hoặc tiến bộ"},
      {&toan, "CN.TB", "Giỏi Toán", "!không phải cột cuối năm"},
  };
  for (const auto& r : rows) {
    INFO(r.column << " = " << r.value);
    auto v = normalize_year_end_value(r.subject, r.column, r.value);
    if (r.expected[0] == '!') {
      REQUIRE_FALSE(v.is_ok());
      CHECK_THAT(v.status().message(), Catch::Contains(r.expected + 1));
    } else {
      REQUIRE(v.is_ok());
      CHECK(*v == r.expected);
    }
  }
  // Typed into the book (a teacher's device, a correction, a spreadsheet): refused.
  for (const auto& [subject, column] : {std::pair{&toan, "CN.KTL"}, std::pair{(const protocol::SubjectInfo*)nullptr, "CN.RLH"},
                                        std::pair{(const protocol::SubjectInfo*)nullptr, "CN.TB"}}) {
    auto typed = normalize_cell_value(subject, column, "5");
    REQUIRE_FALSE(typed.is_ok());
    CHECK(typed.status().code() == ErrorCode::kInvalidValue);
    CHECK_THAT(typed.status().message(), Catch::Contains("do Ban giám hiệu ghi bằng lệnh sodiem-server"));
  }
  // The columns read back as themselves, outside both terms.
  for (const char* c : {"CN.KTL", "CN.RLH", "CN.TB"}) {
    auto col = Column::parse(c);
    REQUIRE(col);
    CHECK(col->to_string() == c);
    CHECK(col->term == 0);
  }
  CHECK(Column::parse("CN.RLH")->homeroom());
  CHECK(Column::parse("CN.TB")->homeroom());
  CHECK_FALSE(Column::parse("CN.KTL")->homeroom());
  CHECK_FALSE(Column::parse("CN.XYZ"));
}
