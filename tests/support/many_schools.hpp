// Helpers of the many-schools tests (tests/e2e/many_schools_*_test.cpp): two
// demo schools A and B, run_wss_schools on a thread of the test (as
// `sodiem-server run --data A --data B`), a device's enrolment and sync over
// real TLS, and a console request to the school a host name names.
// Header-only; those tests only.
#pragma once
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "sodiem/client/local_store.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "sodiem/client/transport.hpp"
#include "sodiem/net/tls.hpp"
#include "sodiem/server/host_names.hpp"
#include "sodiem/server/school_open.hpp"
#include "sodiem/server/server_db.hpp"
#include "test_school.hpp"
#include "ws_probe.hpp"

namespace sodiem::testing::many_schools {

inline constexpr const char* kHostA = "truong-a.test";
inline constexpr const char* kHostB = "truong-b.test";

// A demo school and its principal's password.
struct School {
  DemoServer demo;
  std::string principal_password;
};

// A demo school in `dir`; `own_identity`: a TLS identity of its own (the
// copies share the template's).
inline School make_school(const std::string& dir, bool own_identity) {
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

// Schools A (tmp/a) and B (tmp/b, its own TLS identity). `named`: each
// folder's host name written (kHostA, kHostB), as `init --host-name` does,
// for the real server binary.
inline std::pair<School, School> two_schools(const TempDir& tmp, bool named = false) {
  std::pair<School, School> ab{make_school(tmp / "a", false), make_school(tmp / "b", true)};
  if (named) {
    server::write_host_names(ab.first.demo.dir, {kHostA});
    server::write_host_names(ab.second.demo.dir, {kHostB});
  }
  return ab;
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

// The port a real server process listens on, and a device's endpoint there
// for the school named `host`.
inline std::string port_of(const ServerProcess& p) { return p.url().substr(p.url().rfind(':') + 1); }
inline client::Endpoint endpoint_at(const std::string& port, const std::string& host, const std::string& fingerprint) {
  return {"wss://" + host + ":" + port, fingerprint, "127.0.0.1"};
}

inline Status enroll(client::LocalStore& store, const client::Endpoint& ep, const std::string& user,
                     const std::string& password) {
  auto t = client::make_wss_transport(ep);
  return client::enroll(store, *t, ep, user, password, "máy thử");
}

inline Result<client::SyncReport> sync(client::LocalStore& store, const client::Endpoint& ep,
                                       client::SyncOptions options = {}) {
  client::SyncEngine engine(store, [ep] { return client::make_wss_transport(ep); }, options);
  return engine.sync();
}

// The value of 6A Toán's cell `col` of `student` on the device.
inline std::string cell(client::LocalStore& store, const std::string& student, const std::string& col) {
  for (const auto& st : store.show("6A", "Toán"))
    if (st.code == student)
      for (const auto& [c, v] : st.cells)
        if (c == col) return v;
  return "";
}

inline std::int64_t scalar(const std::string& dir, const std::string& sql) {
  auto db = server::open_server_db(server::DataPaths{dir}.db());
  auto s = db->prepare(sql);
  REQUIRE(s.step());
  return s.int64(0);
}

// An HTTPS request to the console of the school named `host`; the raw answer.
// `sni`: the TLS host name when not `host` (an attacker's mismatch).
inline std::string console_request(const MultiServer& s, const std::string& host, const std::string& method,
                                   const std::string& path, const std::string& body = "",
                                   const std::string& cookie = "", const std::string& sni = "") {
  WsProbe p(s.address());
  REQUIRE(p.tls("", sni.empty() ? host : sni));
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" + s.port + "\r\nConnection: close\r\n";
  if (!cookie.empty()) req += "Cookie: __Host-sodiem_console=" + cookie + "\r\n";
  if (method == "POST") req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return p.http_raw(req + "\r\n" + body);
}

inline std::string login(const MultiServer& s, const std::string& host, const std::string& user,
                         const std::string& password, const std::string& new_password = "") {
  nlohmann::json body = {{"username", user}, {"password", password}};
  if (!new_password.empty()) body["new_password"] = new_password;
  return console_request(s, host, "POST", "/api/login", body.dump());
}

inline std::string cookie_of(const std::string& answer) {
  const auto at = answer.find("__Host-sodiem_console=");
  return at == std::string::npos ? "" : answer.substr(at + 22, 64);
}

inline bool wait_for(const std::function<bool()>& ok, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!ok()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace sodiem::testing::many_schools
