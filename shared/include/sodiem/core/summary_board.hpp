// The class summary board (bảng tổng hợp kết quả đánh giá) and the documents
// the class-level confirmation steps sign. Computed from a class's cells by
// the TT22 engine, the same way on client and server, so the homeroom
// teacher, the vice principal and the principal sign the results (averages,
// learning and conduct levels, promotion, awards), not only the marks they
// come from. Pure functions; thread-safe.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sodiem/core/signing.hpp"
#include "sodiem/protocol/messages.hpp"

namespace sodiem::board {

// One subject's results for one student: "8.3" (scored) or "Đ" / "CĐ"
// (comment subject), per term and for the year (CN); absent until every
// required assessment of that period is there.
struct SubjectResults {
  std::optional<std::string> hk1, hk2, year;
};
// cells: column ("HK1.TX1", …) → value, of one subject and one student.
SubjectResults subject_results(const protocol::SubjectInfo& subject, const std::map<std::string, std::string>& cells);

// The cells of `term` ("HK1"/"HK2") a subject's results need: TX1…TXn,
// GK, CK (TT22 Điều 7); the subject step may not be signed while one of
// them is empty for a current student of the class.
std::vector<std::string> required_columns(const protocol::SubjectInfo& subject, const std::string& term);
struct MissingCell {
  std::string student, column;
};
// students: each current student's code and cells (column → value) of the
// subject; the required cells without a value, in that order.
std::vector<MissingCell> missing_cells(
    const protocol::SubjectInfo& subject, const std::string& term,
    const std::vector<std::pair<std::string, std::map<std::string, std::string>>>& students);
// "chưa thể ký xác nhận …: còn N ô bắt buộc chưa có điểm: HS6A01 HK1.TX2, …"
// (the first few named), for a refusal; "" when nothing is missing.
std::string missing_cells_text(const std::string& what, const std::vector<MissingCell>& missing);

// The subject information for a subject name (scored, periods per year);
// nullopt for an unknown subject.
using SubjectLookup = std::function<std::optional<protocol::SubjectInfo>(const std::string&)>;

// The board of `term` ("HK1" or "HK2") from every cell of the class in the
// school year (both terms: the HK2 board also carries the year results).
// Students and subjects are those that appear in the cells. One line per
// student and board column, under subject "Tổng hợp HKn" (and "Tổng hợp CN"
// for the year): each subject's result, "Học tập", "Rèn luyện", "Nghỉ";
// for the year also "Lên lớp" and "Danh hiệu". A result that cannot be
// computed yet says "chưa đủ điểm". "Nghỉ" counts sessions (buổi): a whole
// day's absence is two of them in a class with two sessions a day.
std::vector<signing::CellLine> summary_board(const std::string& term, const std::vector<signing::CellLine>& year_cells,
                                             const SubjectLookup& subjects, bool two_sessions = false);

// The canonical document of the subject step: the subject's cells of the
// term (subject "" in each line) and each student's result for the term
// (average or Đ/CĐ, or "chưa đủ điểm") under subject "Kết quả".
std::string subject_document(const std::string& class_name, const protocol::SubjectInfo& subject,
                             const std::string& term, const std::string& step, std::vector<signing::CellLine> term_cells);

// The canonical document of a class-level step (class, review, approve): the
// term's cells of every subject plus the summary board.
std::string class_document(const std::string& class_name, const std::string& term, const std::string& step,
                           const std::vector<signing::CellLine>& year_cells, const SubjectLookup& subjects,
                           bool two_sessions = false);

}  // namespace sodiem::board
