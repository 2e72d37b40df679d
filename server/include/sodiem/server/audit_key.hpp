// The server's audit key: an Ed25519 key (audit.key in the data directory,
// 0600, made at init or at the first start after an upgrade) that signs the
// audit trail's tree heads shown to devices. A device keeps the signed heads
// it was shown: a later head the server cannot prove consistent with one is
// evidence, signed by the server itself, that its history was rewritten.
// Backup and restore carry the key. Thread-safe after construction.
#pragma once
#include <memory>
#include <string>
#include <string_view>

namespace sodiem::server {

class AuditKey {
 public:
  // Loads the key at `path`, creating it if there is none.
  static std::unique_ptr<AuditKey> load_or_create(const std::string& path);
  ~AuditKey();
  std::string public_key_hex() const;
  std::string sign_hex(std::string_view message) const;

 private:
  struct Impl;
  explicit AuditKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sodiem::server
