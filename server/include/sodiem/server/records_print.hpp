// The printed records (issue 17) from the server's authoritative data: a
// class's grade book for one subject (sổ theo dõi và đánh giá học sinh) for
// a term (HK1, HK2) or the year (CN), and the class summary board (bảng
// tổng hợp kết quả đánh giá) of a term, and each student's transcript for
// the year (học bạ). Each PDF carries the confirmation
// chain's signatures and the SHA-256 digest of the canonical document each
// step signed, checked against the data as it stands; anything the
// principal has not approved prints as a draft (BẢN NHÁP). Called by the
// `print` command (and later the console and the teacher's ui).
#pragma once
#include <string>

#include "sodiem/core/status.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

[[nodiscard]] Status print_gradebook(store::Db& db, const std::string& class_name, const std::string& subject,
                                     const std::string& term, const std::string& path);
[[nodiscard]] Status print_board(store::Db& db, const std::string& class_name, const std::string& term,
                                 const std::string& path);
// The year's transcript (học bạ) of one student (`student` = code), or of
// every current student of the class (""), a page each: each subject's
// results per term and for the year, learning and conduct, absences,
// outcome and award, from the same boards as print_board.
[[nodiscard]] Status print_transcript(store::Db& db, const std::string& class_name, const std::string& student,
                                      const std::string& path);

// The same records as spreadsheets (xlsx_export.cpp, libxlsxwriter): a
// class's marks in one subject for the year — both terms' assessments,
// comments and averages, marks as numbers shown with one decimal, a hidden
// row of column names (HK1.TX1, …) for reading the sheet back — and the
// summary board, a sheet per section. Written whole or not at all.
[[nodiscard]] Status export_marks_xlsx(store::Db& db, const std::string& class_name, const std::string& subject,
                                       const std::string& path);
[[nodiscard]] Status export_board_xlsx(store::Db& db, const std::string& class_name, const std::string& term,
                                       const std::string& path);

// Students or staff ("students" | "staff") as XLSX: the CSV export's rows,
// all as text (roster_xlsx.cpp).
[[nodiscard]] Status export_roster_xlsx(store::Db& db, const std::string& what, const std::string& path);
// (Reading one back: roster_csv_from_xlsx, roster_csv.hpp.)

}  // namespace sodiem::server
