// What the fuzz targets' checks found, each with the input that showed it
// (also kept in tests/fuzz/regressions/, replayed by fuzz_corpus_test).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sodiem/core/column.hpp"
#include "sodiem/protocol/codec.hpp"

using namespace sodiem;
using namespace sodiem::protocol;

TEST_CASE("a roster's grade or periods beyond an int is refused, not wrapped negative", "[protocol][fuzz]") {
  // protocol_decode: cl.grade 2^31 decoded into a negative int, which
  // encoded as a negative number the decoder then refused; 2^32 + 6 read
  // as grade 6.
  for (const std::uint64_t big : {std::uint64_t{1} << 31, (std::uint64_t{1} << 32) + 6}) {
    INFO(big);
    using nlohmann::json;
    json roster = {{"t", "roster"}, {"v", 1}, {"ro", {"GVBM"}}, {"cl", json::array({json::array({"6A", big})})},
                   {"su", json::array({json::array({"Toán", true, 140})})}, {"st", json::array()},
                   {"as", json::array()}};
    std::string bytes;
    nlohmann::json::to_cbor(roster, bytes);
    Decoded d = decode(bytes);
    CHECK_FALSE(d.message.has_value());
    CHECK(d.code == ErrorCode::kMalformed);
    CHECK(d.error == "field 'cl.grade' is too large");
    roster["cl"] = json::array({json::array({"6A", 6})});
    roster["su"] = json::array({json::array({"Toán", true, big})});
    bytes.clear();
    nlohmann::json::to_cbor(roster, bytes);
    d = decode(bytes);
    CHECK(d.error == "field 'su.periods' is too large");
  }
}

TEST_CASE("the refusal of a long value fits in the ack that carries it back", "[unit][fuzz]") {
  // op_value: a 3,990-byte value in a mark column was quoted whole in the
  // refusal (4,092 bytes), more than an ack's reason may hold: the device
  // could not decode its own ack, at every sync.
  const SubjectInfo math{"Toán", true, 140};
  for (const char* column : {"HK1.TX1", "HK1.RL", "CC.2026-09-07"}) {
    INFO(column);
    const std::string value(3990, 'x');
    const auto homeroom = std::string(column) != "HK1.TX1";
    const auto r = normalize_cell_value(homeroom ? nullptr : &math, column, value);
    REQUIRE_FALSE(r.is_ok());
    const Status refusal = r.status();
    CHECK(refusal.message().size() < 300);
    CHECK_THAT(refusal.message(), Catch::Contains("xxxxxxxx…"));
    const Ack ack{1, {}, {{7, refusal.code(), refusal.message(), "", 0, ""}}};
    const Decoded d = decode(encode(Message{ack}));
    REQUIRE(d.message.has_value());
    CHECK(std::get<Ack>(*d.message).outcomes[0].reason == refusal.message());
  }
}
