// sodiem_edge_bench: figures of the server's network edge under attack, for
// any pair of server/client binaries (this tree's, or an older build's, to
// compare). Each run makes its own demo school with the given server binary
// (so password hashes have that version's strength) and prints one JSON line.
//   rss N     server RSS with N unauthenticated connections that upgrade and
//             start a 4 MiB message (2 MiB sent), held open; then with N that
//             upgrade and send nothing
//   bare N    an honest sync of one mark while N bare TCP sockets (30 per
//             address) are open
//   logins N  sync seconds (median of 5) alone, then while N threads keep
//             sending wrong passwords: for one account from one address, then
//             for N unknown accounts from N addresses
// Usage: sodiem_edge_bench SERVER_BIN CLIENT_BIN rss|bare|logins N
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "process.hpp"
#include "test_school.hpp"
#include "ws_probe.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using json = nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

std::string attacker(int n) { return "127.0." + std::to_string(1 + n / 200) + "." + std::to_string(2 + n % 200); }

double mb(long kb) { return static_cast<double>(kb) / 1024.0; }

long open_fds(pid_t pid) {
  long n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::end(it); it.increment(ec))
    ++n;
  return n;
}

struct School {
  std::string server_bin, client_bin;
  TempDir tmp;
  std::string dir = tmp / "server";
  json demo;
  std::unique_ptr<ServerProcess> server;

  School(std::string s, std::string c) : server_bin(std::move(s)), client_bin(std::move(c)) {
    auto init = run_command({server_bin, "init", "--data", dir, "--demo"});
    if (init.exit_code != 0) throw std::runtime_error("init: " + init.err);
    std::ifstream f(dir + "/demo-accounts.json");
    demo = json::parse(f);
    server = std::make_unique<ServerProcess>(server_bin, dir);
  }
  std::string password_of(const std::string& user) {
    for (const auto& a : demo["accounts"])
      if (a["username"] == user) return a["password"];
    throw std::runtime_error("no account " + user);
  }
  CommandResult client(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), client_bin);
    return run_command(args, input);
  }
  std::string enroll(const std::string& user) {
    const std::string d = tmp / user;
    auto r = client({"enroll", "--data", d, "--server", server->url(), "--user", user, "--password-stdin",
                     "--fingerprint", demo["server_fingerprint"]},
                    password_of(user) + "\n");
    if (r.exit_code != 0) throw std::runtime_error("enroll: " + r.err);
    return d;
  }
  // Records one more mark and syncs it: seconds, or a negative number if it failed.
  double timed_sync(const std::string& d, int n) {
    char code[16];
    std::snprintf(code, sizeof code, "HS6A%02d", 1 + n % 40);
    client({"set", "--data", d, "6A", "Toán", code, "HK1.TX1", std::to_string(n % 11)});
    const auto t0 = Steady::now();
    auto r = client({"sync", "--data", d, "--max-attempts", "1"});
    const double s = std::chrono::duration<double>(Steady::now() - t0).count();
    return r.exit_code == 0 ? s : -s;
  }
};

json rss(School& s, int n) {
  {
    WsProbe warm(s.server->url());
    warm.tls();
  }
  const long base = rss_kb(s.server->pid()), base_fds = open_fds(s.server->pid());
  json out = {{"n", n}, {"rss_idle_server_mb", mb(base)}};
  {
    std::vector<std::unique_ptr<WsProbe>> probes;
    const std::string chunk(256 * 1024, 'x');
    int upgraded = 0;
    for (int i = 0; i < n; ++i) {
      auto p = std::make_unique<WsProbe>(s.server->url(), attacker(i / 25));
      if (p->tls() && p->upgrade(true)) {
        ++upgraded;
        if (p->send_frame_header(4 * 1024 * 1024 - 1))
          for (int k = 0; k < 8 && p->send_payload(chunk); ++k) {
          }
      }
      probes.push_back(std::move(p));
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    out["sending_2mib"] = {{"upgraded", upgraded}, {"rss_mb", mb(rss_kb(s.server->pid()))},
                           {"server_connections_open", open_fds(s.server->pid()) - base_fds}};
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  {
    std::vector<std::unique_ptr<WsProbe>> probes;
    int upgraded = 0;
    for (int i = 0; i < n; ++i) {
      auto p = std::make_unique<WsProbe>(s.server->url(), attacker(i / 25));
      if (p->tls() && p->upgrade(true)) ++upgraded;
      probes.push_back(std::move(p));
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    out["silent_after_upgrade"] = {{"upgraded", upgraded}, {"rss_mb", mb(rss_kb(s.server->pid()))},
                                   {"server_connections_open", open_fds(s.server->pid()) - base_fds}};
  }
  return out;
}

json bare(School& s, int n) {
  const std::string d = s.enroll("gv.toan.1");
  const long base_fds = open_fds(s.server->pid());
  std::vector<std::unique_ptr<WsProbe>> sockets;
  int connected = 0;
  for (int i = 0; i < n; ++i) {
    sockets.push_back(std::make_unique<WsProbe>(s.server->url(), attacker(i / 30)));
    connected += sockets.back()->connected() ? 1 : 0;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long held = open_fds(s.server->pid()) - base_fds;
  const double t = s.timed_sync(d, 1);
  return {{"n", n}, {"connected", connected}, {"server_connections_open", held},
          {"sync_ok", t >= 0}, {"sync_seconds", std::abs(t)}};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

json syncs(School& s, const std::string& d, int& k) {
  std::vector<double> t;
  int failed = 0;
  for (int i = 0; i < 5; ++i) {
    const double x = s.timed_sync(d, ++k);
    failed += x < 0 ? 1 : 0;
    t.push_back(std::abs(x));
  }
  return {{"median_s", median(t)}, {"max_s", *std::max_element(t.begin(), t.end())}, {"failed", failed}};
}

// N threads sending wrong passwords until stopped; counts answers by kind.
struct Guessers {
  std::atomic<bool> stop{false};
  std::atomic<int> attempts{0}, refused_rate{0}, refused_password{0}, other{0};
  std::vector<std::thread> threads;
  Guessers(const std::string& url, int n, bool spread) {
    for (int i = 0; i < n; ++i)
      threads.emplace_back([this, url, i, spread] {
        while (!stop) {
          WsProbe p(url, spread ? attacker(i) : "127.0.3.2");
          protocol::Login l;
          l.username = spread ? "khong-co-" + std::to_string(i) : "gv.van.1";
          l.password = "doan-sai-" + std::to_string(attempts++);
          l.device_name = "x";
          if (!p.tls() || !p.upgrade() || !p.send_message(l)) {
            ++other;
            continue;
          }
          auto m = p.read_message(std::chrono::seconds(60));
          const auto* e = m ? std::get_if<protocol::Error>(&*m) : nullptr;
          if (e && e->code == protocol::ErrorCode::kRateLimited) ++refused_rate;
          else if (e && e->code == protocol::ErrorCode::kUnauthenticated) ++refused_password;
          else ++other;
        }
      });
  }
  json finish() {
    stop = true;
    for (auto& t : threads) t.join();
    return {{"attempts", attempts.load()}, {"rate_limited", refused_rate.load()},
            {"wrong_password", refused_password.load()}, {"other", other.load()}};
  }
};

json logins(School& s, int n) {
  const std::string d = s.enroll("gv.toan.1");
  int k = 0;
  json out = {{"n", n}, {"alone", syncs(s, d, k)}};
  for (bool spread : {false, true}) {
    Guessers g(s.server->url(), n, spread);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    json during = syncs(s, d, k);
    during["guesses"] = g.finish();
    out[spread ? "while_guessing_n_accounts_from_n_addresses" : "while_guessing_one_account_from_one_address"] = during;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: sodiem_edge_bench SERVER_BIN CLIENT_BIN rss|bare|logins N\n";
    return 2;
  }
  try {
    School s(argv[1], argv[2]);
    const std::string what = argv[3];
    const int n = std::stoi(argv[4]);
    json out = what == "rss" ? rss(s, n) : what == "bare" ? bare(s, n) : what == "logins" ? logins(s, n) : json();
    if (out.is_null()) throw std::runtime_error("unknown scenario " + what);
    out["scenario"] = what;
    out["server"] = argv[1];
    std::cout << out.dump() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "sodiem_edge_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
