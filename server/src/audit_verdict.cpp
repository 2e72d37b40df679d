// The audit trail's verdict (see audit_verdict.hpp): the checks and the
// words of `sodiem-server audit verify`, shared with the console.
#include "sodiem/server/audit_verdict.hpp"

#include "sodiem/core/clock.hpp"
#include "sodiem/server/access_seal.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/audit_heads.hpp"
#include "sodiem/server/records_check.hpp"
#include "sodiem/server/roster_io.hpp"

namespace sodiem::server {

AuditVerdict check_audit_trail(store::Db& db) {
  AuditVerdict v;
  // First what keeps schools apart in a shared PostgreSQL: without it, what
  // follows would read other schools' rows and say so in misleading words.
  v.problems = check_school_separation(db);
  if (!v.problems.empty()) return v;
  const auto chain = verify_audit(db);
  v.entries = chain.entries;
  if (!chain.intact) {
    v.problems.push_back("nhật ký kiểm toán KHÔNG nguyên vẹn: " + chain.problem);
    return v;
  }
  const auto records = verify_records(db);
  v.versions = records.entries;
  if (!records.intact) {
    v.problems.push_back("dữ liệu điểm KHÔNG khớp nhật ký kiểm toán: " + records.problem);
    return v;
  }
  // Who may do what: the access tables against the digests the trail recorded.
  auto access = check_access_tables(db);
  for (auto& p : access.problems) v.problems.push_back(std::move(p));
  for (auto& p : access.history) v.problems.push_back(std::move(p));
  // What devices found when they compared the heads they kept (audit_heads.hpp).
  for (const auto& a : audit_alarms(db)) {
    if (!a.kept_signature_valid) continue;
    v.problems.push_back("máy " + a.device + " của " + a.username + " báo lúc " + format_local_time(a.at) +
                         ": nhật ký từng có " + std::to_string(a.kept_size) +
                         " mục (đầu cây do chính máy chủ này ký) nhưng nay không còn nối tiếp được (" + a.why +
                         ") — nhật ký kiểm toán đã bị viết lại");
  }
  if (!v.problems.empty()) return v;
  v.intact = true;
  // Not tampering, but worth fixing: names stored before today's rules.
  v.warnings = stored_name_faults(db);
  for (auto& w : access.warnings) v.warnings.push_back(std::move(w));
  return v;
}

}  // namespace sodiem::server
