// typed_date and typed_local_time: dates as a principal types them
// (dd/mm/yyyy) or as the pages and files write them (yyyy-mm-dd), one
// parser for the roster import, the console and the CLI.
#include <catch2/catch.hpp>
#include <string>

#include "sodiem/core/clock.hpp"

using sodiem::parse_local_time;
using sodiem::typed_date;
using sodiem::typed_day;
using sodiem::typed_local_time;

TEST_CASE("typed_date: dd/mm/yyyy and yyyy-mm-dd, the same day", "[typed_date]") {
  CHECK(typed_date("02/11/2026") == "2026-11-02");
  CHECK(typed_date("2/1/2027") == "2027-01-02");
  CHECK(typed_date("2026-11-02") == "2026-11-02");
  CHECK(typed_date("2026-1-2") == "2026-01-02");
  CHECK(typed_date("  29/02/2028 \t") == "2028-02-29");  // a leap year
  CHECK(typed_date("01/09/2014", 1990) == "2014-09-01");  // a birth date
}

TEST_CASE("typed_date: refuses what is not a real date in one of the two forms", "[typed_date]") {
  for (const char* bad : {"", " ", "29/02/2027", "31/04/2027", "00/01/2027", "32/01/2027", "01/13/2027",
                          "2027-02-30", "02/11/26", "02-11-2026", "2026/11/02", "02/11/2026x", "02/11/2026 17:00",
                          "+2/11/2026", "02//2026", "1/1/1999", "1/1/2101", "002/11/2026", "02.11.2026",
                          "２/11/2026"}) {
    INFO(bad);
    CHECK_FALSE(typed_date(bad).has_value());
  }
  CHECK_FALSE(typed_date("01/09/1989", 1990).has_value());
  // Bounded: spaces count toward the limit.
  CHECK_FALSE(typed_date(std::string(40, ' ') + "02/11/2026").has_value());
  CHECK_FALSE(typed_date(std::string(100000, '1')).has_value());
}

TEST_CASE("typed_local_time: a day alone or with hh:mm, Vietnam time", "[typed_date]") {
  const auto five_pm = parse_local_time("2027-01-16T17:00");
  REQUIRE(five_pm.has_value());
  CHECK(typed_local_time("16/01/2027 17:00") == five_pm);
  CHECK(typed_local_time("16/1/2027  17:00 ") == five_pm);
  CHECK(typed_local_time("2027-01-16T17:00") == five_pm);
  CHECK(typed_local_time("2027-01-16 17:00") == five_pm);
  CHECK(typed_local_time("16/01/2027") == parse_local_time("2027-01-16"));
  CHECK(typed_local_time("2027-01-16") == *five_pm - 17 * 3600);
  CHECK(typed_local_time("16/01/2027 7:05") == *five_pm - 10 * 3600 + 5 * 60);
  for (const char* bad : {"16/01/2027 24:00", "16/01/2027 17:60", "16/01/2027 17", "16/01/2027 17:0",
                          "16/01/2027 17:00:00", "16/01/2027T", "30/02/2027 10:00", "17:00",
                          "16/01/2027 17:00 x", "2027-01-16T17:00Z"}) {
    INFO(bad);
    CHECK_FALSE(typed_local_time(bad).has_value());
  }
}

TEST_CASE("typed_day: a roster's birth date also as a spreadsheet's date-time cell at midnight", "[typed_date]") {
  CHECK(typed_day("01/02/2010", 1990) == std::optional<std::string>("2010-02-01"));
  CHECK(typed_day("01/02/2010 0:00", 1990) == std::optional<std::string>("2010-02-01"));
  CHECK(typed_day("2010-02-01 00:00:00", 1990) == std::optional<std::string>("2010-02-01"));
  CHECK(typed_day(" 1/2/2010  00:00 ", 1990) == std::optional<std::string>("2010-02-01"));
  for (const char* bad : {"01/02/2010 7:30", "01/02/2010 0:00 x", "31/02/2010 0:00", "0:00", "01/02/2010 00",
                          "01/02/1980 0:00"}) {
    INFO(bad);
    CHECK_FALSE(typed_day(bad, 1990).has_value());
  }
}
