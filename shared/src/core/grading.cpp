#include "sodiem/core/grading.hpp"

namespace sodiem::grading {

std::optional<Mark> term_average(std::span<const Mark> regular, Mark mid_term, Mark end_term) {
  if (regular.empty()) return std::nullopt;
  std::int64_t sum = 0;  // tenths
  for (Mark m : regular) sum += m.tenths();
  sum += 2 * mid_term.tenths() + 3 * end_term.tenths();
  return Mark::round_half_up(sum, static_cast<std::int64_t>(regular.size()) + 5);
}

Mark year_average(Mark term1, Mark term2) {
  return Mark::round_half_up(term1.tenths() + 2 * static_cast<std::int64_t>(term2.tenths()), 3);
}

}  // namespace sodiem::grading
