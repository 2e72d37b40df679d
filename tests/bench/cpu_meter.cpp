// CpuMeter (see cpu_meter.hpp): /proc/PID/stat's utime + stime for the
// servers and the cluster's processes, getrusage for the benchmark itself,
// /proc/stat's busy ticks for the machine. A process that ends inside the
// round is not counted (the rounds keep their connections open); one that
// starts inside it counts from zero.
#include "cpu_meter.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace sodiem::bench {
namespace {

const double kTick = static_cast<double>(sysconf(_SC_CLK_TCK));

// {ppid, CPU seconds} of a process or thread from its stat file, or ppid -1
// if it is gone.
std::pair<pid_t, double> stat_at(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return {-1, 0};
  const auto close = line.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return {-1, 0};
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  pid_t ppid = -1;
  double utime = 0, stime = 0;
  for (int i = 3; rest >> field && i <= 15; ++i) {  // fields are numbered from 1
    if (i == 4) ppid = std::atoi(field.c_str());
    if (i == 14) utime = std::atof(field.c_str());
    if (i == 15) stime = std::atof(field.c_str());
  }
  return {ppid, (utime + stime) / kTick};
}
std::pair<pid_t, double> stat_of(pid_t pid) { return stat_at("/proc/" + std::to_string(pid) + "/stat"); }

double machine_busy_seconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return (user + nice + system + irq + softirq + steal) / kTick;
}

double self_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

pid_t postmaster_of_test_cluster() {
  const char* dir = std::getenv("SODIEM_TEST_PG");
  if (!dir) return -1;
  std::ifstream cluster(std::string(dir) + "/cluster");
  std::string path;
  if (!std::getline(cluster, path)) return -1;
  std::ifstream pidfile(path + "/data/postmaster.pid");
  pid_t pid = -1;
  pidfile >> pid;
  return pidfile ? pid : -1;
}

double sum_since(const std::map<pid_t, double>& now, const std::map<pid_t, double>& then) {
  double total = 0;
  for (const auto& [pid, seconds] : now) {
    const auto before = then.find(pid);
    total += seconds - (before == then.end() ? 0 : before->second);
  }
  return total;
}

}  // namespace

std::map<std::string, double> cpu_by_thread(pid_t pid) {
  std::map<std::string, double> out;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::string comm;
    std::getline(std::ifstream(task.path() / "comm"), comm);
    out[comm] += stat_at(task.path() / "stat").second;
  }
  return out;
}

nlohmann::json cpu_during(const std::map<std::string, double>& before, const std::map<std::string, double>& after,
                          double wall) {
  nlohmann::json out;
  for (const auto& [name, s] : after) {
    auto it = before.find(name);
    out[name] = std::round((s - (it == before.end() ? 0 : it->second)) / wall * 100);
  }
  return out;
}

nlohmann::json median_cpu(const nlohmann::json& rounds) {
  nlohmann::json out = rounds.at(0).at("cpu");
  for (const char* group : {"busy_cores", "cpu_ms_per_1000_ops"})
    for (auto& [name, value] : out[group].items()) {
      std::vector<double> v;
      for (const auto& r : rounds) v.push_back(r.at("cpu").at(group).value(name, 0.0));
      std::sort(v.begin(), v.end());
      value = v[v.size() / 2];
    }
  return out;
}

CpuMeter::CpuMeter(std::vector<pid_t> servers) : servers_(std::move(servers)), postmaster_(postmaster_of_test_cluster()) {}

CpuMeter::Sample CpuMeter::sample() const {
  Sample s;
  s.self = self_seconds();
  s.machine = machine_busy_seconds();
  for (pid_t pid : servers_)
    if (auto [ppid, seconds] = stat_of(pid); ppid != -1) s.servers[pid] = seconds;
  if (postmaster_ > 0) {
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      const std::string name = entry.path().filename();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
      const pid_t pid = std::atoi(name.c_str());
      if (auto [ppid, seconds] = stat_of(pid); pid == postmaster_ || ppid == postmaster_) s.postgres[pid] = seconds;
    }
  }
  return s;
}

void CpuMeter::start() { start_ = sample(); }

nlohmann::json CpuMeter::stop(double ops, double seconds) {
  const Sample end = sample();
  const double clients = end.self - start_.self, servers = sum_since(end.servers, start_.servers),
               postgres = sum_since(end.postgres, start_.postgres), machine = end.machine - start_.machine;
  auto per_1000 = [&](double cpu) { return ops > 0 ? cpu * 1e6 / ops : 0.0; };  // ms per 1,000 ops
  auto busy = [&](double cpu) { return seconds > 0 ? cpu / seconds : 0.0; };
  nlohmann::json out = {{"cores", std::thread::hardware_concurrency()},
                        {"busy_cores", {{"machine", busy(machine)}, {"clients", busy(clients)}, {"servers", busy(servers)}}},
                        {"cpu_ms_per_1000_ops", {{"clients", per_1000(clients)}, {"servers", per_1000(servers)}}}};
  if (postmaster_ > 0) {
    out["busy_cores"]["postgres"] = busy(postgres);
    out["cpu_ms_per_1000_ops"]["postgres"] = per_1000(postgres);
  }
  return out;
}

}  // namespace sodiem::bench
