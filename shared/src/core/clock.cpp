#include "sodiem/core/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "sodiem/core/column.hpp"

namespace sodiem {

std::int64_t SystemClock::now_unix_seconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

const SystemClock& SystemClock::instance() {
  static const SystemClock clock;
  return clock;
}

std::string iso8601_utc(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {
constexpr std::int64_t kVietnamOffset = 7 * 3600;
}

std::optional<std::int64_t> parse_local_time(const std::string& text) {
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0;
  char sep = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d", &y, &mo, &d, &sep, &h, &mi) == 6 && (sep == 'T' || sep == ' ')) {
  } else if (text.size() == 10 && std::sscanf(text.c_str(), "%4d-%2d-%2d", &y, &mo, &d) == 3) {
    h = mi = 0;
  } else {
    return std::nullopt;
  }
  char date[16];
  std::snprintf(date, sizeof date, "%04d-%02d-%02d", y, mo, d);
  if (!valid_iso_date(date) || h < 0 || h > 23 || mi < 0 || mi > 59) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  return static_cast<std::int64_t>(timegm(&tm)) - kVietnamOffset;
}

namespace {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Reads from min to max digits of s at i (moving i on) into out.
bool digits(std::string_view s, std::size_t& i, std::size_t min, std::size_t max, int& out) {
  std::size_t n = 0;
  out = 0;
  while (i < s.size() && n < max && s[i] >= '0' && s[i] <= '9') {
    out = out * 10 + (s[i++] - '0');
    ++n;
  }
  return n >= min;
}

bool expect(std::string_view s, std::size_t& i, char c) {
  if (i >= s.size() || s[i] != c) return false;
  ++i;
  return true;
}

}  // namespace

std::optional<std::string> typed_date(std::string_view text, int min_year) {
  if (text.size() > kMaxTypedDateTime) return std::nullopt;
  text = trim_spaces(text);
  int d = 0, m = 0, y = 0;
  std::size_t i = 0;
  const bool ok = text.find('/') != std::string_view::npos
                      ? digits(text, i, 1, 2, d) && expect(text, i, '/') && digits(text, i, 1, 2, m) &&
                            expect(text, i, '/') && digits(text, i, 4, 4, y)
                      : digits(text, i, 4, 4, y) && expect(text, i, '-') && digits(text, i, 1, 2, m) &&
                            expect(text, i, '-') && digits(text, i, 1, 2, d);
  if (!ok || i != text.size()) return std::nullopt;
  char out[32];  // room for any int, so no truncation to reason about
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", y, m, d);
  if (!valid_iso_date(out, min_year)) return std::nullopt;
  return std::string(out);
}

std::optional<std::string> typed_day(std::string_view text, int min_year) {
  if (auto day = typed_date(text, min_year)) return day;
  if (text.size() > kMaxTypedDateTime) return std::nullopt;
  text = trim_spaces(text);
  const auto split = text.find_first_of(" \tT");
  if (split == std::string_view::npos) return std::nullopt;
  const std::string_view time = trim_spaces(text.substr(split + 1));
  if (time != "0:00" && time != "00:00" && time != "0:00:00" && time != "00:00:00") return std::nullopt;
  return typed_date(text.substr(0, split), min_year);
}

std::optional<std::int64_t> typed_local_time(std::string_view text) {
  if (text.size() > kMaxTypedDateTime) return std::nullopt;
  text = trim_spaces(text);
  const auto split = text.find_first_of(" \tT");
  auto date = typed_date(text.substr(0, split));
  if (!date) return std::nullopt;
  int h = 0, mi = 0;
  if (split != std::string_view::npos) {
    const std::string_view time = trim_spaces(text.substr(split + 1));
    std::size_t i = 0;
    if (!digits(time, i, 1, 2, h) || !expect(time, i, ':') || !digits(time, i, 2, 2, mi) || i != time.size())
      return std::nullopt;
  }
  char at[32];
  std::snprintf(at, sizeof at, "T%02d:%02d", h, mi);
  return parse_local_time(*date + at);  // checks the hour and minute
}

std::string format_local_time(std::int64_t t) {
  std::time_t local = static_cast<std::time_t>(t + kVietnamOffset);
  std::tm tm{};
  gmtime_r(&local, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%d/%m/%Y %H:%M", &tm);
  return buf;
}

}  // namespace sodiem
