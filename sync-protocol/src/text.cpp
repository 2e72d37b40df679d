// Strict UTF-8 and control-character checks (see text.hpp).
#include "sodiem/protocol/text.hpp"

#include <cstdint>

namespace sodiem::protocol {
namespace {

// Length of the well-formed sequence at s[i], or 0. Table 3-7 of the
// Unicode standard: the second byte's range depends on the first.
std::size_t sequence_at(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<std::uint8_t>(s[i]);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  std::uint8_t lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) n = 2;
  else if (b0 == 0xE0) n = 3, lo = 0xA0;
  else if (b0 >= 0xE1 && b0 <= 0xEC) n = 3;
  else if (b0 == 0xED) n = 3, hi = 0x9F;  // no UTF-16 surrogates
  else if (b0 >= 0xEE && b0 <= 0xEF) n = 3;
  else if (b0 == 0xF0) n = 4, lo = 0x90;
  else if (b0 >= 0xF1 && b0 <= 0xF3) n = 4;
  else if (b0 == 0xF4) n = 4, hi = 0x8F;  // nothing above U+10FFFF
  else return 0;                          // 0x80–0xC1 and 0xF5–0xFF never start a sequence
  if (s.size() - i < n) return 0;
  const auto b1 = static_cast<std::uint8_t>(s[i + 1]);
  if (b1 < lo || b1 > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    const auto b = static_cast<std::uint8_t>(s[i + k]);
    if (b < 0x80 || b > 0xBF) return 0;
  }
  return n;
}

// The invisible characters of text.hpp, by their UTF-8 bytes (`s` is
// well-formed, so a lead byte is followed by its continuation bytes).
bool invisible_at(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return i + k < s.size() ? static_cast<std::uint8_t>(s[i + k]) : 0; };
  switch (b(0)) {
    case 0xC2: return b(1) == 0xAD;  // U+00AD soft hyphen
    case 0xCD: return b(1) == 0x8F;  // U+034F combining grapheme joiner
    case 0xD8: return b(1) == 0x9C;  // U+061C
    case 0xE1: return b(1) == 0xA0 && b(2) == 0x8E;  // U+180E
    case 0xE2:
      if (b(1) == 0x80) return (b(2) >= 0x8B && b(2) <= 0x8F) || (b(2) >= 0xA8 && b(2) <= 0xAE);  // U+200B–200F, U+2028–202E
      return b(1) == 0x81 && b(2) >= 0xA0 && b(2) <= 0xAF;  // U+2060–206F
    case 0xEF: return b(1) == 0xBB && b(2) == 0xBF;  // U+FEFF
    default: return false;
  }
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    // ASCII runs, eight bytes at a time: most of what we read.
    while (i + 8 <= s.size()) {
      std::uint64_t w = 0;
      for (int k = 0; k < 8; ++k) w |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(s[i + k])) << (8 * k);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const std::size_t n = sequence_at(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

TextFault text_fault(std::string_view s, TextKind kind) {
  if (!is_valid_utf8(s)) return TextFault::kNotUtf8;
  bool invisible = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<std::uint8_t>(s[i]);
    if (c >= 0x20 && c != 0x7F) {
      // C1 controls U+0080–U+009F are encoded C2 80 – C2 9F.
      if (c == 0xC2 && i + 1 < s.size() && static_cast<std::uint8_t>(s[i + 1]) <= 0x9F) return TextFault::kControl;
      if (kind == TextKind::kName && c >= 0xC2 && !invisible) invisible = invisible_at(s, i);
      continue;
    }
    if (kind == TextKind::kMultiline && (c == '\t' || c == '\n' || c == '\r')) continue;
    return TextFault::kControl;
  }
  return invisible ? TextFault::kInvisible : TextFault::kNone;
}

const char* text_problem(std::string_view s, TextKind kind) {
  switch (text_fault(s, kind)) {
    case TextFault::kNone: return nullptr;
    case TextFault::kNotUtf8: return "is not valid UTF-8";
    case TextFault::kControl: return "holds a control character";
    case TextFault::kInvisible: return "holds an invisible or direction-changing character";
  }
  return nullptr;
}

}  // namespace sodiem::protocol
