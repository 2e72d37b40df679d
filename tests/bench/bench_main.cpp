// Benchmark driver for scripts/bench.sh. Runs the real server binary and the
// client library over real TLS WebSocket on loopback, and raw SQLite in the
// same run for comparison. Prints one JSON object.
//   sodiem_bench local              all loopback figures
//   sodiem_bench ingest_1           only the one-client ingest (for profiling)
//   sodiem_bench ingest_20          only the twenty clients (SODIEM_BENCH_SERVERS=2: through two
//                                   server processes, for a school kept in PostgreSQL)
//   sodiem_bench ingest_20_schools  the twenty clients spread over SODIEM_BENCH_SCHOOLS (4) schools
//                                   (SODIEM_BENCH_ROUTE=school: each school through one of the processes)
//                                   served by one process (SODIEM_BENCH_SERVERS=2: two, each all of them)
//   sodiem_bench fill DIR N         queue N ops in an enrolled client (slow-link setup)
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <unistd.h>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "audited_write.hpp"
#include "bench_print.hpp"
#include "cpu_meter.hpp"
#include "schools_bench.hpp"
#include "process.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "sodiem/protocol/codec.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/directory.hpp"
#include "sodiem/server/ingest.hpp"
#include "sodiem/server/server_db.hpp"
#include "test_school.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::bench;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

const char* kCols[] = {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4", "HK1.GK", "HK1.CK",
                       "HK2.TX1", "HK2.TX2", "HK2.TX3", "HK2.TX4", "HK2.GK", "HK2.CK"};

// With SODIEM_PERF_CTL=FIFO (perf record -D -1 --control fifo:FIFO), only
// the measured section is profiled.
void perf_control(const char* command) {
  if (const char* fifo = std::getenv("SODIEM_PERF_CTL")) {
    std::ofstream(fifo) << command << std::endl;
  }
}

double seconds_since(Steady::time_point t0) { return std::chrono::duration<double>(Steady::now() - t0).count(); }

std::string mark_for(int i) {
  const int tenths = 30 + (i * 37) % 71;  // 3.0 … 10.0
  std::string s = std::to_string(tenths / 10);
  if (tenths % 10) s += "." + std::to_string(tenths % 10);
  return s;
}

// What a benchmark teacher writes in: one (class, subject) assignment, its
// columns among kCols that the subject has (a subject of up to 70 periods
// has no TX4; primary tests only where TT27 sets them) and whether it takes
// marks or Đ / CĐ, so the workload is accepted, not refused.
struct BenchTarget {
  std::string cls, subj;
  std::vector<std::string> cols;
  bool scored = true;
};

// A target for (class, subject) with the subject's settings (nullopt: every
// column, scored, as before the settings were known).
BenchTarget bench_target(std::string cls, std::string subj, const std::optional<protocol::SubjectInfo>& info) {
  BenchTarget t{std::move(cls), std::move(subj), {}, !info || info->scored};
  for (const char* col : kCols) {
    if (!info) {
      t.cols.emplace_back(col);
      continue;
    }
    if (normalize_cell_value(&*info, col, t.scored ? "7" : "Đ")) t.cols.emplace_back(col);
  }
  if (t.cols.empty()) throw std::runtime_error("bench: " + t.subj + " of " + t.cls + " has none of the columns");
  return t;
}

// The i-th op of the benchmark's workload over `targets`: 40 students × 12
// columns per class, a new value each time round. Its cell and value only;
// the caller numbers it.
protocol::Op bench_op(int i, const std::vector<BenchTarget>& targets) {
  const BenchTarget& t = targets[(i / (40 * 12)) % targets.size()];
  char code[16];
  std::snprintf(code, sizeof code, "HS%s%02d", t.cls.c_str(), 1 + (i / 12) % 40);
  protocol::Op op;
  op.cell = {t.cls, t.subj, code, t.cols[i % 12 % t.cols.size()]};
  op.value = t.scored ? mark_for(i + i / 1920) : ((i + i / 1920) % 3 ? "Đ" : "CĐ");
  return op;
}

// Queues n ops in one transaction, straight into the outbox of an enrolled
// client, over the teacher's assigned classes of `subject` (setup only: the
// per-op path is measured by local_write_ms).
void fill_outbox(const std::string& dir, int n) {
  client::LocalStore store(dir);
  auto& db = store.db();
  std::vector<BenchTarget> assigned;
  {
    // Marks only: the homeroom book takes other columns (HKn.RL, CC.…).
    std::vector<std::pair<std::string, std::string>> pairs;
    auto s = db.prepare("SELECT class_name, subject FROM assignments WHERE subject <> ? ORDER BY class_name");
    s.bind(1, protocol::kHomeroomSubject);
    while (s.step()) pairs.emplace_back(s.text(0), s.text(1));
    for (auto& [cls, subj] : pairs) {
      auto info = store.subject(subj, cls);
      assigned.push_back(bench_target(cls, subj, info));
    }
  }
  if (assigned.empty()) throw std::runtime_error("no assignments in " + dir);
  sqlite::Transaction tx(db);
  auto s0 = db.prepare("SELECT COALESCE(MAX(seq), 0) FROM outbox");
  s0.step();
  std::int64_t seq = s0.int64(0);
  auto ins = db.prepare("INSERT INTO outbox(seq, class_name, subject, student_code, col, value, base_version, "
                        "recorded_at) VALUES(?, ?, ?, ?, ?, ?, 0, ?)");
  auto cell = db.prepare("INSERT INTO cells(class_name, subject, student_code, col, value, last_seq) "
                         "VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value, last_seq = excluded.last_seq");
  const std::int64_t now = SystemClock::instance().now_unix_seconds();
  for (int i = 0; i < n; ++i) {
    const protocol::Op op = bench_op(i, assigned);
    const auto& c = op.cell;
    ++seq;
    ins.bind(1, seq).bind(2, c.class_name).bind(3, c.subject).bind(4, c.student_code).bind(5, c.column).bind(6, op.value)
        .bind(7, now + i).run();
    cell.bind(1, c.class_name).bind(2, c.subject).bind(3, c.student_code).bind(4, c.column).bind(5, op.value)
        .bind(6, seq).run();
  }
  tx.commit();
}

struct Bench {
  TempDir tmp;
  DemoServer demo = make_demo_server(tmp / "server");
  ServerProcess server{SODIEM_SERVER_BIN, demo.dir};
  int clients = 0;

  // A second `sodiem-server run` on the same school (PostgreSQL only: a copy
  // of the data folder, so the same database.json, TLS identity and keys).
  std::unique_ptr<ServerProcess> second;
  void start_second() {
    const std::string dir = tmp / "server2";
    std::filesystem::copy(demo.dir, dir, std::filesystem::copy_options::recursive);
    second = std::make_unique<ServerProcess>(SODIEM_SERVER_BIN, dir);
  }

  // Enrolled through the first server, or the second with via = 1.
  std::string enroll(const std::string& user, int via = 0) {
    const std::string dir = tmp / ("client" + std::to_string(clients++));
    client::LocalStore store(dir);
    client::Endpoint ep{via ? second->url() : server.url(), demo.fingerprint};
    auto t = client::make_wss_transport(ep);
    auto st = client::enroll(store, *t, ep, user, demo.password_of(user), "bench");
    if (!st) throw std::runtime_error("enroll " + user + ": " + st.message());
    return dir;
  }
  Result<client::SyncReport> sync(const std::string& dir) {
    client::LocalStore store(dir);
    auto e = store.enrollment();
    client::SyncOptions options;
    if (const char* v = std::getenv("SODIEM_BENCH_BATCH")) options.batch_ops = std::stoul(v);
    if (const char* v = std::getenv("SODIEM_BENCH_WINDOW")) options.window = std::stoul(v);
    client::SyncEngine engine(store, [&] { return client::make_wss_transport({e->server_url, e->fingerprint}); },
                              options);
    return engine.sync();
  }
  std::vector<std::string> teachers() {
    std::vector<std::string> out;
    for (const auto& a : demo.accounts)
      if (!a["subjects"].empty()) out.push_back(a["username"]);
    return out;
  }
};

// The same rows the server writes per op, inserted by raw SQLite into the
// same kind of table with the same durability, 500 per transaction.
double raw_sqlite_ops_per_s(const std::string& path, int n) {
  sqlite::Db db(path, /*synchronous_full=*/true);
  db.exec("CREATE TABLE changes(version INTEGER PRIMARY KEY, kind INTEGER, class_id INTEGER, subject_id INTEGER, "
          "student_id INTEGER, col TEXT, value TEXT, device_id INTEGER, seq INTEGER, user_id INTEGER, "
          "recorded_at INTEGER, received_at INTEGER, current_version INTEGER)");
  auto ins = db.prepare("INSERT INTO changes(kind, class_id, subject_id, student_id, col, value, device_id, seq, "
                        "user_id, recorded_at, received_at, current_version) VALUES(0, ?, ?, ?, ?, ?, 1, ?, 1, ?, ?, 0)");
  const auto t0 = Steady::now();
  for (int i = 0; i < n; i += 500) {
    sqlite::Transaction tx(db);
    for (int j = i; j < std::min(n, i + 500); ++j)
      ins.bind(1, 1 + (j / 480) % 4).bind(2, 2).bind(3, 1 + (j / 12) % 40).bind(4, kCols[j % 12]).bind(5, mark_for(j))
          .bind(6, j + 1).bind(7, 1763900000 + j).bind(8, 1763900000).run();
    tx.commit();
  }
  return n / seconds_since(t0);
}

// Raw SQLite doing the same storage work the server does per op: the log
// row, the cell upsert and, per 500 ops, an audit row of the same size
// (accepted ops as one run).
// Shows how much of the ingest cost is storage and how much is the rest.
double raw_sqlite_same_writes_ops_per_s(const std::string& path, int n) {
  sqlite::Db db(path, /*synchronous_full=*/true);
  db.exec("CREATE TABLE changes(version INTEGER PRIMARY KEY, kind INTEGER, class_id INTEGER, subject_id INTEGER, "
          "student_id INTEGER, col TEXT, value TEXT, device_id INTEGER, seq INTEGER, user_id INTEGER, "
          "recorded_at INTEGER, received_at INTEGER, current_version INTEGER)");
  db.exec("CREATE TABLE cells(class_id INTEGER NOT NULL, subject_id INTEGER NOT NULL, student_id INTEGER NOT NULL, "
          "col TEXT NOT NULL, value TEXT NOT NULL, version INTEGER NOT NULL, device_id INTEGER NOT NULL, "
          "user_id INTEGER NOT NULL, PRIMARY KEY(class_id, subject_id, student_id, col)) WITHOUT ROWID");
  db.exec("CREATE TABLE audit_log(seq INTEGER PRIMARY KEY, detail TEXT NOT NULL)");
  auto ins = db.prepare("INSERT INTO changes(kind, class_id, subject_id, student_id, col, value, device_id, seq, "
                        "user_id, recorded_at, received_at, current_version) VALUES(0, ?, ?, ?, ?, ?, 1, ?, 1, ?, ?, 0)");
  auto cell = db.prepare("INSERT INTO cells VALUES(?, ?, ?, ?, ?, ?, 1, 1) ON CONFLICT DO UPDATE SET "
                         "value = excluded.value, version = excluded.version");
  auto audit = db.prepare("INSERT INTO audit_log(detail) VALUES(?)");
  const auto t0 = Steady::now();
  for (int i = 0; i < n; i += 500) {
    sqlite::Transaction tx(db);
    std::string detail;
    for (int j = i; j < std::min(n, i + 500); ++j) {
      const int cls = 1 + (j / 480) % 4, student = 1 + (j / 12) % 40;
      ins.bind(1, cls).bind(2, 2).bind(3, student).bind(4, kCols[j % 12]).bind(5, mark_for(j)).bind(6, j + 1)
          .bind(7, 1763900000 + j).bind(8, 1763900000).run();
      cell.bind(1, cls).bind(2, 2).bind(3, student).bind(4, kCols[j % 12]).bind(5, mark_for(j))
          .bind(6, db.last_insert_rowid()).run();
      if (detail.empty()) detail = "{\"batch\":1,\"ops\":[],\"runs\":[[\"6A\",\"Toán\"," + std::to_string(j + 1) + "," +
                                   std::to_string(j + 1) + ",[";
      detail += "[\"HS6A01\",\"" + std::string(kCols[j % 12]) + "\",\"" + mark_for(j) + "\"],";
    }
    detail += "]]]}";
    audit.bind(1, detail).run();
    tx.commit();
  }
  return n / seconds_since(t0);
}

// One round of ingest_1: the sync of n queued ops, then raw SQLite writing
// the same rows, back to back so both see the same machine.
json ingest_1_round(int n) {
  Bench b;
  const auto dir = b.enroll("gv.toan.1");
  fill_outbox(dir, n);
  const auto server_cpu0 = cpu_by_thread(b.server.pid()), client_cpu0 = cpu_by_thread(getpid());
  perf_control("enable");
  const auto t0 = Steady::now();
  auto r = b.sync(dir);
  const double s = seconds_since(t0);
  perf_control("disable");
  // Busy share of the wall time per thread (% of one core): where the time goes.
  const json cpu_pct = {{"server", cpu_during(server_cpu0, cpu_by_thread(b.server.pid()), s)},
                        {"client", cpu_during(client_cpu0, cpu_by_thread(getpid()), s)}};
  b.server.stop();  // a clean exit, so profilers of the server can write their data
  // The server's own account of where its DB worker's time went.
  std::string tally;
  {
    const std::string log = b.server.log();
    if (auto at = log.find("ingest: "); at != std::string::npos) tally = log.substr(at, log.find('\n', at) - at);
  }
  if (!r) throw std::runtime_error("ingest_1 sync: " + r.status().message());
  // Refusals are cheaper paths than acceptance: the figure counts only a clean push.
  if (r->pushed != static_cast<std::uint64_t>(n) || r->rejected || r->conflicts)
    throw std::runtime_error("ingest_1: " + std::to_string(r->rejected) + " refused and " +
                             std::to_string(r->conflicts) + " conflicting of " + std::to_string(r->pushed));
  // Raw SQLite's rate swings by half from run to run (its 40 fsyncs): the
  // median of three runs, each into a fresh file.
  std::vector<double> raws;
  for (int i = 0; i < 3; ++i) raws.push_back(raw_sqlite_ops_per_s(b.tmp / ("raw" + std::to_string(i) + ".db"), n));
  std::sort(raws.begin(), raws.end());
  const double raw = raws[1];
  const double same = raw_sqlite_same_writes_ops_per_s(b.tmp / "raw-same.db", n);
  json out = {{"seconds", s}, {"ops_per_s", n / s}, {"sqlite_raw_ops_per_s", raw}, {"sqlite_raw_runs", raws},
              {"ratio", (n / s) / raw},
              {"sqlite_same_writes_ops_per_s", same}, {"cpu_pct_of_core", cpu_pct}, {"server_worker", tally}};
  // PostgreSQL: the worker's requests waited for, per push (its logins and
  // reads of the roster included): each one a round trip to the database.
  std::smatch m;
  if (std::regex_search(tally, m, std::regex(R"(in (\d+) pushes.* (\d+) database round trips)")) &&
      std::stoll(m[2]) > 0)
    out["db_round_trips_per_push"] = static_cast<double>(std::stoll(m[2])) / static_cast<double>(std::stoll(m[1]));
  return out;
}

double median_of(const json& rounds, const char* key) {
  std::vector<double> v;
  for (const auto& r : rounds) v.push_back(r[key].get<double>());
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

json run_ingest_1() {
  // This machine's speed wanders by a third from one second to the next, so
  // ingest_1 runs several rounds (each with its own raw SQLite run) and
  // reports the medians; every round is listed.
  const int n = 20000;
  int rounds = 7;
  if (const char* v = std::getenv("SODIEM_BENCH_ROUNDS")) rounds = std::max(1, std::stoi(v));
  json all = json::array();
  for (int i = 0; i < rounds; ++i) all.push_back(ingest_1_round(n));
  const double ops = median_of(all, "ops_per_s"), raw = median_of(all, "sqlite_raw_ops_per_s"),
               same = median_of(all, "sqlite_same_writes_ops_per_s");
  json out;
  out["ingest_1"] = {{"ops", n}, {"seconds", n / ops}, {"ops_per_s", ops}, {"sqlite_raw_ops_per_s", raw},
                     {"ratio", ops / raw}, {"median_of_round_ratios", median_of(all, "ratio")},
                     // Extra, not the target: against raw SQLite doing all the server's writes.
                     {"sqlite_same_writes_ops_per_s", same}, {"ratio_same_writes", ops / same},
                     {"rounds", all}};
  return out;
}

json run_ingest_core(int runs);

// ingest_20: twenty teachers push at once, through `servers` server
// processes (2: PostgreSQL only; teacher i syncs through server i mod 2).
json ingest_20_round(int servers) {
  Bench b;
  if (servers == 2) b.start_second();
  const int per = 1000;
  auto teachers = b.teachers();
  teachers.resize(20);
  std::vector<std::string> dirs;
  for (std::size_t i = 0; i < teachers.size(); ++i) {
    dirs.push_back(b.enroll(teachers[i], static_cast<int>(i) % servers));
    fill_outbox(dirs.back(), per);
  }
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::atomic<std::uint64_t> refused{0};
  CpuMeter cpu({b.server.pid(), servers == 2 ? b.second->pid() : -1});
  cpu.start();
  const auto t0 = Steady::now();
  for (const auto& d : dirs)
    threads.emplace_back([&, d] {
      auto r = b.sync(d);
      if (!r || r->pushed != static_cast<std::uint64_t>(per)) {
        ++failures;
        std::cerr << "ingest_20 " << d << ": " << (r ? std::to_string(r->pushed) + " pushed" : r.status().message())
                  << "\n";
      } else {
        refused += r->rejected;
      }
    });
  for (auto& t : threads) t.join();
  const double s = seconds_since(t0);
  const json used = cpu.stop(per * 20, s);
  if (failures) throw std::runtime_error("ingest_20: " + std::to_string(failures.load()) + " clients failed");
  const int n = per * 20;
  // bench_op writes only columns each subject has, marks or Đ / CĐ as it
  // takes: `refused` should be 0 (it says how much of the figure is the
  // refusal path if not).
  return {{"clients", 20}, {"servers", servers}, {"ops", n},   {"refused", refused.load()},
          {"seconds", s},  {"ops_per_s", n / s}, {"accepted_ops_per_s", (n - static_cast<double>(refused)) / s},
          {"cpu", used}};
}

json run_ingest_20(int servers, int rounds = 1) {
  json all = json::array();
  for (int i = 0; i < rounds; ++i) all.push_back(ingest_20_round(servers));
  json out = all[0];
  if (rounds > 1) {
    out = {{"clients", 20}, {"servers", servers}, {"ops", 20000}, {"ops_per_s", median_of(all, "ops_per_s")},
           {"accepted_ops_per_s", median_of(all, "accepted_ops_per_s")}, {"refused", all[0]["refused"]},
           {"cpu", median_cpu(all)}, {"rounds", all}};
  }
  return out;
}

json run_local() {
  json out = run_ingest_1();
  // Extra, no target: the DB worker's part alone (defined below).
  out["ingest_core"] = run_ingest_core(7);
  out["ingest_20"] = run_ingest_20(1);
  {  // wire + noop_sync: a term's 2,700 ops, then a sync with nothing new
    Bench b;
    const auto dir = b.enroll("gv.toan.1");
    fill_outbox(dir, 2700);
    auto r = b.sync(dir);
    if (!r) throw std::runtime_error("wire sync: " + r.status().message());
    out["wire"] = {{"ops", 2700}, {"bytes_up", r->bytes_sent}, {"bytes_down", r->bytes_received},
                   {"bytes_per_op", double(r->bytes_sent + r->bytes_received) / 2700.0},
                   {"round_trips", r->round_trips},
                   {"note", "TCP payload bytes incl. TLS and WebSocket handshakes (TCP_INFO); round trips are "
                            "message-level, after the TCP/TLS/WebSocket handshakes"}};
    const auto t0 = Steady::now();
    auto noop = b.sync(dir);
    const double s = seconds_since(t0);
    if (!noop) throw std::runtime_error("noop sync: " + noop.status().message());
    out["noop_sync"] = {{"seconds", s}, {"bytes", noop->bytes_sent + noop->bytes_received},
                        {"round_trips", noop->round_trips}};

    // local_write_ms: the real record() path, each one a durable transaction.
    // The benchmarks before leave ~100 MB of files for the kernel to write
    // back; each fsync here would wait behind part of that.
    ::sync();
    client::LocalStore store(dir);
    std::vector<double> ms;
    for (int i = 0; i < 1000; ++i) {
      char code[16];
      std::snprintf(code, sizeof code, "HS6A%02d", 1 + i % 40);
      const auto t1 = Steady::now();
      auto rec = store.record({"6A", "Toán", code, kCols[i % 12]}, mark_for(i));
      ms.push_back(seconds_since(t1) * 1000);
      if (!rec) throw std::runtime_error(rec.status().message());
    }
    std::sort(ms.begin(), ms.end());
    out["local_write_ms"] = {{"p50", ms[ms.size() / 2]}, {"p99", ms[ms.size() * 99 / 100]}};

    // server_rss_mb: idle, then with 200 connected, authenticated devices.
    const double idle = rss_kb(b.server.pid()) / 1024.0;
    const auto e = store.enrollment();
    std::vector<std::unique_ptr<client::Transport>> conns;
    for (int i = 0; i < 200; ++i) {
      auto t = client::make_wss_transport({e->server_url, e->fingerprint});
      if (!t->connect()) break;
      (void)t->send(protocol::encode(protocol::Hello{protocol::kProtocolVersion, protocol::kSchemaVersion,
                                                     e->device_id, e->token}));
      if (!t->receive(std::chrono::seconds(10))) break;
      conns.push_back(std::move(t));
    }
    const double loaded = rss_kb(b.server.pid()) / 1024.0;
    out["server_rss_mb"] = {{"idle", idle}, {"clients_200", conns.size() == 200 ? json(loaded) : json(nullptr)}};
    if (conns.size() != 200) out["server_rss_mb"]["why"] = "only " + std::to_string(conns.size()) + " connected";
  }
  return out;
}

// The DB worker's part of ingest_1 alone, in this process on one thread: the
// same 20,000 ops in pushes of 500, five pushes per commit (relaxed, as the
// worker commits before its off-thread flush), into a fresh copy of the demo
// school each run. No network, no client: a steadier figure for comparing
// changes to the ingest path. Reports the fastest and the median run.
json run_ingest_core(int runs) {
  TempDir tmp;
  make_demo_server(tmp / "template");
  const server::DataPaths paths{tmp / "template"};
  std::int64_t user_id = 0;
  std::vector<BenchTarget> assigned;
  {
    auto db = server::open_server_db(paths.db());
    const auto subjects = server::load_class_subjects(*db);
    auto u = db->prepare("SELECT id FROM users WHERE username = 'gv.toan.1'");
    if (!u.step()) throw std::runtime_error("ingest_core: no gv.toan.1 in the demo school");
    user_id = u.int64(0);
    auto a = db->prepare("SELECT c.name, s.name, c.id, s.id FROM teaching_assignments t JOIN classes c ON c.id = "
                         "t.class_id JOIN subjects s ON s.id = t.subject_id WHERE t.user_id = ? ORDER BY c.name");
    a.bind(1, user_id);
    while (a.step()) {
      std::optional<protocol::SubjectInfo> info;
      for (const auto& cs : subjects)
        if (cs.class_id == a.int64(2) && cs.subject_id == a.int64(3)) info = cs.info;
      assigned.push_back(bench_target(a.text(0), a.text(1), info));
    }
    audited_write(*db, [&] {
      db->exec("INSERT INTO devices(public_id, user_id, name, token_hash, created_at, last_seen_at) "
               "VALUES('bench-device', " + std::to_string(user_id) + ", 'bench', '', 0, 0)");
    });
  }
  if (assigned.empty()) throw std::runtime_error("ingest_core: gv.toan.1 teaches nothing");
  const int n = 20000, per_push = 500, pushes_per_commit = 5;
  const std::int64_t now = SystemClock::instance().now_unix_seconds();
  std::vector<protocol::Push> pushes;
  for (int i = 0; i < n; ++i) {
    if (i % per_push == 0) pushes.push_back({static_cast<std::uint64_t>(pushes.size() + 1), {}});
    protocol::Op op = bench_op(i, assigned);
    op.seq = static_cast<std::uint64_t>(i + 1);
    op.recorded_at = now - n + i;
    pushes.back().ops.push_back(std::move(op));
  }
  std::vector<double> seconds;
  for (int r = 0; r < runs; ++r) {
    // A fresh copy of the school (on PostgreSQL, with SODIEM_TEST_PG: a new
    // school in that cluster, which bench.sh reports as pg_ingest_core).
    const std::string path = server::DataPaths{copy_school(paths.dir, tmp / ("run" + std::to_string(r)))}.db();
    auto db = server::open_server_db(path);
    server::Directory directory;
    directory.load(*db);
    server::Ingestor ingestor(*db, directory, SystemClock::instance());
    auto d = db->prepare("SELECT id FROM devices WHERE public_id = 'bench-device'");
    d.step();
    server::DeviceContext device{d.int64(0), "bench-device", user_id, 0, now - n};
    std::uint64_t accepted = 0;
    const auto t0 = Steady::now();
    for (std::size_t p = 0; p < pushes.size(); p += pushes_per_commit) {
      store::Transaction tx(*db, sqlite::Durability::kRelaxed);
      for (std::size_t q = p; q < std::min(pushes.size(), p + pushes_per_commit); ++q) {
        db->exec("SAVEPOINT push");
        auto ack = ingestor.apply(device, pushes[q]);
        if (!ack) throw std::runtime_error("ingest_core: " + ack.status().message());
        db->exec("RELEASE push");
        for (const auto& run : ack->accepted) accepted += run.count;
      }
      tx.commit();
    }
    seconds.push_back(seconds_since(t0));
    if (accepted != static_cast<std::uint64_t>(n))
      throw std::runtime_error("ingest_core: " + std::to_string(accepted) + " of " + std::to_string(n) + " accepted");
  }
  std::sort(seconds.begin(), seconds.end());
  return {{"ops", n}, {"runs", runs}, {"fastest_ops_per_s", n / seconds.front()},
          {"median_ops_per_s", n / seconds[seconds.size() / 2]}, {"seconds", seconds}};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "local";
    if (mode == "fill" && argc == 4) {
      fill_outbox(argv[2], std::stoi(argv[3]));
      return 0;
    }
    if (mode == "ingest_1") {  // for profiling one figure
      std::cout << run_ingest_1().dump(2) << std::endl;
      return 0;
    }
    if (mode == "ingest_20") {  // SODIEM_BENCH_SERVERS=2: two server processes (PostgreSQL)
      const char* servers = std::getenv("SODIEM_BENCH_SERVERS");
      const char* rounds = std::getenv("SODIEM_BENCH_ROUNDS");
      std::cout << json{{"ingest_20", run_ingest_20(servers ? std::stoi(servers) : 1,
                                                    rounds ? std::max(1, std::stoi(rounds)) : 1)}}
                       .dump(2)
                << std::endl;
      return 0;
    }
    if (mode == "ingest_20_schools") {  // several schools behind one port (PostgreSQL: and two processes)
      const char* servers = std::getenv("SODIEM_BENCH_SERVERS");
      const char* schools = std::getenv("SODIEM_BENCH_SCHOOLS");
      const char* rounds = std::getenv("SODIEM_BENCH_ROUNDS");
      const char* route = std::getenv("SODIEM_BENCH_ROUTE");  // "school": each school through one process
      std::cout << json{{"ingest_20_schools",
                         sodiem::bench::run_ingest_20_schools(servers ? std::stoi(servers) : 1,
                                                              schools ? std::max(1, std::stoi(schools)) : 4,
                                                              rounds ? std::max(1, std::stoi(rounds)) : 1,
                                                              route && std::string(route) == "school", fill_outbox)}}
                       .dump(2)
                << std::endl;
      return 0;
    }
    if (mode == "ingest_core") {  // the DB worker's part alone (comparing changes to ingest)
      const char* runs = std::getenv("SODIEM_BENCH_ROUNDS");
      std::cout << json{{"ingest_core", run_ingest_core(runs ? std::max(1, std::stoi(runs)) : 9)}}.dump(2) << std::endl;
      return 0;
    }
    if (mode == "print") {  // the printed records (issue 17)
      std::cout << sodiem::bench::run_print().dump(2) << std::endl;
      return 0;
    }
    if (mode == "local") {
      std::cout << run_local().dump(2) << std::endl;
      return 0;
    }
    std::cerr << "usage: sodiem_bench local | print | ingest_1 | ingest_20 | ingest_20_schools | ingest_core | fill DIR N\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "sodiem_bench: " << e.what() << "\n";
    return 1;
  }
}
