// The grade book's layout as the teacher's screens show it: the columns of a
// subject (or of the homeroom) in the paper book's order, the averages of one
// student's cells (the required cells are board::required_columns). Pure
// functions over the roster's subject
// information and the grading engine; used by `sodiem show` and `sodiem ui`.
// Thread-safe.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "sodiem/protocol/messages.hpp"

namespace sodiem::client {

struct GridColumn {
  std::string id;       // "HK1.TX1"; empty for an average
  std::string average;  // "HK1" | "HK2" | "CN" for an average column
  std::string label;    // "TX1", "GK", "ĐTB HK1", …
  std::string term;     // "HK1" | "HK2" | "CN"
  std::string type;     // mark | grade | comment | conduct | average; primary: rating | test
};

// Columns of `subject` in book order: per term TX1…TXn, GK, CK, the term's
// result, the subject comment; then the year's result. For the homeroom
// (subject.name == kHomeroomSubject): conduct and homeroom comment per term.
std::vector<GridColumn> grid_columns(const protocol::SubjectInfo& subject);

// The results of one student's cells ("HK1", "HK2", "CN" → "8.3" or Đ/CĐ),
// where every required assessment of the period is there.
std::map<std::string, std::string> averages_of(const protocol::SubjectInfo& subject,
                                               const std::map<std::string, std::string>& cells);

}  // namespace sodiem::client
