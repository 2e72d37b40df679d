#include "sodiem/core/signing.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>

#include "sodiem/core/crypto.hpp"
#include "sodiem/core/tuning.hpp"

namespace sodiem::signing {
namespace {

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

bool unhex(const std::string& text, std::vector<unsigned char>& out) {
  if (text.size() % 2) return false;
  out.clear();
  for (std::size_t i = 0; i < text.size(); i += 2) {
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int a = nib(text[i]), b = nib(text[i + 1]);
    if (a < 0 || b < 0) return false;
    out.push_back(static_cast<unsigned char>(a * 16 + b));
  }
  return true;
}

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

}  // namespace

std::string canonical_document(const std::string& class_name, const std::string& subject, const std::string& term,
                               const std::string& step, std::vector<CellLine> cells) {
  cells.erase(std::remove_if(cells.begin(), cells.end(), [](const CellLine& c) { return c.value.empty(); }), cells.end());
  std::sort(cells.begin(), cells.end(), [](const CellLine& a, const CellLine& b) {
    return std::tie(a.subject, a.student, a.column) < std::tie(b.subject, b.student, b.column);
  });
  std::string doc = "sodiem-confirmation/1\nclass\t" + class_name + "\nsubject\t" + subject + "\nterm\t" + term +
                    "\nstep\t" + step + "\ncells\t" + std::to_string(cells.size()) + "\n";
  for (const auto& c : cells) doc += c.subject + "\t" + c.student + "\t" + c.column + "\t" + c.value + "\n";
  return doc;
}

std::string digest_hex(std::string_view document) { return crypto::sha256_hex(document); }

struct Ed25519KeyFile::Key {
  PKey pkey{nullptr, EVP_PKEY_free};
};

Ed25519KeyFile::Ed25519KeyFile(std::unique_ptr<Key> key) : key_(std::move(key)) {}
Ed25519KeyFile::~Ed25519KeyFile() = default;

Result<std::unique_ptr<Ed25519KeyFile>> Ed25519KeyFile::create(const std::string& path, const std::string& passphrase) {
  if (passphrase.size() < 8) return Status(ErrorCode::kInvalidValue, "mật khẩu bảo vệ khóa ký phải có ít nhất 8 ký tự");
  auto key = std::make_unique<Key>();
  key->pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key->pkey) return Status(ErrorCode::kInternal, "không tạo được khóa Ed25519");
  const mode_t old = umask(077);
  FILE* f = std::fopen(path.c_str(), "wbx");  // never overwrite an existing key
  umask(old);
  if (!f) return Status(ErrorCode::kInvalidValue, "không ghi được " + path + " (đã có khóa?)");
  // PKCS#8 with PBES2 (PBKDF2-HMAC-SHA256, AES-256), at as many iterations
  // as a password hash (OpenSSL's PEM default is 2,048). Any count reads back.
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> info(EVP_PKEY2PKCS8(key->pkey.get()),
                                                                                 PKCS8_PRIV_KEY_INFO_free);
  std::unique_ptr<X509_SIG, decltype(&X509_SIG_free)> sealed(
      info ? PKCS8_encrypt(-1, EVP_aes_256_cbc(), passphrase.data(), static_cast<int>(passphrase.size()), nullptr, 0,
                           tuning::kKeyFileIterations, info.get())
           : nullptr,
      X509_SIG_free);
  const int ok = sealed ? PEM_write_PKCS8(f, sealed.get()) : 0;
  std::fclose(f);
  if (ok != 1) return Status(ErrorCode::kInternal, "không ghi được khóa ký");
  return std::unique_ptr<Ed25519KeyFile>(new Ed25519KeyFile(std::move(key)));
}

Result<std::unique_ptr<Ed25519KeyFile>> Ed25519KeyFile::load(const std::string& path, const std::string& passphrase) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status(ErrorCode::kInvalidValue, "chưa có khóa ký: chạy `sodiem key init` trước");
  auto key = std::make_unique<Key>();
  key->pkey.reset(PEM_read_PrivateKey(f, nullptr, nullptr, const_cast<char*>(passphrase.c_str())));
  std::fclose(f);
  if (!key->pkey) return Status(ErrorCode::kUnauthenticated, "sai mật khẩu bảo vệ khóa ký");
  return std::unique_ptr<Ed25519KeyFile>(new Ed25519KeyFile(std::move(key)));
}

std::string Ed25519KeyFile::public_key_hex() const {
  unsigned char raw[32];
  std::size_t len = sizeof raw;
  EVP_PKEY_get_raw_public_key(key_->pkey.get(), raw, &len);
  return hex(raw, len);
}

Result<std::string> Ed25519KeyFile::sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char sig[64];
  std::size_t len = sizeof sig;
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &len, reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1)
    return Status(ErrorCode::kInternal, "ký thất bại");
  return hex(sig, len);
}

bool verify_signature(const std::string& public_key_hex, std::string_view message, const std::string& signature_hex) {
  std::vector<unsigned char> pub, sig;
  if (!unhex(public_key_hex, pub) || pub.size() != 32 || !unhex(signature_hex, sig) || sig.size() != 64) return false;
  PKey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub.data(), pub.size()), EVP_PKEY_free);
  if (!pkey) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) return false;
  return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace sodiem::signing
