// The class summary board (bảng tổng hợp kết quả đánh giá) and the documents
// the class-level confirmation steps sign. Computed from a class's cells by
// the TT22 engine, the same way on client and server, so the homeroom
// teacher, the vice principal and the principal sign the results (averages,
// learning and conduct levels, promotion, awards), not only the marks they
// come from. Pure functions; thread-safe.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sodiem/core/grading.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/protocol/messages.hpp"

namespace sodiem::board {

// One subject's results for one student: "8.3" (scored) or "Đ" / "CĐ"
// (comment subject), per term and for the year (CN); absent until every
// required assessment of that period is there. A primary (TT27) subject's:
// its end-of-term rating (HKn.CK), the year's that of HK2.
// A term's (or the year's) result of a subject the student is exempt from
// (miễn học: a non-empty HKn.MIEN cell); the learning level leaves it out.
inline const std::string kExempt = "Miễn";
struct SubjectResults {
  std::optional<std::string> hk1, hk2, year;
};
// cells: column ("HK1.TX1", …) → value, of one subject and one student.
SubjectResults subject_results(const protocol::SubjectInfo& subject, const std::map<std::string, std::string>& cells);

// One assigned subject's result for a period (a term or the year), as the
// learning level counts it: "8.3", "Đ", "CĐ", kExempt, or nullopt while
// its marks are missing.
struct SubjectResult {
  const protocol::SubjectInfo* subject = nullptr;
  std::optional<std::string> result;
};
// Each combined subject among `results` (Nghệ thuật = Âm nhạc + Mĩ thuật at
// THCS: SubjectInfo::assessed_as) with its result from its parts': Đ when
// every part is Đ, CĐ when one is not, nullopt while a part is missing.
std::map<std::string, std::optional<std::string>> combined_results(const std::vector<SubjectResult>& results);
// The learning level (TT22 Điều 9, with its one-subject adjustment) from
// `results`: each subject not combined, each combined subject once, exempt
// subjects left out; nullopt while a result is missing or nothing is assessed.
std::optional<grading::Level> learning_level_of(const std::vector<SubjectResult>& results);

// The board of `term` ("HK1" or "HK2") of a class (required_cells.hpp); a
// primary class's is primary_board() (primary_board.hpp). Otherwise:
// one line per current student and board column, under subject "Tổng hợp
// HKn" (and, on the HK2 board, "Tổng hợp CN" for the year): each ASSIGNED
// subject's result (a combined subject's parts, then the combined subject),
// "Học tập", "Rèn luyện", "Nghỉ"; for the year also "Lên lớp" and "Danh
// hiệu". A subject without its marks is on the board all the same, saying
// "chưa đủ điểm", and the learning level waits for it. "Nghỉ" counts
// sessions (buổi): a whole day's absence is two of them in a class with two
// sessions a day. Whether the board may be signed: missing_cells(book, term).
std::vector<signing::CellLine> summary_board(const std::string& term, const ClassBook& book);

// The canonical document of the subject step: the subject's cells of the
// term (subject "" in each line) and each student's result for the term
// (average or Đ/CĐ, or "chưa đủ điểm") under subject "Kết quả".
std::string subject_document(const std::string& class_name, const protocol::SubjectInfo& subject,
                             const std::string& term, const std::string& step, std::vector<signing::CellLine> term_cells);

// The canonical document of a class-level step (class, review, approve): the
// term's cells of the book (current students, assigned subjects and the
// homeroom's) plus the summary board.
std::string class_document(const std::string& term, const std::string& step, const ClassBook& book);

}  // namespace sodiem::board
