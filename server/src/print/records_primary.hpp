// The printed records of a primary (Tiểu học, Thông tư 27/2020) class:
// the grade book (sổ theo dõi chất lượng giáo dục) of a term — per subject
// the ratings at mid-term and end of term (HTT/HT/CHT), the periodic test
// scores (1–10) and the comment, then the qualities and competences (T/Đ/C)
// — the class summary board, and the pupil's transcript (học bạ Tiểu học) for the year. Called by
// records_print.cpp when the class is primary; internal to sodiem_print.
#pragma once
#include <string>
#include <vector>

#include "records_data.hpp"
#include "sodiem/core/status.hpp"

namespace sodiem::server::records {

// Whether the class is assessed by TT27 (board::primary_class of its book).
bool primary(store::Db& db, const ClassData& cls);

// `subject` "" = every subject of the class, then the qualities and
// competences; `term` HK1 or HK2 ("CN" prints HK2, the end of the year).
[[nodiscard]] Status print_primary_gradebook(store::Db& db, const ClassData& cls, const std::string& subject,
                                             const std::string& term, const std::string& path);

// The class summary board of `term` (HK1; HK2 with the year): per section
// the subjects' ratings and tests with the year's result, then the
// qualities and competences.
[[nodiscard]] Status print_primary_board(store::Db& db, const ClassData& cls, const std::string& term,
                                         const std::string& path);

// A page per pupil of `students` (of `cls`).
[[nodiscard]] Status print_primary_transcript(store::Db& db, const ClassData& cls, const std::vector<Student>& students,
                                              const std::string& path);

}  // namespace sodiem::server::records
