#include "sodiem/server/corrections.hpp"

#include <nlohmann/json.hpp>

#include "sodiem/protocol/messages.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/server_versions.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {
namespace {

bool has_delegation(store::Db& db, const std::string& username, std::int64_t now) {
  auto s = db.prepare("SELECT 1 FROM delegations d JOIN users u ON u.id = d.user_id WHERE u.username = ? AND "
                      "d.power = 'corrections' AND d.revoked_at IS NULL AND (d.expires_at = 0 OR d.expires_at > ?)");
  s.bind(1, username).bind(2, now);
  return s.step();
}


constexpr const char* kSelect =
    "SELECT r.id, c.name, COALESCE(s.name, ?), st.code, st.full_name, r.col, r.old_value, r.new_value, r.reason, "
    "u.username, r.requested_at, r.status, COALESCE(r.decided_by, ''), COALESCE(r.decision_comment, ''), "
    "COALESCE(r.decided_at, 0), COALESCE(r.applied_version, 0), r.class_id, r.subject_id, r.student_id, "
    "r.requested_by, r.device_id, r.seq "
    "FROM corrections r JOIN classes c ON c.id = r.class_id LEFT JOIN subjects s ON s.id = r.subject_id "
    "JOIN students st ON st.id = r.student_id JOIN users u ON u.id = r.requested_by ";

Correction from_row(store::Stmt& s) {
  Correction c;
  c.id = static_cast<std::uint64_t>(s.int64(0));
  c.cell = {s.text(1), s.text(2), s.text(3), s.text(5)};
  c.student_name = s.text(4);
  c.old_value = s.text(6);
  c.new_value = s.text(7);
  c.reason = s.text(8);
  c.requested_by = s.text(9);
  c.requested_at = s.int64(10);
  c.status = s.text(11);
  c.decided_by = s.text(12);
  c.decision_comment = s.text(13);
  c.decided_at = s.int64(14);
  c.applied_version = static_cast<std::uint64_t>(s.int64(15));
  return c;
}

}  // namespace

Status check_approver(store::Db& db, const std::string& username, std::int64_t now) {
  if (auto st = require_role(db, username, {"HT"}, "chỉ Hiệu trưởng được duyệt yêu cầu điều chỉnh"); st) return st;
  auto pht = require_role(db, username, {"PHT"}, "chỉ Hiệu trưởng hoặc Phó hiệu trưởng được ủy quyền mới được duyệt yêu cầu điều chỉnh");
  if (!pht) return pht;
  if (has_delegation(db, username, now)) return Status::ok();
  return Status(ErrorCode::kForbidden, "Phó hiệu trưởng " + username +
                                           " chưa được Hiệu trưởng ủy quyền duyệt yêu cầu điều chỉnh "
                                           "(sodiem-server delegate add " + username + " --by <HT>)");
}

std::vector<Correction> list_corrections(store::Db& db, const std::string& status_filter) {
  std::vector<Correction> out;
  auto s = db.prepare(std::string(kSelect) + "WHERE ? = '' OR r.status = ? ORDER BY r.id");
  s.bind(1, protocol::kHomeroomSubject).bind(2, status_filter).bind(3, status_filter);
  while (s.step()) out.push_back(from_row(s));
  return out;
}

Result<std::uint64_t> approve_correction_in_transaction(store::Db& db, std::int64_t id, const std::string& approver,
                                                        const std::string& comment, std::int64_t now) {
  if (auto st = check_approver(db, approver, now); !st) return st;
  auto s = db.prepare(std::string(kSelect) + "WHERE r.id = ?");
  s.bind(1, protocol::kHomeroomSubject).bind(2, id);
  if (!s.step()) return Status(ErrorCode::kInvalidValue, "không có yêu cầu điều chỉnh #" + std::to_string(id));
  const Correction c = from_row(s);
  const std::int64_t class_id = s.int64(16), subject_id = s.int64(17), student_id = s.int64(18),
                     user_id = s.int64(19);
  s.reset();
  if (c.status != "pending")
    return Status(ErrorCode::kInvalidValue, "yêu cầu #" + std::to_string(id) + " đã được xử lý (" + c.status + ")");
  {
    auto a = db.prepare("SELECT 1 FROM confirmations WHERE class_id = ? AND term = ? AND step = 'approve' "
                        "AND revoked_at IS NULL");
    a.bind(1, class_id).bind(2, c.cell.column.substr(0, 3));
    if (a.step())
      return Status(ErrorCode::kApprovedReadOnly, "kết quả " + c.cell.column.substr(0, 3) + " lớp " + c.cell.class_name +
                                                      " đã được phê duyệt; cần hủy phê duyệt trước khi điều chỉnh");
  }
  const std::string note = "điều chỉnh #" + std::to_string(id) + " do " + approver + " duyệt: " + c.reason;
  // The server itself writes the version (device 0), so every device,
  // including the requester's, pulls it.
  const auto version =
      write_server_version(db, {class_id, subject_id, student_id, c.cell.column, c.new_value, user_id, note}, now);
  db.prepare("UPDATE corrections SET status = 'approved', decided_by = ?, decided_at = ?, decision_comment = ?, "
             "applied_version = ? WHERE id = ?")
      .bind(1, approver).bind(2, now).bind(3, comment).bind(4, version).bind(5, id).run();
  append_audit(db, {now, approver, "", "correction_approved",
                    nlohmann::json{{"id", id}, {"class", c.cell.class_name}, {"subject", c.cell.subject},
                                   {"student", c.cell.student_code}, {"column", c.cell.column}, {"old", c.old_value},
                                   {"new", c.new_value}, {"version", version}, {"comment", comment}}
                        .dump()});
  return version;
}

Status refuse_correction_in_transaction(store::Db& db, std::int64_t id, const std::string& approver,
                                        const std::string& comment, std::int64_t now) {
  if (auto st = check_approver(db, approver, now); !st) return st;
  if (comment.empty()) return Status(ErrorCode::kInvalidValue, "từ chối cần ghi rõ lý do");
  db.prepare("UPDATE corrections SET status = 'refused', decided_by = ?, decided_at = ?, decision_comment = ? "
             "WHERE id = ? AND status = 'pending'")
      .bind(1, approver).bind(2, now).bind(3, comment).bind(4, id).run();
  if (db.changes() == 0)
    return Status(ErrorCode::kInvalidValue, "không có yêu cầu điều chỉnh #" + std::to_string(id) + " đang chờ duyệt");
  append_audit(db, {now, approver, "", "correction_refused", nlohmann::json{{"id", id}, {"comment", comment}}.dump()});
  return Status::ok();
}

Result<std::uint64_t> approve_correction(store::Db& db, std::int64_t id, const std::string& approver,
                                         const std::string& comment, std::int64_t now) {
  store::Transaction tx(db);
  auto version = approve_correction_in_transaction(db, id, approver, comment, now);
  if (version) tx.commit();
  return version;
}

Status refuse_correction(store::Db& db, std::int64_t id, const std::string& approver, const std::string& comment,
                         std::int64_t now) {
  store::Transaction tx(db);
  auto st = refuse_correction_in_transaction(db, id, approver, comment, now);
  if (st) tx.commit();
  return st;
}

std::vector<Correction> corrections_visible_to(store::Db& db, const std::string& username, bool leadership) {
  std::vector<Correction> out;
  auto s = db.prepare(std::string(kSelect) + "WHERE ? = 1 OR u.username = ? ORDER BY r.id");
  s.bind(1, protocol::kHomeroomSubject).bind(2, leadership ? 1 : 0).bind(3, username);
  while (s.step()) out.push_back(from_row(s));
  return out;
}

Status decide_correction(store::Db& db, const std::string& username, const protocol::Op& op, std::int64_t now) {
  const auto id = static_cast<std::int64_t>(op.base_version);
  {
    // The op names the request's cell too: a decision never lands on another request.
    auto s = db.prepare(std::string(kSelect) + "WHERE r.id = ?");
    s.bind(1, protocol::kHomeroomSubject).bind(2, id);
    if (!s.step()) return Status(ErrorCode::kInvalidValue, "không có yêu cầu điều chỉnh #" + std::to_string(id));
    const Correction c = from_row(s);
    if (!op.cell.class_name.empty() &&
        op.cell != c.cell)
      return Status(ErrorCode::kInvalidValue, "yêu cầu điều chỉnh #" + std::to_string(id) + " là của ô " + c.cell.class_name +
                                                  " · " + c.cell.subject + " · " + c.cell.student_code + " · " + c.cell.column +
                                                  ", không phải ô đã chọn");
  }
  if (op.value == "approve") {
    auto version = approve_correction_in_transaction(db, id, username, op.note, now);
    if (!version) return version.status();
    return Status(ErrorCode::kOk, "Đã duyệt yêu cầu điều chỉnh #" + std::to_string(id) + " (phiên bản " +
                                      std::to_string(*version) + ")");
  }
  if (op.value == "refuse") {
    if (auto st = refuse_correction_in_transaction(db, id, username, op.note, now); !st) return st;
    return Status(ErrorCode::kOk, "Đã từ chối yêu cầu điều chỉnh #" + std::to_string(id));
  }
  return Status(ErrorCode::kInvalidValue, "quyết định phải là approve hoặc refuse, không phải \"" + op.value + "\"");
}

Result<std::int64_t> delegate_corrections(store::Db& db, const std::string& to, const std::string& by,
                                          std::int64_t until, const std::string& reason, std::int64_t now) {
  if (auto st = require_role(db, by, {"HT"}, "chỉ Hiệu trưởng được ủy quyền duyệt yêu cầu điều chỉnh"); !st) return st;
  if (auto st = require_role(db, to, {"PHT"}, "chỉ ủy quyền cho Phó hiệu trưởng"); !st) return st;
  if (until != 0 && until <= now) return Status(ErrorCode::kInvalidValue, "thời hạn ủy quyền phải ở tương lai");
  store::Transaction tx(db);
  db.prepare("INSERT INTO delegations(power, user_id, granted_by, granted_at, expires_at, reason) "
             "SELECT 'corrections', id, ?, ?, ?, ? FROM users WHERE username = ?")
      .bind(1, by).bind(2, now).bind(3, until).bind(4, reason).bind(5, to).run();
  const std::int64_t id = db.last_insert_rowid();
  append_audit(db, {now, by, "", "delegation_granted",
                    nlohmann::json{{"id", id}, {"power", "corrections"}, {"to", to}, {"until", until}, {"reason", reason}}
                        .dump()});
  tx.commit();
  return id;
}

Status revoke_delegation(store::Db& db, std::int64_t id, const std::string& by, std::int64_t now) {
  if (auto st = require_role(db, by, {"HT"}, "chỉ Hiệu trưởng được thu hồi ủy quyền"); !st) return st;
  store::Transaction tx(db);
  db.prepare("UPDATE delegations SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL")
      .bind(1, now).bind(2, by).bind(3, id).run();
  if (db.changes() == 0) return Status(ErrorCode::kInvalidValue, "không có ủy quyền #" + std::to_string(id) + " đang hiệu lực");
  append_audit(db, {now, by, "", "delegation_revoked", nlohmann::json{{"id", id}}.dump()});
  tx.commit();
  return Status::ok();
}

std::vector<Delegation> active_delegations(store::Db& db, std::int64_t now) {
  std::vector<Delegation> out;
  auto s = db.prepare("SELECT d.id, u.username, d.granted_by, d.reason, d.granted_at, d.expires_at FROM delegations d "
                      "JOIN users u ON u.id = d.user_id WHERE d.revoked_at IS NULL AND (d.expires_at = 0 OR d.expires_at > ?) "
                      "ORDER BY d.id");
  s.bind(1, now);
  while (s.step()) out.push_back({s.int64(0), s.text(1), s.text(2), s.text(3), s.int64(4), s.int64(5)});
  return out;
}

}  // namespace sodiem::server
