#include "sodiem/server/audit.hpp"

#include "sodiem/core/crypto.hpp"
#include "sodiem/server/access_seal.hpp"
#include "sodiem/server/audit_tree.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {
namespace {

const std::string kGenesis(64, '0');

std::string entry_hash(std::int64_t seq, const AuditEntry& e, const std::string& prev_hash, const std::string& access) {
  return audit_entry_hash(seq, e, prev_hash, access);
}

}  // namespace

std::string audit_entry_hash(std::int64_t seq, const AuditEntry& e, const std::string& prev_hash,
                             const std::string& access) {
  // Length-prefixed fields: no two different entries share a byte string.
  std::string text = prev_hash;
  for (const std::string& f : {std::to_string(seq), std::to_string(e.at), e.actor, e.device, e.kind, e.detail})
    text += "|" + std::to_string(f.size()) + ":" + f;
  if (!access.empty()) text += "|a" + std::to_string(access.size()) + ":" + access;
  return crypto::sha256_hex(text);
}

std::int64_t append_audit(store::Db& db, const AuditEntry& e) {
  const std::string access = seal_access(db);
  const std::int64_t seq = std::stoll(get_meta(db, "audit_head_seq", "0")) + 1;
  const std::string prev = get_meta(db, "audit_head_hash", kGenesis);
  const std::string hash = entry_hash(seq, e, prev, access);
  db.cached("INSERT INTO audit_log(seq, at, actor, device, kind, detail, prev_hash, hash, access) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)")
      ->bind(1, seq).bind(2, e.at).bind(3, e.actor).bind(4, e.device).bind(5, e.kind).bind_ref(6, e.detail).bind(7, prev)
      .bind(8, hash).bind(9, access).run();
  set_meta(db, "audit_head_seq", std::to_string(seq));
  set_meta(db, "audit_head_hash", hash);
  extend_audit_tree(db, seq, hash);
  return seq;
}

AuditCheck verify_audit(store::Db& db) {
  AuditCheck check;
  auto s = db.prepare("SELECT seq, at, actor, device, kind, detail, prev_hash, hash, access FROM audit_log ORDER BY seq");
  std::string prev = kGenesis;
  std::int64_t expected = 1;
  auto bad = [&](std::int64_t seq, const std::string& why) {
    check.intact = false;
    check.problem = "mục nhật ký " + std::to_string(seq) + ": " + why;
  };
  while (s.step()) {
    const std::int64_t seq = s.int64(0);
    AuditEntry e{s.int64(1), s.text(2), s.text(3), s.text(4), s.text(5)};
    if (seq != expected) {
      bad(expected, seq > expected ? "bị xóa (thiếu trong chuỗi)" : "sai thứ tự");
      return check;
    }
    if (s.text(6) != prev) {
      bad(seq, "không nối với mục trước (bị xóa, chèn hoặc đổi thứ tự)");
      return check;
    }
    if (entry_hash(seq, e, prev, s.text(8)) != s.text(7)) {
      bad(seq, "nội dung bị sửa (mã băm không khớp)");
      return check;
    }
    prev = s.text(7);
    ++expected;
    ++check.entries;
  }
  const std::int64_t head = std::stoll(get_meta(db, "audit_head_seq", "0"));
  if (head != check.entries) {
    bad(check.entries + 1, "bị xóa (nhật ký có " + std::to_string(check.entries) + " mục, đầu chuỗi ghi " +
                               std::to_string(head) + ")");
  } else if (get_meta(db, "audit_head_hash", kGenesis) != prev) {
    bad(head, "không khớp với đầu chuỗi đã ghi");
  } else if (const std::string tree = check_audit_tree(db); !tree.empty()) {
    check.intact = false;
    check.problem = tree;
  }
  return check;
}

}  // namespace sodiem::server
