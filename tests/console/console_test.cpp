// The school's web console over real TLS on the server's sync port: the
// demo school (LoopbackSchool) with a real SyncService, run_wss_server and
// the Console in this process, and a hand-written HTTPS client (WsProbe).
// Login and lockout, the first-login password change, session expiry and
// logout, CSRF, the role matrix, and a correction approved with its audit.
#include "audited_write.hpp"
#include "console_school.hpp"
#include "sodiem/core/crypto.hpp"
#include "sodiem/server/curriculum.hpp"
#include "sodiem/server/school_setup.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::console;

TEST_CASE("console: the principal logs in over TLS and sees Tiến độ — a wrong password is refused and audited",
          "[e2e][console]") {
  ConsoleSchool c;
  const Answer page = c.request("GET", "/");
  CHECK(page.status == 200);
  CHECK_THAT(page.header("Content-Security-Policy"), Catch::Contains("script-src 'self'") &&
                                                         Catch::Contains("frame-ancestors 'none'") &&
                                                         !Catch::Contains("unsafe-inline"));
  CHECK(page.header("X-Content-Type-Options") == "nosniff");
  CHECK(page.header("Access-Control-Allow-Origin").empty());

  CHECK(c.request("GET", "/api/progress").status == 401);  // no session
  const auto ht = c.login("hieutruong");
  const Answer session = c.get(ht, "/api/session");
  REQUIRE(session.status == 200);
  CHECK(session.body["username"] == "hieutruong");
  CHECK(session.body["csrf"] == ht.csrf);
  CHECK(session.header("Cache-Control") == "no-store");
  const Answer progress = c.get(ht, "/api/progress?term=HK1");
  REQUIRE(progress.status == 200);
  REQUIRE(progress.body["rows"].size() > 0);
  CHECK(progress.body["rows"][0]["required"].get<int>() > 0);
  CHECK(c.audit_count("console_login") == 1);

  const Answer wrong = c.try_login("hieutruong", "not-the-password");
  CHECK(wrong.status == 401);
  CHECK(wrong.header("Set-Cookie").empty());
  CHECK(c.audit_count("actor_login_failed") == 1);
  CHECK(c.try_login("khong.co.ai", "x").status == 401);  // an unknown name: the same answer
}

TEST_CASE("console: repeated wrong passwords lock the account out, the right one included, in the shared store",
          "[e2e][console][fault]") {
  ConsoleSchool c;
  for (int i = 0; i < tuning::kLoginFailuresPerAccount; ++i) CHECK(c.try_login("hieutruong", "sai-mat-khau").status == 401);
  const Answer locked = c.try_login("hieutruong", c.school.demo.password_of("hieutruong"));
  CHECK(locked.status == 429);
  CHECK(locked.error_code() == "RATE_LIMITED");
  CHECK(c.audit_count("login_locked") == 1);
  // The lockout is the one the CLI and sync honour (login_lockouts, shared by every process).
  CHECK(c.school.server_scalar("SELECT locked_until FROM login_lockouts WHERE username = 'hieutruong'") >
        c.clock.now_unix_seconds());
  // Sync logins of the same account are refused too (one limiter).
  client::LocalStore store(c.school.tmp / "late-device", c.clock);
  LoopbackTransport t(*c.school.service);
  CHECK(client::enroll(store, t, {"wss://loopback", c.school.demo.fingerprint}, "hieutruong",
                       c.school.demo.password_of("hieutruong"), "late")
            .code() == ErrorCode::kRateLimited);
}

TEST_CASE("console: an issued password must be changed at first login before any session exists", "[e2e][console]") {
  ConsoleSchool c;
  {
    auto db = c.school.server_db();
    server::Accounts accounts(*db, c.clock);
    audited_write(*db, [&] { REQUIRE(accounts.create_user("pht.moi", "Lê Văn Mới", "cap-lan-dau-123", {"PHT"}).is_ok()); });
  }
  const Answer first = c.try_login("pht.moi", "cap-lan-dau-123");
  CHECK(first.status == 403);
  CHECK(first.error_code() == "PASSWORD_CHANGE_REQUIRED");
  CHECK(first.header("Set-Cookie").empty());
  CHECK(c.school.server_scalar("SELECT COUNT(*) FROM console_sessions") == 0);
  CHECK(c.try_login("pht.moi", "cap-lan-dau-123", "ngan").status == 400);  // too short: nothing changes
  const Answer changed = c.try_login("pht.moi", "cap-lan-dau-123", "mat-khau-rieng-456");
  INFO(changed.body.dump());
  CHECK(changed.status == 200);
  CHECK(c.audit_count("password_changed") == 1);
  CHECK(c.try_login("pht.moi", "cap-lan-dau-123").status == 401);
  CHECK(c.try_login("pht.moi", "mat-khau-rieng-456").status == 200);
}

TEST_CASE("console: a session ends when idle too long, when too old, and at logout", "[e2e][console]") {
  ConsoleSchool c({std::chrono::minutes(10), std::chrono::minutes(60)});
  SECTION("idle") {
    const auto ht = c.login("hieutruong");
    c.clock.advance(9 * 60);
    CHECK(c.get(ht, "/api/session").status == 200);  // a request keeps it alive
    c.clock.advance(9 * 60);
    CHECK(c.get(ht, "/api/session").status == 200);
    c.clock.advance(10 * 60 + 1);
    const Answer gone = c.get(ht, "/api/session");
    CHECK(gone.status == 401);
    CHECK_THAT(gone.header("Set-Cookie"), Catch::Contains("Max-Age=0"));
    c.clock.advance(-30 * 60);  // time going back does not revive it
    CHECK(c.get(ht, "/api/session").status == 401);
  }
  SECTION("absolute") {
    const auto ht = c.login("hieutruong");
    for (int i = 0; i < 6; ++i) {
      c.clock.advance(9 * 60);
      CHECK(c.get(ht, "/api/session").status == 200);
    }
    c.clock.advance(9 * 60);  // 63 minutes after the login, though used 9 minutes ago
    CHECK(c.get(ht, "/api/session").status == 401);
  }
  SECTION("logout") {
    const auto ht = c.login("hieutruong");
    const auto other = c.login("hieutruong");  // another browser of the same person
    CHECK(c.request("POST", "/api/logout", ht.cookie, "", "{}").status == 403);  // no CSRF: still signed in
    CHECK(c.get(ht, "/api/session").status == 200);
    const Answer out = c.post(ht, "/api/logout", json::object());
    CHECK(out.status == 200);
    CHECK_THAT(out.header("Set-Cookie"), Catch::Contains("Max-Age=0"));
    CHECK(c.get(ht, "/api/session").status == 401);
    CHECK(c.get(other, "/api/session").status == 200);
    CHECK(c.audit_count("console_logout") == 1);
  }
}

TEST_CASE("console: a state change without the CSRF token, or with another session's, changes nothing",
          "[e2e][console]") {
  ConsoleSchool c;
  const auto id = c.file_correction();
  const auto ht = c.login("hieutruong");
  const auto pht = c.login("phohieutruong");
  const json approve = {{"id", id}, {"decision", "approve"}, {"comment", "đồng ý"}};
  const auto before = c.school.server_scalar("SELECT COUNT(*) FROM audit_log");
  CHECK(c.request("POST", "/api/corrections/decide", ht.cookie, "", approve.dump()).error_code() == "CSRF");
  CHECK(c.request("POST", "/api/corrections/decide", ht.cookie, pht.csrf, approve.dump()).status == 403);
  CHECK(c.request("POST", "/api/corrections/decide", ht.cookie, std::string(64, '0'), approve.dump()).status == 403);
  // A form posted from another site: wrong origin, and not JSON.
  CHECK(c.request("POST", "/api/corrections/decide", ht.cookie, ht.csrf, approve.dump(), "Origin: https://evil.example\r\n")
            .status == 403);
  CHECK(c.request("POST", "/api/corrections/decide", ht.cookie, ht.csrf, "id=1&decision=approve", "",
                  "application/x-www-form-urlencoded")
            .status == 415);
  CHECK(c.correction_status(id) == "pending");
  CHECK(c.school.server_scalar("SELECT COUNT(*) FROM audit_log") == before);
}

TEST_CASE("console: roles on every request: a teacher reaches neither Tiến độ nor the queue, a department head sees their subjects",
          "[e2e][console]") {
  ConsoleSchool c;
  const auto id = c.file_correction();
  const auto gv = c.login("gv.toan.2");  // a subject and homeroom teacher, no leadership role
  const Answer session = c.get(gv, "/api/session");
  REQUIRE(session.status == 200);
  CHECK(session.body["pages"].empty());
  CHECK(c.get(gv, "/api/progress?term=HK1").status == 403);
  CHECK(c.get(gv, "/api/gradebook?class=6A&subject=To%C3%A1n&term=HK1").status == 403);
  CHECK(c.get(gv, "/api/corrections").status == 403);
  CHECK(c.get(gv, "/api/history?class=6A&subject=To%C3%A1n&student=HS6A01&column=HK1.TX1").status == 403);
  CHECK(c.get(gv, "/api/locks").status == 403);
  const Answer decide = c.post(gv, "/api/corrections/decide", {{"id", id}, {"decision", "approve"}, {"comment", ""}});
  CHECK(decide.status == 403);
  CHECK(c.post(gv, "/api/locks/add", {{"term", "HK1"}, {"kind", "frozen"}, {"reason", "thử"}}).status == 403);
  CHECK(c.correction_status(id) == "pending");
  CHECK(c.audit_count("correction_approved") == 0);
  CHECK(c.school.server_scalar("SELECT COUNT(*) FROM locks") == 0);
  // A department head sees what sync lets them read (their department's
  // subjects, all subjects of their homeroom class), and no queue.
  const auto ttcm = c.login("gv.toan.1");
  const Answer progress = c.get(ttcm, "/api/progress?term=HK1");
  REQUIRE(progress.status == 200);
  REQUIRE_FALSE(progress.body["rows"].empty());
  const auto all_rows = c.get(c.login("hieutruong"), "/api/progress?term=HK1").body["rows"].size();
  CHECK(progress.body["rows"].size() < all_rows);
  std::string homeroom;
  {
    auto db = c.school.server_db();
    auto s = db->prepare("SELECT c.name FROM homerooms h JOIN classes c ON c.id = h.class_id JOIN users u ON u.id = "
                         "h.user_id WHERE u.username = 'gv.toan.1'");
    if (s.step()) homeroom = s.text(0);
  }
  auto department = [&](const std::string& subject) {
    auto db = c.school.server_db();
    auto s = db->prepare("SELECT department FROM subjects WHERE name = ?");
    s.bind(1, subject);
    return s.step() ? s.text(0) : std::string();
  };
  for (const auto& row : progress.body["rows"])
    CHECK((row["class"] == homeroom || department(row["subject"]) == department("Toán")));
  const std::string other_class = homeroom == "6A" ? "7A" : "6A";
  CHECK(c.get(ttcm, "/api/gradebook?class=" + other_class + "&subject=To%C3%A1n&term=HK1").status == 200);
  CHECK(c.get(ttcm, "/api/gradebook?class=" + other_class + "&subject=Ng%E1%BB%AF+v%C4%83n&term=HK1").status == 403);
  CHECK(c.get(ttcm, "/api/corrections").status == 403);
  CHECK(c.post(ttcm, "/api/corrections/decide", {{"id", id}, {"decision", "approve"}, {"comment", ""}}).status == 403);
  // A vice principal sees the queue but decides only when delegated (the rule of the CLI).
  const auto pht = c.login("phohieutruong");
  const Answer queue = c.get(pht, "/api/corrections");
  REQUIRE(queue.status == 200);
  CHECK(queue.body["may_decide"] == false);
  CHECK(c.post(pht, "/api/corrections/decide", {{"id", id}, {"decision", "approve"}, {"comment", ""}}).status == 403);
  CHECK(c.correction_status(id) == "pending");
}

TEST_CASE("console: the principal approves a correction — the cell and the audit trail show it with the principal as actor",
          "[e2e][console]") {
  ConsoleSchool c;
  const auto id = c.file_correction();
  const auto ht = c.login("hieutruong");
  const Answer queue = c.get(ht, "/api/corrections");
  REQUIRE(queue.status == 200);
  REQUIRE(queue.body["items"].size() == 1);
  CHECK(queue.body["items"][0]["old"] == "7");
  CHECK(queue.body["items"][0]["new"] == "9");
  CHECK(queue.body["items"][0]["requested_by"] == "gv.toan.1");
  CHECK(queue.body["may_decide"] == true);
  const Answer book = c.get(ht, "/api/gradebook?class=6A&subject=To%C3%A1n&term=HK1");
  REQUIRE(book.status == 200);
  CHECK(book.body["students"][0]["values"]["HK1.TX1"] == "7");

  const Answer decided = c.post(ht, "/api/corrections/decide", {{"id", id}, {"decision", "approve"}, {"comment", "Đồng ý"}});
  INFO(decided.body.dump());
  REQUIRE(decided.status == 200);
  CHECK(c.correction_status(id) == "approved");
  {
    auto db = c.school.server_db();
    auto s = db->prepare("SELECT actor, detail FROM audit_log WHERE kind = 'correction_approved'");
    REQUIRE(s.step());
    CHECK(s.text(0) == "hieutruong");
    CHECK(json::parse(s.text(1))["id"] == id);
  }
  CHECK(c.get(ht, "/api/gradebook?class=6A&subject=To%C3%A1n&term=HK1").body["students"][0]["values"]["HK1.TX1"] == "9");
  // The cell's story shows the teacher's mark, then the approved correction.
  const Answer story = c.get(ht, "/api/history?class=6A&subject=To%C3%A1n&student=HS6A01&column=HK1.TX1");
  REQUIRE(story.status == 200);
  REQUIRE(story.body["events"].size() >= 2);
  CHECK(story.body["events"].front()["new"] == "7");
  CHECK(story.body["events"].back()["new"] == "9");
  // Decided once: a second decision is refused and changes nothing.
  CHECK(c.post(ht, "/api/corrections/decide", {{"id", id}, {"decision", "refuse"}, {"comment", "không"}}).status != 200);
  CHECK(c.correction_status(id) == "approved");
}

TEST_CASE("console: locks are set and removed with a reason through the same functions as the CLI", "[e2e][console]") {
  ConsoleSchool c;
  const auto ht = c.login("hieutruong");
  const Answer added = c.post(ht, "/api/locks/add", {{"term", "HK1"}, {"class", "6A"}, {"kind", "frozen"}, {"reason", "Chốt điểm"}});
  INFO(added.body.dump());
  REQUIRE(added.status == 200);
  const Answer list = c.get(ht, "/api/locks");
  REQUIRE(list.body["items"].size() == 1);
  CHECK(list.body["items"][0]["set_by"] == "hieutruong");
  CHECK(c.post(ht, "/api/locks/remove", {{"id", added.body["id"]}}).status == 400);  // a reason is required
  CHECK(c.post(ht, "/api/locks/remove", {{"id", added.body["id"]}, {"reason", "Mở lại để nhập bổ sung"}}).status == 200);
  CHECK(c.get(ht, "/api/locks").body["items"].empty());
  CHECK(c.audit_count("lock_set") == 1);
  CHECK(c.audit_count("lock_removed") == 1);
}

TEST_CASE("console: hostile requests are refused before any handler: deep JSON, bad text, bad escapes, big bodies",
          "[e2e][console][fault]") {
  ConsoleSchool c;
  const auto ht = c.login("hieutruong");
  CHECK(c.request("POST", "/api/login", "", "", std::string(100, '[') + std::string(100, ']')).status == 400);
  CHECK(c.post(ht, "/api/locks/add", {{"term", "HK1"}, {"kind", "frozen"}, {"reason", "a\u202Eb"}, {"class", "6\u202EA"}})
            .status == 400);
  CHECK(c.request("GET", "/api/gradebook?class=%E1%BB&subject=x", ht.cookie).status == 400);
  CHECK(c.request("GET", "//evil.example/").status == 400);
  CHECK(c.request("DELETE", "/api/session", ht.cookie).status == 405);
  // Over the body bound: the connection is closed without an answer.
  WsProbe p(c.edge->url());
  REQUIRE(p.tls());
  const std::string big(tuning::kConsoleMaxBodyBytes + 1, 'x');
  const std::string raw = p.http_raw("POST /api/login HTTP/1.1\r\nHost: " + c.host +
                                     "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(big.size()) +
                                     "\r\n\r\n" + big);
  CHECK(raw.rfind("HTTP/1.1 200", 0) != 0);
  CHECK(c.school.server_scalar("SELECT COUNT(*) FROM locks") == 0);
}

TEST_CASE("console: the grade book shows a subject as the class's grade has it (Công nghệ 8: three TX)",
          "[e2e][console][curriculum]") {
  ConsoleSchool c;
  {
    auto db = c.school.server_db();
    auto parsed = server::parse_curriculum(*server::shipped_curriculum("thcs"));
    REQUIRE(parsed.curriculum);
    REQUIRE(server::apply_curriculum(*db, *parsed.curriculum, std::nullopt, c.clock, "quantri").is_ok());
  }
  c.school.sync("gv.congnghe.2");  // the service notices the new roster
  const auto ht = c.login("hieutruong");
  const Answer book = c.get(ht, "/api/gradebook?class=8A&subject=C%C3%B4ng+ngh%E1%BB%87&term=HK1");
  REQUIRE(book.status == 200);
  INFO(book.body["columns"].dump());
  CHECK(book.body["columns"].dump().find("HK1.TX3") != std::string::npos);
  const Answer six = c.get(ht, "/api/gradebook?class=6A&subject=C%C3%B4ng+ngh%E1%BB%87&term=HK1");
  REQUIRE(six.status == 200);
  CHECK(six.body["columns"].dump().find("HK1.TX3") == std::string::npos);
}

TEST_CASE("console: a session written into the database file opens nothing — a real one names its audited login",
          "[e2e][console][fault]") {
  ConsoleSchool c;
  const auto ht = c.login("hieutruong");
  REQUIRE(c.get(ht, "/api/session").status == 200);
  // An insider with the file adds a session for the principal with a token
  // they know, as the software would (its hash), even pointing at the real
  // login entry of another session.
  const std::string token(64, 'a');
  {
    sqlite::Db raw(c.school.db_path());
    raw.prepare("INSERT INTO console_sessions(token_hash, user_id, address, created_at, last_used_at, login_seq) "
                "SELECT ?, id, '127.0.0.1', strftime('%s','now'), strftime('%s','now'), "
                "(SELECT MAX(seq) FROM audit_log WHERE kind = 'console_login') FROM users WHERE username = 'hieutruong'")
        .bind(1, crypto::sha256_hex(token))
        .run();
  }
  CHECK(c.request("GET", "/api/session", token).status == 401);
  CHECK(c.request("GET", "/api/progress?term=HK1", token).status == 401);
  // The real session still works, and its login entry names it.
  CHECK(c.get(ht, "/api/session").status == 200);
  CHECK(c.school.server_scalar("SELECT COUNT(*) FROM audit_log a JOIN console_sessions cs ON "
                               "json_extract(a.detail, '$.session') = cs.token_hash AND cs.login_seq = a.seq "
                               "WHERE a.kind = 'console_login'") == 1);
}
