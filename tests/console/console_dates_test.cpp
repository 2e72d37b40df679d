// Dates on the console's pages over real TLS: what a principal types
// (dd/mm/yyyy, a time hh:mm after it where one is asked) or yyyy-mm-dd is
// read by the one parser (typed_date, typed_local_time) in every form that
// takes a date — a lock, an exception, an entry window, the Nhật ký filter
// — and a date that is neither is refused with a message that names both
// forms, nothing stored.
#include "console_school.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::console;

namespace {

// "dd/mm/yyyy" and "yyyy-mm-dd" of `days` from the console's clock, Vietnam time.
std::string vn_day(ConsoleSchool& c, int days) {
  return format_local_time(c.clock.now_unix_seconds() + days * 86400).substr(0, 10);
}
std::string iso_day(ConsoleSchool& c, int days) {
  const std::string vn = vn_day(c, days);
  return vn.substr(6, 4) + "-" + vn.substr(3, 2) + "-" + vn.substr(0, 2);
}

void names_both_forms(const Answer& a) {
  INFO(a.body.dump());
  CHECK(a.status == 400);
  CHECK_THAT(a.body["error"].get<std::string>(), Catch::Contains("dd/mm/yyyy hoặc yyyy-mm-dd"));
}

}  // namespace

TEST_CASE("console: a date typed dd/mm/yyyy or yyyy-mm-dd is read the same in every form", "[e2e][console]") {
  ConsoleSchool c;
  const auto ht = c.login("hieutruong");

  // A lock from a moment typed dd/mm/yyyy hh:mm until a day typed dd/mm/yyyy.
  const Answer lock = c.post(ht, "/api/locks/add", {{"term", "HK2"}, {"class", "6A"}, {"kind", "frozen"},
                                                    {"from", "31/12/2098 07:30"}, {"until", "1/1/2099"},
                                                    {"reason", "Chốt điểm"}});
  INFO(lock.body.dump());
  REQUIRE(lock.status == 200);
  CHECK(c.school.server_scalar("SELECT starts_at FROM locks WHERE id = " + std::to_string(lock.body["id"].get<int>())) ==
        *parse_local_time("2098-12-31T07:30"));
  CHECK(c.school.server_scalar("SELECT ends_at FROM locks WHERE id = " + std::to_string(lock.body["id"].get<int>())) ==
        *parse_local_time("2099-01-01"));

  // An exception until a moment, in either form: the same moment.
  for (auto [column, until] : {std::pair{"HK1.GK", "31/12/2099 17:00"}, {"HK1.CK", "2099-12-31T17:00"},
                                {"HK2.GK", " 31/12/2099  17:00 "}}) {
    INFO(until);
    const Answer a = c.post(ht, "/api/locks/exception/add", {{"user", "gv.toan.1"}, {"class", "6A"}, {"subject", "Toán"},
                                                             {"column", column}, {"until", until}, {"reason", "Ốm"}});
    INFO(a.body.dump());
    REQUIRE(a.status == 200);
    CHECK(c.school.server_scalar("SELECT expires_at FROM lock_exceptions WHERE id = " +
                                 std::to_string(a.body["id"].get<int>())) == *parse_local_time("2099-12-31T17:00"));
  }

  // An entry window typed dd/mm/yyyy: stored (and audited) as yyyy-mm-dd.
  const Answer window = c.post(ht, "/api/locks/term", {{"term", "HK1"}, {"opens", vn_day(c, -1)}, {"closes", vn_day(c, 60)}});
  INFO(window.body.dump());
  REQUIRE(window.status == 200);
  bool seen = false;
  const Answer locks = c.get(ht, "/api/locks");
  for (const auto& t : locks.body["terms"])
    if (t["term"] == "HK1") {
      seen = true;
      CHECK(t["opens"] == iso_day(c, -1));
      CHECK(t["closes"] == iso_day(c, 60));
    }
  CHECK(seen);

  // Nhật ký from a day typed dd/mm/yyyy (as the browser sends it, '/' escaped): as from yyyy-mm-dd.
  const auto all = c.get(ht, "/api/audit?from=" + iso_day(c, 0)).body["rows"];
  CHECK_FALSE(all.empty());
  const std::string vn = vn_day(c, 0);
  CHECK(c.get(ht, "/api/audit?from=" + vn.substr(0, 2) + "%2F" + vn.substr(3, 2) + "%2F" + vn.substr(6)).body["rows"] ==
        all);
  CHECK(c.get(ht, "/api/audit?from=" + vn_day(c, 1)).body["rows"].empty());
}

TEST_CASE("console: a date in neither form is refused, naming both, and nothing is stored", "[e2e][console]") {
  ConsoleSchool c;
  const auto ht = c.login("hieutruong");
  const auto stored = [&] {
    return c.school.server_scalar("SELECT (SELECT COUNT(*) FROM locks) + (SELECT COUNT(*) FROM lock_exceptions)");
  };
  const auto before = stored();
  const std::string too_long = "31/12/2099" + std::string(30, ' ') + "17:00";
  for (const std::string bad : {"31/02/2099", "31/12/99", "12/31/2099", "2099-12-31 25:00", "31/12/2099 17", "mai",
                                too_long.c_str()}) {
    INFO(bad);
    names_both_forms(c.post(ht, "/api/locks/add", {{"term", "HK1"}, {"kind", "frozen"}, {"until", bad}, {"reason", "x"}}));
    names_both_forms(c.post(ht, "/api/locks/exception/add", {{"user", "gv.toan.1"}, {"class", "6A"}, {"subject", "Toán"},
                                                            {"column", "HK1.GK"}, {"until", bad}, {"reason", "x"}}));
  }
  CHECK(stored() == before);
  const auto hk1 = c.get(ht, "/api/locks").body["terms"];
  for (const char* bad : {"31/02/2099", "2099/12/31", "1/1/99"}) {
    INFO(bad);
    names_both_forms(c.post(ht, "/api/locks/term", {{"term", "HK1"}, {"opens", bad}, {"closes", "31/12/2099"}}));
    names_both_forms(c.post(ht, "/api/locks/term", {{"term", "HK1"}, {"opens", "01/01/2099"}, {"closes", bad}}));
    names_both_forms(c.get(ht, std::string("/api/audit?until=") + bad));
  }
  CHECK(c.get(ht, "/api/locks").body["terms"] == hk1);
  // A filter longer than any date: refused without reading it.
  CHECK(c.get(ht, "/api/audit?from=" + std::string(200, '1')).status == 400);
}
