// Cross-check of grade records against the audit trail (see records_check.hpp).
#include "sodiem/server/records_check.hpp"

#include <set>

#include "sodiem/protocol/messages.hpp"
#include "sodiem/server/audit_detail.hpp"

namespace sodiem::server {

AuditCheck verify_records(store::Db& db) {
  AuditCheck check;
  auto bad = [&](const std::string& why) {
    check.intact = false;
    check.problem = why;
    return check;
  };
  auto version_row = db.prepare(
      "SELECT c.name, COALESCE(s.name, ?), st.code, ch.col, ch.value, ch.kind FROM changes ch "
      "JOIN classes c ON c.id = ch.class_id LEFT JOIN subjects s ON s.id = ch.subject_id "
      "JOIN students st ON st.id = ch.student_id WHERE ch.version = ?");
  std::set<std::int64_t> audited;
  auto expect = [&](std::int64_t entry, const AuditedVersion& e) -> bool {
    const std::int64_t version = e.version;
    version_row.bind(1, protocol::kHomeroomSubject).bind(2, version);
    const bool found = version_row.step();
    const bool same = found && version_row.text(0) == e.class_name && version_row.text(1) == e.subject &&
                      version_row.text(2) == e.student && version_row.text(3) == e.column &&
                      version_row.text(4) == e.value && version_row.int64(5) == 0;
    version_row.reset();
    if (!same) {
      check.intact = false;
      check.problem = "phiên bản " + std::to_string(version) + " (" + e.class_name + " · " + e.subject + " · " +
                      e.student + " · " + e.column + " = \"" + e.value + "\", mục nhật ký " + std::to_string(entry) +
                      ") " + (found ? "bị sửa trong bảng changes" : "bị xóa khỏi bảng changes");
      return false;
    }
    audited.insert(version);
    return true;
  };

  auto entries = db.prepare("SELECT seq, kind, detail FROM audit_log WHERE kind IN ('push', 'correction_approved', 'exemption', 'student_moved', 'transfer_in', "
                            "'year_end_result') "
                            "ORDER BY seq");
  while (entries.step()) {
    const std::int64_t entry = entries.int64(0);
    const AuditDetail detail = read_audit_detail(entries.text(1), entries.text(2));
    for (const auto& v : detail.versions)
      if (!expect(entry, v)) return check;
    if (detail.problem == AuditDetail::Problem::kUnreadable)
      return bad("mục nhật ký " + std::to_string(entry) + " không đọc được");
    if (detail.problem == AuditDetail::Problem::kMalformed)
      return bad("mục nhật ký " + std::to_string(entry) + " sai định dạng");
  }
  // Every accepted version must come from an audited push or approval.
  auto versions = db.prepare("SELECT version FROM changes WHERE kind = 0 ORDER BY version");
  while (versions.step())
    if (!audited.contains(versions.int64(0)))
      return bad("phiên bản " + std::to_string(versions.int64(0)) + " có trong bảng changes nhưng không có trong nhật ký kiểm toán");
  // Every current value is the version it names.
  auto cells = db.prepare(
      "SELECT c.version, c.value FROM cells c LEFT JOIN changes ch ON ch.version = c.version "
      "WHERE ch.version IS NULL OR ch.value != c.value OR ch.class_id != c.class_id OR ch.subject_id != c.subject_id "
      "OR ch.student_id != c.student_id OR ch.col != c.col LIMIT 1");
  if (cells.step())
    return bad("giá trị hiện hành \"" + cells.text(1) + "\" (phiên bản " + std::to_string(cells.int64(0)) +
               ") không khớp với lịch sử trong bảng changes");
  check.entries = static_cast<std::int64_t>(audited.size());
  return check;
}

}  // namespace sodiem::server
