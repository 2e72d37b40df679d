// The audit trail's verdict, as `sodiem-server audit verify` gives it and
// the console's Nhật ký page shows it: the hash chain (verify_audit), the
// grade records against it (verify_records), the alarms devices raised with
// a head this server signed (audit_alarms), then warnings that are no
// tampering (names stored before today's rules). Read-only; the caller's
// connection, any thread.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct AuditVerdict {
  bool intact = false;
  std::int64_t entries = 0;   // audit entries walked
  std::int64_t versions = 0;  // grade versions that match the trail
  // Why the trail cannot be trusted, in Vietnamese, one line each (empty when intact).
  std::vector<std::string> problems;
  std::vector<std::string> warnings;
};

AuditVerdict check_audit_trail(store::Db& db);

}  // namespace sodiem::server
