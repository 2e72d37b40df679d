#include "sodiem/core/mark.hpp"

namespace sodiem {

std::optional<Mark> Mark::parse(std::string_view text) {
  // Trim spaces a teacher may type around the value.
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty() || text.size() > 5) return std::nullopt;
  std::int32_t whole = 0;
  std::size_t i = 0;
  std::size_t digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) whole = whole * 10 + (text[i] - '0');
  if (digits == 0 || digits > 2) return std::nullopt;
  std::int32_t tenth = 0;
  if (i < text.size()) {
    if (text[i] != '.' && text[i] != ',') return std::nullopt;
    ++i;
    if (i + 1 != text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
    tenth = text[i] - '0';
  }
  const std::int32_t tenths = whole * 10 + tenth;
  if (tenths > kMaxTenths) return std::nullopt;
  return Mark(tenths);
}

Mark Mark::round_half_up(std::int64_t numerator_tenths, std::int64_t denominator) {
  // floor(n/d + 1/2) = floor((2n + d) / 2d) for n >= 0, d > 0.
  return Mark(static_cast<std::int32_t>((2 * numerator_tenths + denominator) / (2 * denominator)));
}

std::string Mark::to_string() const {
  std::string s = std::to_string(tenths_ / 10);
  if (tenths_ % 10 != 0) {
    s += '.';
    s += static_cast<char>('0' + tenths_ % 10);
  }
  return s;
}

std::string Mark::to_fixed1() const {
  return std::to_string(tenths_ / 10) + "." + static_cast<char>('0' + tenths_ % 10);
}

std::string decimal_comma(std::string text) {
  const auto dot = text.find('.');
  if (dot != std::string::npos && dot > 0 && dot + 1 < text.size() &&
      text.find_first_not_of("0123456789.") == std::string::npos)
    text[dot] = ',';
  return text;
}

}  // namespace sodiem
