// The audit trail cannot be rewritten behind the devices' backs: an insider
// who edits an old entry and recomputes every hash the server stores passes
// the server's own check, and is caught by the next device that syncs; a
// real restore from a backup is not mistaken for a rewrite.
#include <catch2/catch.hpp>
#include <filesystem>

#include "loopback_school.hpp"
#include "sodiem/client/audit_watch.hpp"
#include "sodiem/core/crypto.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/audit_heads.hpp"
#include "sodiem/server/backup.hpp"
#include "sodiem/server/server_db.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

void mark(LoopbackSchool& school, const std::string& student, const std::string& value) {
  auto op = school.device("gv.toan.1").record({"6A", "Toán", student, "HK1.TX1"}, value);
  INFO(op.status().message());
  REQUIRE(op.is_ok());
  school.sync("gv.toan.1");
}

// What an insider with the database file and the source code can do: change
// an entry, then recompute the hash chain, its head and the Merkle tree.
void rewrite_entry(store::Db& db, std::int64_t seq, const std::string& from, const std::string& to) {
  db.exec("BEGIN");
  db.prepare("UPDATE audit_log SET detail = replace(detail, ?, ?) WHERE seq = ?").bind(1, from).bind(2, to).bind(3, seq).run();
  std::string prev(64, '0');
  auto rows = db.prepare("SELECT seq, at, actor, device, kind, detail, access FROM audit_log ORDER BY seq");
  std::vector<std::pair<std::int64_t, std::string>> hashes;
  while (rows.step()) {
    std::string text = prev;
    for (const std::string& f : {std::to_string(rows.int64(0)), std::to_string(rows.int64(1)), rows.text(2),
                                 rows.text(3), rows.text(4), rows.text(5)})
      text += "|" + std::to_string(f.size()) + ":" + f;
    if (!rows.view(6).empty()) text += "|a" + std::to_string(rows.view(6).size()) + ":" + rows.text(6);
    const std::string hash = crypto::sha256_hex(text);
    hashes.emplace_back(rows.int64(0), prev + " " + hash);
    prev = hash;
  }
  rows.reset();
  for (const auto& [s, pair] : hashes)
    db.prepare("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?")
        .bind(1, pair.substr(0, 64)).bind(2, pair.substr(65)).bind(3, s).run();
  db.prepare("UPDATE meta SET value = ? WHERE key = 'audit_head_hash'").bind(1, prev).run();
  db.exec("DELETE FROM audit_tree; UPDATE meta SET value = '0' WHERE key = 'audit_tree_size'");
  db.exec("COMMIT");
}

}  // namespace

TEST_CASE("an insider's rewrite of the audit trail is caught by the next device that syncs", "[e2e][fault]") {
  LoopbackSchool school;
  mark(school, "HS6A01", "7");
  mark(school, "HS6A02", "8");
  mark(school, "HS6A03", "9");  // each sync keeps the head it was shown, proved against the one before
  {
    client::AuditWatch watch(school.device("gv.toan.1").db());
    CHECK(watch.alarm().empty());
    CHECK(watch.request().size > 0);
  }
  school.service->stop();
  {
    auto db = school.server_db();
    const std::int64_t first_push =
        school.server_scalar("SELECT MIN(seq) FROM audit_log WHERE kind = 'push' AND detail LIKE '%HS6A01%'");
    rewrite_entry(*db, first_push, "\"7\"", "\"10\"");
    db->exec("UPDATE changes SET value = '10' WHERE value = '7'; UPDATE cells SET value = '10' WHERE value = '7'");
    // The server's own checks are satisfied: the insider recomputed them.
    const auto check = server::verify_audit(*db);
    INFO(check.problem);
    CHECK(check.intact);
  }
  school.restart();
  auto r = school.try_sync("gv.toan.1");
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == protocol::ErrorCode::kAuditMismatch);
  CHECK_THAT(r.status().message(), Catch::Contains("bị viết lại"));
  // Reported on both sides: the device keeps saying so, the server recorded
  // it with its own signature on the head the device kept.
  CHECK_THAT(client::AuditWatch(school.device("gv.toan.1").db()).alarm(), Catch::Contains("bị viết lại"));
  school.service->stop();
  auto db = school.server_db();
  const auto alarms = server::audit_alarms(*db);
  REQUIRE(alarms.size() == 1);
  CHECK(alarms[0].kept_signature_valid);
  CHECK(alarms[0].username == "gv.toan.1");
  // The next sync says it again (the device does not adopt the new head).
  school.restart();
  CHECK(school.try_sync("gv.toan.1").status().code() == protocol::ErrorCode::kAuditMismatch);
}

TEST_CASE("appending to the audit trail is not a rewrite, nor is a restore from a backup", "[e2e]") {
  LoopbackSchool school;
  mark(school, "HS6A01", "7");
  mark(school, "HS6A02", "8");
  const std::string backup = school.tmp / "backup";
  REQUIRE(server::backup_data_dir(school.demo.dir, backup).is_ok());
  mark(school, "HS6A03", "9");  // kept head now beyond the backup's trail
  mark(school, "HS6A04", "6");
  school.service->stop();
  school.service.reset();
  const server::DataPaths live{school.demo.dir};
  for (const auto& f : {live.db(), live.db() + "-wal", live.db() + "-shm"}) std::filesystem::remove(f);
  REQUIRE(server::restore_data_dir(backup, school.demo.dir).is_ok());
  school.restart();
  // The device proves an older kept head (from before the backup) against
  // the restored trail, resends what the backup lacked, and carries on.
  auto r = school.try_sync("gv.toan.1");
  INFO(r.status().message());
  REQUIRE(r.is_ok());
  CHECK(client::AuditWatch(school.device("gv.toan.1").db()).alarm().empty());
  mark(school, "HS6A05", "5");
  school.service->stop();
  CHECK(server::audit_alarms(*school.server_db()).empty());
}
