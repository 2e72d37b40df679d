#include "sodiem/core/history_text.hpp"

#include "sodiem/core/clock.hpp"
#include "sodiem/core/outcome_words.hpp"

namespace sodiem {

std::string history_text(const protocol::CellKey& cell, const std::vector<protocol::HistoryEntry>& entries) {
  std::string out = "Lịch sử ô " + cell.class_name + " · " + cell.subject + " · " + cell.student_code + " · " +
                    cell.column + "\n";
  if (entries.empty()) out += "  (chưa có thay đổi)\n";
  for (const auto& e : entries) {
    out += "  " + format_local_time(e.at) + "  " + e.author + "  " + e.device + "  ";
    if (e.outcome == "OK") out += (e.old_value.empty() ? "(trống)" : e.old_value) + " → " + e.new_value;
    else out += outcome_words(e.outcome) + " \"" + e.new_value + "\"";
    if (!e.reason.empty()) out += "  — " + e.reason;
    out += "\n";
  }
  return out;
}

}  // namespace sodiem
