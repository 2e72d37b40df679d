// Which cells a signature needs (TT22 Điều 7 and 8): the one rule of "what
// is required", shared by the client (sodiem sign, sodiem board, the ui's
// sign and board views) and the server (confirm_step, the authority, and the
// progress report). Also the ClassBook every class-level computation starts
// from, gathered the same way on both sides. Pure functions; thread-safe.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sodiem/core/signing.hpp"
#include "sodiem/protocol/messages.hpp"

namespace sodiem::board {

// A class as its summary board is built: the class's ASSIGNED subjects (its
// grade's grade_subjects, or every subject of a school without them), its
// current (active) students and every cell of the class in the school year
// (subject protocol::kHomeroomSubject for the homeroom teacher's cells).
// Cells of other students or of subjects not assigned are left out.
struct ClassBook {
  std::string class_name;
  std::vector<protocol::SubjectInfo> subjects;
  std::vector<std::string> students;  // student codes
  std::vector<signing::CellLine> cells;
  bool two_sessions = false;  // attendance counted per session (two a day)
};

// student → subject → column → value: the book's non-empty cells of its
// current students (every current student has an entry).
using BookCells = std::map<std::string, std::map<std::string, std::map<std::string, std::string>>>;
BookCells book_cells(const ClassBook& book);

// The cells of `term` ("HK1"/"HK2") a subject's results need: TX1…TXn
// (by periods per year, +1 with study topics), GK, CK (TT22 Điều 7). None
// for primary (TT27) subjects, not graded yet.
std::vector<std::string> required_columns(const protocol::SubjectInfo& subject, const std::string& term);

// Exempt (miễn học) from a subject in `term` ("HK1"/"HK2"): its HKn.MIEN
// cell holds the reason (set by the HT, sodiem-server exempt).
bool exempt(const std::map<std::string, std::string>& cells, const std::string& term);

struct MissingCell {
  std::string student, subject, column;
};
using StudentCells = std::vector<std::pair<std::string, std::map<std::string, std::string>>>;

// The subject step: each student's (code, column → value of the subject)
// required cells without a value, in that order. A student exempt from the
// subject in the term (a non-empty HKn.MIEN cell) has none.
std::vector<MissingCell> missing_cells(const protocol::SubjectInfo& subject, const std::string& term,
                                       const StudentCells& students);

// The terms a class-level signature of `term` covers: HK1 → {HK1}; HK2 (its
// board carries the year's results) and CN → {HK1, HK2}.
std::vector<std::string> board_terms(const std::string& term);

// The class-level steps (class, review, approve) and `sodiem board`: for each
// term of board_terms(term), each assigned subject's required cells of each
// current student, then (in a class assessed by TT22: one subject not
// primary) each student's conduct (Chủ nhiệm HKn.RL). Ordered by term,
// subject, student.
std::vector<MissingCell> missing_cells(const ClassBook& book, const std::string& term);

// Per assigned subject of the class, its required cells of `term` (HK1/HK2)
// over the current students and how many are filled (exempt counts as
// filled): the progress report.
struct SubjectCount {
  std::string subject;
  int required = 0, filled = 0;
};
std::vector<SubjectCount> subject_counts(const ClassBook& book, const std::string& term);

// "chưa thể ký xác nhận WHAT: còn N ô bắt buộc chưa có điểm: HS6A01 HK1.TX2,
// …" (the first few named, "và M ô khác"); with_subject names each cell's
// subject too (a class-level refusal). "" when nothing is missing.
std::string missing_cells_text(const std::string& what, const std::vector<MissingCell>& missing,
                               bool with_subject = false);

}  // namespace sodiem::board
