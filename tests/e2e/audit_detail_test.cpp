// Audit details of a shape the server never writes (an edited database
// whose chain was re-hashed, since the hashes have no key): verify_records
// names the entry as malformed instead of throwing or overflowing. Found by
// the audit_detail fuzz target's checks. Real SQLite, the demo school. And
// what PushAuditWriter writes reads back as the versions it vouches for.
#include <catch2/catch.hpp>
#include <limits>
#include <nlohmann/json.hpp>

#include "sodiem/server/audit.hpp"
#include "sodiem/server/audit_detail.hpp"
#include "sodiem/server/audit_detail_writer.hpp"
#include "sodiem/server/records_check.hpp"
#include "sodiem/server/server_db.hpp"
#include "test_school.hpp"

using namespace sodiem;
using namespace sodiem::testing;

TEST_CASE("an audit detail of another shape is named as malformed, not thrown", "[storage][fault]") {
  TempDir tmp;
  auto demo = make_demo_server(tmp / "server");
  auto db = server::open_server_db(server::DataPaths{demo.dir}.db());
  REQUIRE(server::verify_records(*db).intact);
  const std::pair<const char*, const char*> details[] = {
      {"correction_approved", "[1,2]"},                    // not an object: nlohmann's value() threw type_error
      {"correction_approved", R"({"version":"131"})"},     // a text version: threw type_error
      {"correction_approved", R"({"class":6,"version":1})"},
      {"push", R"([["6A"]])"},                             // not an object: threw type_error
      {"push", R"({"ops":[],"runs":{"a":1}})"},
  };
  for (const auto& [kind, detail] : details) {
    INFO(kind << " " << detail);
    store::Transaction tx(*db);  // rolled back: each case on the clean log
    const auto seq = server::append_audit(*db, {1764000000, "hieutruong", "", kind, detail});
    server::AuditCheck check;
    REQUIRE_NOTHROW(check = server::verify_records(*db));
    CHECK_FALSE(check.intact);
    CHECK(check.problem == "mục nhật ký " + std::to_string(seq) + " sai định dạng");
  }
  REQUIRE(server::verify_records(*db).intact);
}

TEST_CASE("a run of versions past the largest version is malformed, not an overflow", "[unit][fault]") {
  const std::string max = std::to_string(std::numeric_limits<std::int64_t>::max());
  const auto read = server::read_audit_detail(
      "push", R"({"ops":[],"runs":[["6A","Toán",1,)" + max + R"(,[["HS1","HK1.TX1","8"],["HS2","HK1.TX1","9"]]]]})");
  CHECK(read.problem == server::AuditDetail::Problem::kMalformed);
  REQUIRE(read.versions.size() == 1);
  CHECK(read.versions[0].version == std::numeric_limits<std::int64_t>::max());
  // As the server writes it, a run reads as consecutive versions.
  const auto good = server::read_audit_detail(
      "push", R"({"batch":1,"ops":[[3,"OK",7,"6A","Toán","HS3","HK1.TX1","7"]],)"
              R"("runs":[["6A","Toán",1,8,[["HS1","HK1.TX1","8"],["HS2","HK1.TX1","9"]]]]})");
  CHECK(good.problem == server::AuditDetail::Problem::kNone);
  REQUIRE(good.versions.size() == 3);
  CHECK(good.versions[0].version == 7);
  CHECK(good.versions[2].version == 9);
  CHECK(good.versions[2].student == "HS2");
  CHECK(server::read_audit_detail("push", "{not json").problem == server::AuditDetail::Problem::kUnreadable);
}

TEST_CASE("a push's audit detail as PushAuditWriter writes it reads back as what it vouches for", "[unit]") {
  auto op = [](std::uint64_t seq, const char* cls, const char* subject, const char* student, std::string value) {
    protocol::Op o;
    o.seq = seq;
    o.cell = {cls, subject, student, "HK1.TX1"};
    o.value = std::move(value);
    return o;
  };
  const std::string odd = "a\"b\\c\x01";  // refused values are kept as typed: escaped
  const protocol::Op ops[] = {op(1, "6A", "Toán", "HS1", "8"), op(2, "6A", "Toán", "HS2", "7.5"),
                              op(3, "6A", "Toán", "HS3", "6"), op(4, "6A", "Toán", "HS4", "9"),
                              op(5, "6A", "Toán", "HS5", odd), op(6, "6B", "Chủ nhiệm", "HS6", "T")};
  server::PushAuditWriter writer(std::size(ops));
  writer.accepted(ops[0], 10, "8");
  writer.accepted(ops[1], 11, "7.5");                               // continues the run
  writer.outcome(ops[2], protocol::ErrorCode::kOk, 5, "6");           // unchanged: names the version it found
  writer.accepted(ops[3], 12, "9");                                 // seq 3 is not in it: a new run
  writer.outcome(ops[4], protocol::ErrorCode::kInvalidValue, 0, odd);  // vouches for nothing
  writer.accepted(ops[5], 13, "T");                                 // another class and subject: a new run
  const std::string text = writer.detail(42);
  const auto json = nlohmann::json::parse(text);
  CHECK(json["batch"] == 42);
  REQUIRE(json["ops"].size() == 2);
  CHECK(json["ops"][1][7] == odd);
  CHECK(json["runs"].size() == 3);
  const auto read = server::read_audit_detail("push", text);
  CHECK(read.problem == server::AuditDetail::Problem::kNone);
  std::vector<std::pair<std::int64_t, std::string>> got;
  for (const auto& v : read.versions) got.emplace_back(v.version, v.class_name + " " + v.subject + " " + v.student + " " + v.value);
  CHECK(got == std::vector<std::pair<std::int64_t, std::string>>{{5, "6A Toán HS3 6"},
                                                                 {10, "6A Toán HS1 8"},
                                                                 {11, "6A Toán HS2 7.5"},
                                                                 {12, "6A Toán HS4 9"},
                                                                 {13, "6B Chủ nhiệm HS6 T"}});
  CHECK(server::PushAuditWriter(0).empty());
}
