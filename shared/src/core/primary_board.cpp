// The primary class board and year (primary_board.hpp): TT27 Điều 9, 11, 13
// over a primary class's cells, through the TT27 engine (grading.hpp).
#include "sodiem/core/primary_board.hpp"

#include "sodiem/core/attendance.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/core/summary_board.hpp"

namespace sodiem::board {
namespace {

using Cells = std::map<std::string, std::string>;

const Cells& cells_of(const SubjectCells& per_subject, const std::string& subject) {
  static const Cells kNone;
  auto it = per_subject.find(subject);
  return it == per_subject.end() ? kNone : it->second;
}

std::optional<std::string> cell(const Cells& cells, const std::string& column) {
  auto it = cells.find(column);
  if (it == cells.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// The end-of-term periodic test code of `term`: CK1 for HK1, CN for HK2.
std::string end_test(const std::string& term) { return term == "HK1" ? "CK1" : "CN"; }

std::vector<const protocol::SubjectInfo*> assigned_of(const ClassBook& book) {
  std::vector<const protocol::SubjectInfo*> out;
  for (const auto& s : book.subjects)
    if (s.name != protocol::kHomeroomSubject) out.push_back(&s);
  return out;
}

// The lines of `term`'s cells (HKn.CK ratings, HKn.KTCK tests, HKn.PC/NL)
// of one student under `section`.
void term_lines(std::vector<signing::CellLine>& out, const std::string& section, const std::string& student,
                const std::string& term, const std::vector<const protocol::SubjectInfo*>& assigned,
                const SubjectCells& per_subject) {
  for (const protocol::SubjectInfo* subject : assigned) {
    const Cells& cells = cells_of(per_subject, subject->name);
    const bool exempt_now = exempt(cells, term);
    out.push_back({section, student, subject->name,
                   exempt_now ? kExempt : cell(cells, term + ".CK").value_or("chưa đánh giá")});
    if (sits_periodic_test(*subject, end_test(term)))
      out.push_back({section, student, subject->name + " (KTĐK)",
                     exempt_now ? kExempt : cell(cells, term + ".KTCK").value_or("chưa có điểm")});
  }
  const Cells& homeroom = cells_of(per_subject, std::string(protocol::kHomeroomSubject));
  for (int i = 1; i <= kQualities; ++i)
    out.push_back({section, student, std::string("Phẩm chất ") + quality_name(i),
                   cell(homeroom, term + ".PC" + std::to_string(i)).value_or("chưa đánh giá")});
  for (int i = 1; i <= kCompetences; ++i)
    out.push_back({section, student, std::string("Năng lực ") + competence_name(i),
                   cell(homeroom, term + ".NL" + std::to_string(i)).value_or("chưa đánh giá")});
}

}  // namespace

PrimaryYear primary_year(const std::vector<const protocol::SubjectInfo*>& assigned, const SubjectCells& per_subject) {
  PrimaryYear out;
  std::vector<grading::SubjectRating> ratings;
  std::vector<grading::QualityRating> qualities;
  std::vector<int> tests;
  for (const protocol::SubjectInfo* subject : assigned) {
    const Cells& cells = cells_of(per_subject, subject->name);
    if (exempt(cells, "HK2")) continue;  // miễn học: not assessed
    const auto rating = cell(cells, "HK2.CK");
    const auto parsed = rating ? grading::parse_subject_rating(*rating) : std::nullopt;
    if (parsed) ratings.push_back(*parsed);
    else out.missing.push_back("môn " + subject->name + " chưa đánh giá cuối năm");
    if (!sits_periodic_test(*subject, "CN")) continue;
    const auto test = cell(cells, "HK2.KTCK");
    const auto score = test ? grading::parse_periodic_test(*test) : std::nullopt;
    if (score)
      tests.push_back(*score);
    else
      out.missing.push_back("môn " + subject->name + " chưa có điểm kiểm tra định kì cuối năm");
  }
  const Cells& homeroom = cells_of(per_subject, std::string(protocol::kHomeroomSubject));
  auto rate = [&](const std::string& column, const std::string& what) {
    const auto v = cell(homeroom, column);
    const auto parsed = v ? grading::parse_quality_rating(*v) : std::nullopt;
    if (parsed) qualities.push_back(*parsed);
    else out.missing.push_back("chưa đánh giá " + what + " cuối năm");
  };
  for (int i = 1; i <= kQualities; ++i) rate("HK2.PC" + std::to_string(i), std::string("phẩm chất ") + quality_name(i));
  for (int i = 1; i <= kCompetences; ++i)
    rate("HK2.NL" + std::to_string(i), std::string("năng lực ") + competence_name(i));
  if (ratings.empty() && out.missing.empty()) out.missing.push_back("lớp chưa có môn học nào được phân công");
  if (tests.empty() && out.missing.empty())
    out.missing.push_back("không môn nào có bài kiểm tra định kì cuối năm (Thông tư 27 Điều 6.3: Tiếng Việt, Toán)");
  if (!out.missing.empty()) return out;
  out.result = grading::primary_year_result(ratings, qualities, tests);
  // Học sinh Tiêu biểu (Hoàn thành tốt and recognised by the class) is the
  // class's decision, recorded after the board: year_outcomes() asks again.
  out.award = primary_award(*out.result, false);
  return out;
}

std::optional<std::string> primary_award(grading::YearResult result, bool recognised) {
  if (result == grading::YearResult::kHoanThanhXuatSac) return std::string(kAwardExcellent);
  if (result == grading::YearResult::kHoanThanhTot && recognised) return std::string(kAwardExemplary);
  return std::nullopt;
}

std::string completion_text(bool completed, int grade) {
  if (completed && grade == 5) return "Hoàn thành chương trình tiểu học";
  const std::string which = grade > 0 ? "lớp " + std::to_string(grade) : "lớp học";
  return (completed ? "Hoàn thành chương trình " : "Chưa hoàn thành chương trình ") + which;
}

std::vector<signing::CellLine> primary_board(const std::string& term, const ClassBook& book) {
  const bool hk2 = term == "HK2";
  const auto assigned = assigned_of(book);
  const std::string section = "Tổng hợp " + term, year_section = "Tổng hợp CN";
  std::vector<signing::CellLine> out;
  for (const auto& [student, per_subject] : book_cells(book)) {
    term_lines(out, section, student, term, assigned, per_subject);
    if (!hk2) continue;
    // The year is the end of HK2 (cuối năm học, Điều 6.1–6.2).
    term_lines(out, year_section, student, "HK2", assigned, per_subject);
    const PrimaryYear year = primary_year(assigned, per_subject);
    out.push_back({year_section, student, "Kết quả giáo dục",
                   year.result ? std::string(grading::year_result_name(*year.result)) : "chưa đủ dữ liệu"});
    out.push_back({year_section, student, "Hoàn thành chương trình",
                   year.result ? completion_text(*year.result != grading::YearResult::kChuaHoanThanh, book.grade)
                               : "chưa đủ dữ liệu"});
    if (year.award) out.push_back({year_section, student, "Khen thưởng", *year.award});
    const auto absent = attendance::count(cells_of(per_subject, std::string(protocol::kHomeroomSubject)), book.two_sessions);
    out.push_back({year_section, student, "Nghỉ",
                   std::to_string(absent.excused + absent.unexcused) + " buổi (có phép " + std::to_string(absent.excused) +
                       ", không phép " + std::to_string(absent.unexcused) + ")"});
  }
  return out;
}

Totals class_totals(const std::vector<signing::CellLine>& board, const std::string& section) {
  Totals out;
  for (const auto& line : board)
    if (line.subject == section && line.column != "Nghỉ") ++out[line.column][line.value];
  return out;
}

}  // namespace sodiem::board
