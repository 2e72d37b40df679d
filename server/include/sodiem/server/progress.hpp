// Data-entry progress (tiến độ cập nhật) for the principal's monthly check:
// per class × subject of a term, how many of the required assessment cells
// are filled, who teaches it, and the term's entry deadline. Read-only.
#pragma once
#include <string>
#include <vector>

#include "sodiem/core/status.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct ProgressRow {
  std::string class_name, subject, teachers;
  int required = 0;  // students × (regular assessments + mid-term + end-term)
  int filled = 0;
  std::string deadline;  // the term's entry_closes_on, "" if unknown
};

Result<std::vector<ProgressRow>> entry_progress(store::Db& db, const std::string& term);

}  // namespace sodiem::server
