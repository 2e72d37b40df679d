// The console's login lockouts over real TLS (console_lockouts.cpp): after
// repeated wrong passwords an account and the remote address are locked
// out; the principal and the administrator see both and lift each one,
// audited in their name, after which the right password works at once;
// teachers and vice principals are refused, a lift without the CSRF token
// changes nothing.
#include "console_school.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::console;

namespace {

json lockout_of(ConsoleSchool& c, const ConsoleSchool::Login& l, const std::string& scope, const std::string& key) {
  const Answer list = c.get(l, "/api/lockouts");
  REQUIRE(list.status == 200);
  for (const auto& x : list.body["items"])
    if (x["scope"] == scope && x["key"] == key) return x;
  return nullptr;
}

}  // namespace

TEST_CASE("console: login lockouts of accounts and addresses listed and lifted by HT and ADMIN only, audited",
          "[e2e][console]") {
  ConsoleSchool c;
  const auto ht = c.login("hieutruong");
  const auto admin = c.login("quantri");
  const auto pht = c.login("phohieutruong");
  const auto teacher = c.login("gv.toan.1");
  const std::string address = "127.0.0.1";
  CHECK(c.get(ht, "/api/lockouts").body["items"].empty());

  // Wrong passwords: vanthu's account, then this address (other, unknown names).
  for (int i = 0; i < tuning::kLoginFailuresPerAccount; ++i) c.try_login("vanthu", "sai-mat-khau");
  for (int i = tuning::kLoginFailuresPerAccount; i < tuning::kLoginFailuresPerAddress; ++i)
    c.try_login("khong-co-" + std::to_string(i), "sai-mat-khau");
  CHECK(c.try_login("gv.van.1", c.school.demo.password_of("gv.van.1")).status == 429);  // the address is locked

  const json account = lockout_of(c, ht, "account", "vanthu");
  const json where = lockout_of(c, admin, "address", address);
  REQUIRE(account.is_object());
  REQUIRE(where.is_object());
  CHECK(account["lockouts"] == 1);
  CHECK_FALSE(where["until"].get<std::string>().empty());

  // Refused: a teacher, a vice principal, a POST without the CSRF token; nothing changes.
  const auto audits = c.audit_count("login_unlocked");
  CHECK(c.get(teacher, "/api/lockouts").status == 403);
  CHECK(c.get(pht, "/api/lockouts").status == 403);
  CHECK(c.post(teacher, "/api/lockouts/lift", {{"scope", "address"}, {"key", address}}).status == 403);
  CHECK(c.post(pht, "/api/lockouts/lift", {{"scope", "account"}, {"key", "vanthu"}}).status == 403);
  const Answer no_csrf = c.request("POST", "/api/lockouts/lift", ht.cookie, "", json{{"scope", "address"}, {"key", address}}.dump());
  CHECK(no_csrf.status == 403);
  CHECK(no_csrf.error_code() == "CSRF");
  CHECK(c.post(ht, "/api/lockouts/lift", {{"scope", "device"}, {"key", address}}).status == 400);
  CHECK(c.post(ht, "/api/lockouts/lift", {{"scope", "address"}, {"key", "10.0.0.9"}}).status == 400);  // not locked
  CHECK(c.audit_count("login_unlocked") == audits);
  CHECK(c.try_login("gv.van.1", c.school.demo.password_of("gv.van.1")).status == 429);
  CHECK(lockout_of(c, ht, "address", address).is_object());

  // The principal lifts the address: others log in again, vanthu is still locked.
  const Answer lifted = c.post(ht, "/api/lockouts/lift", {{"scope", "address"}, {"key", address}});
  INFO(lifted.body.dump());
  REQUIRE(lifted.status == 200);
  CHECK(c.audit_count("login_unlocked") == audits + 1);
  {
    auto db = c.school.server_db();
    auto s = db->prepare("SELECT actor, detail FROM audit_log WHERE kind = 'login_unlocked' ORDER BY seq DESC LIMIT 1");
    REQUIRE(s.step());
    CHECK(s.text(0) == "hieutruong");
    CHECK(json::parse(s.text(1))["address"] == address);
  }
  CHECK(c.try_login("gv.van.1", c.school.demo.password_of("gv.van.1")).status == 200);
  CHECK(c.try_login("vanthu", c.school.demo.password_of("vanthu")).status == 429);
  CHECK(lockout_of(c, ht, "address", address).is_null());
  CHECK(c.post(ht, "/api/lockouts/lift", {{"scope", "address"}, {"key", address}}).status == 400);  // nothing held

  // The administrator lifts the account: its right password works at once.
  REQUIRE(c.post(admin, "/api/lockouts/lift", {{"scope", "account"}, {"key", "vanthu"}}).status == 200);
  CHECK(c.audit_count("login_unlocked") == audits + 2);
  CHECK(c.try_login("vanthu", c.school.demo.password_of("vanthu")).status == 200);
  CHECK(c.get(admin, "/api/lockouts").body["items"].empty());
}
