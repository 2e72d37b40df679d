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

std::vector<std::string> required_columns(const protocol::SubjectInfo& subject, const std::string& term) {
  std::vector<std::string> out;
  // Primary subjects (TT27) are not graded yet: nothing is required of them.
  if (subject.name == protocol::kHomeroomSubject || subject.primary) return out;
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

std::vector<std::string> board_terms(const std::string& term) {
  if (term == "HK1") return {"HK1"};
  return {"HK1", "HK2"};
}

std::vector<MissingCell> missing_cells(const ClassBook& book, const std::string& term) {
  const BookCells grouped = book_cells(book);
  bool tt22 = false;
  for (const auto& s : book.subjects) tt22 = tt22 || !s.primary;
  const std::string homeroom(protocol::kHomeroomSubject);
  std::vector<MissingCell> out;
  for (const auto& t : board_terms(term)) {
    for (const auto& subject : book.subjects)
      for (auto& m : missing_cells(subject, t, of_subject(book, grouped, subject.name))) out.push_back(std::move(m));
    if (!tt22) continue;
    for (const auto& [student, cells] : of_subject(book, grouped, homeroom))
      if (auto it = cells.find(t + ".RL"); it == cells.end()) out.push_back({student, homeroom, t + ".RL"});
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
