// The required-cells rule (required_cells.hpp): which cells the subject and
// class signatures and the progress report need. Pure; thread-safe.
#include "sodiem/core/required_cells.hpp"

#include "sodiem/core/column.hpp"

namespace sodiem::board {
namespace {

StudentCells of_subject(const ClassBook& book, const BookCells& grouped, const std::string& subject) {
  static const std::map<std::string, std::string> kNone;
  StudentCells out;
  for (const auto& student : book.students) {
    const auto& by_subject = grouped.at(student);
    auto it = by_subject.find(subject);
    out.emplace_back(student, it == by_subject.end() ? kNone : it->second);
  }
  return out;
}

}  // namespace

BookCells book_cells(const ClassBook& book) {
  BookCells out;
  for (const auto& s : book.students) out[s];
  for (const auto& c : book.cells)
    if (!c.value.empty())
      if (auto it = out.find(c.student); it != out.end()) it->second[c.subject][c.column] = c.value;
  return out;
}

bool exempt(const std::map<std::string, std::string>& cells, const std::string& term) {
  auto it = cells.find(term + ".MIEN");
  return it != cells.end() && !it->second.empty();
}

bool primary_class(const ClassBook& book) {
  if (book.grade > 0) return book.grade <= 5;
  for (const auto& s : book.subjects)
    if (!s.primary && s.name != protocol::kHomeroomSubject) return false;
  return !book.subjects.empty();
}

std::vector<std::string> required_columns(const protocol::SubjectInfo& subject, const std::string& term) {
  std::vector<std::string> out;
  if (subject.name == protocol::kHomeroomSubject) return out;
  if (subject.primary) {
    // TT27 Điều 6.1 (ratings at mid-term and end of term) and 6.3 (the
    // periodic tests: mid-term GK1/GK2 in grades 4–5 Tiếng Việt and Toán,
    // end of term CK1 and end of year CN).
    const std::string n = term.size() == 3 ? term.substr(2) : "";
    out.push_back(term + ".GK");
    if (sits_periodic_test(subject, "GK" + n)) out.push_back(term + ".KTGK");
    out.push_back(term + ".CK");
    if (sits_periodic_test(subject, n == "2" ? "CN" : "CK" + n)) out.push_back(term + ".KTCK");
    return out;
  }
  const int tx = regular_assessments(subject);
  for (int i = 1; i <= tx; ++i) out.push_back(term + ".TX" + std::to_string(i));
  out.push_back(term + ".GK");
  out.push_back(term + ".CK");
  return out;
}

std::vector<MissingCell> missing_cells(const protocol::SubjectInfo& subject, const std::string& term,
                                       const StudentCells& students) {
  const auto required = required_columns(subject, term);
  std::vector<MissingCell> out;
  for (const auto& [code, cells] : students) {
    if (exempt(cells, term)) continue;
    for (const auto& col : required)
      if (auto it = cells.find(col); it == cells.end() || it->second.empty()) out.push_back({code, subject.name, col});
  }
  return out;
}

std::vector<std::string> homeroom_required_columns(bool primary, const std::string& term) {
  if (!primary) return {term + ".RL"};
  std::vector<std::string> out;
  for (const char* at : {".GK", ""}) {
    for (int i = 1; i <= kQualities; ++i) out.push_back(term + ".PC" + std::to_string(i) + at);
    for (int i = 1; i <= kCompetences; ++i) out.push_back(term + ".NL" + std::to_string(i) + at);
  }
  return out;
}

// HK2 covers HK1 at every level, deliberately. TT22 (THCS, THPT): HK1 is an
// input of the year (ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII)/3). TT27 (primary):
// the year's result reads only the end-of-year cells (primary_year, Điều
// 9.2.a), but the class's summary (bảng tổng hợp kết quả đánh giá giáo dục
// của lớp) is made at the end of HK1 and of the year and both stay in the
// records, and the signed year board shows each end-of-HK1 value beside the
// year's (primary_year_board): a year board is never signed with an HK1
// rating or test empty. Tested: primary_board_test "HK1's on the HK2 board too".
std::vector<std::string> board_terms(const std::string& term) {
  if (term == "HK1") return {"HK1"};
  return {"HK1", "HK2"};
}

std::vector<MissingCell> missing_cells(const ClassBook& book, const std::string& term) {
  const BookCells grouped = book_cells(book);
  const bool primary = primary_class(book);
  const std::string homeroom(protocol::kHomeroomSubject);
  std::vector<MissingCell> out;
  for (const auto& t : board_terms(term)) {
    for (const auto& subject : book.subjects)
      for (auto& m : missing_cells(subject, t, of_subject(book, grouped, subject.name))) out.push_back(std::move(m));
    const auto required = homeroom_required_columns(primary, t);
    for (const auto& [student, cells] : of_subject(book, grouped, homeroom))
      for (const auto& col : required)
        if (!cells.contains(col)) out.push_back({student, homeroom, col});
  }
  return out;
}

std::vector<SubjectCount> subject_counts(const ClassBook& book, const std::string& term) {
  const BookCells grouped = book_cells(book);
  std::vector<SubjectCount> out;
  for (const auto& subject : book.subjects) {
    SubjectCount c{subject.name};
    c.required = static_cast<int>(required_columns(subject, term).size() * book.students.size());
    c.filled = c.required - static_cast<int>(missing_cells(subject, term, of_subject(book, grouped, subject.name)).size());
    out.push_back(std::move(c));
  }
  return out;
}

std::string missing_cells_text(const std::string& what, const std::vector<MissingCell>& missing, bool with_subject) {
  if (missing.empty()) return {};
  constexpr std::size_t kNamed = 8;
  std::string text = "chưa thể ký xác nhận " + what + ": còn " + std::to_string(missing.size()) +
                     (with_subject ? " ô bắt buộc chưa có điểm hoặc đánh giá: " : " ô bắt buộc chưa có điểm: ");
  for (std::size_t i = 0; i < missing.size() && i < kNamed; ++i)
    text += (i ? ", " : "") + missing[i].student + " " + (with_subject ? missing[i].subject + " " : "") + missing[i].column;
  if (missing.size() > kNamed) text += " và " + std::to_string(missing.size() - kNamed) + " ô khác";
  return text;
}

}  // namespace sodiem::board
