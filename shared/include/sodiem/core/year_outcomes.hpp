// The year-end outcome of each student of a class: THCS/THPT (Thông tư
// 22/2021, Điều 12–13), from the class's book as its year (CN) board reads
// it: the first decision (Lên lớp / Kiểm tra lại / Rèn luyện trong hè / both
// / Ở lại lớp, more than 45 sessions absent → Ở lại lớp directly), the
// subjects to re-test (year average < 5.0 or Chưa đạt), the re-test and
// summer training results once recorded (cells CN.KTL, CN.RLH), the year's
// learning and conduct recomputed from them (a re-test result replaces the
// subject's year result) and the final Lên lớp / Ở lại lớp; awards.
// Primary (Thông tư 27/2020, primary_board.hpp): Hoàn thành xuất sắc / tốt
// / Hoàn thành → Lên lớp (Điều 11.1.a; grade 5: Hoàn thành chương trình
// tiểu học, 11.2); Chưa hoàn thành → the teacher helps the student over the
// summer and assesses again (11.1.b: outcome kRenLuyenHe, its result the
// homeroom's CN.RLH, Đạt = completed) → Lên lớp, else Ở lại lớp (11.1.c:
// the HT may still decide Lên lớp, `year new --outcomes`). The one
// place this is decided: the server's outcome lists, re-test commands and
// `year new` ask here. Pure functions; thread-safe.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sodiem/core/grading.hpp"
#include "sodiem/core/required_cells.hpp"

namespace sodiem::board {

inline constexpr std::string_view kRetestColumn = "CN.KTL";  // subject: the re-test result
// The re-test result of a student who did not sit it (vắng kiểm tra lại):
// nothing replaces the subject's year result, so the year is decided as it
// stood (TT22 Điều 14: only a re-test's result replaces it): Ở lại lớp
// when learning stays Chưa đạt.
inline constexpr std::string_view kRetestAbsent = "Vắng";
inline constexpr std::string_view kSummerColumn = "CN.RLH";  // homeroom: the summer training result

// One subject to re-test.
struct Retest {
  std::string subject;                // the assigned subject (a part of a combined one)
  std::string year_result;            // its year result: "4.2" or "CĐ"
  std::optional<std::string> result;  // the re-test's, once recorded; kRetestAbsent when not sat
};

// Where a student stands at the end of the year.
enum class Final {
  kIncomplete,  // the year's results are not all there yet
  kPending,     // waiting for re-tests and/or summer training results
  kPromoted,    // Lên lớp
  kRetained,    // Ở lại lớp
};
// "Chưa đủ kết quả", "Chờ kiểm tra lại / rèn luyện trong hè", "Lên lớp", "Ở lại lớp".
std::string_view final_name(Final f);

struct StudentOutcome {
  std::string student;
  std::optional<grading::Level> learning, conduct;  // the year's, as the board shows them
  int absent_sessions = 0;                          // excused and not, counted together
  std::optional<grading::Outcome> outcome;          // the first decision; nullopt while incomplete
  std::vector<Retest> retests;                      // when the outcome calls for re-tests
  bool summer_training = false;                     // the outcome calls for summer training
  std::optional<std::string> summer_result;         // "Đạt" / "Chưa đạt", once recorded
  // Recomputed from the re-test and summer results, once all are in (or the
  // year's own, when no re-test or summer training was called for).
  std::optional<grading::Level> final_learning, final_conduct;
  Final final = Final::kIncomplete;
  // Học sinh Xuất sắc / Học sinh Giỏi (the year's results); primary: Học
  // sinh Xuất sắc, or kAwardExemplary once recognised (CN.TB).
  std::optional<std::string> award;
  // Primary (TT27) only: the year's result (Điều 9.2.a) and "Hoàn thành
  // chương trình lớp 4" / "… tiểu học" / "Chưa hoàn thành …" (Điều 11), the
  // final one after the summer's assessment; learning and conduct stay empty.
  std::optional<grading::YearResult> primary_result;
  std::string completion;
  std::vector<std::string> awaiting;  // "kiểm tra lại môn Toán", "rèn luyện trong hè", or what is missing
};

// Every current student of the book, in the book's order (by code); a
// primary class's (board::primary_class) by TT27.
std::vector<StudentOutcome> year_outcomes(const ClassBook& book);

}  // namespace sodiem::board
