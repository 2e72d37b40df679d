// ingest_20 over several schools in one process (see schools_bench.hpp):
// client j belongs to school j mod S and syncs through server (j / S) mod
// servers, so every school is reached through every process; or, routed by
// school, through server (j mod S) mod servers, as a front that sends each
// school's host name to one process does.
#include "schools_bench.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "cpu_meter.hpp"
#include "process.hpp"
#include "sodiem/client/local_store.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "sodiem/server/host_names.hpp"
#include "test_school.hpp"

namespace sodiem::bench {

using nlohmann::json;
using namespace sodiem::testing;

namespace {

json round_of(int servers, int schools, bool by_school, FillOutbox fill) {
  TempDir tmp;
  std::vector<DemoServer> demos;
  std::vector<std::string> extra;
  for (int k = 0; k < schools; ++k) {
    demos.push_back(make_demo_server(tmp / ("school" + std::to_string(k))));
    server::write_host_names(demos.back().dir, {"truong-" + std::to_string(k) + ".bench.test"});
    if (k > 0) extra.insert(extra.end(), {"--data", demos.back().dir});
  }
  std::vector<std::unique_ptr<ServerProcess>> procs;
  for (int s = 0; s < servers; ++s)
    procs.push_back(std::make_unique<ServerProcess>(SODIEM_SERVER_BIN, demos[0].dir, "127.0.0.1:0",
                                                    std::vector<std::string>{}, extra));
  const int per = 1000, clients = 20;
  std::vector<std::pair<std::string, client::Endpoint>> devices;
  for (int j = 0; j < clients; ++j) {
    const auto& demo = demos[static_cast<std::size_t>(j % schools)];
    std::vector<std::string> teachers;
    for (const auto& a : demo.accounts)
      if (!a["subjects"].empty()) teachers.push_back(a["username"]);
    const std::string user = teachers.at(static_cast<std::size_t>(j / schools));
    const int via = by_school ? (j % schools) % servers : (j / schools) % servers;
    const auto& url = procs[static_cast<std::size_t>(via)]->url();
    client::Endpoint ep{"wss://truong-" + std::to_string(j % schools) + ".bench.test:" + url.substr(url.rfind(':') + 1),
                        demo.fingerprint, "127.0.0.1"};
    const std::string dir = tmp / ("client" + std::to_string(j));
    {
      client::LocalStore store(dir);
      auto t = client::make_wss_transport(ep);
      if (auto st = client::enroll(store, *t, ep, user, demo.password_of(user), "bench"); !st)
        throw std::runtime_error("enroll " + user + ": " + st.message());
    }
    fill(dir, per);
    devices.emplace_back(dir, ep);
  }
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::atomic<std::uint64_t> refused{0};
  std::vector<pid_t> pids;
  for (const auto& p : procs) pids.push_back(p->pid());
  CpuMeter cpu(pids);
  cpu.start();
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& [dir, ep] : devices)
    threads.emplace_back([&, dir = dir, ep = ep] {
      client::LocalStore store(dir);
      client::SyncEngine engine(store, [ep] { return client::make_wss_transport(ep); }, {});
      auto r = engine.sync();
      if (!r || r->pushed != static_cast<std::uint64_t>(per)) {
        ++failures;
        std::cerr << "ingest_20_schools " << dir << ": "
                  << (r ? std::to_string(r->pushed) + " pushed" : r.status().message()) << "\n";
      } else {
        refused += r->rejected;
      }
    });
  for (auto& t : threads) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const json used = cpu.stop(per * clients, s);
  if (failures) throw std::runtime_error("ingest_20_schools: " + std::to_string(failures.load()) + " clients failed");
  const int n = per * clients;
  return {{"clients", clients}, {"servers", servers}, {"schools", schools}, {"routed", by_school ? "by school" : "spread"},
          {"ops", n}, {"refused", refused.load()},
          {"seconds", s}, {"ops_per_s", n / s}, {"accepted_ops_per_s", (n - static_cast<double>(refused)) / s},
          {"cpu", used}};
}

double median(const json& rounds, const char* key) {
  std::vector<double> v;
  for (const auto& r : rounds) v.push_back(r[key].get<double>());
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

json run_ingest_20_schools(int servers, int schools, int rounds, bool by_school, FillOutbox fill) {
  json all = json::array();
  for (int i = 0; i < rounds; ++i) all.push_back(round_of(servers, schools, by_school, fill));
  if (rounds == 1) return all[0];
  return {{"clients", 20},
          {"servers", servers},
          {"schools", schools},
          {"routed", by_school ? "by school" : "spread"},
          {"ops", 20000},
          {"ops_per_s", median(all, "ops_per_s")},
          {"accepted_ops_per_s", median(all, "accepted_ops_per_s")},
          {"refused", all[0]["refused"]},
          {"cpu", median_cpu(all)},
          {"rounds", all}};
}

}  // namespace sodiem::bench
