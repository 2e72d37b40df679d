// The printed records' benchmarks (bench_print.cpp), run by sodiem_bench print.
#pragma once
#include <nlohmann/json.hpp>

namespace sodiem::bench {

// {"print_gradebook_ms": {...}, "print_school_s": {...}} (scripts/bench.sh).
nlohmann::json run_print();

}  // namespace sodiem::bench
