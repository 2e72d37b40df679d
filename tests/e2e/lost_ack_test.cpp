// In-process sync (loopback transport with cut injection): a device whose
// ack was lost learns the outcome when it resends, in the same session as a
// pull that brings a newer value another device wrote meanwhile. Found by
// the crash trials (tests/fault/crash_trials.py); fixed by the cells'
// server_version (client/src/local_store.cpp, apply_ack).
#include <catch2/catch.hpp>
#include <map>

#include "loopback_transport.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/sync_service.hpp"
#include "test_school.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using client::LocalStore;

namespace {

struct School {
  TempDir tmp;
  DemoServer demo = make_demo_server(tmp / "server");
  server::SyncService service{server::DataPaths{demo.dir}.db(), SystemClock::instance()};

  std::unique_ptr<LocalStore> enroll(const std::string& name, const std::string& user) {
    auto store = std::make_unique<LocalStore>(tmp / name);
    LoopbackTransport t(service);
    REQUIRE(client::enroll(*store, t, {"wss://loopback", demo.fingerprint}, user, demo.password_of(user), name).is_ok());
    return store;
  }
  // One session over a connection cut as `plan` says; returns whether it completed.
  bool session(LocalStore& store, CutPlan plan = {}) {
    client::SyncEngine engine(store, nullptr, {});
    LoopbackTransport t(service, plan);
    client::SyncReport report;
    return engine.sync_round(t, report).is_ok();
  }
};

std::string cell(LocalStore& s, const std::string& code, const std::string& col) {
  for (const auto& st : s.show("6A", "Toán"))
    for (const auto& [c, v] : st.cells)
      if (st.code == code && c == col) return v;
  return "";
}

}  // namespace

TEST_CASE("a resent op's late ack does not hide the newer value pulled in the same session", "[e2e][fault]") {
  School s;
  auto laptop = s.enroll("laptop", "gv.toan.1");
  auto home = s.enroll("home", "gv.toan.1");
  REQUIRE(laptop->record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "5").is_ok());
  // The server commits the push; its ack (the session's fourth reply, after
  // the welcome, the audit head and the pull) is lost with the connection.
  REQUIRE_FALSE(s.session(*laptop, CutPlan{-1, 3}));
  REQUIRE(laptop->status().pending == 1);
  // The same teacher, at home, sees the 5 and corrects it to 7.
  REQUIRE(s.session(*home));
  REQUIRE(cell(*home, "HS6A01", "HK1.TX1") == "5");
  REQUIRE(home->record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "7").is_ok());
  REQUIRE(s.session(*home));
  // The laptop resends its op: the pull brings the 7, the ack says the 5 was
  // accepted (as an older version). The laptop must show the 7, as the server does.
  REQUIRE(s.session(*laptop));
  REQUIRE(s.session(*laptop));
  CHECK(laptop->status().pending == 0);
  CHECK(cell(*laptop, "HS6A01", "HK1.TX1") == "7");
  sqlite::Db db(server::DataPaths{s.demo.dir}.db());
  auto q = db.prepare("SELECT value FROM cells");
  REQUIRE(q.step());
  CHECK(q.text(0) == "7");
}
