// The server's network edge under attack, over real TLS and WebSocket: the
// real binary, or run_wss_server in this process with short limits. Probes
// are hand-driven clients (ws_probe.hpp) from many 127.x addresses.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "loopback_transport.hpp"
#include "process.hpp"
#include "sodiem/client/local_store.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "sodiem/server/init.hpp"
#include "sodiem/server/server_db.hpp"
#include "test_school.hpp"
#include "ws_probe.hpp"
#include "server_store.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace std::chrono_literals;

namespace {

const std::string kServer = SODIEM_SERVER_BIN;
const std::string kClient = SODIEM_CLIENT_BIN;
using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point t0) {
  return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

// 127.0.X.Y for the n-th attacking address (never 127.0.0.1, the teachers').
std::string attacker(int n) { return "127.0." + std::to_string(1 + n / 200) + "." + std::to_string(2 + n % 200); }

// A demo school served by run_wss_server in this process.
struct InProcess {
  TempDir tmp;
  DemoServer demo = make_demo_server(tmp / "server");
  server::SyncService service{server::DataPaths{demo.dir}.db(), SystemClock::instance()};
  std::unique_ptr<EdgeServer> edge;

  explicit InProcess(server::WssLimits limits) { edge = std::make_unique<EdgeServer>(service, demo.dir, limits); }
  ~InProcess() { edge.reset(); }  // stops the server (and the service) first
  client::Enrollment enroll(const std::string& user) {
    client::LocalStore store(tmp / user);
    LoopbackTransport t(service);
    REQUIRE(client::enroll(store, t, {"wss://loopback", demo.fingerprint}, user, demo.password_of(user), user).is_ok());
    return *store.enrollment();
  }
};

protocol::Hello hello_of(const client::Enrollment& e) {
  return protocol::Hello{protocol::kProtocolVersion, protocol::kSchemaVersion, e.device_id, e.token};
}

// A demo school served by the real binary.
struct Binary {
  TempDir tmp;
  DemoServer demo = make_demo_server(tmp / "server");
  std::unique_ptr<ServerProcess> server = std::make_unique<ServerProcess>(kServer, demo.dir);
  CommandResult client(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), kClient);
    return run_command(args, input);
  }
};

}  // namespace

TEST_CASE("edge: TLS handshake and HTTP request must come within the handshake deadline", "[e2e][fault]") {
  server::WssLimits limits;
  limits.handshake_timeout = 1s;
  InProcess s(limits);
  WsProbe silent(s.edge->url(), attacker(0));
  REQUIRE(silent.connected());
  auto t0 = SteadyClock::now();
  CHECK(silent.tcp_closed_within(5s));  // not even a ClientHello
  CHECK(seconds_since(t0) > 0.8);
  WsProbe no_request(s.edge->url(), attacker(1));
  REQUIRE(no_request.tls());
  t0 = SteadyClock::now();
  CHECK(no_request.closed_within(5s));  // TLS, then no HTTP request
  CHECK(seconds_since(t0) < 4.0);
}

TEST_CASE("edge: no welcome within the login deadline closes the connection, pings do not keep it", "[e2e][fault]") {
  server::WssLimits limits;
  limits.login_deadline = 1s;
  InProcess s(limits);
  WsProbe p(s.edge->url(), attacker(0));
  REQUIRE(p.tls());
  REQUIRE(p.upgrade());
  const auto t0 = SteadyClock::now();
  CHECK(p.closed_within(6s, [&] { p.send_frame(0x9, "ping"); }));
  const double after = seconds_since(t0);
  INFO("closed after " << after << " s");
  CHECK(after > 0.8);
  // An honest client logs in well within it.
  const auto device = s.enroll("gv.toan.1");
  WsProbe honest(s.edge->url());
  REQUIRE(honest.tls());
  REQUIRE(honest.upgrade());
  REQUIRE(honest.send_message(hello_of(device)));
  auto w = honest.read_message(5s);
  REQUIRE(w.has_value());
  CHECK(std::holds_alternative<protocol::Welcome>(*w));
}

TEST_CASE("edge: before the welcome a message may not exceed 16 KiB — after it, 4 MiB", "[e2e][fault]") {
  InProcess s({});
  WsProbe big(s.edge->url(), attacker(0));
  REQUIRE(big.tls());
  REQUIRE(big.upgrade());
  REQUIRE(big.send_frame_header(100 * 1024));
  big.send_payload(std::string(100 * 1024, 'x'));
  CHECK(big.closed_within(3s));
  CHECK(big.close_code() == 1009);  // refused as too big, not read and answered
  // Welcomed, a 1 MiB message is read whole (and refused as malformed, not as too big).
  const auto device = s.enroll("gv.toan.1");
  WsProbe p(s.edge->url());
  REQUIRE(p.tls());
  REQUIRE(p.upgrade());
  REQUIRE(p.send_message(hello_of(device)));
  auto w = p.read_message(5s);
  REQUIRE(w.has_value());
  REQUIRE(std::holds_alternative<protocol::Welcome>(*w));
  REQUIRE(p.send_frame(0x2, std::string(1024 * 1024, '\xff')));
  auto e = p.read_message(5s);
  REQUIRE(e.has_value());
  REQUIRE(std::holds_alternative<protocol::Error>(*e));
  CHECK(std::get<protocol::Error>(*e).code != protocol::ErrorCode::kTooLarge);
}

TEST_CASE("edge: a welcomed session silent for the idle bound is closed though it pings — a busy one stays",
          "[e2e][fault]") {
  server::WssLimits limits;
  limits.session_idle_timeout = 1500ms;
  InProcess s(limits);
  const auto device = s.enroll("gv.toan.1");
  WsProbe idle(s.edge->url());
  REQUIRE(idle.tls());
  REQUIRE(idle.upgrade());
  REQUIRE(idle.send_message(hello_of(device)));
  REQUIRE(idle.read_message(5s).has_value());
  WsProbe busy(s.edge->url());
  REQUIRE(busy.tls());
  REQUIRE(busy.upgrade());
  REQUIRE(busy.send_message(hello_of(device)));
  REQUIRE(busy.read_message(5s).has_value());
  // The busy one sends a request every 0.4 s from now on, while the idle one
  // waits for its close and after, and gets each answer. (It once sent
  // nothing during that wait, itself silent for about the idle bound: under
  // load it was closed too.)
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::string busy_failure;
  std::thread busy_loop([&] {
    while (!stop) {
      if (!busy.send_message(protocol::Pull{})) {
        busy_failure = "send failed after " + std::to_string(answered.load()) + " answers";
        return;
      }
      auto m = busy.read_message(5s);
      if (!m || !std::holds_alternative<protocol::Changes>(*m)) {
        busy_failure = "no Changes answer after " + std::to_string(answered.load()) + " answers";
        return;
      }
      ++answered;
      std::this_thread::sleep_for(400ms);
    }
  });
  const auto t0 = SteadyClock::now();
  CHECK(idle.closed_within(8s, [&] { idle.send_frame(0x9, "ping"); }));
  const double after = seconds_since(t0);
  INFO("idle session closed after " << after << " s");
  CHECK(after > 1.3);
  std::this_thread::sleep_for(3s);  // twice the idle bound more
  stop = true;
  busy_loop.join();
  INFO("busy session: " << busy_failure);
  CHECK(busy_failure.empty());
  CHECK(answered >= 6);
}

TEST_CASE("edge: out of descriptors, accept backs off instead of spinning, and recovers", "[e2e][fault]") {
  InProcess s({});
  WsProbe warm(s.edge->url());
  REQUIRE(warm.tls());
  // Use up this process's descriptors (the server's too: same process).
  rlimit saved{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
  std::size_t open_now = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++open_now;
  rlimit low = saved;
  low.rlim_cur = open_now + 64;
  REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
  std::vector<int> held;
  for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;) held.push_back(fd);
  REQUIRE(held.size() > 10);
  ::close(held.back());  // one for the client's socket: none left for the server's accept
  held.pop_back();
  WsProbe waiting(s.edge->url(), attacker(0));
  REQUIRE(waiting.connected());
  const double cpu0 = process_cpu_seconds();
  std::this_thread::sleep_for(1500ms);
  const double cpu = process_cpu_seconds() - cpu0;
  INFO("CPU while accept() fails with EMFILE: " << cpu << " s in 1.5 s");
  CHECK(cpu < 0.2);  // spinning took 0.55-1.5 s here (one core, shared)
  for (int fd : held) ::close(fd);
  setrlimit(RLIMIT_NOFILE, &saved);
  CHECK(waiting.tls());  // accepted once descriptors were free again
}

TEST_CASE("edge: TLS 1.2 offers only ECDHE with AEAD suites, no CBC", "[e2e]") {
  TempDir tmp;
  REQUIRE(server::init_data_dir(server::DataPaths{tmp / "server"}, "Trường thử", false).is_ok());
  ServerProcess server(kServer, tmp / "server");
  for (const char* cbc : {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES128-SHA256"}) {
    WsProbe p(server.url());
    INFO(cbc);
    CHECK_FALSE(p.tls(cbc));
  }
  for (const char* aead : {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                           "ECDHE-ECDSA-CHACHA20-POLY1305"}) {
    WsProbe p(server.url());
    INFO(aead);
    CHECK(p.tls(aead));
  }
}

TEST_CASE("edge: the HTTPS status page (/status, beside the console) escapes the school name", "[e2e]") {
  TempDir tmp;
  REQUIRE(server::init_data_dir(server::DataPaths{tmp / "server"}, "Trường <script>alert(\"x\")</script> & Co", false)
              .is_ok());
  ServerProcess server(kServer, tmp / "server");
  WsProbe p(server.url());
  REQUIRE(p.tls());
  const std::string page = p.http_get("/status");
  CHECK_THAT(page, Catch::StartsWith("HTTP/1.1 200"));
  CHECK_THAT(page, Catch::Contains("Trường &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"));
  CHECK_THAT(page, !Catch::Contains("<script>"));
}

TEST_CASE("edge: 150 unauthenticated connections each sending 2 MiB leave the server's memory bounded",
          "[e2e][fault]") {
  Binary s;
  {  // warm up: one honest TLS connection
    WsProbe p(s.server->url());
    REQUIRE(p.tls());
  }
  const long before = rss_kb(s.server->pid());
  std::vector<std::unique_ptr<WsProbe>> probes;
  const std::string chunk(256 * 1024, 'x');
  for (int i = 0; i < 150; ++i) {
    auto p = std::make_unique<WsProbe>(s.server->url(), attacker(i / 15));
    if (p->tls() && p->upgrade(true) && p->send_frame_header(4 * 1024 * 1024 - 1))
      for (int k = 0; k < 8 && p->send_payload(chunk); ++k) {
      }
    probes.push_back(std::move(p));
  }
  std::this_thread::sleep_for(500ms);
  const long after = rss_kb(s.server->pid());
  INFO("server RSS " << before / 1024 << " MB before, " << after / 1024 << " MB with 150 connections");
  CHECK(after - before < 64 * 1024);
}

TEST_CASE("edge: 1200 bare sockets from 40 addresses do not lock a teacher out", "[e2e][fault]") {
  Binary s;
  const std::string dir = s.tmp / "teacher";
  auto enroll = s.client({"enroll", "--data", dir, "--server", s.server->url(), "--user", "gv.toan.1",
                          "--password-stdin", "--fingerprint", s.demo.fingerprint},
                         s.demo.password_of("gv.toan.1") + "\n");
  REQUIRE(enroll.exit_code == 0);
  REQUIRE(s.client({"set", "--data", dir, "6A", "Toán", "HS6A01", "HK1.TX1", "8"}).exit_code == 0);
  std::vector<std::unique_ptr<WsProbe>> bare;
  for (int i = 0; i < 1200; ++i) bare.push_back(std::make_unique<WsProbe>(s.server->url(), attacker(i / 30)));
  std::size_t connected = 0;
  for (auto& b : bare) connected += b->connected() ? 1 : 0;
  CHECK(connected == 1200);
  const auto t0 = SteadyClock::now();
  auto sync = s.client({"sync", "--data", dir, "--max-attempts", "1"});
  INFO("sync with 1,200 bare sockets open: " << seconds_since(t0) << " s; " << sync.err);
  CHECK(sync.exit_code == 0);
  testing::ServerDb db(server::DataPaths{s.demo.dir}.db());
  auto q = db.prepare("SELECT COUNT(*) FROM cells WHERE value = '8'");
  REQUIRE(q.step());
  CHECK(q.int64(0) == 1);
}
