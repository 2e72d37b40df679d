// Keys as people type them (issue 15, "input people actually type"):
// decomposed Unicode (macOS, Unikey "Unicode tổ hợp") and any letter case
// reach the same cell as the roster's spelling; unknown names are still
// refused, named as typed.
#include <catch2/catch.hpp>

#include "loopback_school.hpp"
#include "sodiem/core/unicode_text.hpp"

using namespace sodiem;
using namespace sodiem::testing;

TEST_CASE("match_key folds Unicode form, letter case and where a tone mark is typed, nothing else", "[unit]") {
  const std::string nfd_toan = "To" "a\xcc\x81" "n";  // "Toán" with a combining acute
  CHECK(match_key(nfd_toan) == match_key("Toán"));
  CHECK(match_key("TOÁN") == match_key("toán"));
  CHECK(match_key("ÂM NHẠC") == match_key("Âm nhạc"));
  CHECK(match_key("Toan") != match_key("Toán"));  // a missing accent is another word
  // Old and new tone placement (Unikey "đặt dấu oà, uý"), precomposed or not.
  CHECK(match_key("Hoá học") == match_key("Hóa học"));
  CHECK(match_key("HOÁ HỌC") == match_key("Hóa học"));
  CHECK(match_key("Ho" "a\xcc\x81" " học") == match_key("Hóa học"));
  CHECK(match_key("Thuỷ") == match_key("Thủy"));
  CHECK(match_key("Hoà Bình") == match_key("Hòa Bình"));
  CHECK(match_key("Hỏa") != match_key("Hóa"));    // another tone is another word
  CHECK(match_key("Hoa học") != match_key("Hóa học"));
  CHECK(match_key("Hóa Học") != match_key("Hoa Hóc"));  // a tone stays in its word
  CHECK_FALSE(match_key("\xff"));
}

TEST_CASE("a cell typed in decomposed Unicode or another letter case lands in the roster's cell", "[e2e]") {
  LoopbackSchool school;
  auto& store = school.device("gv.toan.1");
  const std::string nfd_toan = "To" "a\xcc\x81" "n";
  auto op = store.record({"6a", nfd_toan, "hs6a01", "hk1.tx1"}, "8,5");
  INFO(op.status().message());
  REQUIRE(op.is_ok());
  CHECK(op->cell == protocol::CellKey{"6A", "Toán", "HS6A01", "HK1.TX1"});
  auto again = store.record({"6A", "TOÁN", "HS6A01", "HK1.TX1"}, "9");
  REQUIRE(again.is_ok());
  CHECK(again->cell == op->cell);
  school.sync("gv.toan.1");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells WHERE col = 'HK1.TX1' AND value = '9'") == 1);

  auto unknown = store.record({"6A", "Toan", "HS6A01", "HK1.TX1"}, "9");
  REQUIRE_FALSE(unknown.is_ok());
  CHECK_THAT(unknown.status().message(), Catch::Contains("\"Toan\""));
  auto other_class = store.record({"6A", "Toán", "hs6b01", "HK1.TX1"}, "9");
  REQUIRE_FALSE(other_class.is_ok());
  CHECK_THAT(other_class.status().message(), Catch::Contains("không thuộc lớp 6A"));
}
