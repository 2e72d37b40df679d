// One server process serving several schools on one port (run_wss_schools,
// as `sodiem-server run --data A --data B`): the school is chosen by the TLS
// host name (SNI); each keeps its certificate, devices and console. Two demo
// schools (same usernames, classes and student codes; on PostgreSQL, two
// school ids in one database, ctest "pg: "): each device and each console
// sees only its own school; an unknown name is refused; a school opens at
// its first connection, closes when unused and reopens without losing an
// op; a broken school or one past the bound is refused while the others
// serve; a device moving between two processes serving both schools, one
// SIGKILLed mid-batch, gets each op applied exactly once. Real TLS, real
// WebSocket, the real client library and the real server binary.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "process.hpp"
#include "sodiem/client/local_store.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "sodiem/client/transport.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/core/tuning.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/net/tls.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/descriptor_budget.hpp"
#include "sodiem/server/host_names.hpp"
#include "sodiem/server/kdf_pool.hpp"
#include "sodiem/server/school_open.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/store_config.hpp"
#include "test_school.hpp"
#include "ws_probe.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using nlohmann::json;

namespace {

constexpr const char* kHostA = "truong-a.test";
constexpr const char* kHostB = "truong-b.test";

// A second demo school: its own TLS identity (the copies share the
// template's), and its principal's password its own.
struct School {
  DemoServer demo;
  std::string principal_password;
};
School make_school(const std::string& dir, bool own_identity) {
  School s{make_demo_server(dir), ""};
  s.principal_password = s.demo.password_of("hieutruong");
  if (own_identity) {
    const server::DataPaths paths{dir};
    std::filesystem::remove(paths.cert());
    std::filesystem::remove(paths.key());
    net::make_self_signed_certificate(paths.cert(), paths.key(), "Trường B");
    s.demo.fingerprint = net::fingerprint_of_pem_file(paths.cert());
  }
  return s;
}

// run_wss_schools in this process, on a thread, as `run --data … --data …`.
class MultiServer {
 public:
  // `db_connections`: what each school counts as holding against
  // limits.max_db_connections (PostgreSQL's connections; any store here).
  // `open`: how a school opens (null: open_school, as `run`).
  using Opener = std::function<Result<server::ServedSchool>(const std::string& dir)>;
  MultiServer(const std::vector<std::pair<std::string, std::string>>& dir_host, server::WssLimits limits = {},
              std::size_t db_connections = 0, Opener open = nullptr) {
    std::vector<server::HostedSchool> hosted;
    for (const auto& [dir, host] : dir_host) {
      server::HostedSchool h;
      h.dir = dir;
      h.host_names = {host};
      h.cert_path = server::DataPaths{dir}.cert();
      h.key_path = server::DataPaths{dir}.key();
      h.open = [dir, open] { return open ? open(dir) : server::open_school(dir); };
      h.db_connections = db_connections;
      hosted.push_back(std::move(h));
    }
    std::promise<std::string> listening;
    std::promise<std::function<void()>> stopper;
    auto where = listening.get_future();
    auto stop = stopper.get_future();
    server::WssOptions options;
    options.port = 0;
    options.limits = limits;
    options.on_school_change = [this](std::size_t i, bool open) { (open ? opens : closes)[i]++; };
    options.on_stop_handle = [p = std::make_shared<std::promise<std::function<void()>>>(std::move(stopper))](
                                 std::function<void()> s) { p->set_value(std::move(s)); };
    thread_ = std::thread([hosted = std::move(hosted), options,
                           p = std::make_shared<std::promise<std::string>>(std::move(listening))]() mutable {
      server::run_wss_schools(std::move(hosted), options, [&](const std::string& w) { p->set_value(w); });
    });
    const std::string w = where.get();
    port = w.substr(w.rfind(':') + 1);
    stop_ = stop.get();
  }
  ~MultiServer() {
    if (stop_) stop_();
    if (thread_.joinable()) thread_.join();
  }
  client::Endpoint endpoint(const std::string& host, const std::string& fingerprint) const {
    return {"wss://" + host + ":" + port, fingerprint, "127.0.0.1"};
  }
  std::string address() const { return "wss://127.0.0.1:" + port; }

  std::string port;
  std::array<std::atomic<int>, 4> opens{}, closes{};

 private:
  std::thread thread_;
  std::function<void()> stop_;
};

Status enroll(client::LocalStore& store, const client::Endpoint& ep, const std::string& user, const std::string& password) {
  auto t = client::make_wss_transport(ep);
  return client::enroll(store, *t, ep, user, password, "máy thử");
}

Result<client::SyncReport> sync(client::LocalStore& store, const client::Endpoint& ep,
                                client::SyncOptions options = {}) {
  client::SyncEngine engine(store, [ep] { return client::make_wss_transport(ep); }, options);
  return engine.sync();
}

std::string cell(client::LocalStore& store, const std::string& student, const std::string& col) {
  for (const auto& st : store.show("6A", "Toán"))
    if (st.code == student)
      for (const auto& [c, v] : st.cells)
        if (c == col) return v;
  return "";
}

std::int64_t scalar(const std::string& dir, const std::string& sql) {
  auto db = server::open_server_db(server::DataPaths{dir}.db());
  auto s = db->prepare(sql);
  REQUIRE(s.step());
  return s.int64(0);
}

// An HTTPS request to the console of the school named `host`; the raw answer.
// `sni`: the TLS host name when not `host` (an attacker's mismatch).
std::string console_request(const MultiServer& s, const std::string& host, const std::string& method,
                            const std::string& path, const std::string& body = "", const std::string& cookie = "",
                            const std::string& sni = "") {
  WsProbe p(s.address());
  REQUIRE(p.tls("", sni.empty() ? host : sni));
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + s.port + "\r\nConnection: close\r\n";
  if (!cookie.empty()) req += "Cookie: __Host-sodiem_console=" + cookie + "\r\n";
  if (method == "POST") req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return p.http_raw(req + "\r\n" + body);
}

std::string login(const MultiServer& s, const std::string& host, const std::string& user, const std::string& password,
                  const std::string& new_password = "") {
  json body = {{"username", user}, {"password", password}};
  if (!new_password.empty()) body["new_password"] = new_password;
  return console_request(s, host, "POST", "/api/login", body.dump());
}

std::string cookie_of(const std::string& answer) {
  const auto at = answer.find("__Host-sodiem_console=");
  return at == std::string::npos ? "" : answer.substr(at + 22, 64);
}

bool wait_for(const std::function<bool()>& ok, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!ok()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace

TEST_CASE("one process, two schools by host name: each device and console sees only its own school, an unknown "
          "host name is refused",
          "[e2e]") {
  TempDir tmp;
  School a = make_school(tmp / "a", false), b = make_school(tmp / "b", true);
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
  School a = make_school(tmp / "a", false), b = make_school(tmp / "b", true);
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

// The head of a roster upload (POST /api/import) declaring `length` bytes,
// and the first 1,000 of them; `cookie`/`csrf` "" for a stranger.
std::string upload_head(const MultiServer& s, const std::string& host, std::size_t length, const std::string& cookie,
                        const std::string& csrf) {
  std::string req = "POST /api/import HTTP/1.1\r\nHost: " + host + ":" + s.port +
                    "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(length) + "\r\n";
  if (!cookie.empty()) req += "Cookie: __Host-sodiem_console=" + cookie + "\r\nX-CSRF-Token: " + csrf + "\r\n";
  return req + "\r\n" + std::string(1000, ' ');
}

TEST_CASE("roster uploads: a stranger holds no upload slot, and a school's uploads in progress never make another "
          "school's wait",
          "[e2e]") {
  TempDir tmp;
  School a = make_school(tmp / "a", false), b = make_school(tmp / "b", true);
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

TEST_CASE("a school opens at its first connection, closes when unused and reopens without losing an op, a broken "
          "school and one past the bound are refused while the others serve",
          "[e2e]") {
  TempDir tmp;
  School a = make_school(tmp / "a", false), b = make_school(tmp / "b", true);
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

TEST_CASE("devices of two schools moving between two processes that serve both, one SIGKILLed mid-batch: each op "
          "applied exactly once in its own school",
          "[e2e][fault]") {
  TempDir tmp;
  School a = make_school(tmp / "a", false), b = make_school(tmp / "b", true);
  server::write_host_names(a.demo.dir, {kHostA});
  server::write_host_names(b.demo.dir, {kHostB});
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
    const std::string port = p.url().substr(p.url().rfind(':') + 1);
    return client::Endpoint{"wss://" + std::string(host) + ":" + port, fingerprint, "127.0.0.1"};
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
  const std::string port = server.url().substr(server.url().rfind(':') + 1);
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
  const client::Endpoint ep_b{"wss://" + std::string(kHostB) + ":" + port, b.demo.fingerprint, "127.0.0.1"};
  const client::Endpoint ep_a{"wss://" + std::string(kHostA) + ":" + port, a.demo.fingerprint, "127.0.0.1"};
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

namespace {
std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}
}  // namespace

TEST_CASE("an open school holds at most kFdsPerOpenSchool descriptors (the descriptor budget's figure)", "[e2e]") {
  TempDir tmp;
  School a = make_school(tmp / "a", false), b = make_school(tmp / "b", true);
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
  School a = make_school(tmp / "a", false), b = make_school(tmp / "b", true);
  server::write_host_names(a.demo.dir, {kHostA});
  server::write_host_names(b.demo.dir, {kHostB});
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

TEST_CASE("schools holding database connections open only within max_db_connections: one in use is not closed, the "
          "other school is refused in Vietnamese, and opens once the first is unused (closed to make room)",
          "[e2e]") {
  TempDir tmp;
  School a = make_school(tmp / "a", false), b = make_school(tmp / "b", true);
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
  {  // garbage in the last pages, the size unchanged (as cli_test's damaged database)
    const auto size = std::filesystem::file_size(db_path);
    REQUIRE(size > 40 * 4096);
    std::fstream f(db_path, std::ios::in | std::ios::out | std::ios::binary);
    const std::string junk(3000, '\x5a');
    for (std::uintmax_t page = size / 4096 - 6; page < size / 4096; ++page) {
      f.seekp(static_cast<std::streamoff>(page * 4096 + 600));
      f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
  }
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

TEST_CASE("password checks: the schools share the process's threads, taken in turn (one school's flood delays "
          "another's check by one check at most)",
          "[e2e][sqlite]") {
  server::KdfThreads threads(1);
  server::KdfPool flooded(threads, 32), other(threads, 32);
  std::mutex m;
  std::vector<char> order;
  std::promise<void> go, busy;
  auto released = go.get_future().share();
  REQUIRE(flooded.submit([released, &busy] {  // the thread busy until the flood is queued
    busy.set_value();
    released.wait();
  }));
  busy.get_future().wait();
  for (int i = 0; i < 32; ++i)
    REQUIRE(flooded.submit([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      std::lock_guard lock(m);
      order.push_back('a');
    }));
  CHECK(!flooded.submit([] {}));  // its bound: 32 waiting
  REQUIRE(other.submit([&] {
    std::lock_guard lock(m);
    order.push_back('b');
  }));
  go.set_value();
  REQUIRE(wait_for([&] {
    std::lock_guard lock(m);
    return order.size() == 33;
  }));
  const auto at = std::find(order.begin(), order.end(), 'b') - order.begin();
  INFO("the other school's check ran after " << at << " of the flood's");
  CHECK(at <= 1);
  flooded.stop();
  CHECK(!flooded.submit([] {}));
  REQUIRE(other.submit([] {}));  // the other school's queue still served
}

TEST_CASE("two open schools make no more password-hashing threads than one process has", "[e2e]") {
  TempDir tmp;
  School a = make_school(tmp / "a", false), b = make_school(tmp / "b", true);
  MultiServer server({{a.demo.dir, kHostA}, {b.demo.dir, kHostB}});
  client::LocalStore dev_a(tmp / "dev-a"), dev_b(tmp / "dev-b");
  REQUIRE(enroll(dev_a, server.endpoint(kHostA, a.demo.fingerprint), "gv.toan.1", a.demo.password_of("gv.toan.1")));
  REQUIRE(enroll(dev_b, server.endpoint(kHostB, b.demo.fingerprint), "gv.toan.1", b.demo.password_of("gv.toan.1")));
  REQUIRE(server.opens[0] == 1);
  REQUIRE(server.opens[1] == 1);
  std::size_t kdf_threads = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::string comm;
    std::getline(std::ifstream(task.path() / "comm"), comm);
    if (comm == "sodiem-kdf") ++kdf_threads;
  }
  CHECK(kdf_threads == server::KdfThreads::default_size());  // none set in this process: half the cores
  CHECK(kdf_threads == std::max<std::size_t>(1, server::KdfThreads::machine_cores() / 2));
}

namespace {
std::size_t kdf_threads_of(pid_t pid) {
  std::size_t n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::string comm;
    std::getline(std::ifstream(task.path() / "comm"), comm);
    if (comm == "sodiem-kdf") ++n;
  }
  return n;
}
}  // namespace

TEST_CASE("run --max-open-schools and --password-threads: a small value is honoured, one out of bounds is refused "
          "in Vietnamese before serving",
          "[e2e]") {
  TempDir tmp;
  School a = make_school(tmp / "a", false), b = make_school(tmp / "b", true);
  server::write_host_names(a.demo.dir, {kHostA});
  server::write_host_names(b.demo.dir, {kHostB});
  const std::size_t cores = server::KdfThreads::machine_cores();
  {
    ServerProcess server(SODIEM_SERVER_BIN, a.demo.dir, "127.0.0.1:0", {},
                         {"--data", b.demo.dir, "--max-open-schools", "1", "--password-threads", std::to_string(cores)});
    const std::string port = server.url().substr(server.url().rfind(':') + 1);
    const client::Endpoint ep_a{"wss://" + std::string(kHostA) + ":" + port, a.demo.fingerprint, "127.0.0.1"};
    client::LocalStore dev_a(tmp / "dev-a");
    REQUIRE(enroll(dev_a, ep_a, "gv.toan.1", a.demo.password_of("gv.toan.1")));  // a password check: the threads start
    CHECK(kdf_threads_of(server.pid()) == cores);
    CHECK_THAT(server.log(), Catch::Contains("password checks: " + std::to_string(cores) + " thread(s)"));
    // A in use (a handshake without a request): B would be the second open school.
    WsProbe held("wss://127.0.0.1:" + port);
    REQUIRE(held.tls("", kHostA));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    WsProbe p("wss://127.0.0.1:" + port);
    REQUIRE(p.tls("", kHostB));
    CHECK_THAT(p.http_response("GET / HTTP/1.1\r\nHost: " + std::string(kHostB) + ":" + port +
                               "\r\nConnection: close\r\n\r\n"),
               Catch::StartsWith("HTTP/1.1 503") && Catch::Contains("tối đa 1 trường"));
  }
  const auto run = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {SODIEM_SERVER_BIN, "run", "--data", a.demo.dir, "--data", b.demo.dir,
                                     "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run_command(argv);
  };
  for (const std::string bad : {"0", "3000"}) {
    const auto r = run({"--max-open-schools", bad});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--max-open-schools phải từ 1 đến"));
  }
  for (const std::string& bad : std::vector<std::string>{"0", std::to_string(cores + 1), "hai"}) {
    const auto r = run({"--password-threads", bad});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--password-threads phải là một số từ 1 đến " + std::to_string(cores)));
  }
}
