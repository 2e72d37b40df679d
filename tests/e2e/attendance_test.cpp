// Attendance through the real sync path (issue 14: per day and per session;
// issue 15: sessions counted, no Sundays, inside the school year): the
// client refuses what the server would, a modified client is refused by the
// server, and the calendar reaches the devices with the roster.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>

#include "loopback_school.hpp"
#include "sodiem/core/attendance.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/calendar.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {
const std::string kCN(protocol::kHomeroomSubject);

// The first date from `iso` on (inclusive) falling on `day`, as "YYYY-MM-DD".
std::string next(const std::string& iso, std::chrono::weekday day) {
  using namespace std::chrono;
  sys_days d = sys_days{year_month_day{year(std::stoi(iso.substr(0, 4))),
                                       month(static_cast<unsigned>(std::stoi(iso.substr(5, 2)))),
                                       std::chrono::day(static_cast<unsigned>(std::stoi(iso.substr(8, 2))))}};
  while (weekday(d) != day) d += days(1);
  const year_month_day ymd(d);
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return out;
}
std::string before(const std::string& iso) {
  // The day before the first of September (the demo's years start then).
  return iso.substr(0, 4) + "-08-31";
}
}  // namespace

TEST_CASE("an absence on a Sunday, outside the school year or per session in a one-session class is refused by "
          "client and server",
          "[e2e]") {
  LoopbackSchool school;
  auto& gvcn = school.device("gv.toan.1");  // homeroom teacher of 6B
  const auto cal = gvcn.calendar();
  REQUIRE(cal == server::load_calendar(*school.server_db()));
  REQUIRE(cal.first_day.substr(5) == "09-01");
  const std::string monday = next(cal.first_day, std::chrono::Monday);
  const std::string sunday = next(cal.first_day, std::chrono::Sunday);

  REQUIRE(gvcn.record({"6B", kCN, "HS6B01", "CC." + monday}, "P").is_ok());
  auto on_sunday = gvcn.record({"6B", kCN, "HS6B01", "CC." + sunday}, "P");
  REQUIRE_FALSE(on_sunday.is_ok());
  CHECK_THAT(on_sunday.status().message(), Catch::Contains("là Chủ nhật"));
  auto outside = gvcn.record({"6B", kCN, "HS6B01", "CC." + before(cal.first_day)}, "K");
  REQUIRE_FALSE(outside.is_ok());
  CHECK_THAT(outside.status().message(), Catch::Contains("ngoài năm học"));
  auto session = gvcn.record({"6B", kCN, "HS6B01", "CC." + monday + ".S"}, "K");
  REQUIRE_FALSE(session.is_ok());
  CHECK_THAT(session.status().message(), Catch::Contains("học một buổi mỗi ngày"));
  CHECK(gvcn.record({"6B", kCN, "HS6B01", "CC." + monday}, "").is_ok());  // clearing is always allowed

  // A modified client skipping those checks: the server refuses the same.
  const auto s1 = queue_unchecked(gvcn, {"6B", kCN, "HS6B02", "CC." + sunday}, "P");
  const auto s2 = queue_unchecked(gvcn, {"6B", kCN, "HS6B02", "CC." + before(cal.first_day)}, "P");
  const auto s3 = queue_unchecked(gvcn, {"6B", kCN, "HS6B02", "CC." + monday + ".C"}, "P");
  const auto s4 = queue_unchecked(gvcn, {"6B", kCN, "HS6B02", "CC." + monday}, "K");
  school.sync("gv.toan.1");
  CHECK(outcome_of(gvcn, s1) == "INVALID_VALUE");
  CHECK(outcome_of(gvcn, s2) == "INVALID_VALUE");
  CHECK(outcome_of(gvcn, s3) == "INVALID_VALUE");
  CHECK(outcome_of(gvcn, s4) == "OK");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells WHERE col LIKE 'CC.%' AND value != ''") == 1);
}

TEST_CASE("a class taught in two sessions a day keeps attendance per session and counts sessions", "[e2e]") {
  LoopbackSchool school;
  auto& gvcn = school.device("gv.toan.1");
  const std::string monday = next(gvcn.calendar().first_day, std::chrono::Monday);
  const std::string tuesday = next(monday, std::chrono::Tuesday);
  {
    auto db = school.server_db();
    REQUIRE(server::set_sessions_per_day(*db, "6B", std::nullopt, 2, "hieutruong", 0).is_ok());
    CHECK_FALSE(server::set_sessions_per_day(*db, "6B", std::nullopt, 3, "hieutruong", 0).is_ok());
    CHECK_FALSE(server::set_sessions_per_day(*db, "6B", std::nullopt, 2, "gv.toan.1", 0).is_ok());  // not HT/ADMIN
    CHECK_FALSE(server::set_sessions_per_day(*db, "9Z", std::nullopt, 2, "hieutruong", 0).is_ok());
  }
  // The running server reloads its directory on the bumped roster version.
  school.sync("gv.toan.1");
  CHECK(attendance::two_sessions(gvcn.calendar(), "6B"));
  CHECK_FALSE(attendance::two_sessions(gvcn.calendar(), "6A"));

  REQUIRE(gvcn.record({"6B", kCN, "HS6B01", "CC." + monday + ".S"}, "K").is_ok());
  REQUIRE(gvcn.record({"6B", kCN, "HS6B01", "CC." + monday + ".C"}, "P").is_ok());
  REQUIRE(gvcn.record({"6B", kCN, "HS6B01", "CC." + tuesday}, "P").is_ok());  // the whole day: two sessions
  school.sync("gv.toan.1");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells WHERE col LIKE 'CC.%' AND value != ''") == 3);

  // The board (HK2 carries the year) counts 4 sessions: 3 excused, 1 not.
  const auto lines = board::summary_board("HK2", gvcn.class_book("6B"));
  bool found = false;
  for (const auto& l : lines)
    if (l.student == "HS6B01" && l.column == "Nghỉ") {
      found = true;
      CHECK(l.value == "4 buổi (có phép 3, không phép 1)");
    }
  CHECK(found);
}
