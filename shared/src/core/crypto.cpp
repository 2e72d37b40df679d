// Crypto helpers over OpenSSL (random hex, SHA-256, PBKDF2 password hashes);
// stateless, callable from any thread.
#include "sodiem/core/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <optional>
#include <stdexcept>
#include <vector>

#include "sodiem/core/tuning.hpp"

namespace sodiem::crypto {
namespace {
// A stored count above this is corrupt or hostile: refuse it rather than
// spend minutes of CPU on one check.
constexpr int kMaxIterations = 10'000'000;

std::string to_hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 15];
  }
  return out;
}

std::string pbkdf2(std::string_view password, std::string_view salt, int iterations) {
  unsigned char out[32];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                        EVP_sha256(), sizeof out, out) != 1)
    throw std::runtime_error("PBKDF2 failed");
  return to_hex(out, sizeof out);
}
}  // namespace

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(bytes)) != 1) throw std::runtime_error("RAND_bytes failed");
  return to_hex(buf.data(), bytes);
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return to_hex(md, len);
}

std::string hash_password(std::string_view password) {
  const std::string salt = random_hex(16);
  return "pbkdf2$" + std::to_string(tuning::kPasswordHashIterations) + "$" + salt + "$" +
         pbkdf2(password, salt, tuning::kPasswordHashIterations);
}

namespace {
struct StoredHash {
  int iterations = 0;
  std::string_view salt, hash;
};

// stored = pbkdf2$ITER$SALT$HASH
std::optional<StoredHash> parse(std::string_view stored) {
  const auto p1 = stored.find('$');
  if (p1 == std::string_view::npos || stored.substr(0, p1) != "pbkdf2") return std::nullopt;
  const auto p2 = stored.find('$', p1 + 1);
  if (p2 == std::string_view::npos) return std::nullopt;
  const auto p3 = stored.find('$', p2 + 1);
  if (p3 == std::string_view::npos) return std::nullopt;
  StoredHash h;
  const auto digits = stored.substr(p1 + 1, p2 - p1 - 1);
  if (digits.empty() || digits.size() > 9) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    h.iterations = h.iterations * 10 + (c - '0');
  }
  if (h.iterations < 1 || h.iterations > kMaxIterations) return std::nullopt;
  h.salt = stored.substr(p2 + 1, p3 - p2 - 1);
  h.hash = stored.substr(p3 + 1);
  return h;
}
}  // namespace

bool verify_password(std::string_view password, std::string_view stored) {
  const auto h = parse(stored);
  if (!h) return false;
  return constant_time_equal(pbkdf2(password, h->salt, h->iterations), h->hash);
}

bool needs_rehash(std::string_view stored) {
  const auto h = parse(stored);
  return !h || h->iterations < tuning::kPasswordHashIterations;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sodiem::crypto
