// CpuMeter: where a benchmark round's CPU went, read from /proc (Linux):
// the benchmark's own process (its client threads), the server processes
// it started, the PostgreSQL cluster of SODIEM_TEST_PG (the postmaster and
// its children: backends, WAL writer, checkpointer), and the whole machine.
// A throughput figure then says whether the machine's cores were the limit
// (busy cores near the core count) rather than the server: on 2 cores, a
// second server process cannot add throughput the cores no longer have.
// Used by sodiem_bench only.
#pragma once
#include <sys/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sodiem::bench {

// CPU seconds (user + system) of each thread of `pid`, summed by thread name.
std::map<std::string, double> cpu_by_thread(pid_t pid);
// Each thread name's busy share of `wall` seconds between two of those, in
// % of one core.
nlohmann::json cpu_during(const std::map<std::string, double>& before, const std::map<std::string, double>& after,
                          double wall);

// The median of each figure of the rounds' "cpu" objects (as stop() gives).
nlohmann::json median_cpu(const nlohmann::json& rounds);

class CpuMeter {
 public:
  explicit CpuMeter(std::vector<pid_t> servers);
  void start();
  // {"cores", "busy_cores": {"machine", "clients", "servers", "postgres"},
  //  "cpu_ms_per_1000_ops": {"clients", "servers", "postgres"}}
  nlohmann::json stop(double ops, double seconds);

 private:
  struct Sample {
    double self = 0, machine = 0;                // seconds of CPU
    std::map<pid_t, double> servers, postgres;   // seconds of CPU per process
  };
  Sample sample() const;
  std::vector<pid_t> servers_;
  pid_t postmaster_ = -1;
  Sample start_;
};

}  // namespace sodiem::bench
