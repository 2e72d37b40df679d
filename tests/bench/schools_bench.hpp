// Many schools behind one port (schools_bench.cpp), run by
// `sodiem_bench ingest_20_schools` (scripts/bench.sh: pg_ingest_20_schools).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace sodiem::bench {

// Queues n ops in the enrolled client at `dir` (bench_main.cpp's fill_outbox).
using FillOutbox = void (*)(const std::string& dir, int n);

// Twenty clients spread over `schools` demo schools, all served by each of
// `servers` `sodiem-server run --data … --data …` processes (2: PostgreSQL
// only), the school picked by its TLS host name; 1,000 ops each, pushed at
// once. The median of `rounds` rounds, in ingest_20's shape. by_school:
// each school's clients all go through one process (a front routing host
// names to processes), else each school is reached through every process.
nlohmann::json run_ingest_20_schools(int servers, int schools, int rounds, bool by_school, FillOutbox fill);

}  // namespace sodiem::bench
