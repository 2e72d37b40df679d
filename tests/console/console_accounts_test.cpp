// The console's Tài khoản page over real TLS (console_accounts.cpp): an
// account made through the staff import's checks and audit with an issued
// password changed at first login; a password reset, an account disabled
// and enabled, a login lockout lifted, a lost device revoked, each audited
// as its CLI twin; teachers, vice principals and clerks refused, a missing
// CSRF token and bad input change nothing.
#include "console_school.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::console;

namespace {

std::int64_t audit_total(ConsoleSchool& c) { return c.school.server_scalar("SELECT COUNT(*) FROM audit_log"); }
std::int64_t users_total(ConsoleSchool& c) { return c.school.server_scalar("SELECT COUNT(*) FROM users"); }

json last_audit(ConsoleSchool& c, const std::string& kind, std::string* actor = nullptr) {
  auto db = c.school.server_db();
  auto s = db->prepare("SELECT actor, detail FROM audit_log WHERE kind = ? ORDER BY seq DESC LIMIT 1");
  s.bind(1, kind);
  REQUIRE(s.step());
  if (actor) *actor = s.text(0);
  return json::parse(s.text(1));
}

json account_of(ConsoleSchool& c, const ConsoleSchool::Login& l, const std::string& username) {
  const Answer list = c.get(l, "/api/accounts");
  REQUIRE(list.status == 200);
  for (const auto& a : list.body["items"])
    if (a["username"] == username) return a;
  FAIL("no account " << username);
  return {};
}

}  // namespace

TEST_CASE("console: an administrator makes an account — the staff import's checks and audit, a password shown once",
          "[e2e][console]") {
  ConsoleSchool c;
  const auto admin = c.login("quantri");
  const json good = {{"username", "gv.ly.9"},
                     {"full_name", "Đo\u0302\u0303 Văn Lý"},  // typed decomposed (NFD): stored composed
                     {"roles", {"GVBM"}},
                     {"department", "Khoa học tự nhiên"},
                     {"teaches", "6A:Toán"}};

  // Refused, nothing stored: each bad field named in Vietnamese.
  const auto users = users_total(c), audits = audit_total(c);
  for (auto [field, value] : {std::pair<const char*, json>{"username", "gv ly"},
                              {"username", std::string(65, 'a')},
                              {"full_name", "Lý\u202E"},
                              {"full_name", std::string(101, 'a')},
                              {"roles", json::array()},
                              {"roles", {"BOSS"}},
                              {"homeroom", "6A"},  // a homeroom without the GVCN role
                              {"teaches", "6A:Thiên văn"}}) {
    json bad = good;
    bad[field] = value;
    const Answer a = c.post(admin, "/api/accounts/create", bad);
    INFO(field << " = " << value.dump() << " → " << a.body.dump());
    CHECK(a.status == 400);
    CHECK_FALSE(a.body["error"].get<std::string>().empty());
  }
  CHECK(users_total(c) == users);
  CHECK(audit_total(c) == audits);

  const Answer made = c.post(admin, "/api/accounts/create", good);
  INFO(made.body.dump());
  REQUIRE(made.status == 200);
  const std::string password = made.body["password"];
  CHECK(password.size() >= 8);
  std::string actor;
  const json detail = last_audit(c, "account_change", &actor);  // what `sodiem-server import staff` writes
  CHECK(actor == "quantri");
  CHECK(detail["username"] == "gv.ly.9");
  CHECK(detail["assignments"] == 1);
  const json listed = account_of(c, admin, "gv.ly.9");
  CHECK(listed["full_name"] == "Đỗ Văn Lý");
  CHECK(listed["department"] == "Khoa học tự nhiên");
  CHECK(listed["must_change_password"] == true);
  // The list never shows a password again.
  CHECK(c.get(admin, "/api/accounts").body.dump().find(password) == std::string::npos);
  // Made once: a second time is refused.
  CHECK(c.post(admin, "/api/accounts/create", good).status == 409);
  // The new teacher must replace the issued password at first login.
  CHECK(c.try_login("gv.ly.9", password).error_code() == "PASSWORD_CHANGE_REQUIRED");
  CHECK(c.try_login("gv.ly.9", password, "mat-khau-moi-123").status == 200);
}

TEST_CASE("console: reset, disable and enable, unlock, revoke — the functions and audit entries of the CLI",
          "[e2e][console]") {
  ConsoleSchool c;
  c.school.sync("gv.toan.1");  // an enrolled device
  const auto ht = c.login("hieutruong");  // the principal manages accounts too
  const auto teacher = c.login("gv.toan.2");

  // Reset: a new issued password, the old one no longer works.
  const std::string old_password = c.school.demo.password_of("gv.toan.2");
  const Answer reset = c.post(ht, "/api/accounts/action", {{"action", "reset-password"}, {"username", "gv.toan.2"}});
  REQUIRE(reset.status == 200);
  std::string actor;
  CHECK(last_audit(c, "password_reset", &actor)["username"] == "gv.toan.2");
  CHECK(actor == "hieutruong");
  CHECK(c.try_login("gv.toan.2", old_password).status == 401);
  CHECK(c.try_login("gv.toan.2", reset.body["password"].get<std::string>()).error_code() == "PASSWORD_CHANGE_REQUIRED");

  // Disable needs a reason; then the teacher's console session ends.
  CHECK(c.post(ht, "/api/accounts/action", {{"action", "disable"}, {"username", "gv.toan.2"}}).status == 400);
  CHECK(account_of(c, ht, "gv.toan.2")["disabled"] == false);
  REQUIRE(c.post(ht, "/api/accounts/action", {{"action", "disable"}, {"username", "gv.toan.2"}, {"reason", "Nghỉ việc"}})
              .status == 200);
  CHECK(last_audit(c, "account_disabled")["reason"] == "Nghỉ việc");
  CHECK(account_of(c, ht, "gv.toan.2")["disabled"] == true);
  CHECK(c.get(teacher, "/api/session").status == 401);
  CHECK(c.post(ht, "/api/accounts/action", {{"action", "disable"}, {"username", "hieutruong"}, {"reason", "x"}}).status ==
        400);  // never oneself
  REQUIRE(c.post(ht, "/api/accounts/action", {{"action", "enable"}, {"username", "gv.toan.2"}}).status == 200);
  CHECK(last_audit(c, "account_enabled")["username"] == "gv.toan.2");

  // A lockout after wrong passwords, lifted: the right password works again at once.
  for (int i = 0; i < tuning::kLoginFailuresPerAccount; ++i) c.try_login("vanthu", "sai-mat-khau");
  CHECK(c.try_login("vanthu", c.school.demo.password_of("vanthu")).status == 429);
  CHECK_FALSE(account_of(c, ht, "vanthu")["locked_until"].get<std::string>().empty());
  REQUIRE(c.post(ht, "/api/accounts/action", {{"action", "unlock"}, {"username", "vanthu"}}).status == 200);
  CHECK(last_audit(c, "login_unlocked", &actor)["username"] == "vanthu");
  CHECK(actor == "hieutruong");
  CHECK(account_of(c, ht, "vanthu")["locked_until"] == "");
  CHECK(c.try_login("vanthu", c.school.demo.password_of("vanthu")).status == 200);
  CHECK(c.post(ht, "/api/accounts/action", {{"action", "unlock"}, {"username", "vanthu"}}).status == 400);  // nothing held

  // A lost device: revoked with a reason; it can no longer sync.
  std::string device;
  const Answer listed = c.get(ht, "/api/accounts");
  for (const auto& d : listed.body["devices"])
    if (d["username"] == "gv.toan.1") device = d["device_id"];
  REQUIRE_FALSE(device.empty());
  CHECK(c.post(ht, "/api/devices/revoke", {{"device_id", device}}).status == 400);
  REQUIRE(c.post(ht, "/api/devices/revoke", {{"device_id", device}, {"reason", "Mất máy"}}).status == 200);
  CHECK(last_audit(c, "device_revoked")["reason"] == "Mất máy");
  CHECK_FALSE(c.school.try_sync("gv.toan.1"));
  CHECK(c.post(ht, "/api/devices/revoke", {{"device_id", device}, {"reason", "Mất máy"}}).status == 400);  // already
  CHECK(c.post(ht, "/api/accounts/action", {{"action", "promote"}, {"username", "vanthu"}}).status == 400);
}

TEST_CASE("console: accounts are for ADMIN and HT only — a missing CSRF token changes nothing", "[e2e][console]") {
  ConsoleSchool c;
  c.school.sync("gv.toan.1");
  const auto users = users_total(c), audits0 = audit_total(c);
  const json create = {{"username", "gv.moi"}, {"full_name", "Giáo viên mới"}, {"roles", {"GVBM"}}};
  for (const char* user : {"gv.toan.2", "gv.toan.1", "phohieutruong", "vanthu"}) {
    INFO(user);
    const auto l = c.login(user);
    const auto audits = audit_total(c);
    CHECK(c.get(l, "/api/accounts").status == 403);
    CHECK(c.post(l, "/api/accounts/create", create).status == 403);
    CHECK(c.post(l, "/api/accounts/action", {{"action", "reset-password"}, {"username", "gv.toan.2"}}).status == 403);
    CHECK(c.post(l, "/api/accounts/action", {{"action", "disable"}, {"username", "gv.toan.2"}, {"reason", "x"}}).status == 403);
    CHECK(c.post(l, "/api/devices/revoke", {{"device_id", "x"}, {"reason", "x"}}).status == 403);
    const auto pages = c.get(l, "/api/session").body["pages"];
    CHECK(std::find(pages.begin(), pages.end(), "accounts") == pages.end());
    CHECK(audit_total(c) == audits);
  }
  const auto admin = c.login("quantri");
  const auto audits = audit_total(c);
  CHECK(c.request("POST", "/api/accounts/create", admin.cookie, "", create.dump()).error_code() == "CSRF");
  CHECK(c.request("POST", "/api/accounts/action", admin.cookie, "",
                  json{{"action", "reset-password"}, {"username", "gv.toan.2"}}.dump())
            .error_code() == "CSRF");
  CHECK(c.request("POST", "/api/accounts/create", "", "", create.dump()).status == 401);
  CHECK(users_total(c) == users);
  CHECK(audit_total(c) == audits);
  CHECK(audits > audits0);  // only the logins were written
  CHECK(c.school.server_scalar("SELECT must_change_password FROM users WHERE username = 'gv.toan.2'") == 0);
}
