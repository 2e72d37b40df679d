// The password-hashing threads of a multi-school process and the options
// of `run` that bound it: the schools share the process's threads in turn,
// two open schools make no more threads than one process has, and
// --max-open-schools / --password-threads are honoured or refused in
// Vietnamese before serving. Run by CTest (sync_tests; the [sqlite] case on
// SQLite only, the others on both stores; skipped on a machine of 1 core,
// where the thread counts cannot tell a wrong default from the right one).
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <future>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

#include "many_schools.hpp"
#include "sodiem/server/kdf_pool.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::many_schools;

namespace {

// The password-hashing threads of process `pid` (named by KdfThreads::run).
std::size_t kdf_threads_of(pid_t pid) {
  std::size_t n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::string comm;
    std::getline(std::ifstream(task.path() / "comm"), comm);
    if (comm == "sodiem-kdf") ++n;
  }
  return n;
}

// A test that cannot fail on this machine says so and ends: CTest reports it
// as skipped (SKIP_REGULAR_EXPRESSION of sync_tests, tests/CMakeLists.txt).
void skip(const std::string& why) { std::cout << "SODIEM_TEST_SKIPPED: " << why << std::endl; }

}  // namespace

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
  auto [a, b] = two_schools(tmp);
  MultiServer server({{a.demo.dir, kHostA}, {b.demo.dir, kHostB}});
  client::LocalStore dev_a(tmp / "dev-a"), dev_b(tmp / "dev-b");
  REQUIRE(enroll(dev_a, server.endpoint(kHostA, a.demo.fingerprint), "gv.toan.1", a.demo.password_of("gv.toan.1")));
  REQUIRE(enroll(dev_b, server.endpoint(kHostB, b.demo.fingerprint), "gv.toan.1", b.demo.password_of("gv.toan.1")));
  REQUIRE(server.opens[0] == 1);
  REQUIRE(server.opens[1] == 1);
  // One pool per school would make two (on one core too); none is set in
  // this process: half the cores, at least one (told apart from "every
  // core" from 2 cores on).
  const std::size_t kdf_threads = kdf_threads_of(::getpid());
  CHECK(kdf_threads == server::KdfThreads::default_size());
  CHECK(kdf_threads == std::max<std::size_t>(1, server::KdfThreads::machine_cores() / 2));
}

TEST_CASE("run --max-open-schools and --password-threads: a small value is honoured, one out of bounds is refused "
          "in Vietnamese before serving",
          "[e2e]") {
  TempDir tmp;
  const std::size_t cores = server::KdfThreads::machine_cores();
  // --password-threads set to every core, --max-open-schools to 1: each
  // unlike its default. On one core the only value the first takes is its
  // default (1), honoured or ignored alike.
  if (cores < 2) return skip("1 core: --password-threads can only be its default, 1");
  REQUIRE(cores != server::KdfThreads::default_size());
  REQUIRE(server::WssLimits{}.max_open_schools != 1);
  auto [a, b] = two_schools(tmp, true);
  {
    ServerProcess server(SODIEM_SERVER_BIN, a.demo.dir, "127.0.0.1:0", {},
                         {"--data", b.demo.dir, "--max-open-schools", "1", "--password-threads", std::to_string(cores)});
    const std::string port = port_of(server);
    const auto ep_a = endpoint_at(port, kHostA, a.demo.fingerprint);
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
