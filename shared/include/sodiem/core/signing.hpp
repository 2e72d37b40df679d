// Digital signatures for confirmations and approvals (ký số).
// - canonical_document(): the exact bytes a confirmation step signs, built
//   the same way on client and server from the cells it covers.
// - Signer: the signing seam; Ed25519KeyFile keeps an Ed25519 private key in
//   a passphrase-encrypted PKCS#8 file on the signer's device. A CA-issued USB
//   token (TT41/2017) can implement Signer later.
// - verify_signature(): offline check with a registered public key.
// Stateless functions are thread-safe; a Signer is used by one thread.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sodiem/core/status.hpp"

namespace sodiem::signing {

// Confirmation steps, in the order they must happen for a class and term.
// "subject": the subject teacher, per subject; "class": the homeroom teacher,
// once every subject is confirmed; "review": a vice principal; "approve": the
// principal.
inline constexpr std::string_view kSteps[] = {"subject", "class", "review", "approve"};

struct CellLine {
  std::string subject, student, column, value;
};

// Header + one line per non-empty cell, sorted bytewise by subject, student,
// column. subject is "" for the class-level steps.
std::string canonical_document(const std::string& class_name, const std::string& subject, const std::string& term,
                               const std::string& step, std::vector<CellLine> cells);
std::string digest_hex(std::string_view document);  // SHA-256, lowercase hex

class Signer {
 public:
  virtual ~Signer() = default;
  virtual std::string public_key_hex() const = 0;  // raw Ed25519 public key, 64 hex digits
  virtual Result<std::string> sign(std::string_view message) const = 0;  // signature, 128 hex digits
};

class Ed25519KeyFile final : public Signer {
 public:
  // Creates a new key, written encrypted (AES-256) under the passphrase, mode 0600.
  static Result<std::unique_ptr<Ed25519KeyFile>> create(const std::string& path, const std::string& passphrase);
  static Result<std::unique_ptr<Ed25519KeyFile>> load(const std::string& path, const std::string& passphrase);
  ~Ed25519KeyFile() override;

  std::string public_key_hex() const override;
  Result<std::string> sign(std::string_view message) const override;

 private:
  struct Key;
  explicit Ed25519KeyFile(std::unique_ptr<Key> key);
  std::unique_ptr<Key> key_;
};

bool verify_signature(const std::string& public_key_hex, std::string_view message, const std::string& signature_hex);

}  // namespace sodiem::signing
