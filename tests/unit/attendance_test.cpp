// Attendance columns, days and session counts (core/attendance.hpp): the
// rules the server's ingest and the client's LocalStore both apply.
#include <catch2/catch.hpp>

#include "sodiem/core/attendance.hpp"

using namespace sodiem;

namespace {
protocol::SchoolCalendar year_2026(std::vector<std::string> two = {}) {
  return {"2026-09-05", "2027-05-31", false, std::move(two)};
}
Column col(const std::string& text) {
  auto c = Column::parse(text);
  REQUIRE(c);
  return *c;
}
}  // namespace

TEST_CASE("attendance columns name a day or one of its two sessions", "[unit]") {
  CHECK(col("CC.2026-11-30.S").session == 'S');
  CHECK(col("CC.2026-11-30.C").date == "2026-11-30");
  CHECK(col("CC.2026-11-30").session == 0);
  CHECK(col("CC.2026-11-30.C").to_string() == "CC.2026-11-30.C");
  CHECK(col("CC.2026-11-30").to_string() == "CC.2026-11-30");
  CHECK_FALSE(Column::parse("CC.2026-11-30.X"));
  CHECK_FALSE(Column::parse("CC.2026-11-30."));
  CHECK_FALSE(Column::parse("CC.2026-11-30.SC"));
  CHECK_FALSE(Column::parse("CC.2026-02-30.S"));
  CHECK(*normalize_cell_value(nullptr, "CC.2026-11-30.S", "k") == "K");
}

TEST_CASE("an absence is refused outside the school year, on Sundays and per session in a one-session class",
          "[unit]") {
  const auto cal = year_2026({"1A"});
  CHECK_FALSE(attendance::fault(col("CC.2026-11-30"), cal, "6A"));    // a Monday
  CHECK_FALSE(attendance::fault(col("CC.2026-11-28"), cal, "6A"));    // a Saturday
  CHECK_FALSE(attendance::fault(col("CC.2026-11-30.S"), cal, "1A"));  // two sessions a day
  CHECK_FALSE(attendance::fault(col("CC.2026-09-05"), cal, "6A"));    // the first day
  CHECK_FALSE(attendance::fault(col("CC.2027-05-31"), cal, "6A"));    // the last day

  auto sunday = attendance::fault(col("CC.2026-11-29"), cal, "6A");
  REQUIRE(sunday);
  CHECK(*sunday == "ngày 29/11/2026 là Chủ nhật: trường không học Chủ nhật");
  auto before = attendance::fault(col("CC.2026-09-04"), cal, "6A");
  REQUIRE(before);
  CHECK(*before == "ngày 04/09/2026 ngoài năm học (từ 05/09/2026 đến 31/05/2027)");
  CHECK(attendance::fault(col("CC.2027-06-01"), cal, "6A"));
  auto session = attendance::fault(col("CC.2026-11-30.C"), cal, "6A");
  REQUIRE(session);
  CHECK_THAT(*session, Catch::Contains("lớp 6A học một buổi mỗi ngày"));

  auto sundays = cal;
  sundays.sundays = true;
  CHECK_FALSE(attendance::fault(col("CC.2026-11-29"), sundays, "6A"));
  // No school year set: only the weekday and session rules.
  protocol::SchoolCalendar open;
  CHECK_FALSE(attendance::fault(col("CC.2031-01-06"), open, "6A"));
  CHECK(attendance::fault(col("CC.2031-01-05"), open, "6A"));
  // Other columns are not attendance.
  CHECK_FALSE(attendance::fault(col("HK1.TX1"), cal, "6A"));
}

TEST_CASE("absences count sessions: a whole day is two in a two-session class", "[unit]") {
  const std::map<std::string, std::string> cells{
      {"CC.2026-11-30", "P"},                           // whole day
      {"CC.2026-12-01.S", "K"},                         // a morning
      {"CC.2026-12-02.S", "P"}, {"CC.2026-12-02.C", "K"},  // both sessions
      {"CC.2026-12-03", "K"}, {"CC.2026-12-03.C", "P"},   // whole day and a session: the day counts
      {"CC.2026-12-04", ""},                            // cleared
      {"HK1.RL", "Tốt"}};
  const auto two = attendance::count(cells, true);
  CHECK(two.excused == 2 + 1);
  CHECK(two.unexcused == 1 + 1 + 2);
  CHECK(two.total() == 7);
  const auto one = attendance::count(cells, false);
  CHECK(one.excused == 1 + 1);
  CHECK(one.unexcused == 1 + 1 + 1);
}
