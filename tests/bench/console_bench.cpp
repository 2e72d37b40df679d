// Figures of the school's console while devices sync (issue 16: "the console
// stays responsive while 200 devices sync"). The real server binary on the
// demo school; N devices (default 200, enrolled round-robin over the demo
// teachers) each record M marks, then all sync at once on N threads while
// the principal's console, logged in over real TLS, asks for Tiến độ and its
// session in a loop, from another address than the devices. Prints one JSON object: the console's latencies idle
// and under the sync load, and the load's wall time. Not a CTest test:
//   build/tests/sodiem_console_bench [DEVICES [MARKS]]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "process.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "test_school.hpp"
#include "ws_probe.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

double ms_since(Steady::time_point t0) { return std::chrono::duration<double, std::milli>(Steady::now() - t0).count(); }

struct ConsoleProbe {
  std::string url, host, cookie;
  std::string request(const std::string& method, const std::string& path, const std::string& body = "") {
    // From the office's own address: the devices' 127.0.0.1 is at its bound
    // of unauthenticated connections (ConnectionTable) during the storm.
    WsProbe p(url, "127.0.0.2");
    if (!p.tls()) throw std::runtime_error("console: no TLS");
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n";
    if (!cookie.empty()) req += "Cookie: __Host-sodiem_console=" + cookie + "\r\n";
    if (method == "POST")
      req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    const std::string raw = p.http_raw(req + "\r\n" + body);
    if (raw.rfind("HTTP/1.1 200", 0) != 0) throw std::runtime_error("console: " + raw.substr(0, 200));
    return raw;
  }
  // One Tiến độ page as the browser loads it: the session, then the progress.
  double page_ms() {
    const auto t0 = Steady::now();
    request("GET", "/api/session");
    request("GET", "/api/progress?term=HK1");
    return ms_since(t0);
  }
};

json stats(std::vector<double> v) {
  if (v.empty()) return nullptr;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<std::size_t>(q * (v.size() - 1) + 0.5))]; };
  return {{"n", v.size()}, {"p50_ms", at(0.5)}, {"p95_ms", at(0.95)}, {"max_ms", v.back()}};
}

}  // namespace

int main(int argc, char** argv) {
  const int devices = argc > 1 ? std::stoi(argv[1]) : 200;
  const int marks = argc > 2 ? std::stoi(argv[2]) : 40;
  TempDir tmp;
  DemoServer demo = make_demo_server(tmp / "server");
  ServerProcess server(SODIEM_SERVER_BIN, demo.dir);

  ConsoleProbe console{server.url(), server.url().substr(std::string("wss://").size()), ""};
  {
    const json login = {{"username", "hieutruong"}, {"password", demo.password_of("hieutruong")}};
    const std::string raw = console.request("POST", "/api/login", login.dump());
    const auto at = raw.find("__Host-sodiem_console=");
    console.cookie = raw.substr(at + 22, 64);
  }

  struct Teacher {
    std::string user, cls, subject;
  };
  std::vector<Teacher> teachers;
  for (const auto& a : demo.accounts)
    if (!a["subjects"].empty() && !a["classes"].empty())
      teachers.push_back({a["username"], a["classes"][0], a["subjects"][0]});
  std::vector<std::string> dirs;
  const auto t_enroll = Steady::now();
  for (int i = 0; i < devices; ++i) {
    const Teacher& t = teachers[i % teachers.size()];
    const std::string dir = tmp / ("device" + std::to_string(i));
    client::LocalStore store(dir);
    client::Endpoint ep{server.url(), demo.fingerprint};
    auto transport = client::make_wss_transport(ep);
    if (auto st = client::enroll(store, *transport, ep, t.user, demo.password_of(t.user), "bench" + std::to_string(i)); !st)
      throw std::runtime_error("enroll: " + st.message());
    for (int m = 0; m < marks; ++m) {
      char code[16];
      std::snprintf(code, sizeof code, "%02d", 1 + m % 30);
      const std::string column = "HK1.TX" + std::to_string(1 + (m / 30 + i) % 4);
      (void)store.record({t.cls, t.subject, "HS" + t.cls + code, column}, std::to_string(5 + (i + m) % 5));
    }
    dirs.push_back(dir);
  }
  const double enroll_s = ms_since(t_enroll) / 1000;

  std::vector<double> idle;
  for (int i = 0; i < 20; ++i) idle.push_back(console.page_ms());

  std::atomic<int> running{0}, failures{0};
  std::vector<std::thread> threads;
  const auto t0 = Steady::now();
  for (const auto& d : dirs) {
    ++running;
    threads.emplace_back([&, d] {
      client::LocalStore store(d);
      auto e = store.enrollment();
      client::SyncEngine engine(store, [&] { return client::make_wss_transport({e->server_url, e->fingerprint}); });
      if (!engine.sync()) ++failures;
      --running;
    });
  }
  std::vector<double> loaded;
  while (running > 0) loaded.push_back(console.page_ms());
  for (auto& t : threads) t.join();
  const double sync_s = ms_since(t0) / 1000;

  std::cout << json{{"devices", devices},
                    {"marks_per_device", marks},
                    {"enroll_s", enroll_s},
                    {"sync_all_s", sync_s},
                    {"sync_failures", failures.load()},
                    {"console_page_idle", stats(idle)},
                    {"console_page_during_sync", stats(loaded)},
                    {"note", "a page = GET /api/session + GET /api/progress, each a new TLS connection"}}
                   .dump(2)
            << "\n";
  return failures ? 1 : 0;
}
