#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace sodiem::testing {
namespace {
std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
std::string temp_file() {
  char tmpl[] = "/tmp/sodiem-proc-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  return tmpl;
}
[[noreturn]] void exec_argv(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}
}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input) {
  const std::string in = temp_file(), out = temp_file(), err = temp_file();
  {
    std::ofstream f(in);
    f << input;
  }
  pid_t pid = fork();
  if (pid == 0) {
    int i = open(in.c_str(), O_RDONLY), o = open(out.c_str(), O_WRONLY | O_TRUNC), e = open(err.c_str(), O_WRONLY | O_TRUNC);
    dup2(i, 0);
    dup2(o, 1);
    dup2(e, 2);
    exec_argv(argv);
  }
  CommandResult r;
  r.exit_code = wait_exit(pid);
  r.out = slurp(out);
  r.err = slurp(err);
  unlink(in.c_str());
  unlink(out.c_str());
  unlink(err.c_str());
  return r;
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& stdout_path) {
  pid_t pid = fork();
  if (pid == 0) {
    int o = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int n = open("/dev/null", O_RDONLY);
    dup2(n, 0);
    dup2(o, 1);
    dup2(o, 2);
    exec_argv(argv);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

long rss_kb(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

ServerProcess::ServerProcess(const std::string& server_bin, const std::string& data_dir, const std::string& listen,
                             const std::vector<std::string>& prefix, const std::vector<std::string>& extra) {
  log_path_ = temp_file();
  std::vector<std::string> argv = prefix;
  for (const auto& a : {server_bin, std::string("run"), std::string("--data"), data_dir, std::string("--listen"), listen})
    argv.push_back(a);
  argv.insert(argv.end(), extra.begin(), extra.end());
  pid_ = spawn(argv, log_path_);
  const std::regex re("listening on ([0-9.]+):([0-9]+)");
  for (int i = 0; i < 400; ++i) {
    std::smatch m;
    const std::string log = slurp(log_path_);
    if (std::regex_search(log, m, re)) {
      url_ = "wss://" + m[1].str() + ":" + m[2].str();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  kill_hard();
  throw std::runtime_error("server did not start: " + slurp(log_path_));
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) kill_hard();
  unlink(log_path_.c_str());
}

void ServerProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  wait_exit(pid_);
  pid_ = -1;
}

std::string ServerProcess::log() const { return slurp(log_path_); }

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int code = wait_exit(pid_);
  pid_ = -1;
  return code;
}

}  // namespace sodiem::testing
