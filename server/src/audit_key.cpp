// See audit_key.hpp. The file holds the raw private key as 64 hex digits.
#include "sodiem/server/audit_key.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "sodiem/core/merkle.hpp"

namespace sodiem::server {

struct AuditKey::Impl {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey{nullptr, EVP_PKEY_free};
};

AuditKey::AuditKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuditKey::~AuditKey() = default;

std::unique_ptr<AuditKey> AuditKey::load_or_create(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  std::string hex;
  if (std::ifstream in(path); in) in >> hex;
  if (hex.empty()) {
    impl->pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!impl->pkey) throw std::runtime_error("cannot create the audit key");
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    EVP_PKEY_get_raw_private_key(impl->pkey.get(), raw, &len);
    hex = merkle::to_hex(std::string_view(reinterpret_cast<const char*>(raw), len));
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + path);
    const std::string line = hex + "\n";
    const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written) throw std::runtime_error("cannot write " + path);
    return std::unique_ptr<AuditKey>(new AuditKey(std::move(impl)));
  }
  const std::string raw = merkle::from_hex(hex);
  if (raw.size() != 32) throw std::runtime_error(path + " is not an audit key");
  impl->pkey.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                                reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
  if (!impl->pkey) throw std::runtime_error(path + " is not an audit key");
  return std::unique_ptr<AuditKey>(new AuditKey(std::move(impl)));
}

std::string AuditKey::public_key_hex() const {
  unsigned char raw[32];
  std::size_t len = sizeof raw;
  EVP_PKEY_get_raw_public_key(impl_->pkey.get(), raw, &len);
  return merkle::to_hex(std::string_view(reinterpret_cast<const char*>(raw), len));
}

std::string AuditKey::sign_hex(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char sig[64];
  std::size_t len = sizeof sig;
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
    throw std::runtime_error("cannot sign the audit head");
  std::string out;
  for (std::size_t i = 0; i < len; i += 32)
    out += merkle::to_hex(std::string_view(reinterpret_cast<const char*>(sig + i), std::min<std::size_t>(32, len - i)));
  return out;
}

}  // namespace sodiem::server
