// Clock seam: wall time for records, so tests can use a manual clock.
// SystemClock is thread-safe; ManualClock is for single-threaded tests.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sodiem {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_unix_seconds() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_unix_seconds() const override;
  static const SystemClock& instance();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t t) : t_(t) {}
  std::int64_t now_unix_seconds() const override { return t_; }
  void advance(std::int64_t seconds) { t_ += seconds; }

 private:
  std::int64_t t_;
};

// "2026-11-23T10:15:00Z" (JSON output, files)
std::string iso8601_utc(std::int64_t unix_seconds);
// Vietnam time (UTC+7, no daylight saving), for what people read and type:
// "16/01/2027 17:00"; parse accepts "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM".
std::string format_local_time(std::int64_t unix_seconds);
std::optional<std::int64_t> parse_local_time(const std::string& text);

// A date as people type it (a principal, a roster file): "dd/mm/yyyy" (day
// and month of one or two digits) or "yyyy-mm-dd", spaces around it allowed
// → "yyyy-mm-dd"; nullopt if it is neither, longer than kMaxTypedDateTime,
// or no real date from min_year to 2100. The one parser of typed dates:
// roster import, console, CLI.
std::optional<std::string> typed_date(std::string_view text, int min_year = 2000);
// A day as a spreadsheet may write it: a typed_date, or one followed by
// the midnight a date-time cell adds ("01/02/2010 0:00", "2010-02-01
// 00:00:00"; another time is refused: it is not a day). Roster files.
std::optional<std::string> typed_day(std::string_view text, int min_year = 2000);
// A moment as people type it: a typed_date, alone (its first minute) or
// followed by a time "hh:mm" after a space or a 'T' → unix seconds,
// Vietnam time; nullopt otherwise.
std::optional<std::int64_t> typed_local_time(std::string_view text);
// What they accept, for the messages that refuse a typed date.
inline constexpr std::string_view kTypedDateFormats = "dd/mm/yyyy hoặc yyyy-mm-dd";
inline constexpr std::size_t kMaxTypedDateTime = 32;  // bytes, spaces included

}  // namespace sodiem
