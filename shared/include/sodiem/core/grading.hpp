// The grading engine: TT22/2021/TT-BGDĐT (grades 6–12) and TT27/2020/TT-BGDĐT
// (primary), in exact decimal arithmetic (Mark = tenths; never a double).
// Used the same way by client and server. Pure functions; thread-safe.
#pragma once
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sodiem/core/mark.hpp"

namespace sodiem::grading {

// ---- TT22 -------------------------------------------------------------------

// Điều 9.1: ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (số ĐĐGtx + 5), rounded
// half up to one decimal. Requires at least one regular mark.
std::optional<Mark> term_average(std::span<const Mark> regular, Mark mid_term, Mark end_term);

// Điều 9.1: ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3, from the rounded term averages.
Mark year_average(Mark term1, Mark term2);

// The four levels of Điều 8 (conduct) and Điều 9 (learning), ordered.
enum class Level { kChuaDat = 0, kDat = 1, kKha = 2, kTot = 3 };
std::string_view level_name(Level level);  // "Tốt", "Khá", "Đạt", "Chưa đạt"
std::optional<Level> parse_level(std::string_view text);

// Result of a comment-only subject (or of one of its assessments).
enum class CommentResult : std::uint8_t { kChuaDat = 0, kDat = 1 };

// Điều 9.1.a: a comment-only subject is Đạt in a term when every required
// assessment was given and all are Đạt; for the year, the HKII result.
CommentResult comment_subject_result(std::span<const CommentResult> assessments, int required);

struct LearningResult {
  Level level = Level::kChuaDat;
  bool adjusted = false;
  Level before_adjustment = Level::kChuaDat;
};

// Điều 9.2 (term) and 9.3 (year) levels from the scored subjects' averages and
// the comment subjects' results, with the one-subject adjustment of 9.4:
// if the level is two or more below Tốt or Khá *only because of one subject*,
// it is raised to the next level up.
// Reading chosen for "only because of one subject": with that one subject
// exempted from the floors that apply to every subject (each scored average
// ≥ 6.5 / ≥ 5.0 / not < 3.5; each comment subject Đạt; at most one Chưa đạt),
// but still counted at its real value towards "at least 6 subjects ≥ …",
// the student would reach Tốt or Khá. The best such exemption is used.
LearningResult learning_level(std::span<const Mark> scored_averages, std::span<const CommentResult> comment);

// Điều 8.2.b: the year's conduct from HKII and HKI.
Level year_conduct(Level term1, Level term2);

struct Promotion {
  bool promoted = false;
  std::vector<std::string> reasons;  // why not (Vietnamese), empty when promoted
};
// Điều 12.1: year conduct and learning at least Đạt (after re-assessment)
// and absent at most 45 sessions in the year.
Promotion promotion(Level year_conduct, Level year_learning, int absent_sessions);

// Điều 12: what follows the year's results. More than 45 sessions absent →
// ở lại lớp directly; otherwise learning Chưa đạt → kiểm tra lại (re-tests
// in the subjects of retest_subjects), conduct Chưa đạt → rèn luyện trong
// hè, both → both; else lên lớp.
enum class Outcome { kLenLop, kKiemTraLai, kRenLuyenHe, kKiemTraLaiVaRenLuyenHe, kOLaiLop };
Outcome year_outcome(Level year_conduct, Level year_learning, int absent_sessions);
// "Lên lớp", "Kiểm tra lại", "Rèn luyện trong hè", "Kiểm tra lại và rèn
// luyện trong hè", "Ở lại lớp".
std::string_view outcome_name(Outcome outcome);

// Điều 12.2 (TT22): a subject whose year result calls for a re-test (kiểm
// tra lại) when the year's learning is Chưa đạt: a scored subject with ĐTBmcn
// below 5.0, a comment subject Chưa đạt ("CĐ" / "Chưa đạt"). "Đ", "Đạt", a
// mark from 5.0 and anything else (an exempt subject's "Miễn") do not.
bool needs_retest(std::string_view year_result);

// Điều 12.3: the year's conduct after summer training (rèn luyện trong hè):
// Đạt when the homeroom teacher rates the summer training Đạt, else it stays
// Chưa đạt. A student not sent to summer training keeps `year_conduct`.
Level conduct_after_summer(Level year_conduct, bool summer_training_passed);

// Điều 15: "Học sinh Xuất sắc" (Tốt/Tốt and at least 6 scored subjects with
// ĐTBmcn ≥ 9.0), "Học sinh Giỏi" (Tốt/Tốt), or none.
std::optional<std::string> award(Level year_conduct, Level year_learning, std::span<const Mark> year_averages);

// ---- TT27 (primary) ---------------------------------------------------------

enum class SubjectRating { kChuaHoanThanh = 0, kHoanThanh = 1, kHoanThanhTot = 2 };   // CHT, HT, HTT
enum class QualityRating { kCanCoGang = 0, kDat = 1, kTot = 2 };                      // CCG, Đ, T
std::optional<SubjectRating> parse_subject_rating(std::string_view text);
std::optional<QualityRating> parse_quality_rating(std::string_view text);

// A periodic test score (TT27 Điều 7.2: integers 1–10, no 0, no decimals),
// spaces around allowed; nullopt otherwise. The one reading of a test score:
// the cell rule (column.cpp), the year (primary_board.cpp), `grading eval`.
std::optional<int> parse_periodic_test(std::string_view text);

enum class YearResult { kChuaHoanThanh, kHoanThanh, kHoanThanhTot, kHoanThanhXuatSac };
std::string_view year_result_name(YearResult r);

// TT27 Điều 14.1: end-of-year result of a primary pupil from the subject
// ratings, quality and competence ratings, and end-of-year periodic test
// scores (integers 1–10).
YearResult primary_year_result(std::span<const SubjectRating> subjects, std::span<const QualityRating> qualities,
                               std::span<const int> end_year_tests);

}  // namespace sodiem::grading
