// Group commits made durable off the DB worker: the WalSyncer releases a
// commit's replies only after the WAL flush that covers it, and the sync
// service acknowledges nothing before that flush (or ever, if it fails).
#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "loopback_transport.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "sodiem/protocol/codec.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/sync_service.hpp"
#include "sodiem/server/wal_syncer.hpp"
#include "sodiem/sqlite/db.hpp"
#include "test_school.hpp"

using namespace sodiem;
using namespace std::chrono_literals;

namespace {

// A flush the test holds shut, lets through, or makes fail.
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  bool open = true, ok = true;
  int calls = 0;

  bool pass() {
    std::unique_lock lock(mutex);
    ++calls;
    cv.wait(lock, [&] { return open; });
    return ok;
  }
  void set(bool is_open, bool flush_ok = true) {
    {
      std::lock_guard lock(mutex);
      open = is_open;
      ok = flush_ok;
    }
    cv.notify_all();
  }
  int flushes() {
    std::lock_guard lock(mutex);
    return calls;
  }
};

}  // namespace

TEST_CASE("the WAL syncer releases commits in order, only after a flush that covers them", "[server][durability]") {
  Gate gate;
  gate.set(false);
  std::mutex m;
  std::vector<std::pair<int, bool>> released;
  {
    server::WalSyncer syncer([&] { return gate.pass(); });
    for (int i = 1; i <= 3; ++i)
      syncer.after_commit([&, i](bool durable) {
        std::lock_guard lock(m);
        released.emplace_back(i, durable);
      });
    auto waiting = std::async(std::launch::async, [&] { syncer.wait_durable(); });
    CHECK(waiting.wait_for(200ms) == std::future_status::timeout);  // held by the flush
    {
      std::lock_guard lock(m);
      CHECK(released.empty());
    }
    gate.set(true);
    REQUIRE(waiting.wait_for(5s) == std::future_status::ready);
    {
      std::lock_guard lock(m);
      REQUIRE(released.size() == 3);
      for (int i = 0; i < 3; ++i) CHECK(released[i] == std::make_pair(i + 1, true));
    }
    // A failed flush releases its commits as not durable.
    gate.set(true, false);
    syncer.after_commit([&](bool durable) {
      std::lock_guard lock(m);
      released.emplace_back(4, durable);
    });
    syncer.wait_durable();
    CHECK(syncer.failed());
    // The disk may have dropped what it could not write: nothing is durable
    // again until a restart, even if a later flush would succeed.
    gate.set(true, true);
    const auto flushes = gate.flushes();
    syncer.after_commit([&](bool durable) {
      std::lock_guard lock(m);
      released.emplace_back(5, durable);
    });
    syncer.wait_durable();
    CHECK(gate.flushes() == flushes);
    std::lock_guard lock(m);
    REQUIRE(released.size() == 5);
    CHECK(released[3] == std::make_pair(4, false));
    CHECK(released[4] == std::make_pair(5, false));
  }
  CHECK(gate.flushes() >= 2);
}

TEST_CASE("the WAL syncer flushes the real WAL file and refuses a database without one", "[server][durability]") {
  testing::TempDir tmp;
  const std::string path = tmp / "s.db";
  CHECK_THROWS_WITH(server::WalSyncer(path), Catch::Contains("s.db-wal"));
  sqlite::Db db(path);
  db.exec("CREATE TABLE t(x)");
  server::WalSyncer syncer(path);
  bool was_durable = false;
  db.exec("INSERT INTO t VALUES(1)");
  syncer.after_commit([&](bool durable) { was_durable = durable; });
  syncer.wait_durable();
  CHECK(was_durable);
  CHECK(syncer.flushes() == 1);
}

TEST_CASE("no ack or pull answer leaves before the WAL flush, none after a failed one, and the resend counts once",
          "[e2e][durability][sqlite]") {
  // The server is restarted after the failed flush, as its error asks.
  testing::TempDir tmp;
  auto demo = testing::make_demo_server(tmp / "server");
  const std::string db_path = server::DataPaths{demo.dir}.db();
  Gate gate;
  auto service = std::make_unique<server::SyncService>(db_path, SystemClock::instance(), [&] { return gate.pass(); });
  client::LocalStore store(tmp / "laptop"), other(tmp / "home-pc");
  for (auto* s : {&store, &other}) {
    testing::LoopbackTransport t(*service);
    REQUIRE(client::enroll(*s, t, {"wss://loopback", demo.fingerprint}, "gv.toan.1",
                           demo.password_of("gv.toan.1"), s == &store ? "laptop" : "home-pc")
                .is_ok());
  }
  for (int i = 1; i <= 8; ++i)
    REQUIRE(store.record({"6A", "Toán", "HS6A0" + std::to_string(i), "HK1.TX1"}, "7").is_ok());
  const auto ops = store.pending_ops(0, 100, 1 << 20);
  REQUIRE(ops.size() == 8);
  const auto e = store.enrollment();
  sqlite::Db check(db_path);
  auto changes = [&] {
    auto s = check.prepare("SELECT COUNT(*) FROM changes");
    REQUIRE(s.step());
    return s.int64(0);
  };
  const auto changes_before = changes();

  testing::LoopbackTransport t(*service);
  REQUIRE(t.connect().is_ok());
  auto receive_on = [](testing::LoopbackTransport& from) {
    auto bytes = from.receive(5s);
    REQUIRE(bytes.is_ok());
    auto d = protocol::decode(*bytes);
    REQUIRE(d.message.has_value());
    return *d.message;
  };
  auto receive = [&] { return receive_on(t); };
  auto hello_on = [](testing::LoopbackTransport& to, const client::Enrollment& as) {
    REQUIRE(to.send(protocol::encode(protocol::Hello{protocol::kProtocolVersion, protocol::kSchemaVersion,
                                                     as.device_id, as.token}))
                .is_ok());
  };
  hello_on(t, *e);
  REQUIRE(std::holds_alternative<protocol::Welcome>(receive()));

  // Held flush: the first five are committed, but not acknowledged.
  gate.set(false);
  REQUIRE(t.send(protocol::encode(protocol::Push{1, {ops.begin(), ops.begin() + 5}})).is_ok());
  auto reply = std::async(std::launch::async, receive);
  for (int i = 0; i < 200 && changes() < changes_before + 5; ++i) std::this_thread::sleep_for(10ms);
  CHECK(changes() == changes_before + 5);
  // Another device asking meanwhile is not shown those values (nor welcomed) before the flush.
  testing::LoopbackTransport t2(*service);
  REQUIRE(t2.connect().is_ok());
  hello_on(t2, *other.enrollment());
  REQUIRE(t2.send(protocol::encode(protocol::Pull{{}, 1000})).is_ok());
  auto other_reply = std::async(std::launch::async, [&] { return receive_on(t2); });
  CHECK(reply.wait_for(300ms) == std::future_status::timeout);
  CHECK(other_reply.wait_for(0ms) == std::future_status::timeout);
  gate.set(true);
  REQUIRE(reply.wait_for(5s) == std::future_status::ready);
  auto first = reply.get();
  REQUIRE(std::holds_alternative<protocol::Ack>(first));
  CHECK(std::get<protocol::Ack>(first).accepted.at(0).count == 5);
  REQUIRE(other_reply.wait_for(5s) == std::future_status::ready);
  CHECK(std::holds_alternative<protocol::Welcome>(other_reply.get()));
  auto pulled = receive_on(t2);
  REQUIRE(std::holds_alternative<protocol::Changes>(pulled));
  int pushed_values = 0;
  for (const auto& c : std::get<protocol::Changes>(pulled).changes)
    for (auto it = ops.begin(); it != ops.begin() + 5; ++it)
      if (c.cell == it->cell && c.value == it->value) ++pushed_values;
  CHECK(pushed_values == 5);

  // A failed flush: an error instead of the ack, and the connection closes.
  gate.set(true, false);
  REQUIRE(t.send(protocol::encode(protocol::Push{2, {ops.begin() + 5, ops.end()}})).is_ok());
  auto failed = receive();
  REQUIRE(std::holds_alternative<protocol::Error>(failed));
  CHECK(std::get<protocol::Error>(failed).batch_id == 2);
  CHECK(std::get<protocol::Error>(failed).code == ErrorCode::kInternal);
  CHECK_FALSE(t.receive(1s).is_ok());
  // Until a restart, every request gets that error: nothing is served from
  // a store that may not be on the disk.
  gate.set(true, true);
  {
    testing::LoopbackTransport again(*service);
    REQUIRE(again.connect().is_ok());
    hello_on(again, *e);
    const auto refused = receive_on(again);
    REQUIRE(std::holds_alternative<protocol::Error>(refused));
    CHECK_THAT(std::get<protocol::Error>(refused).message, Catch::Contains("khởi động lại"));
  }

  // Restarted, the disk back: the client sends everything it has no ack for; each op counts once.
  service.reset();
  service = std::make_unique<server::SyncService>(db_path, SystemClock::instance(), [&] { return gate.pass(); });
  client::SyncEngine engine(store, [&] { return std::make_unique<testing::LoopbackTransport>(*service); });
  auto r = engine.sync();
  REQUIRE(r.is_ok());
  CHECK(r->rejected == 0);
  CHECK(changes() == changes_before + 8);
  CHECK(store.pending_ops(0, 100, 1 << 20).empty());
  for (const auto& op : ops) CHECK(store.outcome(op.seq).first == "OK");
}
