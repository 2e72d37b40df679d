// Running the real binaries from tests and benchmarks: run a command to
// completion, or start the server in the background and wait for its
// "listening on HOST:PORT" line.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace sodiem::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv with `input` on stdin; captures stdout and stderr.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "");

class ServerProcess {
 public:
  // Starts `sodiem-server run --data DIR --listen HOST:0` (or `listen`),
  // then `extra` arguments (e.g. more --data).
  ServerProcess(const std::string& server_bin, const std::string& data_dir,
                const std::string& listen = "127.0.0.1:0", const std::vector<std::string>& prefix = {},
                const std::vector<std::string>& extra = {});
  ~ServerProcess();
  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }
  void kill_hard();  // SIGKILL
  int stop();        // SIGTERM; returns exit status
  std::string log() const;  // what the server printed so far

 private:
  pid_t pid_ = -1;
  std::string url_;
  std::string log_path_;
};

pid_t spawn(const std::vector<std::string>& argv, const std::string& stdout_path);
int wait_exit(pid_t pid);
long rss_kb(pid_t pid);

}  // namespace sodiem::testing
