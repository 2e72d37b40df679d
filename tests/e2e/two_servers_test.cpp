// Two server processes on one school's store (in-process: two SyncServices,
// each with its own connection, as two `sodiem-server run` against one
// PostgreSQL; on SQLite, two writers of one file). Devices reach either at
// random and lose acks (the connection cut after the server committed, so
// the device resends to the other one): every op is applied exactly once,
// every replica converges, the pulls miss nothing the other process
// committed, and the audit trail stays one verified chain. Runs over both
// stores (ctest "pg: " runs it over PostgreSQL).
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "loopback_school.hpp"
#include "sodiem/server/audit.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using client::LocalStore;

namespace {

std::string cells_of(LocalStore& s) {
  std::string out;
  for (const auto& st : s.show("6A", "Toán"))
    for (const auto& [c, v] : st.cells) out += st.code + "." + c + "=" + v + ";";
  return out;
}

// The same 40 rounds (same marks, same lost acks) through two servers, or
// through one; the log each run leaves (what was accepted, refused or kept as
// a conflict, in version order).
std::string run_rounds(bool two_servers) {
  LoopbackSchool school;
  server::SyncService second(school.db_path(), school.clock);
  server::SyncService* services[] = {school.service.get(), two_servers ? &second : school.service.get()};
  std::vector<LocalStore*> devices = {&school.device("gv.toan.1", "laptop"), &school.device("gv.toan.1", "home"),
                                      &school.device("gv.toan.1", "school")};
  std::mt19937 rng(20261129);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const char* marks[] = {"5", "6.5", "7", "8", "8.5", "9", "10"};
  const char* cols[] = {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4"};
  int recorded = 0, cut_sessions = 0;
  for (int round = 0; round < 40; ++round) {
    LocalStore& d = *devices[static_cast<std::size_t>(pick(3))];
    for (int k = pick(12) + 1; k > 0; --k) {
      char student[16];
      std::snprintf(student, sizeof student, "HS6A%02d", pick(10) + 1);
      REQUIRE(d.record({"6A", "Toán", student, cols[pick(4)]}, marks[pick(7)]).is_ok());
      ++recorded;
    }
    server::SyncService& to = *services[pick(2)];
    client::SyncEngine engine(d, nullptr, {});
    client::SyncReport report;
    if (pick(3) == 0) {
      // The push reaches this server and commits; its ack is lost with the
      // connection (replies: welcome, audit head, pull, then the ack).
      LoopbackTransport t(to, CutPlan{-1, 3});
      CHECK_FALSE(engine.sync_round(t, report).is_ok());
      ++cut_sessions;
    } else {
      LoopbackTransport t(to);
      INFO("round " << round);
      REQUIRE(engine.sync_round(t, report).is_ok());
    }
  }
  REQUIRE(cut_sessions > 3);
  // Everyone settles, each through the other server than the last.
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t i = 0; i < devices.size(); ++i) {
      client::SyncEngine engine(*devices[i], nullptr, {});
      client::SyncReport report;
      LoopbackTransport t(*services[(i + static_cast<std::size_t>(pass)) % 2]);
      REQUIRE(engine.sync_round(t, report).is_ok());
    }

  for (auto* d : devices) CHECK(d->status().pending == 0);
  // Each op applied or refused exactly once: one row per (device, seq) in the
  // log or the outcomes, and as many as were recorded.
  CHECK(school.server_scalar("SELECT COUNT(*) FROM (SELECT device_id, seq FROM changes WHERE device_id <> 0 "
                             "GROUP BY device_id, seq HAVING COUNT(*) > 1) AS twice") == 0);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM (SELECT device_id, seq FROM changes WHERE device_id <> 0 "
                             "UNION SELECT device_id, seq FROM op_outcomes) AS applied") == recorded);
  // Versions dense and in order: no gap a pull could have skipped.
  CHECK(school.server_scalar("SELECT MAX(version) - COUNT(*) FROM changes") == 0);
  // Every replica shows what the server holds.
  for (auto* d : devices) CHECK(cells_of(*d) == cells_of(*devices[0]));
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells") > 0);
  const auto verdict = server::verify_audit(*school.server_db());
  INFO(verdict.problem);
  CHECK(verdict.intact);
  std::string log;
  auto db = school.server_db();
  auto s = db->prepare("SELECT version, kind, student_id, col, value, device_id, seq, current_version, "
                       "COALESCE(resolved_by_version, 0) FROM changes ORDER BY version");
  while (s.step()) {
    for (int c = 0; c < 9; ++c) log += s.text(c) + ",";
    log += "\n";
  }
  auto o = db->prepare("SELECT device_id, seq, code FROM op_outcomes ORDER BY device_id, seq");
  while (o.step()) log += o.text(0) + "," + o.text(1) + "," + o.text(2) + "\n";
  return log + cells_of(*devices[0]);
}

}  // namespace

TEST_CASE("two servers on one store, devices alternating at random with lost acks: each op once, all converge, "
          "the same log as one server",
          "[e2e][fault]") {
  const std::string one = run_rounds(false);
  const std::string two = run_rounds(true);
  CHECK(one.size() > 100);
  CHECK(two == one);
}
