// A multi-school process opening and closing its schools (run_wss_schools):
// a school opens at its first connection, closes when unused and reopens
// without losing an op; a broken school, one past --max-open-schools, or one
// that cannot be opened (SQLite pages damaged, PostgreSQL unreachable) is
// refused in Vietnamese while the others serve; the descriptor budget (what
// an open school holds, the limit shared out at start) and the client's
// words for a refused upgrade. Run by CTest (sync_tests; the [sqlite] cases
// on SQLite only, the others on both stores).
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "many_schools.hpp"
#include "sodiem/core/tuning.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/descriptor_budget.hpp"
#include "sodiem/server/store_config.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::many_schools;

TEST_CASE("a school opens at its first connection, closes when unused and reopens without losing an op, a broken "
          "school and one past the bound are refused while the others serve",
          "[e2e]") {
  TempDir tmp;
  auto [a, b] = two_schools(tmp);
  // A third folder whose database is not one: it opens never.
  const std::string broken = tmp / "broken";
  std::filesystem::create_directories(broken);
  std::filesystem::copy_file(server::DataPaths{b.demo.dir}.cert(), server::DataPaths{broken}.cert());
  std::filesystem::copy_file(server::DataPaths{b.demo.dir}.key(), server::DataPaths{broken}.key());
  std::ofstream(server::DataPaths{broken}.db()) << std::string(8192, 'x');

  SECTION("idle close and reopen") {
    server::WssLimits limits;
    limits.school_idle_close = std::chrono::milliseconds(300);
    MultiServer server({{a.demo.dir, kHostA}, {b.demo.dir, kHostB}, {broken, "hong.test"}}, limits);
    const auto ep_a = server.endpoint(kHostA, a.demo.fingerprint);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(server.opens[0] == 0);  // nothing opened before a connection
    CHECK(server.opens[1] == 0);

    client::LocalStore dev(tmp / "dev");
    REQUIRE(enroll(dev, ep_a, "gv.toan.1", a.demo.password_of("gv.toan.1")));
    const char* cols[] = {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4"};
    const char* marks[] = {"5", "6.5", "7", "8", "9.5", "10"};
    int recorded = 0;
    for (int round = 0; round < 3; ++round) {
      // Closed (its commits done) once unused for the idle bound; this sync reopens it.
      REQUIRE(wait_for([&] { return server.closes[0] == server.opens[0]; }));
      for (int i = 0; i < 60; ++i, ++recorded) {
        char student[16];
        std::snprintf(student, sizeof student, "HS6A%02d", i % 30 + 1);
        REQUIRE(dev.record({"6A", "Toán", student, cols[(i / 30 + round) % 4]}, marks[(i + round) % 6]).is_ok());
      }
      const int closed = server.closes[0];
      REQUIRE(sync(dev, ep_a));
      CHECK(dev.status().pending == 0);
      CHECK(server.opens[0] == closed + 1);
    }
    CHECK(server.closes[0] >= 3);
    CHECK(server.opens[1] == 0);  // B was never asked for
    CHECK(scalar(a.demo.dir, "SELECT COUNT(*) FROM (SELECT device_id, seq FROM changes WHERE device_id <> 0 "
                             "UNION SELECT device_id, seq FROM op_outcomes) AS applied") == recorded);
    client::LocalStore second(tmp / "second");
    REQUIRE(enroll(second, ep_a, "gv.toan.1", a.demo.password_of("gv.toan.1")));
    REQUIRE(sync(second, ep_a));
    for (const char* student : {"HS6A01", "HS6A17", "HS6A30"})
      for (const char* col : cols) CHECK(cell(second, student, col) == cell(dev, student, col));

    // The broken school is refused, in Vietnamese, and A still serves.
    WsProbe p(server.address());
    REQUIRE(p.tls("", "hong.test"));
    const std::string refused = p.http_get("/");
    CHECK_THAT(refused, Catch::StartsWith("HTTP/1.1 503") && Catch::Contains("chưa mở được dữ liệu của trường này"));
    // Whoever asked (a stranger too) is not told the school's folder, its
    // database's address or the database's own error: those are in the log.
    CHECK_THAT(refused, !Catch::Contains(broken) && !Catch::Contains("server.db") && !Catch::Contains("hỏng"));
    client::LocalStore to_broken(tmp / "to-broken");
    const Status said = enroll(to_broken, server.endpoint("hong.test", ""), "gv.toan.1", "x");
    CHECK_THAT(said.message(), Catch::Contains("HTTP 503") && Catch::Contains("chưa mở được dữ liệu của trường này") &&
                                   Catch::Contains("báo người quản trị máy chủ"));
    REQUIRE(sync(second, ep_a));
  }

  SECTION("at most max_open_schools open: an unused one makes room, one in use does not") {
    server::WssLimits limits;
    limits.max_open_schools = 1;
    MultiServer server({{a.demo.dir, kHostA}, {b.demo.dir, kHostB}}, limits);
    const auto ep_a = server.endpoint(kHostA, a.demo.fingerprint), ep_b = server.endpoint(kHostB, b.demo.fingerprint);
    client::LocalStore dev_a(tmp / "dev-a"), dev_b(tmp / "dev-b");
    REQUIRE(enroll(dev_a, ep_a, "gv.toan.1", a.demo.password_of("gv.toan.1")));
    REQUIRE(enroll(dev_b, ep_b, "gv.toan.1", b.demo.password_of("gv.toan.1")));  // A unused: closed for B
    CHECK(server.closes[0] == 1);
    // A connection to B held open: A cannot open.
    WsProbe held(server.address());
    REQUIRE(held.tls("", kHostB));
    REQUIRE(wait_for([&] { return server.opens[1] >= 1 && server.closes[0] >= 1; }));
    WsProbe p(server.address());
    REQUIRE(p.tls("", kHostA));
    CHECK_THAT(p.http_get("/"), Catch::StartsWith("HTTP/1.1 503") && Catch::Contains("tối đa 1 trường"));
    // A teacher's sodiem sees the server's own words and when to try again,
    // not a failed WebSocket handshake.
    client::LocalStore late(tmp / "late");
    const Status refused = enroll(late, ep_a, "gv.toan.1", a.demo.password_of("gv.toan.1"));
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.message(), Catch::Contains("HTTP 503") &&
                                      Catch::Contains("Máy chủ báo: \"Máy chủ đang phục vụ tối đa 1 trường cùng lúc") &&
                                      Catch::Contains("Hãy thử lại sau ít phút"));
    CHECK(refused.message().find("bắt tay WebSocket") == std::string::npos);
    client::SyncOptions once;
    once.max_attempts = 1;
    const auto sync_refused = sync(dev_a, ep_a, once);
    REQUIRE_FALSE(sync_refused);
    CHECK_THAT(sync_refused.status().message(), Catch::Contains("tối đa 1 trường") && Catch::Contains("thử lại"));
  }
}

namespace {
std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}
}  // namespace

TEST_CASE("an open school holds at most kFdsPerOpenSchool descriptors (the descriptor budget's figure)", "[e2e]") {
  TempDir tmp;
  auto [a, b] = two_schools(tmp);
  MultiServer server({{a.demo.dir, kHostA}, {b.demo.dir, kHostB}});
  const auto ep_a = server.endpoint(kHostA, a.demo.fingerprint);
  client::LocalStore dev(tmp / "dev");
  const std::size_t before = open_descriptors();
  REQUIRE(enroll(dev, ep_a, "gv.toan.1", a.demo.password_of("gv.toan.1")));
  REQUIRE(dev.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "7").is_ok());
  REQUIRE(sync(dev, ep_a));
  REQUIRE(server.opens[0] == 1);
  // A console request too: the console's connection is the school's.
  WsProbe p(server.address());
  REQUIRE(p.tls("", kHostA));
  // Its Host the TLS name (another one is refused with 421: the console's guard).
  CHECK_THAT(p.http_raw(std::string("GET / HTTP/1.1\r\nHost: ") + kHostA + "\r\nConnection: close\r\n\r\n"),
             Catch::StartsWith("HTTP/1.1 200"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the sessions' sockets close
  const std::size_t after = open_descriptors();
  INFO("descriptors before " << before << ", with school A open " << after);
  CHECK(after > before);
  CHECK(after - before <= tuning::kFdsPerOpenSchool);
}

TEST_CASE("the descriptor limit is shared out: open schools shrink to what fits, a limit too small for one school is "
          "refused at start naming the ulimit needed",
          "[e2e][sqlite]") {
  using tuning::kFdsPerOpenSchool, tuning::kMinConnectionFds, tuning::kReservedFds;
  std::string warning;
  const server::WssLimits wanted;
  // 200 schools, 1000 descriptors, 10 open: 35 schools fit beside the reserve and the connections' minimum.
  auto fitted = server::share_descriptors(wanted, 1000, 10, 200, warning);
  const std::size_t fit = (1000 - 10 - kReservedFds - kMinConnectionFds) / kFdsPerOpenSchool;
  CHECK(fitted.max_open_schools == fit);
  CHECK(fitted.max_pre_auth + fitted.max_authenticated <= 1000 - 10 - kReservedFds - fit * kFdsPerOpenSchool);
  CHECK(fitted.max_pre_auth + fitted.max_authenticated >= kMinConnectionFds);
  CHECK_THAT(warning, Catch::Contains("at most " + std::to_string(fit) + " schools open at once"));
  // Enough for all 64: nothing shrinks.
  fitted = server::share_descriptors(wanted, 1 << 20, 10, 200, warning);
  CHECK(fitted.max_open_schools == wanted.max_open_schools);
  CHECK(fitted.max_authenticated == wanted.max_authenticated);
  CHECK(warning.empty());
  // One school served alone (open already): only the connections share the rest, as before.
  fitted = server::share_descriptors(wanted, 300, 10, 0, warning);
  CHECK(fitted.max_open_schools == wanted.max_open_schools);
  CHECK(fitted.max_pre_auth + fitted.max_authenticated <= 300 - 10 - kReservedFds);
  // Not one school fits: refused, naming the ulimit.
  try {
    (void)server::share_descriptors(wanted, 10 + kReservedFds + kMinConnectionFds + kFdsPerOpenSchool - 1, 10, 2,
                                    warning);
    FAIL("accepted a limit that fits no school");
  } catch (const server::DescriptorShortage& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("ulimit -n") && Catch::Contains("không đủ để mở dù chỉ một trường"));
  }

  // The real server under `ulimit -n 100` (soft and hard) with two schools: it says so and exits (one
  // that starts instead is ended by `timeout`, exit 124, so the test fails rather than waits forever).
  TempDir tmp;
  auto [a, b] = two_schools(tmp, true);
  const auto r = run_command({"timeout", "-k", "5", "30", "bash", "-c",
                              "ulimit -n 100 && exec \"$0\" run --data \"$1\" --data \"$2\" --listen 127.0.0.1:0",
                              SODIEM_SERVER_BIN, a.demo.dir, b.demo.dir});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("(ulimit -n) là 100") && Catch::Contains("Hãy chạy lại máy chủ sau `ulimit -n"));
}

TEST_CASE("a refused upgrade's message: the status in Vietnamese and what to do, the server's text only when plain, "
          "well-formed, short and free of control characters",
          "[e2e][sqlite]") {
  using client::refused_upgrade_message;
  const std::string said = "Máy chủ đang phục vụ tối đa 64 trường cùng lúc; hãy thử lại sau ít phút.";
  const std::string m503 = refused_upgrade_message(503, "text/plain; charset=utf-8", said + "\n");
  CHECK_THAT(m503, Catch::Contains("HTTP 503") && Catch::Contains("Máy chủ báo: \"" + said + "\"") &&
                       Catch::Contains("Hãy thử lại sau ít phút"));
  // Each status in its own words; the body of another type is not shown.
  CHECK_THAT(refused_upgrade_message(404, "text/html", "<html>Not Found</html>"),
             Catch::Contains("HTTP 404") && Catch::Contains("không có dịch vụ đồng bộ") && !Catch::Contains("html"));
  CHECK_THAT(refused_upgrade_message(426, "", ""), Catch::Contains("HTTP 426") && Catch::Contains("phiên bản"));
  CHECK_THAT(refused_upgrade_message(403, "text/plain", "Forbidden"), Catch::Contains("không được phép"));
  CHECK_THAT(refused_upgrade_message(502, "text/plain", ""), Catch::Contains("HTTP 502") && !Catch::Contains("Máy chủ báo"));
  CHECK_THAT(refused_upgrade_message(302, "text/plain", ""), Catch::Contains("HTTP 302"));
  // Ill-formed UTF-8, escape sequences (C0 and C1) are never shown.
  for (const std::string& bad : {std::string("bad \xff\xfe text"), std::string("red \x1b[31m text"),
                                std::string("csi \xc2\x9b" "31m text"), std::string("nul \0 text", 10)}) {
    const std::string m = refused_upgrade_message(503, "text/plain", bad);
    CHECK_THAT(m, Catch::Contains("HTTP 503") && !Catch::Contains("Máy chủ báo") && !Catch::Contains("text"));
  }
  // A long body: at most kMaxRefusalChars characters of it, a character cut at the byte bound dropped.
  std::string long_body;
  while (long_body.size() < 3 * client::kMaxRefusalBodyBytes) long_body += "ữ";
  const std::string m = refused_upgrade_message(503, "text/plain", long_body);
  REQUIRE(to_nfc(m));
  CHECK(code_points(m) < client::kMaxRefusalChars + 200);
  CHECK_THAT(m, Catch::Contains("Máy chủ báo") && Catch::Contains("…"));  // 2048 bytes end inside a "ữ"
  CHECK_THAT(refused_upgrade_message(503, "Text/Plain", "ữữ"), Catch::Contains("Máy chủ báo: \"ữữ\""));
  CHECK_THAT(refused_upgrade_message(503, "text/plain", "ữữ\xe1\xbb"), !Catch::Contains("Máy chủ báo"));  // whole, yet cut
}

TEST_CASE("a SQLite school's pages are read through at its first opening and again only when its file changed since "
          "the process closed it: a file damaged meanwhile is still refused",
          "[e2e][sqlite]") {
  TempDir tmp;
  DemoServer demo = make_demo_server(tmp / "a");
  const std::string db_path = server::DataPaths{demo.dir}.db();
  const std::size_t before = server::full_school_checks();
  REQUIRE(server::open_school(demo.dir));  // opened and closed again
  CHECK(server::full_school_checks() == before + 1);
  for (int i = 0; i < 3; ++i) REQUIRE(server::open_school(demo.dir));  // as after idle closes: as it was left
  CHECK(server::full_school_checks() == before + 1);
  {  // another process's write (a CLI command): checked again
    auto db = server::open_server_db(db_path);
    server::set_meta(*db, "school_name", "Trường A");
  }
  REQUIRE(server::open_school(demo.dir));
  CHECK(server::full_school_checks() == before + 2);
  damage_last_pages(db_path);  // the size unchanged (as cli_test's damaged database)
  const auto damaged = server::open_school(demo.dir);
  REQUIRE(!damaged);
  CHECK(damaged.status().code() == ErrorCode::kInternal);
  CHECK_THAT(damaged.status().message(), Catch::Contains("bị hỏng") && Catch::Contains("sodiem-server restore"));
}

TEST_CASE("a school in PostgreSQL that cannot be opened is refused naming PostgreSQL and what to check, never a "
          "restore of a server.db it does not have",
          "[e2e]") {
  TempDir tmp;
  const std::string dir = tmp / "thcs-x";
  std::filesystem::create_directories(dir);
  // Port 1: nothing listens (a cluster down, or not reachable from here).
  server::write_store_config(dir, server::StoreConfig{"postgresql://sodiem_app@127.0.0.1:1/sodiem", "thcs-x"});
  const auto refused = server::open_school(dir);
  REQUIRE(!refused);
  INFO(refused.status().message());
  CHECK_THAT(refused.status().message(), Catch::Contains("PostgreSQL") && Catch::Contains("thcs-x") &&
                                             Catch::Contains(".pgpass") && Catch::Contains("sodiem-server migrate"));
  CHECK_THAT(refused.status().message(), !Catch::Contains("server.db") && !Catch::Contains("restore"));
}
