// Which cells a signature needs (TT22 Điều 7 and 8; primary classes TT27
// Điều 6): the one rule of "what
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
  int grade = 0;              // the class's grade; 0 = unknown
};

// Whether the class is assessed by TT27 (Tiểu học): grades 1–5, as
// homeroom_column_fault decides which homeroom columns it has; a book of
// unknown grade, when none of its subjects is assessed by TT22.
bool primary_class(const ClassBook& book);

// student → subject → column → value: the book's non-empty cells of its
// current students (every current student has an entry).
using BookCells = std::map<std::string, std::map<std::string, std::map<std::string, std::string>>>;
BookCells book_cells(const ClassBook& book);

// The cells of `term` ("HK1"/"HK2") a subject's results need: TX1…TXn
// (by periods per year, +1 with study topics), GK, CK (TT22 Điều 7). A
// primary (TT27) subject: its ratings at mid-term and end of term, GK and
// CK (Điều 6.1: giữa kì, cuối kì), and the periodic tests the grade sits in
// it that term, KTGK and KTCK (Điều 6.3: SubjectInfo::periodic_tests).
std::vector<std::string> required_columns(const protocol::SubjectInfo& subject, const std::string& term);

// The homeroom teacher's cells of `term` each current student needs: the
// conduct HKn.RL (TT22 Điều 8) or, in a primary class, the five qualities
// and ten competences at mid-term and end of term, HKn.PC1.GK … HKn.NL10.GK
// then HKn.PC1 … HKn.NL10 (TT27 Điều 6.2).
std::vector<std::string> homeroom_required_columns(bool primary, const std::string& term);

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
// current student, then each student's homeroom cells
// (homeroom_required_columns: conduct, or a primary class's qualities and
// competences). Ordered by term, subject, student.
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
