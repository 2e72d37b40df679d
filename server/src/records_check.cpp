#include "sodiem/server/records_check.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "sodiem/protocol/messages.hpp"

namespace sodiem::server {
namespace {

struct Expected {
  std::string class_name, subject, student, column, value;
};

}  // namespace

AuditCheck verify_records(sqlite::Db& db) {
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
  auto expect = [&](std::int64_t entry, std::int64_t version, const Expected& e) -> bool {
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

  auto entries = db.prepare("SELECT seq, kind, detail FROM audit_log WHERE kind IN ('push', 'correction_approved') "
                            "ORDER BY seq");
  while (entries.step()) {
    const std::int64_t entry = entries.int64(0);
    const auto detail = nlohmann::json::parse(entries.text(2), nullptr, /*allow_exceptions=*/false);
    if (detail.is_discarded()) return bad("mục nhật ký " + std::to_string(entry) + " không đọc được");
    if (entries.text(1) == "correction_approved") {
      if (!expect(entry, detail.value("version", std::int64_t{0}),
                  {detail.value("class", ""), detail.value("subject", ""), detail.value("student", ""),
                   detail.value("column", ""), detail.value("new", "")}))
        return check;
      continue;
    }
    const auto malformed = [&] { return bad("mục nhật ký " + std::to_string(entry) + " sai định dạng"); };
    // [seq, code, version, class, subject, student, column, value] per op
    // with an outcome (before runs existed: per op).
    for (const auto& op : detail.value("ops", nlohmann::json::array())) {
      if (!op.is_array() || op.size() != 8 || !op[2].is_number_integer() || !op[1].is_string()) return malformed();
      const std::int64_t version = op[2].get<std::int64_t>();
      if (op[1] != "OK" || version == 0) continue;
      if (!op[3].is_string() || !op[4].is_string() || !op[5].is_string() || !op[6].is_string() || !op[7].is_string())
        return malformed();
      if (!expect(entry, version, {op[3], op[4], op[5], op[6], op[7]})) return check;
    }
    // Accepted ops: [class, subject, first seq, first version, [[student, column, value], …]].
    for (const auto& run : detail.value("runs", nlohmann::json::array())) {
      if (!run.is_array() || run.size() != 5 || !run[0].is_string() || !run[1].is_string() ||
          !run[3].is_number_integer() || !run[4].is_array())
        return malformed();
      std::int64_t version = run[3].get<std::int64_t>();
      for (const auto& op : run[4]) {
        if (!op.is_array() || op.size() != 3 || !op[0].is_string() || !op[1].is_string() || !op[2].is_string())
          return malformed();
        if (!expect(entry, version++, {run[0], run[1], op[0], op[1], op[2]})) return check;
      }
    }
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
