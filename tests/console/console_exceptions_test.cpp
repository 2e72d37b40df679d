// The Khóa sổ page's exceptions and grace window over real TLS
// (console_exceptions.cpp): an exception added from the console lets one
// teacher write one column after a lock, removed it refuses again; the grace
// window set; each audited as `sodiem-server exception` / `grace` (the same
// functions); who may: the principal, or an administrator on the principal's
// decision (check_lock_authority, the CLI's rule); teachers, department
// heads and vice principals refused; no CSRF token, an expired session or
// bad input change nothing.
#include "console_school.hpp"
#include "process.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::console;

namespace {

std::int64_t audit_total(ConsoleSchool& c) { return c.school.server_scalar("SELECT COUNT(*) FROM audit_log"); }
std::int64_t exceptions_total(ConsoleSchool& c) {
  return c.school.server_scalar("SELECT COUNT(*) FROM lock_exceptions");
}
std::int64_t live_exceptions(ConsoleSchool& c) {
  return c.school.server_scalar("SELECT COUNT(*) FROM lock_exceptions WHERE removed_at IS NULL");
}
std::string grace_setting(ConsoleSchool& c) {
  auto db = c.school.server_db();
  return server::get_meta(*db, "offline_grace_hours", "72");
}

json last_audit(ConsoleSchool& c, const std::string& kind, std::string* actor = nullptr) {
  auto db = c.school.server_db();
  auto s = db->prepare("SELECT actor, detail FROM audit_log WHERE kind = ? ORDER BY seq DESC LIMIT 1");
  s.bind(1, kind);
  REQUIRE(s.step());
  if (actor) *actor = s.text(0);
  return json::parse(s.text(1));
}

// gv.toan.1 writes `value` into 6A Toán HS6A01 `column` and syncs: refused by a lock?
bool refused(ConsoleSchool& c, const std::string& column, const std::string& value) {
  auto& d = c.school.device("gv.toan.1");
  auto op = d.record({"6A", "Toán", "HS6A01", column}, value);
  INFO(op.status().message());
  REQUIRE(op.is_ok());
  c.school.sync("gv.toan.1");
  const std::string outcome = d.outcome(op->seq).first;
  INFO(column << " = " << value << " → " << outcome);
  REQUIRE((outcome == "OK" || outcome == "TERM_LOCKED"));
  return outcome == "TERM_LOCKED";
}

const json kException = {{"user", "gv.toan.1"}, {"class", "6A"},          {"subject", "Toán"},
                         {"column", "HK1.GK"},  {"until", "2099-12-31T17:00"}, {"reason", "Ốm, thi bù giữa kì"}};

}  // namespace

TEST_CASE("console: an exception lets one teacher write one column after a lock, until removed — audited as the CLI's",
          "[e2e][console]") {
  ConsoleSchool c;
  const auto ht = c.login("hieutruong");
  REQUIRE(c.post(ht, "/api/locks/add", {{"term", "HK1"}, {"class", "6A"}, {"kind", "frozen"}, {"reason", "Chốt điểm"}})
              .status == 200);
  CHECK(refused(c, "HK1.GK", "6"));

  const Answer added = c.post(ht, "/api/locks/exception/add", kException);
  INFO(added.body.dump());
  REQUIRE(added.status == 200);
  const auto id = added.body["id"].get<std::int64_t>();
  CHECK_THAT(added.body["message"].get<std::string>(), Catch::Contains("31/12/2099"));
  std::string actor;
  json detail = last_audit(c, "exception_added", &actor);  // what `sodiem-server exception add` writes
  CHECK(actor == "hieutruong");
  CHECK(detail["id"] == id);
  CHECK(detail["user"] == "gv.toan.1");
  CHECK(detail["column"] == "HK1.GK");
  CHECK(detail["reason"] == "Ốm, thi bù giữa kì");

  const Answer list = c.get(ht, "/api/locks");
  REQUIRE(list.status == 200);
  REQUIRE(list.body["exceptions"].size() == 1);
  CHECK(list.body["exceptions"][0]["id"] == id);
  CHECK(list.body["exceptions"][0]["until"] == "31/12/2099 17:00");
  CHECK(list.body["exceptions"][0]["by"] == "hieutruong");

  CHECK_FALSE(refused(c, "HK1.GK", "7"));  // the exception's column
  CHECK(refused(c, "HK1.CK", "7"));        // another column stays locked

  CHECK(c.post(ht, "/api/locks/exception/remove", {{"id", id}}).status == 200);
  detail = last_audit(c, "exception_removed", &actor);
  CHECK(actor == "hieutruong");
  CHECK(detail["id"] == id);
  CHECK(c.get(ht, "/api/locks").body["exceptions"].empty());
  CHECK(refused(c, "HK1.GK", "8"));
  // Removed once: a second removal is refused, in Vietnamese.
  const Answer again = c.post(ht, "/api/locks/exception/remove", {{"id", id}});
  CHECK(again.status == 400);
  CHECK_THAT(again.body["error"].get<std::string>(), Catch::Contains("không có ngoại lệ"));
}

TEST_CASE("console: the grace window is set as `sodiem-server grace` sets it, within its bounds", "[e2e][console]") {
  ConsoleSchool c;
  const auto ht = c.login("hieutruong");
  CHECK(c.get(ht, "/api/locks").body["grace_hours"] == 72);
  const Answer set = c.post(ht, "/api/locks/grace", {{"hours", 24}});
  INFO(set.body.dump());
  REQUIRE(set.status == 200);
  CHECK(grace_setting(c) == "24");
  CHECK(c.get(ht, "/api/locks").body["grace_hours"] == 24);
  std::string actor;
  const json detail = last_audit(c, "setting_changed", &actor);
  CHECK(actor == "hieutruong");
  CHECK(detail == json{{"setting", "offline_grace_hours"}, {"old", 72}, {"new", 24}});

  const auto audits = audit_total(c);
  for (const json& bad : {json(-1), json(721), json(4294967296LL), json("24"), json(2.5), json(nullptr)}) {
    const Answer a = c.post(ht, "/api/locks/grace", {{"hours", bad}});
    INFO(bad.dump() << " → " << a.body.dump());
    CHECK(a.status == 400);
    CHECK_FALSE(a.body["error"].get<std::string>().empty());
  }
  CHECK(grace_setting(c) == "24");
  CHECK(audit_total(c) == audits);
}

TEST_CASE("console: exceptions and the grace window — who may, and what a refused request leaves unchanged",
          "[e2e][console]") {
  ConsoleSchool c;
  const auto ht = c.login("hieutruong");
  const Answer first = c.post(ht, "/api/locks/exception/add", kException);
  REQUIRE(first.status == 200);
  const auto id = first.body["id"].get<std::int64_t>();
  const auto exceptions = exceptions_total(c);

  // After a refused request: the one exception, the grace window and the
  // audit trail as they were (`audits`: its length before the request,
  // after the logins that precede it).
  auto nothing_changed = [&](std::int64_t audits) {
    CHECK(exceptions_total(c) == exceptions);
    CHECK(live_exceptions(c) == 1);
    CHECK(grace_setting(c) == "72");
    CHECK(audit_total(c) == audits);
  };
  // A teacher, a department head: not even the page. A vice principal sees
  // the page, but the function refuses (the CLI's rule).
  for (const char* user : {"gv.toan.2", "gv.toan.1", "phohieutruong"}) {
    const auto l = c.login(user);
    const auto logins = audit_total(c);
    INFO(user);
    for (auto [path, body] : {std::pair<const char*, json>{"/api/locks/exception/add", kException},
                              {"/api/locks/exception/remove", {{"id", id}}},
                              {"/api/locks/grace", {{"hours", 1}}}}) {
      const Answer a = c.post(l, path, body);
      INFO(path << " → " << a.body.dump());
      CHECK(a.status == 403);
      CHECK_FALSE(a.body["error"].get<std::string>().empty());
    }
    nothing_changed(logins);
  }

  // No CSRF token, another session's, or an expired session: nothing changes.
  const auto other = c.login("quantri");
  const auto after_logins = audit_total(c);
  for (auto [path, body] : {std::pair<const char*, json>{"/api/locks/exception/add", kException},
                            {"/api/locks/exception/remove", {{"id", id}}},
                            {"/api/locks/grace", {{"hours", 1}}}}) {
    INFO(path);
    CHECK(c.request("POST", path, ht.cookie, "", body.dump()).status == 403);
    CHECK(c.request("POST", path, ht.cookie, other.csrf, body.dump()).status == 403);
  }
  nothing_changed(after_logins);

  // Bad input: refused in Vietnamese, nothing stored.
  for (auto [field, value] : {std::pair<const char*, json>{"reason", ""},
                              {"until", ""},
                              {"until", "2001-01-01"},  // in the past
                              {"until", "31/12/99"},    // neither dd/mm/yyyy nor yyyy-mm-dd
                              {"column", "HK1.XYZ"},
                              {"user", "khong.co.ai"},
                              {"user", "gv\u202Etoan"}}) {
    json bad = kException;
    bad[field] = value;
    const Answer a = c.post(ht, "/api/locks/exception/add", bad);
    INFO(field << " = " << value.dump() << " → " << a.body.dump());
    CHECK(a.status == 400);
    CHECK_FALSE(a.body["error"].get<std::string>().empty());
  }
  {
    const Answer wide = c.post(ht, "/api/locks/exception/add", {{"until", "2099-12-31"}, {"reason", "mọi thứ"}});
    CHECK(wide.status == 400);
    CHECK_THAT(wide.body["error"].get<std::string>(), Catch::Contains("phải hẹp"));
  }
  nothing_changed(after_logins);

  // The administrator, on the principal's decision (as `exception` and `grace` allow).
  CHECK(c.post(other, "/api/locks/grace", {{"hours", 48}}).status == 200);
  CHECK(c.post(other, "/api/locks/exception/remove", {{"id", id}}).status == 200);
  std::string actor;
  last_audit(c, "exception_removed", &actor);
  CHECK(actor == "quantri");
  CHECK(grace_setting(c) == "48");

  // An expired session: 401, nothing changes.
  c.clock.advance(31 * 60);
  const auto before = audit_total(c);
  CHECK(c.post(ht, "/api/locks/grace", {{"hours", 5}}).status == 401);
  CHECK(c.post(ht, "/api/locks/exception/add", kException).status == 401);
  CHECK(grace_setting(c) == "48");
  CHECK(exceptions_total(c) == exceptions);
  CHECK(audit_total(c) == before);
}

// Who may open or remove an exception is one rule for the CLI and the
// console (locks.cpp check_lock_authority): the principal, or an
// administrator on the principal's decision — DOMAIN.md, roles: "HT … set
// lock/unlock times and exceptions", "Admin … apply locks on HT's
// decision"; the seeds (001, 000 Điều 9.1.a, 004 Điều 12): the system
// administrators "thực hiện khóa/mở sổ theo yêu cầu của hiệu trưởng". A vice
// principal is refused by both with the same words; an administrator is
// accepted by both.
TEST_CASE("console and CLI: exceptions are the principal's (or the administrator's on the principal's decision), one rule",
          "[e2e][console]") {
  ConsoleSchool c;
  auto cli = [&](const std::string& user, const std::vector<std::string>& args) {
    std::vector<std::string> argv{SODIEM_SERVER_BIN, "exception"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--data", c.school.demo.dir, "--by", user, "--password-stdin"});
    return run_command(argv, c.school.demo.password_of(user) + "\n");
  };
  const std::vector<std::string> add = {"add",     "--user",  "gv.toan.1",  "--class",  "6A",
                                        "--column", "HK1.GK", "--until", "2099-12-31", "--reason", "Ốm, thi bù"};

  const auto pht = c.login("phohieutruong");
  const Answer console_refusal = c.post(pht, "/api/locks/exception/add", kException);
  CHECK(console_refusal.status == 403);
  const auto refused = cli("phohieutruong", add);
  CHECK(refused.exit_code == 3);
  const std::string words = console_refusal.body["error"];
  CHECK_THAT(words, Catch::Contains("Hiệu trưởng"));
  CHECK(refused.err == "sodiem-server: " + words + "\n");
  CHECK(exceptions_total(c) == 0);

  const auto admin = c.login("quantri");
  const Answer by_console = c.post(admin, "/api/locks/exception/add", kException);
  INFO(by_console.body.dump());
  CHECK(by_console.status == 200);
  const auto by_cli = cli("quantri", add);
  INFO(by_cli.err);
  CHECK(by_cli.exit_code == 0);
  CHECK(cli("hieutruong", {"remove", "1"}).exit_code == 0);
  CHECK(exceptions_total(c) == 2);
  CHECK(live_exceptions(c) == 1);
}
