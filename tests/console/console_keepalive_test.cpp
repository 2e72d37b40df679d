// The console over HTTP/1.1 keep-alive (wss_session.cpp): a browser's
// requests reuse one TLS connection instead of a handshake each; a
// connection left idle between requests is closed by the same timeout that
// bounds the first request (WssLimits::handshake_timeout); a request with
// "Connection: close" is answered and the connection closed.
#include "console_school.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::console;

TEST_CASE("console: two requests over one kept-alive connection, an idle one closed by the handshake timeout",
          "[e2e][console]") {
  // An edge whose handshake timeout is short (2 s).
  server::WssLimits wss;
  wss.handshake_timeout = std::chrono::seconds(2);
  ConsoleSchool c({std::chrono::minutes(30), std::chrono::hours(12)}, wss);
  const auto ht = c.login("hieutruong");
  const auto get = [&](const std::string& path, const std::string& extra = "") {
    return "GET " + path + " HTTP/1.1\r\nHost: " + c.host + "\r\nCookie: __Host-sodiem_console=" + ht.cookie + "\r\n" +
           extra + "\r\n";
  };

  WsProbe p(c.edge->url());
  REQUIRE(p.tls());
  const std::string first = p.http_response(get("/api/session"));
  INFO(first.substr(0, 300));
  REQUIRE(first.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(first.find("Connection: close") == std::string::npos);
  CHECK(first.find("\"hieutruong\"") != std::string::npos);
  // A second request, and a state-changing one, on the same connection.
  const std::string second = p.http_response(get("/api/progress?term=HK1"));
  INFO(second.substr(0, 300));
  REQUIRE(second.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(second.find("\"rows\"") != std::string::npos);
  const auto settings = c.audit_count("setting_changed");
  const std::string body = json{{"hours", 24}}.dump();
  const std::string third =
      p.http_response("POST /api/locks/grace HTTP/1.1\r\nHost: " + c.host + "\r\nCookie: __Host-sodiem_console=" +
                      ht.cookie + "\r\nX-CSRF-Token: " + ht.csrf + "\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body);
  INFO(third.substr(0, 300));
  CHECK(third.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(c.audit_count("setting_changed") == settings + 1);

  // Idle: closed by the timeout (2 s), not before it, with generous slack.
  const auto idle_from = std::chrono::steady_clock::now();
  CHECK(p.closed_within(std::chrono::seconds(10)));
  const auto idle = std::chrono::steady_clock::now() - idle_from;
  CHECK(idle >= std::chrono::milliseconds(1500));
  CHECK(idle < std::chrono::seconds(8));

  // "Connection: close": answered, then closed at once.
  WsProbe q(c.edge->url());
  REQUIRE(q.tls());
  const std::string closing = q.http_response(get("/api/session", "Connection: close\r\n"));
  REQUIRE(closing.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(closing.find("Connection: close") != std::string::npos);
  CHECK(q.closed_within(std::chrono::milliseconds(1000)));
}
