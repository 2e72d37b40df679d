// A peer that sends what no honest client would: the server answers with an
// error, stores nothing of it, and goes on serving everyone else.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "loopback_school.hpp"
#include "sodiem/protocol/codec.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/records_check.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {
// Sends raw bytes on a new connection and returns the decoded answer.
protocol::Decoded answer_to(server::SyncService& service, const std::vector<std::string>& frames) {
  LoopbackTransport t(service);
  REQUIRE(t.connect().is_ok());
  for (const auto& f : frames) REQUIRE(t.send(f).is_ok());
  protocol::Decoded last;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    auto bytes = t.receive(std::chrono::seconds(5));
    if (!bytes) break;
    last = protocol::decode(*bytes);
  }
  return last;
}
std::string hello_of(client::LocalStore& store) {
  auto e = store.enrollment();
  REQUIRE(e.has_value());
  return protocol::encode(protocol::Hello{protocol::kProtocolVersion, protocol::kSchemaVersion, e->device_id, e->token});
}
}  // namespace

TEST_CASE("a nesting bomb before login is refused and the server goes on", "[e2e][fault]") {
  LoopbackSchool school;
  std::string bomb(100000, '\x81');
  bomb += '\x00';
  auto d = answer_to(*school.service, {bomb});
  REQUIRE(d.message.has_value());
  REQUIRE(std::holds_alternative<protocol::Error>(*d.message));
  CHECK(std::get<protocol::Error>(*d.message).code == protocol::ErrorCode::kMalformed);
  // An honest teacher syncs afterwards.
  REQUIRE(school.device("gv.toan.1").record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "8").is_ok());
  CHECK(school.sync("gv.toan.1").pushed == 1);
}

TEST_CASE("invalid UTF-8 from an enrolled device is refused and the audit trail stays verifiable", "[e2e][fault]") {
  LoopbackSchool school;
  auto& clerk = school.device("vanthu");
  const std::int64_t entries_before = school.server_scalar("SELECT COUNT(*) FROM audit_log");
  // The comment and the refused op's class the probe sent.
  protocol::Push push{1, {protocol::Op{1, {"6A", "Toán", "HS6A01", "HK1.NX"}, "Ch\xe1m \xff", 0, 1763900000}}};
  auto d = answer_to(*school.service, {hello_of(clerk), protocol::encode(push)});
  REQUIRE(d.message.has_value());
  REQUIRE(std::holds_alternative<protocol::Error>(*d.message));
  CHECK_THAT(std::get<protocol::Error>(*d.message).message, Catch::Contains("UTF-8"));
  push.ops[0].cell.class_name = "6A\xff";
  push.ops[0].value = "8";
  d = answer_to(*school.service, {hello_of(clerk), protocol::encode(push)});
  REQUIRE(std::holds_alternative<protocol::Error>(*d.message));

  school.service->stop();
  auto db = school.server_db();
  CHECK(school.server_scalar("SELECT COUNT(*) FROM changes") == 0);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM audit_log") == entries_before);
  const auto audit = server::verify_audit(*db);
  INFO(audit.problem);
  CHECK(audit.intact);
  CHECK(server::verify_records(*db).intact);
}

TEST_CASE("the device's claimed time is stored bounded by now", "[e2e][fault]") {
  LoopbackSchool school;
  auto& teacher = school.device("gv.toan.1");
  protocol::Op op{0, {"6A", "Toán", "HS6A01", "HK1.TX1"}, "7", 0, 32503680000};  // the year 3000
  teacher.queue_op(op);
  op.cell.column = "HK1.TX2";
  op.recorded_at = std::numeric_limits<std::int64_t>::max() / 2;
  teacher.queue_op(op);
  const auto now = SystemClock::instance().now_unix_seconds();
  CHECK(school.sync("gv.toan.1").pushed == 2);
  school.service->stop();
  CHECK(school.server_scalar("SELECT COUNT(*) FROM changes") == 2);
  CHECK(school.server_scalar("SELECT MAX(recorded_at) FROM changes") <= now + 5);
}

TEST_CASE("a teacher's device receives only the students of the classes they teach or head", "[e2e]") {
  LoopbackSchool school;
  auto count = [&](const std::string& user, const std::string& sql) {
    auto s = school.device(user).db().prepare(sql);
    REQUIRE(s.step());
    return s.int64(0);
  };
  // gv.toan.2 teaches Toán in the four grade 8–9 classes and heads one of them.
  CHECK(count("gv.toan.2", "SELECT COUNT(DISTINCT class_name) FROM students") == 4);
  CHECK(count("gv.toan.2", "SELECT COUNT(*) FROM students WHERE class_name LIKE '6%' OR class_name LIKE '7%'") == 0);
  CHECK(count("gv.toan.2", "SELECT COUNT(*) FROM classes") == 4);
  // A department head (TTCM) reads the department's subjects in every class;
  // the principal reads everything.
  CHECK(count("gv.toan.1", "SELECT COUNT(DISTINCT class_name) FROM students") == 8);
  CHECK(count("hieutruong", "SELECT COUNT(*) FROM students") == 320);
}
