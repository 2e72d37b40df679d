// See audit_watch.hpp. Table audit_heads and meta keys audit_key,
// audit_alarm are created by LocalStore's migrations.
#include "sodiem/client/audit_watch.hpp"

#include <ctime>

#include "sodiem/core/merkle.hpp"
#include "sodiem/core/signing.hpp"

namespace sodiem::client {

std::string AuditWatch::meta(const std::string& key) {
  auto s = db_.cached("SELECT value FROM meta WHERE key = ?");
  s->bind(1, key);
  return s->step() ? s->text(0) : std::string();
}
void AuditWatch::set_meta(const std::string& key, const std::string& value) {
  db_.cached("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      ->bind(1, key)
      .bind(2, value)
      .run();
}

std::optional<KeptHead> AuditWatch::newest_kept(const std::string& epoch, std::uint64_t at_most) {
  auto s = db_.cached(epoch.empty()
                          ? "SELECT epoch, size, root, signature FROM audit_heads WHERE size <= ?2 ORDER BY kept_seq DESC LIMIT 1"
                          : "SELECT epoch, size, root, signature FROM audit_heads WHERE epoch = ?1 AND size <= ?2 "
                            "ORDER BY size DESC LIMIT 1");
  if (!epoch.empty()) s->bind(1, epoch);
  s->bind(2, static_cast<std::int64_t>(std::min<std::uint64_t>(at_most, INT64_MAX)));
  if (!s->step()) return std::nullopt;
  return KeptHead{s->text(0), static_cast<std::uint64_t>(s->int64(1)), s->text(2), s->text(3)};
}

std::optional<KeptHead> AuditWatch::kept(const std::string& epoch, std::uint64_t size) {
  auto s = db_.cached("SELECT epoch, size, root, signature FROM audit_heads WHERE epoch = ? AND size = ?");
  s->bind(1, epoch).bind(2, static_cast<std::int64_t>(size));
  if (!s->step()) return std::nullopt;
  return KeptHead{s->text(0), static_cast<std::uint64_t>(s->int64(1)), s->text(2), s->text(3)};
}

protocol::AuditRequest AuditWatch::request() {
  protocol::AuditRequest r;
  if (auto k = newest_kept("", UINT64_MAX)) {
    r.epoch = k->epoch;
    r.size = k->size;
  }
  r.want_key = meta("audit_key").empty();
  return r;
}

void AuditWatch::keep(const protocol::AuditHead& head) {
  db_.cached("INSERT OR IGNORE INTO audit_heads(epoch, size, root, signature, kept_at) VALUES(?, ?, ?, ?, ?)")
      ->bind(1, head.epoch)
      .bind(2, static_cast<std::int64_t>(head.size))
      .bind(3, head.root)
      .bind(4, head.signature)
      .bind(5, static_cast<std::int64_t>(std::time(nullptr)))
      .run();
}

AuditWatch::Verdict AuditWatch::rewritten(const std::optional<KeptHead>& k, const protocol::AuditHead& shown,
                                          std::string why) {
  Verdict v;
  v.kind = Verdict::kRewritten;
  if (k) {
    v.alarm.kept_epoch = k->epoch;
    v.alarm.kept_size = k->size;
    v.alarm.kept_root = k->root;
    v.alarm.kept_signature = k->signature;
  }
  v.alarm.shown_size = shown.size;
  v.alarm.shown_root = shown.root;
  v.alarm.why = why;
  v.message = "CẢNH BÁO: nhật ký kiểm toán của máy chủ đã bị viết lại — " + why +
              ". Điểm của bạn vẫn được gửi và lưu trên máy này; hãy báo ngay hiệu trưởng và cơ quan quản lý "
              "(máy chủ cũng đã được báo).";
  set_meta("audit_alarm", v.message);
  return v;
}

AuditWatch::Verdict AuditWatch::check(const protocol::AuditRequest& asked, const protocol::AuditHead& shown) {
  const std::optional<KeptHead> k = asked.size ? kept(asked.epoch, asked.size) : std::nullopt;
  std::string key = meta("audit_key");
  if (key.empty()) {
    if (shown.public_key.empty()) return rewritten(k, shown, "máy chủ không gửi khóa ký nhật ký");
    key = shown.public_key;  // pinned at the first check (trust on first use, over the pinned TLS link)
  } else if (!shown.public_key.empty() && shown.public_key != key) {
    return rewritten(k, shown, "khóa ký nhật ký của máy chủ đã bị thay");
  }
  if (!signing::verify_signature(key, protocol::signed_head_text(shown.epoch, shown.size, shown.root), shown.signature))
    return rewritten(k, shown, "chữ ký trên đầu cây nhật ký không hợp lệ");

  if (k) {
    const bool same_timeline = k->epoch == shown.epoch;
    const bool restored_from_it = shown.restored_from && shown.restored_from_epoch == k->epoch;
    if (!same_timeline && restored_from_it && k->size > shown.restored_from) {
      // The backup had fewer entries than this head: prove an older one.
      if (auto older = newest_kept(k->epoch, shown.restored_from)) {
        Verdict v;
        v.kind = Verdict::kAskAgain;
        v.again = {older->epoch, older->size, false};
        return v;
      }
    } else if (same_timeline || restored_from_it) {
      const std::string old_root = merkle::from_hex(k->root), new_root = merkle::from_hex(shown.root);
      std::vector<std::string> proof;
      for (const auto& h : shown.proof) proof.push_back(merkle::from_hex(h));
      if (shown.size < k->size)
        return rewritten(k, shown, "nhật ký từng có " + std::to_string(k->size) + " mục, nay chỉ còn " +
                                       std::to_string(shown.size));
      if (!merkle::verify_consistency(k->size, shown.size, old_root, new_root, proof))
        return rewritten(k, shown, "những mục 1–" + std::to_string(k->size) +
                                       " mà máy này đã thấy không còn như trước trong nhật ký " +
                                       std::to_string(shown.size) + " mục hiện nay");
    }
    // Otherwise another timeline this device never saw (restored more than
    // once in between): nothing here to compare with; keep the new head.
  }
  if (meta("audit_key").empty()) set_meta("audit_key", key);
  keep(shown);
  return {};
}

std::string AuditWatch::alarm() { return meta("audit_alarm"); }

}  // namespace sodiem::client
