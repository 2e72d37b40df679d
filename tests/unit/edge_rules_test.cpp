// Pure rules of the server's edge: admission of connections by address,
// HTML escaping of the status page, password hash format and rehashing,
// the signing key file's KDF strength.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <vector>

#include "sodiem/core/crypto.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/core/tuning.hpp"
#include "sodiem/server/connection_table.hpp"
#include "sodiem/server/status_page.hpp"
#include "test_school.hpp"

using namespace sodiem;
using server::ConnectionTable;

TEST_CASE("unauthenticated connections: bounded per address — when full, the biggest holder's oldest goes", "[unit]") {
  ConnectionTable t({/*max_pre_auth=*/6, /*per_address=*/4, /*max_authenticated=*/2});
  ConnectionTable::Id id = 0;
  for (int i = 0; i < 4; ++i) CHECK(t.admit(++id, "10.0.0.66").admitted);
  CHECK_FALSE(t.admit(++id, "10.0.0.66").admitted);  // the address is at its bound
  CHECK(t.admit(++id, "10.0.0.7").admitted);
  CHECK(t.admit(++id, "10.0.0.8").admitted);
  CHECK(t.pre_auth() == 6);
  // Full: a newcomer gets in, the oldest connection of 10.0.0.66 goes.
  auto a = t.admit(++id, "10.0.0.9");
  CHECK(a.admitted);
  CHECK(a.evict == 1);
  CHECK(t.pre_auth() == 6);
  a = t.admit(++id, "10.0.0.10");
  CHECK(a.evict == 2);
  // Welcomed sessions leave the pool, up to their own bound.
  CHECK(t.authenticate(6).admitted);
  CHECK(t.authenticate(7).admitted);
  CHECK_FALSE(t.authenticate(8).admitted);
  CHECK(t.pre_auth() == 4);
  CHECK(t.authenticated() == 2);
  t.remove(6);
  CHECK(t.authenticated() == 1);
  t.remove(1);  // already evicted: ignored
  CHECK(t.pre_auth() == 4);
}

TEST_CASE("welcomed sessions of many schools: when full, a school holding two fewer than the biggest holder gets "
          "in, the biggest holder's oldest goes — never its own, never a swap",
          "[unit]") {
  ConnectionTable t({/*max_pre_auth=*/20, /*per_address=*/20, /*max_authenticated=*/4});
  for (ConnectionTable::Id id = 1; id <= 12; ++id) REQUIRE(t.admit(id, "10.0.0.1").admitted);
  // School 0 (one device, many sessions) fills the bound.
  for (ConnectionTable::Id id = 1; id <= 4; ++id) REQUIRE(t.authenticate(id, 0).admitted);
  CHECK_FALSE(t.authenticate(5, 0).admitted);  // its own newcomer waits, as with one school
  auto a = t.authenticate(6, 1);              // another school's: school 0's oldest makes room
  CHECK(a.admitted);
  CHECK(a.evict == 1);
  a = t.authenticate(7, 2);
  CHECK(a.evict == 2);
  CHECK(t.authenticated() == 4);
  // School 0 holds 2, schools 1 and 2 one each: a third of school 1 would be a swap.
  a = t.authenticate(8, 3);  // school 3 holds none: 2 >= 0 + 2
  CHECK(a.evict == 3);
  CHECK_FALSE(t.authenticate(9, 1).admitted);  // everyone holds one: refused
  CHECK(t.authenticated() == 4);
  t.remove(6);
  CHECK(t.authenticate(9, 1).admitted);  // room again
  CHECK(t.authenticated() == 4);
  t.remove(3);  // already evicted: ignored
  CHECK(t.authenticated() == 4);
  CHECK(t.pre_auth() == 12 - 8);  // 5 (refused), 10, 11, 12
}

TEST_CASE("the status page escapes the school name", "[unit]") {
  CHECK(server::html_escape("<b>A & \"B\" 'C'</b>") == "&lt;b&gt;A &amp; &quot;B&quot; &#39;C&#39;&lt;/b&gt;");
  const auto page = server::status_page_html("Trường <script>alert(1)</script>");
  CHECK_THAT(page, Catch::Contains("Trường &lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK_THAT(page, !Catch::Contains("<script>"));
}

TEST_CASE("password hashes: 600,000 iterations, older counts still verify and ask for a rehash", "[unit]") {
  const auto h = crypto::hash_password("mật khẩu dài");
  CHECK(h.rfind("pbkdf2$" + std::to_string(tuning::kPasswordHashIterations) + "$", 0) == 0);
  CHECK(tuning::kPasswordHashIterations >= 600000);
  CHECK(crypto::verify_password("mật khẩu dài", h));
  CHECK_FALSE(crypto::verify_password("mật khẩu sai", h));
  CHECK_FALSE(crypto::needs_rehash(h));
  // An older hash (100,000 iterations) of "matkhau-cu", as stored before.
  unsigned char out[32];
  const std::string salt = "00112233445566778899aabbccddeeff";
  REQUIRE(PKCS5_PBKDF2_HMAC("matkhau-cu", 10, reinterpret_cast<const unsigned char*>(salt.data()),
                            static_cast<int>(salt.size()), 100000, EVP_sha256(), 32, out) == 1);
  std::string hex;
  for (unsigned char c : out) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", c);
    hex += b;
  }
  const std::string old = "pbkdf2$100000$" + salt + "$" + hex;
  CHECK(crypto::verify_password("matkhau-cu", old));
  CHECK(crypto::needs_rehash(old));
  // Malformed or absurd counts never match (and cost nothing).
  for (const std::string& bad : std::vector<std::string>{"", "pbkdf2$", "pbkdf2$abc$00$00", "sha1$100000$" + salt + "$" + hex,
                                "pbkdf2$999999999$" + salt + "$" + hex, "pbkdf2$0$" + salt + "$" + hex}) {
    CHECK_FALSE(crypto::verify_password("matkhau-cu", bad));
    CHECK(crypto::needs_rehash(bad));
  }
}

namespace {
// The PBKDF2 iteration count of an encrypted PKCS#8 PEM file.
long key_file_iterations(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  REQUIRE(f);
  X509_SIG* p8 = PEM_read_PKCS8(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  REQUIRE(p8);
  const X509_ALGOR* alg = nullptr;
  X509_SIG_get0(p8, &alg, nullptr);
  REQUIRE(OBJ_obj2nid(alg->algorithm) == NID_pbes2);
  auto* pbe2 = static_cast<PBE2PARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), alg->parameter));
  REQUIRE(pbe2);
  auto* kdf = static_cast<PBKDF2PARAM*>(ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter));
  REQUIRE(kdf);
  const long iterations = ASN1_INTEGER_get(kdf->iter);
  PBKDF2PARAM_free(kdf);
  PBE2PARAM_free(pbe2);
  X509_SIG_free(p8);
  return iterations;
}
}  // namespace

TEST_CASE("the signing key file is protected with 600,000 PBKDF2 iterations — older files still open", "[unit]") {
  testing::TempDir tmp;
  const std::string path = tmp / "signing.key";
  auto key = signing::Ed25519KeyFile::create(path, "mật khẩu ký số");
  REQUIRE(key.is_ok());
  CHECK(key_file_iterations(path) >= 600000);
  CHECK(signing::Ed25519KeyFile::load(path, "mật khẩu ký số").is_ok());
  CHECK_FALSE(signing::Ed25519KeyFile::load(path, "sai mật khẩu").is_ok());

  // A file written the old way (OpenSSL's default 2,048 iterations) opens.
  const std::string old_path = tmp / "old.key";
  {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"),
                                                               EVP_PKEY_free);
    REQUIRE(pkey);
    FILE* f = std::fopen(old_path.c_str(), "w");
    REQUIRE(f);
    const std::string pass = "mật khẩu cũ";
    REQUIRE(PEM_write_PKCS8PrivateKey(f, pkey.get(), EVP_aes_256_cbc(), const_cast<char*>(pass.data()),
                                      static_cast<int>(pass.size()), nullptr, nullptr) == 1);
    std::fclose(f);
  }
  CHECK(key_file_iterations(old_path) == 2048);
  CHECK(signing::Ed25519KeyFile::load(old_path, "mật khẩu cũ").is_ok());
}
