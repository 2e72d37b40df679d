// PostgreSQL's ceilings for scripts/bench.sh, beside the SQLite ones: the
// same 13-column row per op that raw SQLite writes in bench_main.cpp, into a
// PostgreSQL started by scripts/pg.sh. Prints one JSON object:
//   pg_copy_ops_per_s        COPY FROM STDIN of all rows, one transaction
//                            (PostgreSQL's own bulk path: the ceiling the
//                            PostgreSQL store's ingest is compared with);
//   pg_copy_500_ops_per_s    the same COPY committed every 500 rows (a sync
//                            group's durability);
//   pg_insert_500_ops_per_s  one prepared INSERT per row through sodiem_pg,
//                            500 per transaction (one round trip per row);
//   pg_insert_unnest_ops_per_s  the same rows as the COPY ceiling, into the
//                            same table, in one transaction, but through
//                            INSERT … SELECT FROM unnest(one array per
//                            column), 500 rows per statement: the path the
//                            store must take, since PostgreSQL refuses COPY
//                            FROM into a table under row-level security
//                            ("COPY FROM not supported with row-level
//                            security"), which every school table is;
//   pg_same_writes {rows, pipeline, batched_32}: all the server's writes per
//                            op, as raw SQLite's "same writes" figure does
//                            (the log row, the cell's upsert, one audit row
//                            per 500), 500 ops per transaction: one statement
//                            per row waiting for each answer; the same in
//                            libpq's pipeline mode (no waits); 32 rows per
//                            statement (multi-row VALUES), the way the
//                            SQLite ingest writes; and copy_staged: the
//                            group's rows COPY'd into a temporary table, then
//                            one INSERT … SELECT for the log and one upsert
//                            for the cells (four round trips per group);
//                            and unnest: the store's own statements
//                            (server/src/ingest_pg.cpp), the log rows and
//                            the cells' upsert each one INSERT … unnest per
//                            push of 500, five pushes per commit, as the
//                            ingest's group commit.
//                            What the PostgreSQL store's ingest can hope
//                            for, against COPY.
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

#include "sodiem/pg/array.hpp"
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

// The COPY ceiling's rows through INSERT … SELECT FROM unnest, 500 rows per
// statement, one transaction.
double insert_unnest_ops_per_s(pg::Db& db, int n) {
  fresh_table(db);
  auto ins = db.prepare(
      "INSERT INTO bench_changes(kind, class_id, subject_id, student_id, col, value, device_id, seq, user_id, "
      "recorded_at, received_at, current_version) SELECT 0, c, 2, st, k, x, 1, q, 1, r, 1763900000, 0 FROM "
      "unnest(?1::bigint[], ?2::bigint[], ?3::text[], ?4::text[], ?5::bigint[], ?6::bigint[]) AS t(c, st, k, x, q, r)");
  const auto t0 = Steady::now();
  pg::Transaction tx(db);
  for (int i = 0; i < n; i += 500) {
    pg::ArrayLiteral cls, student, col, value, seq, recorded;
    for (int j = i; j < std::min(n, i + 500); ++j) {
      cls.add(1 + (j / 480) % 4), student.add(1 + (j / 12) % 40), col.add(kCols[j % 12]), value.add(mark_for(j));
      seq.add(j + 1), recorded.add(1763900000 + j);
    }
    ins.bind(1, cls.str()).bind(2, student.str()).bind(3, col.str()).bind(4, value.str()).bind(5, seq.str())
        .bind(6, recorded.str()).run();
  }
  tx.commit();
  return n / seconds_since(t0);
}

void fresh_same_writes(pg::Db& db) {
  fresh_table(db);
  db.exec("DROP TABLE IF EXISTS bench_cells; DROP TABLE IF EXISTS bench_audit");
  db.exec("CREATE TABLE bench_cells(class_id BIGINT NOT NULL, subject_id BIGINT NOT NULL, student_id BIGINT NOT NULL, "
          "col TEXT NOT NULL, value TEXT NOT NULL, version BIGINT NOT NULL, device_id BIGINT NOT NULL, "
          "user_id BIGINT NOT NULL, PRIMARY KEY(class_id, subject_id, student_id, col))");
  db.exec("CREATE TABLE bench_audit(seq BIGSERIAL PRIMARY KEY, detail TEXT NOT NULL)");
}

std::string audit_detail(int from, int to) {
  std::string d = "{\"batch\":1,\"ops\":[],\"runs\":[[\"6A\",\"Toán\"," + std::to_string(from + 1) + "," +
                  std::to_string(from + 1) + ",[";
  for (int j = from; j < to; ++j) d += "[\"HS6A01\",\"" + std::string(kCols[j % 12]) + "\",\"" + mark_for(j) + "\"],";
  return d + "]]]}";
}

constexpr const char* kChangeCols =
    "INSERT INTO bench_changes(version, kind, class_id, subject_id, student_id, col, value, device_id, seq, user_id, "
    "recorded_at, received_at, current_version) VALUES";
constexpr const char* kCellCols =
    "INSERT INTO bench_cells(class_id, subject_id, student_id, col, value, version, device_id, user_id) VALUES";
constexpr const char* kCellUpsert = " ON CONFLICT(class_id, subject_id, student_id, col) DO UPDATE SET "
                                    "value = excluded.value, version = excluded.version";

// The statements' texts for k rows per statement.
std::string change_sql(int k) {
  std::string s = kChangeCols;
  for (int r = 0; r < k; ++r) s += std::string(r ? "," : "") + "(?, 0, ?, 2, ?, ?, ?, 1, ?, 1, ?, 1763900000, 0)";
  return s;
}
std::string cell_sql(int k) {
  std::string s = kCellCols;
  for (int r = 0; r < k; ++r) s += std::string(r ? "," : "") + "(?, 2, ?, ?, ?, ?, 1, 1)";
  return s + kCellUpsert;
}
void bind_change(pg::Stmt& st, int base, int j) {
  st.bind(base + 1, j + 1).bind(base + 2, 1 + (j / 480) % 4).bind(base + 3, 1 + (j / 12) % 40).bind(base + 4, kCols[j % 12])
      .bind(base + 5, mark_for(j)).bind(base + 6, j + 1).bind(base + 7, 1763900000 + j);
}
void bind_cell(pg::Stmt& st, int base, int j) {
  st.bind(base + 1, 1 + (j / 480) % 4).bind(base + 2, 1 + (j / 12) % 40).bind(base + 3, kCols[j % 12])
      .bind(base + 4, mark_for(j)).bind(base + 5, j + 1);
}

// k rows per statement (k = 1: one statement per row, waiting for each).
double same_writes_ops_per_s(pg::Db& db, int n, int k) {
  fresh_same_writes(db);
  auto change = db.prepare(change_sql(k)), cell = db.prepare(cell_sql(k));
  auto change1 = db.prepare(change_sql(1)), cell1 = db.prepare(cell_sql(1));
  auto audit = db.prepare("INSERT INTO bench_audit(detail) VALUES(?)");
  const auto t0 = Steady::now();
  for (int i = 0; i < n; i += 500) {
    pg::Transaction tx(db);
    const int end = std::min(n, i + 500);
    int j = i;
    for (; j + k <= end; j += k) {
      for (int r = 0; r < k; ++r) bind_change(change, r * 7, j + r);
      change.run();
      for (int r = 0; r < k; ++r) bind_cell(cell, r * 5, j + r);
      cell.run();
    }
    for (; j < end; ++j) {
      bind_change(change1, 0, j);
      change1.run();
      bind_cell(cell1, 0, j);
      cell1.run();
    }
    audit.bind(1, audit_detail(i, end)).run();
    tx.commit();
  }
  return n / seconds_since(t0);
}

// One statement per row, sent without waiting (libpq pipeline mode); the
// answers are read at each commit.
double same_writes_pipeline_ops_per_s(pg::Db& db, int n) {
  fresh_same_writes(db);
  PGconn* c = db.handle();
  auto prep = [&](const char* name, const std::string& sql, int np) {
    PGresult* r = PQprepare(c, name, sql.c_str(), np, nullptr);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok) throw std::runtime_error(PQerrorMessage(c));
  };
  auto numbered = [](std::string sql) {
    std::string out;
    int n = 0;
    for (char ch : sql) out += ch == '?' ? "$" + std::to_string(++n) : std::string(1, ch);
    return out;
  };
  prep("pl_change", numbered(change_sql(1)), 7);
  prep("pl_cell", numbered(cell_sql(1)), 5);
  prep("pl_audit", "INSERT INTO bench_audit(detail) VALUES($1)", 1);
  if (PQenterPipelineMode(c) != 1) throw std::runtime_error("no pipeline mode");
  auto send = [&](const char* name, const std::vector<std::string>& v) {
    std::vector<const char*> p;
    for (const auto& x : v) p.push_back(x.c_str());
    if (PQsendQueryPrepared(c, name, static_cast<int>(p.size()), p.data(), nullptr, nullptr, 0) != 1)
      throw std::runtime_error(PQerrorMessage(c));
  };
  auto drain = [&] {
    // Every statement's result (each followed by a NULL), then the sync's.
    for (;;) {
      PGresult* r = PQgetResult(c);
      if (!r) continue;
      const auto st = PQresultStatus(r);
      PQclear(r);
      if (st == PGRES_PIPELINE_SYNC) return;
      if (st != PGRES_COMMAND_OK) throw std::runtime_error(PQerrorMessage(c));
    }
  };
  const auto t0 = Steady::now();
  for (int i = 0; i < n; i += 500) {
    PQsendQueryParams(c, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0);
    const int end = std::min(n, i + 500);
    for (int j = i; j < end; ++j) {
      const std::string cls = std::to_string(1 + (j / 480) % 4), student = std::to_string(1 + (j / 12) % 40),
                        version = std::to_string(j + 1), mark = mark_for(j);
      send("pl_change", {version, cls, student, kCols[j % 12], mark, version, std::to_string(1763900000 + j)});
      send("pl_cell", {cls, student, kCols[j % 12], mark, version});
    }
    send("pl_audit", {audit_detail(i, end)});
    PQsendQueryParams(c, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0);
    if (PQpipelineSync(c) != 1) throw std::runtime_error(PQerrorMessage(c));
    drain();
  }
  const double rate = n / seconds_since(t0);
  if (PQexitPipelineMode(c) != 1) throw std::runtime_error(PQerrorMessage(c));
  for (const char* name : {"pl_change", "pl_cell", "pl_audit"}) db.exec(std::string("DEALLOCATE ") + name);
  return rate;
}

double same_writes_copy_staged_ops_per_s(pg::Db& db, int n) {
  fresh_same_writes(db);
  db.exec("DROP TABLE IF EXISTS bench_stage");
  db.exec("CREATE TEMP TABLE bench_stage(version BIGINT, class_id BIGINT, student_id BIGINT, col TEXT, value TEXT, "
          "seq BIGINT, recorded_at BIGINT) ON COMMIT DELETE ROWS");
  PGconn* c = db.handle();
  auto audit = db.prepare("INSERT INTO bench_audit(detail) VALUES(?)");
  const auto t0 = Steady::now();
  for (int i = 0; i < n; i += 500) {
    pg::Transaction tx(db);
    const int end = std::min(n, i + 500);
    PGresult* r = PQexec(c, "COPY bench_stage FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) throw std::runtime_error(PQerrorMessage(c));
    PQclear(r);
    std::string chunk;
    for (int j = i; j < end; ++j)
      chunk += std::to_string(j + 1) + "\t" + std::to_string(1 + (j / 480) % 4) + "\t" + std::to_string(1 + (j / 12) % 40) +
               "\t" + kCols[j % 12] + "\t" + mark_for(j) + "\t" + std::to_string(j + 1) + "\t" +
               std::to_string(1763900000 + j) + "\n";
    if (PQputCopyData(c, chunk.data(), static_cast<int>(chunk.size())) != 1 || PQputCopyEnd(c, nullptr) != 1)
      throw std::runtime_error(PQerrorMessage(c));
    while ((r = PQgetResult(c))) {
      const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      if (!ok) throw std::runtime_error(PQerrorMessage(c));
    }
    db.exec("INSERT INTO bench_changes(version, kind, class_id, subject_id, student_id, col, value, device_id, seq, "
            "user_id, recorded_at, received_at, current_version) SELECT version, 0, class_id, 2, student_id, col, value, "
            "1, seq, 1, recorded_at, 1763900000, 0 FROM bench_stage");
    db.exec("INSERT INTO bench_cells(class_id, subject_id, student_id, col, value, version, device_id, user_id) "
            "SELECT class_id, 2, student_id, col, value, version, 1, 1 FROM bench_stage ON CONFLICT(class_id, "
            "subject_id, student_id, col) DO UPDATE SET value = excluded.value, version = excluded.version");
    audit.bind(1, audit_detail(i, end)).run();
    tx.commit();
  }
  const double rate = n / seconds_since(t0);
  db.exec("DROP TABLE bench_stage");
  return rate;
}

// The store's own two writes per push (ingest_pg.cpp): the log rows and the
// cells' upsert, each one INSERT … unnest per push of 500, five pushes per
// commit, and one audit row per push.
double same_writes_unnest_ops_per_s(pg::Db& db, int n) {
  fresh_same_writes(db);
  auto change = db.prepare(
      "INSERT INTO bench_changes(version, kind, class_id, subject_id, student_id, col, value, device_id, seq, user_id, "
      "recorded_at, received_at, current_version) SELECT v, 0, c, 2, st, k, x, 1, v, 1, r, 1763900000, 0 FROM "
      "unnest(?1::bigint[], ?2::bigint[], ?3::bigint[], ?4::text[], ?5::text[], ?6::bigint[]) AS t(v, c, st, k, x, r)");
  auto cell = db.prepare(
      "INSERT INTO bench_cells(class_id, subject_id, student_id, col, value, version, device_id, user_id) "
      "SELECT c, 2, st, k, x, v, 1, 1 FROM unnest(?1::bigint[], ?2::bigint[], ?3::text[], ?4::text[], ?5::bigint[]) "
      "AS t(c, st, k, x, v) ON CONFLICT(class_id, subject_id, student_id, col) DO UPDATE SET value = excluded.value, "
      "version = excluded.version");
  auto audit = db.prepare("INSERT INTO bench_audit(detail) VALUES(?)");
  const auto t0 = Steady::now();
  for (int g = 0; g < n; g += 2500) {
    pg::Transaction tx(db);
    for (int i = g; i < std::min(n, g + 2500); i += 500) {
      const int end = std::min(n, i + 500);
      pg::ArrayLiteral version, cls, student, col, value, recorded;
      for (int j = i; j < end; ++j) {
        version.add(j + 1), cls.add(1 + (j / 480) % 4), student.add(1 + (j / 12) % 40), col.add(kCols[j % 12]);
        value.add(mark_for(j)), recorded.add(1763900000 + j);
      }
      change.bind(1, version.str()).bind(2, cls.str()).bind(3, student.str()).bind(4, col.str()).bind(5, value.str())
          .bind(6, recorded.str()).run();
      cell.bind(1, cls.str()).bind(2, student.str()).bind(3, col.str()).bind(4, value.str()).bind(5, version.str()).run();
      audit.bind(1, audit_detail(i, end)).run();
    }
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
    out["pg_insert_unnest_ops_per_s"] = std::round(median3([&] { return insert_unnest_ops_per_s(db, n); }));
    out["pg_same_writes"] = {
        {"rows", std::round(median3([&] { return same_writes_ops_per_s(db, n, 1); }))},
        {"pipeline", std::round(median3([&] { return same_writes_pipeline_ops_per_s(db, n); }))},
        {"batched_32", std::round(median3([&] { return same_writes_ops_per_s(db, n, 32); }))},
        {"copy_staged", std::round(median3([&] { return same_writes_copy_staged_ops_per_s(db, n); }))},
        {"unnest", std::round(median3([&] { return same_writes_unnest_ops_per_s(db, n); }))},
    };
    db.exec("DROP TABLE bench_changes; DROP TABLE bench_cells; DROP TABLE bench_audit");
    std::cout << nlohmann::json{{"pg", out}}.dump() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "sodiem_pg_bench: " << e.what() << "\n";
    return 1;
  }
}
