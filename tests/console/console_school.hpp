// The console tests' school (console_tests): the demo school
// (LoopbackSchool) with a real SyncService, run_wss_server and the Console
// in this process, a hand-written HTTPS client (WsProbe), a clock the test
// moves, and helpers to log in and call the console's API.
#pragma once
#include <catch2/catch.hpp>

#include <atomic>
#include <nlohmann/json.hpp>

#include "loopback_school.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/console/console.hpp"
#include "sodiem/server/records_print.hpp"
#include "ws_probe.hpp"

namespace sodiem::testing::console {

using json = nlohmann::json;

// The server's, the devices' and the console's clock: read by their threads,
// moved by the test.
class TestClock final : public Clock {
 public:
  explicit TestClock(std::int64_t t) : t_(t) {}
  std::int64_t now_unix_seconds() const override { return t_.load(); }
  void advance(std::int64_t s) { t_ += s; }

 private:
  std::atomic<std::int64_t> t_;
};

struct Answer {
  int status = 0;
  std::string head;
  std::string raw;  // the body as sent (a PDF)
  json body;        // the body as JSON (discarded when it is none)
  std::string header(const std::string& name) const {
    const auto at = head.find("\r\n" + name + ": ");
    if (at == std::string::npos) return {};
    const auto from = at + name.size() + 4;
    return head.substr(from, head.find("\r\n", from) - from);
  }
  std::string error_code() const { return body.is_object() && body.contains("code") ? body["code"].get<std::string>() : ""; }
};

struct ConsoleSchool {
  TestClock clock{SystemClock::instance().now_unix_seconds()};
  LoopbackSchool school{clock};
  server::console::ConsoleLimits limits{std::chrono::minutes(30), std::chrono::hours(12)};
  std::unique_ptr<server::console::Console> console;
  std::unique_ptr<EdgeServer> edge;
  std::string host;

  explicit ConsoleSchool(server::console::ConsoleLimits l = {std::chrono::minutes(30), std::chrono::hours(12)},
                         server::WssLimits wss = {})
      : limits(l) {
    open(wss);
  }
  // A school of a plain init (no demo), set up by the test (a primary school).
  ConsoleSchool(const LoopbackSchool::PlainInit& plain, std::int64_t now) : clock(now), school(plain, clock) { open(); }
  void open(server::WssLimits wss = {}) {
    // Printing with the functions of `sodiem-server print`, as init_run.cpp hands them in.
    const server::console::ConsolePrinters printers{server::print_gradebook, server::print_board,
                                                    server::print_transcript};
    console = std::make_unique<server::console::Console>(*school.service, school.db_path(), clock, limits, printers);
    edge = std::make_unique<EdgeServer>(*school.service, school.demo.dir, wss, console.get());
    host = edge->url().substr(std::string("wss://").size());
  }
  ~ConsoleSchool() {
    edge.reset();  // the listener first, then the console's thread
    console.reset();
  }

  Answer request(const std::string& method, const std::string& path, const std::string& cookie = "",
                 const std::string& csrf = "", const std::string& body = "", const std::string& extra = "",
                 const std::string& content_type = "application/json",
                 std::chrono::seconds wait = std::chrono::seconds(5)) {
    WsProbe p(edge->url());
    REQUIRE(p.tls());
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n";
    if (!cookie.empty()) req += "Cookie: __Host-sodiem_console=" + cookie + "\r\n";
    if (!csrf.empty()) req += "X-CSRF-Token: " + csrf + "\r\n";
    if (method == "POST") req += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    req += extra + "\r\n" + body;
    const std::string raw = p.http_raw(req, wait);
    Answer a;
    REQUIRE(raw.rfind("HTTP/1.1 ", 0) == 0);
    a.status = std::stoi(raw.substr(9, 3));
    const auto end = raw.find("\r\n\r\n");
    a.head = raw.substr(0, end);
    a.raw = raw.substr(end + 4);
    a.body = json::parse(a.raw, nullptr, false);
    return a;
  }

  // A signed-in user's cookie and CSRF token.
  struct Login {
    std::string cookie, csrf;
  };
  Answer try_login(const std::string& user, const std::string& password, const std::string& new_password = "") {
    json body = {{"username", user}, {"password", password}};
    if (!new_password.empty()) body["new_password"] = new_password;
    return request("POST", "/api/login", "", "", body.dump());
  }
  Login login(const std::string& user) {
    const Answer a = try_login(user, school.demo.password_of(user));
    INFO(a.body.dump());
    REQUIRE(a.status == 200);
    const std::string set = a.header("Set-Cookie");
    REQUIRE(set.rfind("__Host-sodiem_console=", 0) == 0);
    CHECK_THAT(set, Catch::Contains("Secure") && Catch::Contains("HttpOnly") && Catch::Contains("SameSite=Strict") &&
                        Catch::Contains("Path=/"));
    return {set.substr(22, 64), a.body["csrf"].get<std::string>()};
  }
  Answer get(const Login& l, const std::string& path) { return request("GET", path, l.cookie); }
  Answer post(const Login& l, const std::string& path, const json& body) {
    return request("POST", path, l.cookie, l.csrf, body.dump());
  }

  // gv.toan.1 asks to change a mark of 6A Toán; the request's id.
  std::int64_t file_correction() {
    auto& d = school.device("gv.toan.1");
    REQUIRE(d.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "7").is_ok());
    REQUIRE(d.request_correction({"6A", "Toán", "HS6A01", "HK1.TX1"}, "9", "nhập nhầm cột").is_ok());
    school.sync("gv.toan.1");
    const auto id = school.server_scalar("SELECT MAX(id) FROM corrections WHERE status = 'pending'");
    REQUIRE(id > 0);
    return id;
  }
  std::string correction_status(std::int64_t id) {
    auto db = school.server_db();
    auto s = db->prepare("SELECT status FROM corrections WHERE id = ?");
    s.bind(1, id);
    REQUIRE(s.step());
    return s.text(0);
  }
  std::int64_t audit_count(const std::string& kind) {
    auto db = school.server_db();
    auto s = db->prepare("SELECT COUNT(*) FROM audit_log WHERE kind = ?");
    s.bind(1, kind);
    s.step();
    return s.int64(0);
  }
};


}  // namespace sodiem::testing::console
