// TT22/2021/TT-BGDĐT averages in exact decimal arithmetic (Mark = tenths).
// Pure functions; thread-safe. The full grading engine builds on these.
#pragma once
#include <optional>
#include <span>

#include "sodiem/core/mark.hpp"

namespace sodiem::grading {

// Điều 9.1.a: ĐTBmhk = (ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (số ĐĐGtx + 5),
// rounded half up to one decimal. Requires at least one regular mark.
std::optional<Mark> term_average(std::span<const Mark> regular, Mark mid_term, Mark end_term);

// Điều 9.1.b: ĐTBmcn = (ĐTBmhkI + 2·ĐTBmhkII) / 3, from the rounded term averages.
Mark year_average(Mark term1, Mark term2);

}  // namespace sodiem::grading
