// One server process serving several schools on one port (run_wss_schools,
// as `sodiem-server run --data A --data B`): the school is chosen by the TLS
// host name (SNI); each keeps its certificate, devices and console. Two demo
// schools (same usernames, classes and student codes; on PostgreSQL, two
// school ids in one database, ctest "pg: "): each device and each console
// sees only its own school and an unknown name is refused; one school's
// sessions and uploads never keep another's out; a device moving between two
// processes serving both schools, one SIGKILLed mid-batch, gets each op
// applied exactly once; `run --schools` serves a school folder added while
// it runs. Real TLS, real WebSocket, the real client library and the real
// server binary. Run by CTest (sync_tests, both stores).
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "many_schools.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/core/tuning.hpp"
#include "sodiem/server/accounts.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::many_schools;
using nlohmann::json;

TEST_CASE("one process, two schools by host name: each device and console sees only its own school, an unknown "
          "host name is refused",
          "[e2e]") {
  TempDir tmp;
  auto [a, b] = two_schools(tmp);
  REQUIRE(a.demo.fingerprint != b.demo.fingerprint);
  MultiServer server({{a.demo.dir, kHostA}, {b.demo.dir, kHostB}});
  const auto ep_a = server.endpoint(kHostA, a.demo.fingerprint), ep_b = server.endpoint(kHostB, b.demo.fingerprint);

  // B's principal sets a password of B's own (an issued one, replaced at the first console login).
  {
    auto db = server::open_server_db(server::DataPaths{b.demo.dir}.db());
    auto issued = server::Accounts(*db, SystemClock::instance()).reset_password("hieutruong", "quantri");
    REQUIRE(issued);
    b.principal_password = "mat-khau-rieng-truong-b-2026";
    REQUIRE_THAT(login(server, kHostB, "hieutruong", *issued, b.principal_password), Catch::StartsWith("HTTP/1.1 200"));
  }
  REQUIRE(a.principal_password != b.principal_password);

  // Each host name presents its school's certificate: a device of B pinning
  // B's fingerprint cannot enroll through A's name.
  client::LocalStore wrong(tmp / "wrong");
  CHECK_FALSE(enroll(wrong, {ep_a.url, b.demo.fingerprint, "127.0.0.1"}, "gv.toan.1", b.demo.password_of("gv.toan.1")));

  // The same teacher name at both schools writes the same cell.
  client::LocalStore dev_a(tmp / "dev-a"), dev_b(tmp / "dev-b");
  REQUIRE(enroll(dev_a, ep_a, "gv.toan.1", a.demo.password_of("gv.toan.1")));
  REQUIRE(enroll(dev_b, ep_b, "gv.toan.1", b.demo.password_of("gv.toan.1")));
  REQUIRE(dev_a.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "7").is_ok());
  REQUIRE(dev_b.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "9").is_ok());
  REQUIRE(dev_b.record({"6A", "Toán", "HS6A02", "HK1.TX1"}, "4").is_ok());
  REQUIRE(sync(dev_a, ep_a));
  REQUIRE(sync(dev_b, ep_b));
  REQUIRE(sync(dev_a, ep_a));
  CHECK(cell(dev_a, "HS6A01", "HK1.TX1") == "7");
  CHECK(cell(dev_a, "HS6A02", "HK1.TX1") == "");
  CHECK(cell(dev_b, "HS6A01", "HK1.TX1") == "9");

  // A new device of each school pulls its own school's marks only.
  client::LocalStore new_a(tmp / "new-a"), new_b(tmp / "new-b");
  REQUIRE(enroll(new_a, ep_a, "gv.toan.1", a.demo.password_of("gv.toan.1")));
  REQUIRE(enroll(new_b, ep_b, "gv.toan.1", b.demo.password_of("gv.toan.1")));
  REQUIRE(sync(new_a, ep_a));
  REQUIRE(sync(new_b, ep_b));
  CHECK(cell(new_a, "HS6A01", "HK1.TX1") == "7");
  CHECK(cell(new_a, "HS6A02", "HK1.TX1") == "");
  CHECK(cell(new_b, "HS6A01", "HK1.TX1") == "9");
  CHECK(cell(new_b, "HS6A02", "HK1.TX1") == "4");
  // The stores: each school's log holds its own device's ops.
  CHECK(scalar(a.demo.dir, "SELECT COUNT(*) FROM changes WHERE device_id <> 0") == 1);
  CHECK(scalar(b.demo.dir, "SELECT COUNT(*) FROM changes WHERE device_id <> 0") == 2);

  // The console on A's name: B's principal's password does not open it;
  // A's does, and shows A's marks.
  CHECK_THAT(login(server, kHostA, "hieutruong", b.principal_password), Catch::StartsWith("HTTP/1.1 401"));
  const std::string signed_in = login(server, kHostA, "hieutruong", a.principal_password);
  REQUIRE_THAT(signed_in, Catch::StartsWith("HTTP/1.1 200"));
  const std::string book = console_request(server, kHostA, "GET", "/api/gradebook?class=6A&subject=To%C3%A1n", "",
                                           cookie_of(signed_in));
  REQUIRE_THAT(book, Catch::StartsWith("HTTP/1.1 200"));
  const json a_book = json::parse(book.substr(book.find("\r\n\r\n") + 4));
  std::map<std::string, std::string> tx1;
  for (const auto& st : a_book["students"]) tx1[st["code"]] = st["values"].value("HK1.TX1", "");
  CHECK(tx1["HS6A01"] == "7");
  CHECK(tx1["HS6A02"] == "");
  // Its session is A's: B's console does not know the cookie.
  CHECK_THAT(console_request(server, kHostB, "GET", "/api/session", "", cookie_of(signed_in)),
             Catch::StartsWith("HTTP/1.1 401"));
  // The TLS name chooses the school; an HTTP Host naming another is refused
  // (421, in Vietnamese), either way round, and whatever the cookie.
  for (const auto& [sni, host] : {std::pair{kHostA, kHostB}, {kHostB, kHostA}}) {
    INFO("TLS " << sni << ", Host " << host);
    const std::string answer = console_request(server, host, "GET", "/api/session", "", cookie_of(signed_in), sni);
    CHECK_THAT(answer, Catch::StartsWith("HTTP/1.1 421") && Catch::Contains("gửi nhầm"));
    CHECK_THAT(answer, !Catch::Contains("csrf"));
  }
  const std::string cross_origin = console_request(
      server, kHostB, "POST", "/api/locks/add", json{{"term", "HK1"}, {"kind", "frozen"}, {"reason", "B"}}.dump(),
      cookie_of(signed_in), kHostA);
  CHECK_THAT(cross_origin, Catch::StartsWith("HTTP/1.1 421"));
  // The port, the case and a trailing dot of the right name are no mismatch.
  {
    WsProbe p(server.address());
    REQUIRE(p.tls("", kHostA));
    CHECK_THAT(p.http_raw("GET /api/session HTTP/1.1\r\nHost: TRUONG-A.test.:" + server.port +
                          "\r\nConnection: close\r\nCookie: __Host-sodiem_console=" + cookie_of(signed_in) + "\r\n\r\n"),
               Catch::StartsWith("HTTP/1.1 200"));
  }

  // Unknown host names, and none at all, get no school at the handshake.
  for (const std::string host : {"truong-c.test", "", "127.0.0.1"}) {
    WsProbe p(server.address());
    INFO("host name: " << host);
    CHECK_FALSE(p.tls("", host));
  }
  client::LocalStore stranger(tmp / "stranger");
  // A teacher who typed a wrong name, or the address, is told so in Vietnamese
  // (not OpenSSL's "tlsv1 unrecognized name").
  for (const std::string& url : {"wss://truong-c.test:" + server.port, "wss://127.0.0.1:" + server.port}) {
    const Status refused = enroll(stranger, {url, "", "127.0.0.1"}, "gv.toan.1", a.demo.password_of("gv.toan.1"));
    INFO(url << ": " << refused.message());
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.message(), Catch::Contains("không có trường nào mang tên máy") && Catch::Contains("wss://"));
    CHECK(refused.message().find("unrecognized") == std::string::npos);
  }
  // Host names match whatever their case.
  WsProbe upper(server.address());
  CHECK(upper.tls("", "TRUONG-A.test"));
}

TEST_CASE("one school's device holding every welcomed session of the process does not keep another school's "
          "devices out: the school holding the most gives up its oldest, its own newcomers wait as before",
          "[e2e]") {
  TempDir tmp;
  auto [a, b] = two_schools(tmp);
  server::WssLimits limits;
  limits.max_authenticated = 3;
  MultiServer server({{a.demo.dir, kHostA}, {b.demo.dir, kHostB}}, limits);
  const auto ep_a = server.endpoint(kHostA, a.demo.fingerprint), ep_b = server.endpoint(kHostB, b.demo.fingerprint);
  client::LocalStore dev_a(tmp / "dev-a"), dev_b(tmp / "dev-b"), dev_a2(tmp / "dev-a2");
  REQUIRE(enroll(dev_a, ep_a, "gv.toan.1", a.demo.password_of("gv.toan.1")));
  REQUIRE(enroll(dev_a2, ep_a, "gv.van.1", a.demo.password_of("gv.van.1")));
  REQUIRE(enroll(dev_b, ep_b, "gv.toan.1", b.demo.password_of("gv.toan.1")));
  const auto device = *dev_a.enrollment();
  const protocol::Hello hello{protocol::kProtocolVersion, protocol::kSchemaVersion, device.device_id, device.token};
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the enrollments' sessions close

  // A's device token means nothing on B's name (the same usernames, codes and cells there).
  {
    WsProbe p(server.address());
    REQUIRE(p.tls("", kHostB));
    REQUIRE(p.upgrade());
    REQUIRE(p.send_message(hello));
    const auto answer = p.read_message(std::chrono::seconds(5));
    CHECK_FALSE((answer && std::holds_alternative<protocol::Welcome>(*answer)));
  }

  // A misbehaving device of A holds every welcomed session the process allows.
  std::vector<std::unique_ptr<WsProbe>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<WsProbe>(server.address()));
    REQUIRE(held.back()->tls("", kHostA));
    REQUIRE(held.back()->upgrade());
    REQUIRE(held.back()->send_message(hello));
    const auto w = held.back()->read_message(std::chrono::seconds(5));
    REQUIRE(w.has_value());
    REQUIRE(std::holds_alternative<protocol::Welcome>(*w));
  }
  client::SyncOptions once;
  once.max_attempts = 1;
  // Another device of A waits, as in a one-school server: the bound is A's own to fill.
  REQUIRE(dev_a2.record({"6A", "Ngữ văn", "HS6A01", "HK1.TX1"}, "6").is_ok());
  CHECK_FALSE(sync(dev_a2, ep_a, once));
  // B's device gets in: A, holding the most, gives up its oldest session.
  REQUIRE(dev_b.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "9").is_ok());
  const auto synced = sync(dev_b, ep_b, once);
  INFO((synced ? std::string() : synced.status().message()));
  CHECK(synced);
  CHECK(dev_b.status().pending == 0);
  CHECK(held[0]->closed_within(std::chrono::seconds(5)));
  CHECK(scalar(b.demo.dir, "SELECT COUNT(*) FROM changes WHERE device_id <> 0") == 1);
}

namespace {
// The head of a roster upload (POST /api/import) declaring `length` bytes,
// and the first 1,000 of them; `cookie`/`csrf` "" for a stranger.
std::string upload_head(const MultiServer& s, const std::string& host, std::size_t length, const std::string& cookie,
                        const std::string& csrf) {
  std::string req = "POST /api/import HTTP/1.1\r\nHost: " + host + ":" + s.port +
                    "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(length) + "\r\n";
  if (!cookie.empty()) req += "Cookie: __Host-sodiem_console=" + cookie + "\r\nX-CSRF-Token: " + csrf + "\r\n";
  return req + "\r\n" + std::string(1000, ' ');
}
}  // namespace

TEST_CASE("roster uploads: a stranger holds no upload slot, and a school's uploads in progress never make another "
          "school's wait",
          "[e2e]") {
  TempDir tmp;
  auto [a, b] = two_schools(tmp);
  MultiServer server({{a.demo.dir, kHostA}, {b.demo.dir, kHostB}});
  auto signed_in = [&](const std::string& host, const std::string& password) {
    const std::string answer = login(server, host, "hieutruong", password);
    REQUIRE_THAT(answer, Catch::StartsWith("HTTP/1.1 200"));
    return std::pair{cookie_of(answer), json::parse(answer.substr(answer.find("\r\n\r\n") + 4))["csrf"].get<std::string>()};
  };
  const auto [cookie_a, csrf_a] = signed_in(kHostA, a.principal_password);
  const auto [cookie_b, csrf_b] = signed_in(kHostB, b.principal_password);
  // An upload past kConsoleMaxBodyBytes (a roster file, base64 in JSON), as B's principal sends it.
  const std::string file = json{{"what", "students"}, {"filename", "ds.csv"}, {"data", std::string(40000, 'A')}}.dump();
  auto import_b = [&] {
    WsProbe p(server.address());
    REQUIRE(p.tls("", kHostB));
    return p.http_raw("POST /api/import HTTP/1.1\r\nHost: " + std::string(kHostB) + ":" + server.port +
                      "\r\nConnection: close\r\nContent-Type: application/json\r\nCookie: __Host-sodiem_console=" +
                      cookie_b + "\r\nX-CSRF-Token: " + csrf_b + "\r\nContent-Length: " + std::to_string(file.size()) +
                      "\r\n\r\n" + file);
  };
  REQUIRE_THAT(import_b(), !Catch::StartsWith("HTTP/1.1 503"));

  // A stranger on A's name starts two big uploads and trickles them: refused
  // before the body is read (no session), holding nothing.
  std::vector<std::unique_ptr<WsProbe>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<WsProbe>(server.address()));
    REQUIRE(held.back()->tls("", kHostA));
    CHECK_THAT(held.back()->http_response(upload_head(server, kHostA, 1000000, "", ""), std::chrono::seconds(2)),
               Catch::StartsWith("HTTP/1.1 401"));
  }
  CHECK_THAT(import_b(), !Catch::StartsWith("HTTP/1.1 503"));
  held.clear();

  // A's principal uploading twice at once (slow links) fills A's slots, not B's.
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<WsProbe>(server.address()));
    REQUIRE(held.back()->tls("", kHostA));
    CHECK(held.back()->http_response(upload_head(server, kHostA, 1000000, cookie_a, csrf_a), std::chrono::seconds(1))
              .empty());  // its body is being read
  }
  const std::string b_answer = import_b();
  CHECK_THAT(b_answer, !Catch::StartsWith("HTTP/1.1 503"));
  CHECK_THAT(b_answer, !Catch::Contains("đang nhận tệp khác"));
  // A third of A's waits for A's own (as with one school).
  WsProbe third(server.address());
  REQUIRE(third.tls("", kHostA));
  CHECK_THAT(third.http_response(upload_head(server, kHostA, 1000000, cookie_a, csrf_a), std::chrono::seconds(5)),
             Catch::StartsWith("HTTP/1.1 503") && Catch::Contains("đang nhận tệp khác"));
}

TEST_CASE("devices of two schools moving between two processes that serve both, one SIGKILLed mid-batch: each op "
          "applied exactly once in its own school",
          "[e2e][fault]") {
  TempDir tmp;
  auto [a, b] = two_schools(tmp, true);
  // On PostgreSQL two processes serve the schools at once; a SQLite file has
  // one server, so the second starts once the first is killed.
  const bool shared_store = !pg_owner_url().empty();
  auto start = [&] {
    return std::make_unique<ServerProcess>(SODIEM_SERVER_BIN, a.demo.dir, "127.0.0.1:0", std::vector<std::string>{},
                                           std::vector<std::string>{"--data", b.demo.dir});
  };
  auto first = start();
  std::unique_ptr<ServerProcess> second = shared_store ? start() : nullptr;
  auto ep = [](const ServerProcess& p, const char* host, const std::string& fingerprint) {
    return endpoint_at(port_of(p), host, fingerprint);
  };
  client::LocalStore dev_a(tmp / "dev-a"), dev_b(tmp / "dev-b");
  REQUIRE(enroll(dev_a, ep(*first, kHostA, a.demo.fingerprint), "gv.toan.1", a.demo.password_of("gv.toan.1")));
  REQUIRE(enroll(dev_b, ep(*first, kHostB, b.demo.fingerprint), "gv.toan.1", b.demo.password_of("gv.toan.1")));
  const char* cols[] = {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4"};
  const char* marks[] = {"5", "6.5", "7", "8", "9.5", "10"};
  for (int i = 0; i < 3000; ++i) {
    char student[16];
    std::snprintf(student, sizeof student, "HS6A%02d", i % 40 + 1);
    REQUIRE(dev_a.record({"6A", "Toán", student, cols[(i / 40) % 4]}, marks[i % 6]).is_ok());
    REQUIRE(dev_b.record({"6A", "Toán", student, cols[(i / 40 + 1) % 4]}, marks[(i + 3) % 6]).is_ok());
  }
  const auto pending_a = dev_a.status().pending, pending_b = dev_b.status().pending;
  REQUIRE(pending_a == 3000);
  const std::string applied_sql =
      "SELECT COUNT(*) FROM (SELECT device_id, seq FROM changes WHERE device_id <> 0 "
      "UNION SELECT device_id, seq FROM op_outcomes) AS applied";

  // Both devices push through the first process, in small pushes one at a
  // time; it is killed once A's first commits are in and before all are.
  client::SyncOptions slow;
  slow.batch_ops = 20;
  slow.window = 1;
  slow.max_attempts = 1;
  std::thread push_b([&] { (void)sync(dev_b, ep(*first, kHostB, b.demo.fingerprint), slow); });
  std::atomic<bool> done{false};
  std::thread push_a([&] {
    (void)sync(dev_a, ep(*first, kHostA, a.demo.fingerprint), slow);
    done = true;
  });
  REQUIRE(wait_for([&] { return done || scalar(a.demo.dir, applied_sql) > 0; }));
  first->kill_hard();
  push_a.join();
  push_b.join();
  const auto at_kill = scalar(a.demo.dir, applied_sql);
  INFO("A's ops committed when the first process died: " << at_kill << " of " << pending_a);
  CHECK(at_kill < pending_a);  // killed mid-batch

  if (!second) second = start();
  for (int pass = 0; pass < 2; ++pass) {
    REQUIRE(sync(dev_a, ep(*second, kHostA, a.demo.fingerprint)));
    REQUIRE(sync(dev_b, ep(*second, kHostB, b.demo.fingerprint)));
  }
  CHECK(dev_a.status().pending == 0);
  CHECK(dev_b.status().pending == 0);
  for (const auto* dir : {&a.demo.dir, &b.demo.dir}) {
    CHECK(scalar(*dir, "SELECT COUNT(*) FROM (SELECT device_id, seq FROM changes WHERE device_id <> 0 "
                       "GROUP BY device_id, seq HAVING COUNT(*) > 1) AS twice") == 0);
    CHECK(scalar(*dir, "SELECT MAX(version) - COUNT(*) FROM changes") == 0);
  }
  CHECK(scalar(a.demo.dir, applied_sql) == pending_a);
  CHECK(scalar(b.demo.dir, applied_sql) == pending_b);
}

TEST_CASE("run --schools: a school folder added while the server runs is served without a restart, the folder "
          "read again at most once per rescan interval",
          "[e2e]") {
  TempDir tmp;
  School a = make_school(tmp / "a", false);
  server::write_host_names(a.demo.dir, {kHostA});
  const std::string parent = tmp / "parent";
  std::filesystem::create_directories(parent);
  const auto started = std::chrono::steady_clock::now();
  ServerProcess server(SODIEM_SERVER_BIN, a.demo.dir, "127.0.0.1:0", {}, {"--schools", parent});
  const std::string port = port_of(server);
  auto handshake = [&](const char* host) {
    WsProbe p("wss://127.0.0.1:" + port);
    return p.tls("", host);
  };
  CHECK(handshake(kHostA));
  CHECK_FALSE(handshake(kHostB));
  // B is made in the parent folder, its host name written last (as `init --host-name` does).
  School b = make_school(parent + "/b", true);
  server::write_host_names(b.demo.dir, {kHostB});
  // Within the interval since the last look (the start), an unknown name does not read the folder again.
  if (std::chrono::steady_clock::now() - started < tuning::kSchoolRescanInterval - std::chrono::seconds(2))
    CHECK_FALSE(handshake(kHostB));
  REQUIRE(wait_for([&] { return handshake(kHostB); }, std::chrono::seconds(40)));
  CHECK(std::chrono::steady_clock::now() - started >= tuning::kSchoolRescanInterval);
  // B serves its own school, A still its own.
  const auto ep_b = endpoint_at(port, kHostB, b.demo.fingerprint), ep_a = endpoint_at(port, kHostA, a.demo.fingerprint);
  client::LocalStore dev_b(tmp / "dev-b"), dev_a(tmp / "dev-a");
  REQUIRE(enroll(dev_b, ep_b, "gv.toan.1", b.demo.password_of("gv.toan.1")));
  REQUIRE(enroll(dev_a, ep_a, "gv.toan.1", a.demo.password_of("gv.toan.1")));
  REQUIRE(dev_b.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "9").is_ok());
  REQUIRE(sync(dev_b, ep_b));
  REQUIRE(sync(dev_a, ep_a));
  CHECK(cell(dev_a, "HS6A01", "HK1.TX1") == "");
  CHECK(scalar(b.demo.dir, "SELECT COUNT(*) FROM changes WHERE device_id <> 0") == 1);
  CHECK(scalar(a.demo.dir, "SELECT COUNT(*) FROM changes WHERE device_id <> 0") == 0);
  // Still no name of nobody's: refused at the handshake.
  CHECK_FALSE(handshake("truong-c.test"));
}
