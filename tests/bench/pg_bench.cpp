// PostgreSQL's ceilings for scripts/bench.sh, beside the SQLite ones: the
// same 13-column row per op that raw SQLite writes in bench_main.cpp, into a
// PostgreSQL started by scripts/pg.sh. Prints one JSON object:
//   pg_copy_ops_per_s        COPY FROM STDIN of all rows, one transaction
//                            (PostgreSQL's own bulk path: the ceiling the
//                            PostgreSQL store's ingest is compared with);
//   pg_copy_500_ops_per_s    the same COPY committed every 500 rows (a sync
//                            group's durability);
//   pg_insert_500_ops_per_s  one prepared INSERT per row through sodiem_pg,
//                            500 per transaction (one round trip per row).
// Each is the median of 3 runs of N rows (default 20,000).
// Usage: sodiem_pg_bench URL [N]
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sodiem/pg/db.hpp"

using namespace sodiem;
using Steady = std::chrono::steady_clock;

namespace {

const char* kCols[] = {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4", "HK1.GK", "HK1.CK",
                       "HK2.TX1", "HK2.TX2", "HK2.TX3", "HK2.TX4", "HK2.GK", "HK2.CK"};
std::string mark_for(int i) { return std::to_string(5 + i % 5) + "," + std::to_string(i % 10); }

void fresh_table(pg::Db& db) {
  db.exec("DROP TABLE IF EXISTS bench_changes");
  db.exec("CREATE TABLE bench_changes(version BIGSERIAL PRIMARY KEY, kind INTEGER, class_id BIGINT, subject_id BIGINT, "
          "student_id BIGINT, col TEXT, value TEXT, device_id BIGINT, seq BIGINT, user_id BIGINT, "
          "recorded_at BIGINT, received_at BIGINT, current_version BIGINT)");
}

std::string copy_line(int j) {
  return "0\t" + std::to_string(1 + (j / 480) % 4) + "\t2\t" + std::to_string(1 + (j / 12) % 40) + "\t" + kCols[j % 12] +
         "\t" + mark_for(j) + "\t1\t" + std::to_string(j + 1) + "\t1\t" + std::to_string(1763900000 + j) +
         "\t1763900000\t0\n";
}

double seconds_since(Steady::time_point t0) { return std::chrono::duration<double>(Steady::now() - t0).count(); }

double copy_ops_per_s(pg::Db& db, int n, int per_commit) {
  fresh_table(db);
  PGconn* c = db.handle();
  const auto t0 = Steady::now();
  for (int i = 0; i < n; i += per_commit) {
    db.exec("BEGIN");
    PGresult* r = PQexec(c, "COPY bench_changes(kind, class_id, subject_id, student_id, col, value, device_id, seq, "
                            "user_id, recorded_at, received_at, current_version) FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) throw std::runtime_error(PQerrorMessage(c));
    PQclear(r);
    std::string chunk;
    for (int j = i; j < std::min(n, i + per_commit); ++j) {
      chunk += copy_line(j);
      if (chunk.size() > 64 * 1024) {
        if (PQputCopyData(c, chunk.data(), static_cast<int>(chunk.size())) != 1) throw std::runtime_error(PQerrorMessage(c));
        chunk.clear();
      }
    }
    if (!chunk.empty() && PQputCopyData(c, chunk.data(), static_cast<int>(chunk.size())) != 1)
      throw std::runtime_error(PQerrorMessage(c));
    if (PQputCopyEnd(c, nullptr) != 1) throw std::runtime_error(PQerrorMessage(c));
    while ((r = PQgetResult(c))) {
      const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      if (!ok) throw std::runtime_error(PQerrorMessage(c));
    }
    db.exec("COMMIT");
  }
  return n / seconds_since(t0);
}

double insert_ops_per_s(pg::Db& db, int n) {
  fresh_table(db);
  auto ins = db.prepare("INSERT INTO bench_changes(kind, class_id, subject_id, student_id, col, value, device_id, seq, "
                        "user_id, recorded_at, received_at, current_version) VALUES(0, ?, ?, ?, ?, ?, 1, ?, 1, ?, ?, 0)");
  const auto t0 = Steady::now();
  for (int i = 0; i < n; i += 500) {
    pg::Transaction tx(db);
    for (int j = i; j < std::min(n, i + 500); ++j)
      ins.bind(1, 1 + (j / 480) % 4).bind(2, 2).bind(3, 1 + (j / 12) % 40).bind(4, kCols[j % 12]).bind(5, mark_for(j))
          .bind(6, j + 1).bind(7, 1763900000 + j).bind(8, 1763900000).run();
    tx.commit();
  }
  return n / seconds_since(t0);
}

template <class F>
double median3(F f) {
  std::vector<double> v{f(), f(), f()};
  std::sort(v.begin(), v.end());
  return v[1];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: sodiem_pg_bench URL [N]\n";
    return 2;
  }
  const int n = argc > 2 ? std::stoi(argv[2]) : 20000;
  try {
    pg::Db db(argv[1]);
    nlohmann::json out;
    out["rows"] = n;
    out["pg_copy_ops_per_s"] = std::round(median3([&] { return copy_ops_per_s(db, n, n); }));
    out["pg_copy_500_ops_per_s"] = std::round(median3([&] { return copy_ops_per_s(db, n, 500); }));
    out["pg_insert_500_ops_per_s"] = std::round(median3([&] { return insert_ops_per_s(db, n); }));
    db.exec("DROP TABLE bench_changes");
    std::cout << nlohmann::json{{"pg", out}}.dump() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "sodiem_pg_bench: " << e.what() << "\n";
    return 1;
  }
}
