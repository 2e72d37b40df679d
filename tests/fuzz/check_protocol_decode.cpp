// Fuzz check of the protocol decoder (see fuzz_checks.hpp): the fast push
// reader and the generic decoder must give the same answer for any bytes,
// and what they accept must survive encode → decode unchanged. An input
// that starts with '{' is JSON text, turned into CBOR first: byte
// mutations rarely keep CBOR well-formed while changing a number's width,
// text mutations of "6" into "2147483648" do (a top-level CBOR text string,
// which '{' starts, is no message anyway).
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_checks.hpp"
#include "sodiem/protocol/codec.hpp"

namespace sodiem::fuzz {
namespace {

std::string describe(const protocol::Decoded& d) {
  if (d.message) return std::string("a ") + std::string(protocol::type_name(*d.message));
  return std::string(protocol::to_string(d.code)) + " \"" + d.error + "\"";
}

std::string check_cbor(std::string_view bytes) {
  const protocol::Decoded fast = protocol::decode(bytes);
  const protocol::Decoded generic = protocol::decode_via_json(bytes);
  if (fast.message.has_value() != generic.message.has_value() || fast.code != generic.code ||
      fast.error != generic.error)
    return "decode gives " + describe(fast) + ", decode_via_json " + describe(generic);
  if (!fast.message) {
    if (fast.code == protocol::ErrorCode::kOk) return "no message and no error code";
    return {};
  }
  // Encoding is canonical, so equal messages encode to equal bytes.
  const std::string encoded = protocol::encode(*fast.message);
  if (protocol::encode(*generic.message) != encoded) return "decode and decode_via_json read different " + describe(fast);
  const protocol::Decoded again = protocol::decode(encoded);
  if (!again.message) return "a decoded " + describe(fast) + " re-encoded does not decode: " + describe(again);
  if (again.message->index() != fast.message->index() || protocol::encode(*again.message) != encoded)
    return "a decoded " + describe(fast) + " changes when re-encoded and decoded";
  return {};
}

}  // namespace

std::string check_protocol_decode(std::string_view bytes) {
  if (bytes.empty() || bytes.front() != '{') return check_cbor(bytes);
  const auto j = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return {};
  std::string cbor;
  nlohmann::json::to_cbor(j, cbor);
  return check_cbor(cbor);
}

}  // namespace sodiem::fuzz
