// Mark: an exact decimal mark or average with one decimal place, stored as
// an integer count of tenths. Never a double. Value type, thread-safe.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sodiem {

class Mark {
 public:
  static constexpr std::int32_t kMaxTenths = 100;  // 10.0

  // Parses "8", "8.5", "8,5" (Vietnamese decimal comma), "10", "0.0".
  // At most one decimal place; 0 <= mark <= 10. Anything else: nullopt.
  static std::optional<Mark> parse(std::string_view text);
  static Mark from_tenths(std::int32_t tenths) { return Mark(tenths); }

  // Rounds numerator/denominator (both in tenths scale: value = n/d tenths)
  // half up to one decimal, exactly. Requires n >= 0, d > 0.
  static Mark round_half_up(std::int64_t numerator_tenths, std::int64_t denominator);

  std::int32_t tenths() const { return tenths_; }
  // Canonical mark form: "8" or "8.5".
  std::string to_string() const;
  // Average form, always one decimal: "8.0", "8.3".
  std::string to_fixed1() const;

  auto operator<=>(const Mark&) const = default;

 private:
  explicit Mark(std::int32_t tenths) : tenths_(tenths) {}
  std::int32_t tenths_ = 0;
};

// A number as a person reads it in Vietnamese: "7.0" → "7,0", "8.5" → "8,5"
// (the decimal comma of printed records); any other text ("Tốt", "chưa đủ
// điểm", "8") unchanged. For text meant for people only: JSON keeps "7.0".
std::string decimal_comma(std::string text);

}  // namespace sodiem
