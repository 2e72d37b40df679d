// Grade-book columns of a term ("HK1.TX2", "HK2.GK", "HK1.CK") and the rule
// that checks a value typed into one (TT22/2021/TT-BGDĐT, Điều 6-7).
// Pure functions; thread-safe.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "sodiem/core/status.hpp"
#include "sodiem/protocol/messages.hpp"

namespace sodiem {

struct Column {
  enum class Kind { kRegular, kMidTerm, kEndTerm };  // ĐĐGtx, ĐĐGgk, ĐĐGck
  int term = 1;                                       // 1 = HK1, 2 = HK2
  Kind kind = Kind::kRegular;
  int index = 1;  // 1..4 for regular assessments

  static std::optional<Column> parse(std::string_view text);
  std::string to_string() const;
};

// Number of regular assessments per term (TT22 Điều 7.1.b): subjects with up
// to 35 periods a year have 2, more than 35 up to 70 have 3, more have 4;
// comment-only subjects have 2.
int regular_assessments(bool scored, int periods_per_year);

// Checks that `column` exists for `subject` and that `value` fits it; returns
// the canonical value ("8,5" → "8.5", "đ" → "Đ", "" stays "" = clear) or an
// INVALID_VALUE status with a Vietnamese message naming the problem.
Result<std::string> normalize_cell_value(const protocol::SubjectInfo& subject, std::string_view column,
                                         std::string_view value);

}  // namespace sodiem
