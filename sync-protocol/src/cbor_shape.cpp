// See cbor_shape.hpp. One pass, a fixed-size stack, no allocation but the
// error text.
#include "cbor_shape.hpp"

#include <array>
#include <cstdint>

#include "sodiem/protocol/text.hpp"

namespace sodiem::protocol::detail {

CborShapeProblem check_cbor_shape(std::string_view in, int max_depth) {
  auto malformed = [](std::string what) { return CborShapeProblem{ErrorCode::kMalformed, std::move(what)}; };
  std::array<std::uint64_t, 16> left{};  // items still to read in each open container
  if (max_depth < 0 || max_depth >= static_cast<int>(left.size())) max_depth = static_cast<int>(left.size()) - 1;
  int depth = 0;
  left[0] = 1;  // the top level holds exactly one item
  std::size_t pos = 0;
  while (depth > 0 || left[0] > 0) {
    if (pos >= in.size()) return malformed("CBOR ends inside an item");
    const auto b = static_cast<std::uint8_t>(in[pos++]);
    const std::uint8_t major = b >> 5, info = b & 0x1f;
    std::uint64_t n = info;
    if (info >= 24) {
      if (info > 27) return malformed("indefinite lengths and reserved CBOR headers are not used");
      const std::size_t bytes = std::size_t{1} << (info - 24);
      if (in.size() - pos < bytes) return malformed("CBOR ends inside a header");
      n = 0;
      for (std::size_t i = 0; i < bytes; ++i) n = (n << 8) | static_cast<std::uint8_t>(in[pos++]);
    }
    const std::uint64_t remaining = in.size() - pos;
    --left[depth];
    switch (major) {
      case 0:
      case 1:
        break;
      case 3:
        if (n > remaining) return malformed("a CBOR text is longer than the message");
        if (!is_valid_utf8(in.substr(pos, static_cast<std::size_t>(n))))
          return malformed("a text is not valid UTF-8");
        pos += static_cast<std::size_t>(n);
        break;
      case 4:
      case 5: {
        // Each item takes at least one byte: a declared length beyond the
        // bytes present is a lie, refused before anything is allocated.
        const std::uint64_t items = major == 5 ? n * 2 : n;
        if (n > remaining || items > remaining) return malformed("a CBOR container declares more items than the message holds");
        if (items == 0) break;
        if (depth + 1 > max_depth) return malformed("CBOR nested more than " + std::to_string(max_depth) + " levels deep");
        left[++depth] = items;
        break;
      }
      case 7:
        // false, true, null; floats are read (and refused by the field that
        // gets one, which names itself)
        if (info == 20 || info == 21 || info == 22 || (info >= 25 && info <= 27)) break;
        return malformed("CBOR simple values other than false, true and null are not used");
      default:  // 2 byte strings, 6 tags
        return malformed("CBOR byte strings and tags are not used");
    }
    while (depth > 0 && left[depth] == 0) --depth;
  }
  if (pos != in.size()) return malformed("bytes after the CBOR item");
  return {};
}

}  // namespace sodiem::protocol::detail
