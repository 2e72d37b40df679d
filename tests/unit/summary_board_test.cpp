// The class summary board signed at the class-level confirmation steps:
// results computed from the cells by the TT22 engine, and the document that
// carries them.
#include <catch2/catch.hpp>
#include <set>

#include "sodiem/core/signing.hpp"
#include "sodiem/core/summary_board.hpp"

using namespace sodiem;
using signing::CellLine;

namespace {

const std::vector<std::string> kScored = {"Toán", "Ngữ văn", "Tiếng Anh", "KHTN", "Lịch sử và Địa lí", "GDCD"};

std::optional<protocol::SubjectInfo> lookup(const std::string& name) {
  if (name == "Giáo dục thể chất") return protocol::SubjectInfo{name, false, 70};
  for (const auto& s : kScored)
    if (s == name) return protocol::SubjectInfo{name, true, 70};  // 3 regular marks
  return std::nullopt;
}

// Every subject of `term` for one student: TX tx tx tx, GK gk, CK ck; the
// comment subject all Đ; conduct.
void add_term(std::vector<CellLine>& cells, const std::string& student, const std::string& term, const std::string& tx,
              const std::string& gk, const std::string& ck, const std::string& conduct) {
  for (const auto& s : kScored) {
    for (const char* c : {".TX1", ".TX2", ".TX3"}) cells.push_back({s, student, term + c, tx});
    cells.push_back({s, student, term + ".GK", gk});
    cells.push_back({s, student, term + ".CK", ck});
  }
  for (const char* c : {".TX1", ".TX2", ".GK", ".CK"}) cells.push_back({"Giáo dục thể chất", student, term + c, "Đ"});
  cells.push_back({"Chủ nhiệm", student, term + ".RL", conduct});
}

// The class: every subject `lookup` knows (or `subject_of` does), the
// students that appear in the cells.
using Lookup = std::optional<protocol::SubjectInfo> (*)(const std::string&);
board::ClassBook book_of(const std::vector<CellLine>& cells, Lookup subject_of = lookup,
                         const std::vector<std::string>& extra = {"Âm nhạc", "Mĩ thuật"}) {
  board::ClassBook book;
  book.class_name = "6A";
  std::vector<std::string> names = kScored;
  names.push_back("Giáo dục thể chất");
  names.insert(names.end(), extra.begin(), extra.end());
  for (const auto& n : names)
    if (auto info = subject_of(n)) book.subjects.push_back(*info);
  std::set<std::string> students;
  for (const auto& c : cells) students.insert(c.student);
  book.students.assign(students.begin(), students.end());
  book.cells = cells;
  return book;
}

std::map<std::string, std::string> board_of(const std::vector<CellLine>& lines, const std::string& student) {
  std::map<std::string, std::string> out;
  for (const auto& l : lines)
    if (l.student == student) out[l.subject + "|" + l.column] = l.value;
  return out;
}

}  // namespace

TEST_CASE("the term board carries each subject's average and the learning and conduct levels", "[board]") {
  std::vector<CellLine> cells;
  add_term(cells, "HS01", "HK1", "8", "9", "8", "Tốt");  // 66/8 = 8.25 → 8.3 in every subject
  add_term(cells, "HS02", "HK1", "6", "6", "6", "Khá");
  cells.erase(std::remove_if(cells.begin(), cells.end(),
                             [](const CellLine& c) { return c.student == "HS02" && c.subject == "Toán" && c.column == "HK1.CK"; }),
              cells.end());
  const auto lines = board::summary_board("HK1", book_of(cells));
  auto a = board_of(lines, "HS01");
  CHECK(a["Tổng hợp HK1|Toán"] == "8.3");
  CHECK(a["Tổng hợp HK1|Giáo dục thể chất"] == "Đ");
  CHECK(a["Tổng hợp HK1|Học tập"] == "Tốt");
  CHECK(a["Tổng hợp HK1|Rèn luyện"] == "Tốt");
  CHECK_FALSE(a.contains("Tổng hợp CN|Học tập"));  // no year results on the HK1 board
  // A missing end-of-term mark: that subject and the level wait for it.
  auto b = board_of(lines, "HS02");
  CHECK(b["Tổng hợp HK1|Toán"] == "chưa đủ điểm");
  CHECK(b["Tổng hợp HK1|Ngữ văn"] == "6.0");
  CHECK(b["Tổng hợp HK1|Học tập"] == "chưa đủ điểm");
  CHECK(b["Tổng hợp HK1|Rèn luyện"] == "Khá");
}

TEST_CASE("the HK2 board adds the year: averages, levels, absences, promotion and award", "[board]") {
  std::vector<CellLine> cells;
  add_term(cells, "HS01", "HK1", "8", "9", "8", "Tốt");
  add_term(cells, "HS01", "HK2", "9", "9", "9", "Tốt");
  add_term(cells, "HS03", "HK1", "5", "5", "5", "Tốt");
  add_term(cells, "HS03", "HK2", "5", "5", "5", "Khá");
  for (int day = 1; day <= 46; ++day) {
    char date[32];
    std::snprintf(date, sizeof date, "CC.2027-%02d-%02d", 1 + (day - 1) / 28, 1 + (day - 1) % 28);
    cells.push_back({"Chủ nhiệm", "HS03", date, day % 2 ? "P" : "K"});
  }
  const auto lines = board::summary_board("HK2", book_of(cells));
  auto a = board_of(lines, "HS01");
  CHECK(a["Tổng hợp HK2|Toán"] == "9.0");
  CHECK(a["Tổng hợp CN|Toán"] == "8.8");  // (8.3 + 2·9.0) / 3 = 8.77 → 8.8
  CHECK(a["Tổng hợp CN|Giáo dục thể chất"] == "Đ");
  CHECK(a["Tổng hợp CN|Học tập"] == "Tốt");
  CHECK(a["Tổng hợp CN|Rèn luyện"] == "Tốt");
  CHECK(a["Tổng hợp CN|Nghỉ"] == "0 buổi (có phép 0, không phép 0)");
  CHECK(a["Tổng hợp CN|Lên lớp"] == "Được lên lớp");
  CHECK(a["Tổng hợp CN|Danh hiệu"] == "Học sinh Giỏi");
  auto c = board_of(lines, "HS03");
  CHECK(c["Tổng hợp CN|Học tập"] == "Đạt");
  CHECK(c["Tổng hợp CN|Rèn luyện"] == "Khá");
  CHECK(c["Tổng hợp CN|Nghỉ"] == "46 buổi (có phép 23, không phép 23)");
  CHECK_THAT(c["Tổng hợp CN|Lên lớp"], Catch::StartsWith("Chưa được lên lớp") && Catch::Contains("46 buổi"));
  CHECK_FALSE(c.contains("Tổng hợp CN|Danh hiệu"));
}

TEST_CASE("the class document signs the term's cells with the board, and any change moves its digest", "[board]") {
  std::vector<CellLine> cells;
  add_term(cells, "HS01", "HK1", "8", "9", "8", "Tốt");
  add_term(cells, "HS01", "HK2", "9", "9", "9", "Tốt");
  const auto doc = board::class_document("HK1", "class", book_of(cells));
  CHECK_THAT(doc, Catch::Contains("Toán\tHS01\tHK1.CK\t8\n") && Catch::Contains("Tổng hợp HK1\tHS01\tHọc tập\tTốt\n"));
  CHECK_THAT(doc, !Catch::Contains("HK2.CK"));  // the other term's cells are not signed here
  // Same cells in another order: same document.
  auto shuffled = cells;
  std::reverse(shuffled.begin(), shuffled.end());
  CHECK(board::class_document("HK1", "class", book_of(shuffled)) == doc);
  // One conduct level changed: the board line changes, so does the digest.
  for (auto& c : cells)
    if (c.column == "HK1.RL") c.value = "Khá";
  const auto changed = board::class_document("HK1", "class", book_of(cells));
  CHECK_THAT(changed, Catch::Contains("Tổng hợp HK1\tHS01\tRèn luyện\tKhá\n"));
  CHECK(signing::digest_hex(changed) != signing::digest_hex(doc));
}

TEST_CASE("the subject document signs the subject's cells with each student's term result", "[board]") {
  std::vector<CellLine> cells;
  cells.push_back({"", "HS01", "HK1.TX1", "7"});
  cells.push_back({"", "HS01", "HK1.TX2", "7"});
  cells.push_back({"", "HS01", "HK1.TX3", "6"});
  cells.push_back({"", "HS01", "HK1.GK", "8.9"});
  cells.push_back({"", "HS01", "HK1.CK", "8.6"});
  cells.push_back({"", "HS02", "HK1.TX1", "9"});
  const protocol::SubjectInfo toan{"Toán", true, 70};
  const auto doc = board::subject_document("6A", toan, "HK1", "subject", cells);
  CHECK_THAT(doc, Catch::Contains("subject\tToán\n") && Catch::Contains("\tHS01\tHK1.GK\t8.9\n"));
  CHECK_THAT(doc, Catch::Contains("Kết quả\tHS01\tĐTB HK1\t8.0\n"));  // 63.6/8 = 7.95 → 8.0
  CHECK_THAT(doc, Catch::Contains("Kết quả\tHS02\tĐTB HK1\tchưa đủ điểm\n"));
  const protocol::SubjectInfo gdtc{"Giáo dục thể chất", false, 70};
  std::vector<CellLine> comment;
  for (const char* c : {"HK1.TX1", "HK1.TX2", "HK1.GK", "HK1.CK"}) comment.push_back({"", "HS01", c, "Đ"});
  CHECK_THAT(board::subject_document("6A", gdtc, "HK1", "subject", comment), Catch::Contains("Kết quả\tHS01\tKQ HK1\tĐ\n"));
}

TEST_CASE("a combined subject (Nghệ thuật = Âm nhạc + Mĩ thuật) counts once in the learning level", "[board][curriculum]") {
  // Âm nhạc and Mĩ thuật both Chưa đạt: as two subjects that is two comment
  // subjects Chưa đạt (learning Chưa đạt); as Nghệ thuật it is one (Đạt, TT22 Điều 9).
  Lookup combined = [](const std::string& name) -> std::optional<protocol::SubjectInfo> {
    if (name == "Âm nhạc" || name == "Mĩ thuật") return protocol::SubjectInfo{name, false, 35, false, "Nghệ thuật", false};
    return lookup(name);
  };
  std::vector<CellLine> cells;
  add_term(cells, "HS01", "HK1", "6", "6", "6", "Tốt");
  for (const char* part : {"Âm nhạc", "Mĩ thuật"})
    for (const char* c : {"HK1.TX1", "HK1.TX2", "HK1.GK", "HK1.CK"}) cells.push_back({part, "HS01", c, "CĐ"});
  auto b = board_of(board::summary_board("HK1", book_of(cells, combined)), "HS01");
  CHECK(b["Tổng hợp HK1|Âm nhạc"] == "CĐ");
  CHECK(b["Tổng hợp HK1|Mĩ thuật"] == "CĐ");
  CHECK(b["Tổng hợp HK1|Nghệ thuật"] == "CĐ");
  CHECK(b["Tổng hợp HK1|Học tập"] == "Đạt");
  // The same marks with the two subjects standing alone: Chưa đạt.
  Lookup alone = [](const std::string& name) -> std::optional<protocol::SubjectInfo> {
    if (name == "Âm nhạc" || name == "Mĩ thuật") return protocol::SubjectInfo{name, false, 35, false, "", false};
    return lookup(name);
  };
  CHECK(board_of(board::summary_board("HK1", book_of(cells, alone)), "HS01")["Tổng hợp HK1|Học tập"] == "Chưa đạt");
  // One part Đạt, the other not: Nghệ thuật is Chưa đạt; both Đạt: Đạt.
  for (auto& c : cells)
    if (c.subject == "Âm nhạc") c.value = "Đ";
  CHECK(board_of(board::summary_board("HK1", book_of(cells, combined)), "HS01")["Tổng hợp HK1|Nghệ thuật"] == "CĐ");
  for (auto& c : cells)
    if (c.subject == "Mĩ thuật") c.value = "Đ";
  b = board_of(board::summary_board("HK1", book_of(cells, combined)), "HS01");
  CHECK(b["Tổng hợp HK1|Nghệ thuật"] == "Đ");
  CHECK(b["Tổng hợp HK1|Học tập"] == "Đạt");  // every average 6.0: not Khá (needs 6.5)
}
