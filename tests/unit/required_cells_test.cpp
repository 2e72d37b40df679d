// The required-cells rule (core/required_cells.hpp), table-driven: how many
// regular assessments a subject's periods give, and which cells a class's
// board still lacks (exempt students, comment-only subjects, the combined
// subject Nghệ thuật, subjects without a single mark, students who left,
// conduct, both terms for the year-end board). The class board itself
// lists every assigned subject, marks or not.
#include <catch2/catch.hpp>
#include <functional>
#include <set>

#include "sodiem/core/required_cells.hpp"
#include "sodiem/core/summary_board.hpp"

using namespace sodiem;
using signing::CellLine;

namespace {

const protocol::SubjectInfo kToan{"Toán", true, 140};
const protocol::SubjectInfo kGdtc{"Giáo dục thể chất", false, 70};
const protocol::SubjectInfo kAmNhac{"Âm nhạc", false, 35, false, "Nghệ thuật", false};
const protocol::SubjectInfo kMiThuat{"Mĩ thuật", false, 35, false, "Nghệ thuật", false};

// Every required cell of `subject` for `student` in `term`, and the conduct.
void fill(std::vector<CellLine>& cells, const protocol::SubjectInfo& subject, const std::string& student,
          const std::string& term) {
  for (const auto& col : board::required_columns(subject, term))
    cells.push_back({subject.name, student, col, subject.scored ? "8" : "Đ"});
}

board::ClassBook full_class(const std::vector<std::string>& terms) {
  board::ClassBook book;
  book.class_name = "6A";
  book.subjects = {kToan, kGdtc, kAmNhac, kMiThuat};
  book.students = {"HS1", "HS2"};
  for (const auto& term : terms)
    for (const auto& st : book.students) {
      for (const auto& s : book.subjects) fill(book.cells, s, st, term);
      book.cells.push_back({"Chủ nhiệm", st, term + ".RL", "Tốt"});
    }
  return book;
}

void drop(board::ClassBook& book, const std::string& student, const std::string& subject, const std::string& prefix) {
  std::erase_if(book.cells, [&](const CellLine& c) {
    return c.student == student && c.subject == subject && c.column.rfind(prefix, 0) == 0;
  });
}

std::vector<std::string> named(const std::vector<board::MissingCell>& missing) {
  std::vector<std::string> out;
  for (const auto& m : missing) out.push_back(m.student + " " + m.subject + " " + m.column);
  return out;
}

}  // namespace

TEST_CASE("the regular assessments of a term follow the periods, the kind and study topics", "[unit][board]") {
  struct Row {
    protocol::SubjectInfo subject;
    std::size_t required;  // TX… + GK + CK
  };
  const std::vector<Row> table = {
      {{"Giáo dục công dân", true, 35}, 4},         // ≤ 35 periods: 2 TX
      {{"Công nghệ", true, 52}, 5},                 // Công nghệ 8–9: 3 TX
      {{"Công nghệ", true, 70}, 5},                 // ≤ 70: 3 TX
      {{"Ngoại ngữ 1", true, 105}, 6},              // > 70: 4 TX
      {{"Toán", true, 140}, 6},
      {{"Toán", true, 105, true, "", false}, 7},    // THPT study topics: TX5
      {{"Giáo dục thể chất", false, 70}, 4},        // comment-only: always 2 TX
      {{"Âm nhạc", false, 35, false, "Nghệ thuật", false}, 4},
      {{"Hoạt động trải nghiệm", false, 105}, 4},
  };
  for (const auto& row : table) {
    INFO(row.subject.name << " " << row.subject.periods_per_year);
    const auto cols = board::required_columns(row.subject, "HK2");
    CHECK(cols.size() == row.required);
    if (!cols.empty()) {
      CHECK(cols.front() == "HK2.TX1");
      CHECK(cols.back() == "HK2.CK");
    }
  }
}

TEST_CASE("which cells a class board still lacks", "[unit][board]") {
  struct Row {
    const char* what;
    std::string term;
    std::function<void(board::ClassBook&)> change;
    std::vector<std::string> missing;
  };
  const std::vector<Row> table = {
      {"everything given", "HK1", [](board::ClassBook&) {}, {}},
      {"one end-of-term mark", "HK1", [](board::ClassBook& b) { drop(b, "HS2", "Toán", "HK1.CK"); },
       {"HS2 Toán HK1.CK"}},
      {"a comment-only subject's mid-term", "HK1",
       [](board::ClassBook& b) { drop(b, "HS1", "Giáo dục thể chất", "HK1.GK"); }, {"HS1 Giáo dục thể chất HK1.GK"}},
      {"a subject nobody has marked yet: every cell of it", "HK1",
       [](board::ClassBook& b) {
         drop(b, "HS1", "Toán", "HK1");
         drop(b, "HS2", "Toán", "HK1");
       },
       {"HS1 Toán HK1.TX1", "HS1 Toán HK1.TX2", "HS1 Toán HK1.TX3", "HS1 Toán HK1.TX4", "HS1 Toán HK1.GK",
        "HS1 Toán HK1.CK", "HS2 Toán HK1.TX1", "HS2 Toán HK1.TX2", "HS2 Toán HK1.TX3", "HS2 Toán HK1.TX4",
        "HS2 Toán HK1.GK", "HS2 Toán HK1.CK"}},
      {"a value cleared is empty", "HK1",
       [](board::ClassBook& b) {
         for (auto& c : b.cells)
           if (c.student == "HS1" && c.subject == "Toán" && c.column == "HK1.TX2") c.value = "";
       },
       {"HS1 Toán HK1.TX2"}},
      {"Nghệ thuật: both of its parts are required", "HK1",
       [](board::ClassBook& b) { drop(b, "HS1", "Mĩ thuật", "HK1.TX1"); }, {"HS1 Mĩ thuật HK1.TX1"}},
      {"exempt (miễn) from the subject in the term: complete", "HK1",
       [](board::ClassBook& b) {
         drop(b, "HS1", "Giáo dục thể chất", "HK1");
         b.cells.push_back({"Giáo dục thể chất", "HS1", "HK1.MIEN", "giấy khám sức khỏe"});
       },
       {}},
      {"exempt in HK1 only: the year board still needs HK2", "CN",
       [](board::ClassBook& b) {
         drop(b, "HS1", "Giáo dục thể chất", "");
         b.cells.push_back({"Giáo dục thể chất", "HS1", "HK1.MIEN", "ốm"});
       },
       {"HS1 Giáo dục thể chất HK2.TX1", "HS1 Giáo dục thể chất HK2.TX2", "HS1 Giáo dục thể chất HK2.GK",
        "HS1 Giáo dục thể chất HK2.CK"}},
      {"an empty exemption is no exemption", "HK1",
       [](board::ClassBook& b) {
         drop(b, "HS1", "Toán", "HK1.GK");
         b.cells.push_back({"Toán", "HS1", "HK1.MIEN", ""});
       },
       {"HS1 Toán HK1.GK"}},
      {"conduct (rèn luyện) of the term", "HK1", [](board::ClassBook& b) { drop(b, "HS2", "Chủ nhiệm", "HK1.RL"); },
       {"HS2 Chủ nhiệm HK1.RL"}},
      {"the HK2 board carries the year: HK1 too", "HK2", [](board::ClassBook& b) { drop(b, "HS1", "Toán", "HK1.TX1"); },
       {"HS1 Toán HK1.TX1"}},
      {"a student who left: not required, their cells not counted", "HK1",
       [](board::ClassBook& b) {
         b.students = {"HS1"};
         drop(b, "HS2", "Toán", "");
       },
       {}},
      {"a student who came: all of theirs", "HK1",
       [](board::ClassBook& b) {
         b.students.push_back("HS3");
         b.subjects = {kToan};
       },
       {"HS3 Toán HK1.TX1", "HS3 Toán HK1.TX2", "HS3 Toán HK1.TX3", "HS3 Toán HK1.TX4", "HS3 Toán HK1.GK",
        "HS3 Toán HK1.CK", "HS3 Chủ nhiệm HK1.RL"}},
      {"a subject not assigned to the class is not required", "HK1",
       [](board::ClassBook& b) {
         b.subjects = {kToan};
         drop(b, "HS1", "Giáo dục thể chất", "");
       },
       {}},
  };
  for (const auto& row : table) {
    INFO(row.what);
    auto book = full_class({"HK1", "HK2"});
    row.change(book);
    CHECK(named(board::missing_cells(book, row.term)) == row.missing);
  }
}

TEST_CASE("progress counts assigned subjects × required columns × current students, exempt as filled", "[unit][board]") {
  auto book = full_class({"HK1"});
  book.students.push_back("HS3");  // nothing yet
  drop(book, "HS1", "Giáo dục thể chất", "HK1");
  book.cells.push_back({"Giáo dục thể chất", "HS1", "HK1.MIEN", "ốm"});
  book.cells.push_back({"Toán", "HS9", "HK1.TX1", "9"});  // left the class: not counted
  const auto counts = board::subject_counts(book, "HK1");
  REQUIRE(counts.size() == 4);
  CHECK(counts[0].subject == "Toán");
  CHECK(counts[0].required == 3 * 6);
  CHECK(counts[0].filled == 2 * 6);
  CHECK(counts[1].subject == "Giáo dục thể chất");
  CHECK(counts[1].required == 3 * 4);
  CHECK(counts[1].filled == 2 * 4);  // HS1 exempt (complete), HS2 given, HS3 not
  for (const auto& c : board::subject_counts(book, "HK2")) CHECK(c.filled == 0);
}

TEST_CASE("the class board lists every assigned subject, marks or not", "[unit][board]") {
  // 13 subjects were approved "Học sinh Xuất sắc" with one of them never
  // marked: it was not on the board at all.
  auto book = full_class({"HK1", "HK2"});
  drop(book, "HS1", "Toán", "");
  drop(book, "HS2", "Toán", "");
  std::map<std::string, std::string> hs1;
  for (const auto& l : board::summary_board("HK2", book))
    if (l.student == "HS1") hs1[l.subject + "|" + l.column] = l.value;
  CHECK(hs1["Tổng hợp HK2|Toán"] == "chưa đủ điểm");
  CHECK(hs1["Tổng hợp CN|Toán"] == "chưa đủ điểm");
  CHECK(hs1["Tổng hợp CN|Học tập"] == "chưa đủ điểm");
  CHECK(hs1["Tổng hợp CN|Lên lớp"] == "chưa đủ dữ liệu");
  CHECK_FALSE(hs1.contains("Tổng hợp CN|Danh hiệu"));
  CHECK(hs1["Tổng hợp CN|Nghệ thuật"] == "Đ");  // combined: once
  // A student who left is not on the board, whatever cells they left behind.
  book.students = {"HS1"};
  for (const auto& l : board::summary_board("HK1", book)) CHECK(l.student == "HS1");
  // The refusal names the cells with their subject.
  const auto text = board::missing_cells_text("lớp 6A HK2", board::missing_cells(book, "HK2"), true);
  CHECK_THAT(text, Catch::StartsWith("chưa thể ký xác nhận lớp 6A HK2: còn 12 ô bắt buộc chưa có điểm hoặc đánh giá: "
                                     "HS1 Toán HK1.TX1, HS1 Toán HK1.TX2"));
  CHECK_THAT(text, Catch::EndsWith(" và 4 ô khác"));
}
