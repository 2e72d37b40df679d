// The class summary board of a primary class (bảng tổng hợp kết quả đánh giá
// giáo dục của lớp, Thông tư 27/2020) and each student's year from it: the
// subjects' ratings and periodic tests, the qualities and competences, the
// year's result (Hoàn thành xuất sắc / Hoàn thành tốt / Hoàn thành / Chưa
// hoàn thành, Điều 9.2.a), whether the grade's programme is completed
// (Điều 11) and the award (Điều 13.1.a), computed by the one TT27 engine
// (grading.hpp). summary_board() and year_outcomes() use it for a primary
// class (primary_class), client and server alike. Pure functions; thread-safe.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sodiem/core/grading.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/core/signing.hpp"

namespace sodiem::board {

using SubjectCells = std::map<std::string, std::map<std::string, std::string>>;  // subject → column → value

// TT27 Điều 13.1.a: the year-end awards of a primary pupil. Xuất sắc for
// Hoàn thành xuất sắc; Tiêu biểu for Hoàn thành tốt with an achievement in
// a subject or real progress in a quality or competence recognised by the
// class, which the leadership records (CN.TB, sodiem-server recognise).
inline constexpr std::string_view kAwardExcellent = "Học sinh Xuất sắc";
inline constexpr std::string_view kAwardExemplary = "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện";
inline constexpr std::string_view kRecognitionColumn = "CN.TB";  // homeroom: the recognition's reason

// Điều 13.1.a: the award of a pupil whose year's result is `result`:
// kAwardExcellent for Hoàn thành xuất sắc; kAwardExemplary for Hoàn thành
// tốt once the class's recognition is recorded (`recognised`, CN.TB);
// nullopt otherwise. The one rule: the board, the outcomes, `grading eval`.
std::optional<std::string> primary_award(grading::YearResult result, bool recognised);

// One student's year (TT27 Điều 9.2.a), from each assigned subject's end-of-year
// rating (HK2.CK) and end-of-year periodic test (HK2.KTCK, where the grade
// sits "CN"), and the end-of-year qualities and competences (HK2.PC1…PC5,
// HK2.NL1…NL10). A subject the student is exempt from in HK2 (HK2.MIEN) is
// left out.
struct PrimaryYear {
  std::optional<grading::YearResult> result;  // nullopt while something is missing
  std::vector<std::string> missing;           // what is missing, in Vietnamese
  std::optional<std::string> award;           // primary_award(result, false): "Học sinh Xuất sắc" or none
};
PrimaryYear primary_year(const std::vector<const protocol::SubjectInfo*>& assigned, const SubjectCells& cells);

// Điều 11: the grade's programme is completed with Hoàn thành xuất sắc, Hoàn
// thành tốt or Hoàn thành: "Hoàn thành chương trình lớp 4", in grade 5
// "Hoàn thành chương trình tiểu học" (11.2); otherwise "Chưa hoàn thành
// chương trình lớp 4". Grade 0 (unknown): "… lớp học".
std::string completion_text(bool completed, int grade);

// The board of `term` (HK1/HK2) of a primary class, as summary_board():
// per current student under "Tổng hợp HKn" each assigned subject's end-of-term
// rating ("Hoàn thành tốt", kExempt, "chưa đánh giá"), "<subject> (KTĐK)" its
// end-of-term periodic test where the grade sits one, "Phẩm chất <name>" and
// "Năng lực <name>" the end-of-term qualities and competences; the HK2 board
// also the year under "Tổng hợp CN": the same from the end-of-year cells,
// "Kết quả giáo dục", "Hoàn thành chương trình", "Khen thưởng" when earned,
// "Nghỉ" (sessions).
std::vector<signing::CellLine> primary_board(const std::string& term, const ClassBook& book);

// The class totals of a board's `section` ("Tổng hợp HK1", "Tổng hợp CN"):
// each column → each value → how many students have it.
using Totals = std::map<std::string, std::map<std::string, int>>;
Totals class_totals(const std::vector<signing::CellLine>& board, const std::string& section);

}  // namespace sodiem::board
