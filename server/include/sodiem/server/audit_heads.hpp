// What the sync service answers about the audit trail: signed tree heads
// with consistency proofs (audit?), and devices' reports of a head that does
// not extend the one they kept (audit!). Called on the DB worker; the thin
// handlers in SyncService adapt messages to these.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sodiem/protocol/messages.hpp"
#include "sodiem/server/audit_key.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

// The current signed head, and a proof from the requested head where one
// can be given (same epoch; or the epoch this one was restored from, up to
// the backup's size).
protocol::AuditHead answer_audit_request(store::Db& db, const AuditKey& key, const std::string& epoch,
                                         const protocol::AuditRequest& request);

// Records a device's report (table audit_alarms, an audit entry, the error
// log): whether the kept head carries this server's own signature decides
// whether it is evidence or noise. Inside its own transaction.
void record_audit_alarm(store::Db& db, const AuditKey& key, const std::string& username, const std::string& device,
                        const protocol::AuditAlarm& alarm, std::int64_t now);

struct AuditAlarmRow {
  std::int64_t at = 0;
  std::string username, device, kept_epoch;
  std::uint64_t kept_size = 0, shown_size = 0;
  bool kept_signature_valid = false;
  std::string why;
};
std::vector<AuditAlarmRow> audit_alarms(store::Db& db);

}  // namespace sodiem::server
