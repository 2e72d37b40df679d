// Correction requests after a lock: filed by teachers through sync (an op of
// kind kCorrectionRequest), decided by the HT or a PHT. An approved request
// becomes a new version of the cell, linked to the request, in the same
// transaction as its audit entry; the old value stays in the cell's history.
// Functions take the open database; not thread-safe.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sodiem/core/status.hpp"
#include "sodiem/protocol/messages.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

// A request as clients see it, plus the version an approval created.
struct Correction : protocol::CorrectionInfo {
  std::uint64_t applied_version = 0;
};

std::vector<Correction> list_corrections(store::Db& db, const std::string& status_filter);
// approver must hold HT or PHT.
Result<std::uint64_t> approve_correction(store::Db& db, std::int64_t id, const std::string& approver,
                                         const std::string& comment, std::int64_t now);
Status refuse_correction(store::Db& db, std::int64_t id, const std::string& approver, const std::string& comment,
                         std::int64_t now);
// The same, inside the caller's open transaction (sync ingest).
Result<std::uint64_t> approve_correction_in_transaction(store::Db& db, std::int64_t id, const std::string& approver,
                                                        const std::string& comment, std::int64_t now);
Status refuse_correction_in_transaction(store::Db& db, std::int64_t id, const std::string& approver,
                                        const std::string& comment, std::int64_t now);
// A decision op (kDecideCorrection) from a client, inside the push's
// transaction; the Status message is the outcome shown to the user.
Status decide_correction(store::Db& db, const std::string& username, const protocol::Op& op, std::int64_t now);
// The HT delegates deciding correction requests to a PHT (DOMAIN: "approve
// corrections when delegated"), until `until` (0 = until revoked); audited.
struct Delegation {
  std::int64_t id = 0;
  std::string username, granted_by, reason;
  std::int64_t granted_at = 0, expires_at = 0;
};
Result<std::int64_t> delegate_corrections(store::Db& db, const std::string& to, const std::string& by,
                                          std::int64_t until, const std::string& reason, std::int64_t now);
Status revoke_delegation(store::Db& db, std::int64_t id, const std::string& by, std::int64_t now);
std::vector<Delegation> active_delegations(store::Db& db, std::int64_t now);
// Whether `username` may decide correction requests now: the HT; a PHT only
// with the HT's delegation (FORBIDDEN with why otherwise). The approve and
// refuse functions check it themselves; the console asks it to offer the buttons.
Status check_approver(store::Db& db, const std::string& username, std::int64_t now);
// All requests for the leadership; otherwise the user's own.
std::vector<Correction> corrections_visible_to(store::Db& db, const std::string& username, bool leadership);

}  // namespace sodiem::server
