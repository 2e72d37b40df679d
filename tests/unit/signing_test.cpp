// Ed25519 signing of canonical confirmation documents.
#include <catch2/catch.hpp>
#include <filesystem>

#include "sodiem/core/signing.hpp"

using namespace sodiem::signing;

TEST_CASE("canonical documents do not depend on the order cells come in, and skip empty cells", "[unit]") {
  std::vector<CellLine> a = {{"Toán", "HS2", "HK1.GK", "7"}, {"Toán", "HS1", "HK1.TX1", "8"}, {"Toán", "HS1", "HK1.CK", ""}};
  std::vector<CellLine> b = {a[1], a[2], a[0]};
  CHECK(canonical_document("6A", "Toán", "HK1", "subject", a) == canonical_document("6A", "Toán", "HK1", "subject", b));
  const auto doc = canonical_document("6A", "Toán", "HK1", "subject", a);
  CHECK_THAT(doc, Catch::Contains("cells\t2\n") && Catch::EndsWith("Toán\tHS2\tHK1.GK\t7\n"));
  CHECK(canonical_document("6A", "Toán", "HK1", "review", a) != doc);  // the step is signed too
}

TEST_CASE("an Ed25519 key file signs, signatures verify and fail on any change", "[unit]") {
  const auto path = (std::filesystem::temp_directory_path() / "sodiem-test-key.pem").string();
  std::filesystem::remove(path);
  auto key = Ed25519KeyFile::create(path, "mật khẩu dài");
  REQUIRE(key.is_ok());
  CHECK_FALSE(Ed25519KeyFile::create(path, "mật khẩu dài").is_ok());  // never overwritten
  CHECK_FALSE(Ed25519KeyFile::create(path + "2", "short").is_ok());
  CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::group_read) == std::filesystem::perms::none);
  auto sig = (*key)->sign("digest");
  REQUIRE(sig.is_ok());
  CHECK(sig->size() == 128);
  CHECK(verify_signature((*key)->public_key_hex(), "digest", *sig));
  CHECK_FALSE(verify_signature((*key)->public_key_hex(), "digesT", *sig));
  std::string bad = *sig;
  bad[10] = bad[10] == '0' ? '1' : '0';
  CHECK_FALSE(verify_signature((*key)->public_key_hex(), "digest", bad));
  CHECK_FALSE(verify_signature("zz", "digest", *sig));
  CHECK_FALSE(Ed25519KeyFile::load(path, "sai mật khẩu").is_ok());
  auto again = Ed25519KeyFile::load(path, "mật khẩu dài");
  REQUIRE(again.is_ok());
  CHECK((*again)->public_key_hex() == (*key)->public_key_hex());
  std::filesystem::remove(path);
}
