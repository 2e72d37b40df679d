// A multi-school process within its database connections (run_wss_schools):
// schools open only within --max-db-connections (one in use is never closed
// for another, an unused one is), and a PostgreSQL cluster short of free
// connections: one unused school closed and the opening tried once more,
// then the back-off (openings refused at once) until it ends, a close made
// the room, or a school closes meanwhile. The opener is the test's, so both
// stores run it. Run by CTest (sync_tests, both stores).
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "many_schools.hpp"
#include "sodiem/core/tuning.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::many_schools;

TEST_CASE("schools holding database connections open only within max_db_connections: one in use is not closed, the "
          "other school is refused in Vietnamese, and opens once the first is unused (closed to make room)",
          "[e2e]") {
  TempDir tmp;
  auto [a, b] = two_schools(tmp);
  server::WssLimits limits;
  // One open school and an opening one fit (3 + 3 + 1 for its checks > 6 does not).
  limits.max_db_connections = 2 * tuning::kDbConnectionsPerOpenSchool;
  MultiServer server({{a.demo.dir, kHostA}, {b.demo.dir, kHostB}}, limits, tuning::kDbConnectionsPerOpenSchool);
  {
    WsProbe held(server.address());  // a handshake without a request: A in use until its deadline
    REQUIRE(held.tls("", kHostA));
    REQUIRE(wait_for([&] { return server.opens[0] == 1; }));
    const std::string refused = console_request(server, kHostB, "GET", "/");
    CHECK_THAT(refused, Catch::StartsWith("HTTP/1.1 503") && Catch::Contains("kết nối tới cơ sở dữ liệu") &&
                            Catch::Contains("thử lại sau ít phút"));
    CHECK(server.opens[1] == 0);
    CHECK(server.closes[0] == 0);
  }
  // A unused now: it closes to make room for B.
  CHECK(wait_for([&] { return console_request(server, kHostB, "GET", "/").starts_with("HTTP/1.1 200"); }));
  CHECK(server.closes[0] == 1);
  CHECK(server.opens[1] == 1);
}

TEST_CASE("the PostgreSQL cluster short of free connections: one unused school is closed and the opening tried "
          "once more, then openings are refused at once for the back-off, until it ends or a school closes meanwhile",
          "[e2e]") {
  TempDir tmp;
  // Four copies of the demo school, each counted as holding PostgreSQL
  // connections; while `short_of_connections`, every opening is refused as
  // open_school refuses when the cluster has too few free connections.
  const std::vector<std::string> hosts = {"truong-a.test", "truong-b.test", "truong-c.test", "truong-d.test"};
  std::vector<std::pair<std::string, std::string>> dir_host;
  for (const char* name : {"a", "b", "c", "d"})
    dir_host.emplace_back(make_school(tmp / name, false).demo.dir, hosts[dir_host.size()]);
  std::atomic<bool> short_of_connections{false};
  std::atomic<int> attempts{0};
  std::atomic<int> refuse_next{0};  // the next openings refused so (one opener thread)
  const auto open = [&](const std::string& dir) -> Result<server::ServedSchool> {
    if (short_of_connections || refuse_next > 0) {
      if (refuse_next > 0) --refuse_next;
      ++attempts;
      return Status(ErrorCode::kUnavailable, "the cluster has 2 free connections, fewer than 10 kept free");
    }
    return server::open_school(dir);
  };
  // The console's page of the school named `host`: one answer read (a 503
  // comes before the request is read: not waiting for the server's close).
  const auto get = [](const MultiServer& server, const std::string& host) {
    WsProbe p(server.address());
    REQUIRE(p.tls("", host));
    return p.http_response("GET / HTTP/1.1\r\nHost: " + host + ":" + server.port + "\r\nConnection: close\r\n\r\n");
  };
  server::WssLimits limits;
  limits.max_db_connections = 1000;  // the process's own cap far: only the cluster is short

  // A and B opened, then unused (A the longer); C asked for while the cluster is short.
  const auto open_two_then_short = [&](MultiServer& server) {
    REQUIRE_THAT(get(server, hosts[0]), Catch::StartsWith("HTTP/1.1 200"));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE_THAT(get(server, hosts[1]), Catch::StartsWith("HTTP/1.1 200"));
    short_of_connections = true;
    const std::string refused = get(server, hosts[2]);
    CHECK_THAT(refused, Catch::StartsWith("HTTP/1.1 503") && Catch::Contains("kết nối tới cơ sở dữ liệu") &&
                            Catch::Contains("thử lại sau ít phút"));
    // One unused school (A, the longer unused) closed for it, C tried once more; B still open.
    CHECK(attempts == 2);
    CHECK(server.closes[0] == 1);
    CHECK(server.closes[1] == 0);
    // A burst of devices of closed schools: each refused at once, in the
    // same words, no opening tried, no more schools closed.
    for (const std::size_t i : {3, 2, 0, 3}) {
      const std::string again = get(server, hosts[i]);
      CHECK_THAT(again, Catch::StartsWith("HTTP/1.1 503") && Catch::Contains("kết nối tới cơ sở dữ liệu") &&
                            Catch::Contains("thử lại sau ít phút"));
    }
    CHECK(attempts == 2);
    CHECK(server.closes[1] == 0);
    CHECK_THAT(get(server, hosts[1]), Catch::StartsWith("HTTP/1.1 200"));  // B serves on
  };

  SECTION("a close that made the room ends the back-off: the shortage was this process's own schools") {
    limits.db_busy_backoff = std::chrono::minutes(10);
    MultiServer server(dir_host, limits, tuning::kDbConnectionsPerOpenSchool, open);
    REQUIRE_THAT(get(server, hosts[0]), Catch::StartsWith("HTTP/1.1 200"));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE_THAT(get(server, hosts[1]), Catch::StartsWith("HTTP/1.1 200"));
    refuse_next = 1;  // C's first opening refused; A closes for it and its second opens
    CHECK_THAT(get(server, hosts[2]), Catch::StartsWith("HTTP/1.1 200"));
    CHECK(server.closes[0] == 1);
    refuse_next = 1;  // D the same: not held back, B (now the longer unused) closes for it
    CHECK_THAT(get(server, hosts[3]), Catch::StartsWith("HTTP/1.1 200"));
    CHECK(server.closes[1] == 1);
    CHECK(server.closes[2] == 0);
  }
  SECTION("the back-off ends") {
    limits.db_busy_backoff = std::chrono::milliseconds(3000);
    MultiServer server(dir_host, limits, tuning::kDbConnectionsPerOpenSchool, open);
    open_two_then_short(server);
    short_of_connections = false;  // the cluster has room again: still held back until the back-off ends
    CHECK_THAT(get(server, hosts[3]), Catch::StartsWith("HTTP/1.1 503"));
    CHECK(server.opens[3] == 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(3100));
    CHECK_THAT(get(server, hosts[3]), Catch::StartsWith("HTTP/1.1 200"));
    CHECK(server.opens[3] == 1);
    CHECK(server.closes[1] == 0);
  }
  SECTION("a school closes meanwhile") {
    limits.db_busy_backoff = std::chrono::minutes(10);
    limits.school_idle_close = std::chrono::milliseconds(5000);  // B, unused, closes on its own
    MultiServer server(dir_host, limits, tuning::kDbConnectionsPerOpenSchool, open);
    open_two_then_short(server);
    short_of_connections = false;
    REQUIRE(wait_for([&] { return server.closes[1] == 1; }));
    CHECK_THAT(get(server, hosts[3]), Catch::StartsWith("HTTP/1.1 200"));
    CHECK(server.opens[3] == 1);
  }
}
