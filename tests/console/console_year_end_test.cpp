// The console's Cuối năm page over real TLS (console_year_end.cpp): the
// year-end lists are exactly what `sodiem-server outcomes --json` prints
// (the real binary, on the same school), each class board's empty required
// cells exactly what `sodiem board` names on the homeroom teacher's synced
// client (board_report), a student with two failed subjects on the class's
// re-test list; and the role matrix: the principal and vice principals see
// it, a teacher, a department head and the administrator are refused, no
// session or an expired one gets 401.
#include <algorithm>
#include <map>

#include "console_school.hpp"
#include "process.hpp"
#include "sodiem/client/board_report.hpp"
#include "sodiem/core/required_cells.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::console;

namespace {

// Every teacher of 6A fills both terms of their subject (HS6A01 gets 2 in
// Toán and Ngữ văn — two subjects, so the one-subject adjustment of TT22
// Điều 9 does not lift them — the others 8 or Đ); the homeroom teacher
// gives both terms' conduct.
void fill_year(ConsoleSchool& c) {
  for (const auto& a : c.school.demo.accounts) {
    const auto& classes = a["classes"];
    if (std::find(classes.begin(), classes.end(), "6A") == classes.end()) continue;
    const std::string user = a["username"], subject = a["subjects"][0];
    auto& store = c.school.device(user);
    const auto info = store.subject(subject, "6A");
    REQUIRE(info);
    for (const char* term : {"HK1", "HK2"})
      for (const auto& st : store.show("6A", subject))
        for (const auto& col : board::required_columns(*info, term)) {
          const std::string value = !info->scored ? "Đ" : st.code == "HS6A01" && (subject == "Toán" || subject == "Ngữ văn") ? "2" : "8";
          auto r = store.record({"6A", subject, st.code, col}, value);
          INFO(subject << " " << col << ": " << r.status().message());
          REQUIRE(r.is_ok());
        }
    c.school.sync(user);
  }
  auto& gvcn = c.school.device("gv.van.1");  // homeroom teacher of 6A
  for (const char* col : {"HK1.RL", "HK2.RL"})
    for (const auto& st : gvcn.show("6A", "Chủ nhiệm")) REQUIRE(gvcn.record({"6A", "Chủ nhiệm", st.code, col}, "Tốt").is_ok());
  c.school.sync("gv.van.1");
}

json class_of(const json& list, const std::string& name) {
  for (const auto& c : list)
    if (c["class"] == name) return c;
  FAIL("no class " << name);
  return {};
}

json cli_outcomes(ConsoleSchool& c, const std::string& class_name = "") {
  std::vector<std::string> argv{SODIEM_SERVER_BIN, "outcomes", "--data", c.school.demo.dir, "--json"};
  if (!class_name.empty()) argv.insert(argv.end(), {"--class", class_name});
  const auto run = run_command(argv);
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  return json::parse(run.out);
}

}  // namespace

TEST_CASE("console: Cuối năm shows the CLI's outcome, re-test and award lists and the cells that block signing",
          "[e2e][console][yearend]") {
  ConsoleSchool c;
  const auto ht = c.login("hieutruong");
  CHECK(c.get(ht, "/api/session").body["pages"].dump().find("\"yearend\"") != std::string::npos);

  // Nothing entered: 6A's year board names the cells `sodiem board 6A HK2` names.
  const Answer empty = c.get(ht, "/api/yearend?class=6A");
  INFO(empty.body.dump().substr(0, 400));
  REQUIRE(empty.status == 200);
  CHECK(empty.body["term"] == "HK2");
  REQUIRE(empty.body["missing"].size() == 1);
  c.school.sync("gv.van.1");
  const auto report = client::board_report(c.school.device("gv.van.1"), "6A", "HK2");
  REQUIRE_FALSE(report.missing.empty());
  const json m6a = empty.body["missing"][0];
  CHECK(m6a["class"] == "6A");
  CHECK(m6a["count"] == report.missing.size());
  REQUIRE(m6a["cells"].size() == std::min<std::size_t>(report.missing.size(), 200));
  for (std::size_t i = 0; i < m6a["cells"].size(); ++i) {
    INFO(i);
    CHECK(m6a["cells"][i]["student"] == report.missing[i].student);
    CHECK(m6a["cells"][i]["subject"] == report.missing[i].subject);
    CHECK(m6a["cells"][i]["column"] == report.missing[i].column);
  }
  CHECK_FALSE(m6a["cells"][0]["name"].get<std::string>().empty());
  std::map<std::string, std::size_t> per_subject;
  for (const auto& m : report.missing) ++per_subject[m.subject];
  CHECK(m6a["by_subject"] == json(per_subject));
  CHECK(c.get(ht, "/api/yearend?class=6A&term=HK1").body["missing"][0]["count"] ==
        client::board_report(c.school.device("gv.van.1"), "6A", "HK1").missing.size());

  fill_year(c);
  const Answer all = c.get(ht, "/api/yearend");
  REQUIRE(all.status == 200);
  // Exactly the CLI's lists (one builder, one rule).
  CHECK(all.body["outcomes"] == cli_outcomes(c));
  CHECK(c.get(ht, "/api/yearend?class=6a").body["outcomes"] == cli_outcomes(c, "6A"));
  CHECK(class_of(all.body["missing"], "6A")["count"] == 0);
  CHECK(class_of(all.body["missing"], "6B")["count"].get<int>() > 0);

  const json cls = class_of(all.body["outcomes"]["classes"], "6A");
  CHECK(cls["approved"] == false);  // not yet signed by the HT: provisional, not on the school's lists
  const json retest_list = cls["lists"]["outcome"]["Kiểm tra lại"];
  REQUIRE(retest_list.size() == 1);
  CHECK(retest_list[0]["student"] == "HS6A01");
  const json promoted = cls["lists"]["outcome"]["Lên lớp"];
  CHECK(promoted.size() + 1 == cls["students"].size());
  for (const auto& s : cls["students"])
    if (s["student"] == "HS6A01") {
      REQUIRE(s["retests"].size() == 2);
      for (const auto& r : s["retests"]) {
        CHECK((r["subject"] == "Toán" || r["subject"] == "Ngữ văn"));
        CHECK(r["year_result"] == "2.0");
        CHECK(r["result"].is_null());
      }
    }
  for (const auto& [name, people] : all.body["outcomes"]["school"]["lists"]["outcome"].items()) CHECK(people.empty());

  // Bad input: in Vietnamese, nothing else.
  const Answer unknown = c.get(ht, "/api/yearend?class=9Z");
  CHECK(unknown.status == 404);
  CHECK_THAT(unknown.body["error"].get<std::string>(), Catch::Contains("không có lớp 9Z"));
  CHECK(c.get(ht, "/api/yearend?term=HK3").status == 400);
}

TEST_CASE("console: Cuối năm's role matrix — the leadership only, a teacher's session refused", "[e2e][console][yearend]") {
  ConsoleSchool c;
  CHECK(c.get(c.login("phohieutruong"), "/api/yearend").status == 200);
  for (const char* user : {"gv.toan.2", "gv.toan.1", "quantri"}) {
    INFO(user);
    const auto l = c.login(user);
    const Answer a = c.get(l, "/api/yearend");
    CHECK(a.status == 403);
    CHECK_THAT(a.body["error"].get<std::string>(), Catch::Contains("Cuối năm chỉ dành cho"));
    CHECK_FALSE(a.body.contains("outcomes"));
    CHECK(c.get(l, "/api/session").body["pages"].dump().find("yearend") == std::string::npos);
  }
  CHECK(c.request("GET", "/api/yearend").status == 401);
  const auto ht = c.login("hieutruong");
  c.clock.advance(31 * 60);  // idle past the session's limit
  const Answer expired = c.get(ht, "/api/yearend");
  CHECK(expired.status == 401);
  CHECK_FALSE(expired.body.contains("outcomes"));
}
