// The Khóa sổ page's entry windows over real TLS (console_terms.cpp): the
// current year's terms with the dates entry opens and closes; the principal
// moves HK1's opening past today and a teacher's new mark is refused
// (ENTRY_CLOSED), moves it back and the mark is accepted — each change the
// `entry_window_set` audit entry of `sodiem-server term set` (the same
// set_entry_window); who may: the principal, or an administrator on the
// principal's decision; teachers and vice principals refused; no CSRF
// token or bad dates change nothing.
#include "console_school.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::console;

namespace {

std::int64_t audit_total(ConsoleSchool& c) { return c.school.server_scalar("SELECT COUNT(*) FROM audit_log"); }

json window_of(const Answer& locks, const std::string& term) {
  for (const auto& t : locks.body["terms"])
    if (t["term"] == term) return t;
  FAIL("no term " << term);
  return {};
}

// "YYYY-MM-DD", `days` from the console's clock, Vietnam time.
std::string day(ConsoleSchool& c, int days) {
  const std::string vn = format_local_time(c.clock.now_unix_seconds() + days * 86400);  // "dd/mm/yyyy hh:mm"
  return vn.substr(6, 4) + "-" + vn.substr(3, 2) + "-" + vn.substr(0, 2);
}

// gv.toan.1 writes a new mark into 6A Toán `student` HK1.TX1 and syncs: its outcome.
std::string write(ConsoleSchool& c, const std::string& student) {
  auto& d = c.school.device("gv.toan.1");
  auto op = d.record({"6A", "Toán", student, "HK1.TX1"}, "7");
  REQUIRE(op.is_ok());
  c.school.sync("gv.toan.1");
  return d.outcome(op->seq).first;
}

}  // namespace

TEST_CASE("console: the principal opens and closes entry as `sodiem-server term set` does", "[e2e][console]") {
  ConsoleSchool c;
  const auto ht = c.login("hieutruong");
  const Answer before = c.get(ht, "/api/locks");
  REQUIRE(before.status == 200);
  REQUIRE(before.body["terms"].size() == 2);
  const json hk1 = window_of(before, "HK1");
  CHECK(hk1["opens"].get<std::string>() <= day(c, 0));
  CHECK(hk1["closes"].get<std::string>() >= day(c, 0));

  // Entry opens tomorrow: a new mark today is refused.
  const std::string tomorrow = day(c, 1), later = day(c, 60);
  const Answer closed = c.post(ht, "/api/locks/term", {{"term", "HK1"}, {"opens", tomorrow}, {"closes", later}});
  INFO(closed.body.dump());
  REQUIRE(closed.status == 200);
  // Said with the dates as principals read them.
  const auto vn = [](const std::string& iso) { return iso.substr(8, 2) + "/" + iso.substr(5, 2) + "/" + iso.substr(0, 4); };
  CHECK(closed.body["message"] == "Đã đặt thời gian nhập điểm HK1: từ " + vn(tomorrow) + " đến hết " + vn(later));
  CHECK(window_of(c.get(ht, "/api/locks"), "HK1")["opens"] == tomorrow);
  {
    auto db = c.school.server_db();
    auto s = db->prepare("SELECT actor, detail FROM audit_log WHERE kind = 'entry_window_set' ORDER BY seq DESC LIMIT 1");
    REQUIRE(s.step());
    CHECK(s.text(0) == "hieutruong");
    CHECK(json::parse(s.text(1)) == json{{"term", "HK1"}, {"opens", tomorrow}, {"closes", later}});
  }
  CHECK(write(c, "HS6A01") == "ENTRY_CLOSED");

  // Opened again from yesterday: the mark is accepted.
  REQUIRE(c.post(ht, "/api/locks/term", {{"term", "HK1"}, {"opens", day(c, -1)}, {"closes", later}}).status == 200);
  CHECK(write(c, "HS6A02") == "OK");
}

TEST_CASE("console: entry windows — who may, and what a refused request leaves unchanged", "[e2e][console]") {
  ConsoleSchool c;
  const auto ht = c.login("hieutruong");
  const json hk1 = window_of(c.get(ht, "/api/locks"), "HK1");
  const json change = {{"term", "HK1"}, {"opens", day(c, 1)}, {"closes", day(c, 30)}};
  auto unchanged = [&](std::int64_t audits) {
    CHECK(window_of(c.get(ht, "/api/locks"), "HK1") == hk1);
    CHECK(audit_total(c) == audits);
  };
  // A teacher: not even the page; a vice principal sees it, the function refuses (the CLI's rule).
  for (const char* user : {"gv.toan.2", "phohieutruong"}) {
    INFO(user);
    const auto l = c.login(user);
    const auto audits = audit_total(c);
    const Answer a = c.post(l, "/api/locks/term", change);
    CHECK(a.status == 403);
    CHECK_FALSE(a.body["error"].get<std::string>().empty());
    unchanged(audits);
  }
  // No CSRF token; bad dates or term: refused in Vietnamese.
  const auto audits = audit_total(c);
  CHECK(c.request("POST", "/api/locks/term", ht.cookie, "", change.dump()).status == 403);
  for (const json& bad : {json{{"term", "HK3"}, {"opens", day(c, 1)}, {"closes", day(c, 30)}},
                          json{{"term", "HK1"}, {"opens", day(c, 30)}, {"closes", day(c, 1)}},
                          json{{"term", "HK1"}, {"opens", "31/11/2026"}, {"closes", day(c, 30)}},  // no such day
                          json{{"term", "HK1"}, {"opens", day(c, 1)}}}) {
    const Answer a = c.post(ht, "/api/locks/term", bad);
    INFO(bad.dump() << " → " << a.body.dump());
    CHECK(a.status == 400);
    CHECK_FALSE(a.body["error"].get<std::string>().empty());
  }
  unchanged(audits);
  // The administrator, on the principal's decision.
  const auto admin = c.login("quantri");
  CHECK(c.post(admin, "/api/locks/term", change).status == 200);
  CHECK(window_of(c.get(ht, "/api/locks"), "HK1")["opens"] == change["opens"]);
}
