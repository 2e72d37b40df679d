// See audit_heads.hpp.
#include "sodiem/server/audit_heads.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "sodiem/core/signing.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/audit_tree.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {

protocol::AuditHead answer_audit_request(store::Db& db, const AuditKey& key, const std::string& epoch,
                                         const protocol::AuditRequest& request) {
  const AuditTreeHead head = audit_tree_head(db);
  protocol::AuditHead out;
  out.epoch = epoch;
  out.size = head.size;
  out.root = head.root_hex;
  out.signature = key.sign_hex(protocol::signed_head_text(epoch, head.size, head.root_hex));
  if (request.want_key) out.public_key = key.public_key_hex();
  out.restored_from = std::stoull(get_meta(db, "audit_restored_from", "0"));
  if (out.restored_from) out.restored_from_epoch = get_meta(db, "audit_restored_from_epoch");
  // The backup's entries are this trail's first restored_from entries: a
  // head kept under the old epoch up to that size is provable here too.
  const bool provable =
      request.size > 0 && request.size < head.size &&
      (request.epoch == epoch || (request.epoch == out.restored_from_epoch && request.size <= out.restored_from));
  if (provable) out.proof = audit_consistency_proof(db, request.size, head.size);
  return out;
}

void record_audit_alarm(store::Db& db, const AuditKey& key, const std::string& username, const std::string& device,
                        const protocol::AuditAlarm& alarm, std::int64_t now) {
  const bool ours = signing::verify_signature(
      key.public_key_hex(), protocol::signed_head_text(alarm.kept_epoch, alarm.kept_size, alarm.kept_root),
      alarm.kept_signature);
  store::Transaction tx(db);
  db.prepare("INSERT INTO audit_alarms(at, device, username, kept_epoch, kept_size, kept_root, kept_signature, "
             "kept_signature_valid, shown_size, shown_root, why) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(1, now).bind(2, device).bind(3, username).bind(4, alarm.kept_epoch).bind(5, alarm.kept_size)
      .bind(6, alarm.kept_root).bind(7, alarm.kept_signature).bind(8, ours ? 1 : 0).bind(9, alarm.shown_size)
      .bind(10, alarm.shown_root).bind(11, alarm.why)
      .run();
  append_audit(db, {now, username, device, "audit_alarm",
                    nlohmann::json{{"kept_epoch", alarm.kept_epoch}, {"kept_size", alarm.kept_size},
                                   {"kept_root", alarm.kept_root}, {"signature_ours", ours},
                                   {"shown_size", alarm.shown_size}, {"shown_root", alarm.shown_root},
                                   {"why", alarm.why}}
                        .dump()});
  tx.commit();
  if (ours)
    spdlog::error("AUDIT TRAIL REWRITTEN: device {} of {} holds a head of {} entries signed by this server that the "
                  "trail no longer extends ({}); see `sodiem-server audit verify`",
                  device, username, alarm.kept_size, alarm.why);
  else
    spdlog::warn("device {} of {} reported an audit head that this server did not sign: {}", device, username,
                 alarm.why);
}

std::vector<AuditAlarmRow> audit_alarms(store::Db& db) {
  std::vector<AuditAlarmRow> out;
  auto s = db.prepare("SELECT at, username, device, kept_epoch, kept_size, shown_size, kept_signature_valid, why "
                      "FROM audit_alarms ORDER BY id");
  while (s.step())
    out.push_back({s.int64(0), s.text(1), s.text(2), s.text(3), static_cast<std::uint64_t>(s.int64(4)),
                   static_cast<std::uint64_t>(s.int64(5)), s.int64(6) != 0, s.text(7)});
  return out;
}

}  // namespace sodiem::server
