// SyncService::stop() called from two threads at once, as a restore's
// let-go (the opener thread) and the server's stop (the io thread) may: it
// runs once, and the caller that comes second returns only once the first
// has finished (the last acks out), never before nor beside it. In-process,
// a push held in its WAL flush; either store.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "loopback_transport.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "sodiem/protocol/codec.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/sync_service.hpp"
#include "test_school.hpp"

using namespace sodiem;
using namespace std::chrono_literals;

TEST_CASE("SyncService::stop from two threads at once runs once, and neither returns before the last ack is out",
          "[e2e][durability]") {
  testing::TempDir tmp;
  auto demo = testing::make_demo_server(tmp / "server");
  // Each WAL flush (or, on PostgreSQL, the step standing for it) takes 300 ms.
  std::atomic<bool> flushing{false}, flushed{false};
  auto service = std::make_unique<server::SyncService>(server::DataPaths{demo.dir}.db(), SystemClock::instance(), [&] {
    flushing = true;
    std::this_thread::sleep_for(300ms);
    flushed = true;
    return true;
  });
  client::LocalStore store(tmp / "laptop");
  {
    testing::LoopbackTransport t(*service);
    REQUIRE(client::enroll(store, t, {"wss://loopback", demo.fingerprint}, "gv.toan.1", demo.password_of("gv.toan.1"),
                           "laptop")
                .is_ok());
  }
  for (int i = 1; i <= 5; ++i) REQUIRE(store.record({"6A", "Toán", "HS6A0" + std::to_string(i), "HK1.TX1"}, "7").is_ok());
  const auto ops = store.pending_ops(0, 100, 1 << 20);
  REQUIRE(ops.size() == 5);
  const auto e = store.enrollment();
  REQUIRE(e);

  testing::LoopbackTransport t(*service);
  REQUIRE(t.connect().is_ok());
  REQUIRE(t.send(protocol::encode(protocol::Hello{protocol::kProtocolVersion, protocol::kSchemaVersion, e->device_id,
                                                  e->token}))
              .is_ok());
  auto welcome = t.receive(5s);
  REQUIRE(welcome.is_ok());
  REQUIRE(std::holds_alternative<protocol::Welcome>(*protocol::decode(*welcome).message));

  // The push committed, its flush under way: both stop at once.
  flushing = false;
  flushed = false;
  REQUIRE(t.send(protocol::encode(protocol::Push{1, ops})).is_ok());
  for (int i = 0; i < 500 && !flushing; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(flushing);
  std::atomic<int> ready{0};
  const auto stop = [&] {
    ++ready;
    while (ready < 2) std::this_thread::yield();
    service->stop();
    return flushed.load();  // the last flush over when stop() returned
  };
  auto first = std::async(std::launch::async, stop);
  auto second = std::async(std::launch::async, stop);
  CHECK(first.get());
  CHECK(second.get());
  // The ack went out before either returned.
  auto ack = t.receive(0ms);
  REQUIRE(ack.is_ok());
  const auto message = protocol::decode(*ack).message;
  REQUIRE(message);
  REQUIRE(std::holds_alternative<protocol::Ack>(*message));
  CHECK(std::get<protocol::Ack>(*message).accepted.at(0).count == 5);
  // The service's destructor stops it a third time: nothing more (after the transport, declared later).
}
