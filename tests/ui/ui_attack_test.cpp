// `sodiem ui` under attack, the real binaries over raw HTTP: malformed
// requests for the agent's jobs are refused and the ui goes on; a second ui
// on the same data directory is refused, naming the first; connections held
// open by someone without the token do not lock the teacher out; two Host
// fields are refused; the ui's sockets are not inherited by what it starts,
// and the browser it starts is not given the token on its command line.
// And its background agent: a job that throws ends only that job, and the
// agent's destructor waits for the job it is running.
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <atomic>

#include "sync_agent.hpp"
#include "ui_harness.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::ui_harness;
using nlohmann::json;

namespace {

// The exit status of pid if it ends within `seconds`; nullopt otherwise.
std::optional<int> exit_within(pid_t pid, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

}  // namespace

TEST_CASE("ui: malformed requests for the agent's jobs (sign, enroll, password) are refused and the ui goes on",
          "[ui][e2e]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  Ui ui(dir, school.tmp / "ui.log");
  auto sign = ui.post("/api/sign", R"({"class":"6A","subject":"Toán","term":"HK3","passphrase":"x"})");
  CHECK(sign.status == 422);
  auto not_mine = ui.post("/api/sign", R"({"class":"6A","subject":"Ngữ văn","term":"HK1","passphrase":"x"})");
  CHECK(not_mine.status == 403);
  auto flag = ui.post("/api/sign", R"({"class":"6A","subject":"Toán","term":"HK1","passphrase":"x","new_key":"yes"})");
  CHECK(flag.status == 400);
  // The class-level steps: a step that does not exist, a class this device does not hold.
  CHECK(ui.post("/api/sign", R"({"class":"6A","step":"publish","term":"HK1","passphrase":"x"})").status == 422);
  CHECK(ui.post("/api/sign", R"({"class":"9Z","step":"approve","term":"HK1","passphrase":"x"})").status == 404);
  CHECK(ui.get("/api/sign?class=6A&step=publish&term=HK1").status == 422);
  auto board = ui.get("/api/sign?class=6A&step=approve&term=HK1");
  REQUIRE(board.status == 200);
  CHECK(board.data()["step"] == "approve");
  CHECK(board.data()["ready"] == false);  // an empty book: the same missing cells as `sodiem sign` names
  CHECK_FALSE(board.data()["missing"].empty());
  CHECK(ui.post("/api/enroll", R"({"server":"wss://127.0.0.1:1"})").status == 400);
  CHECK(ui.post("/api/password", R"({"current":5,"next":"x"})").status == 400);
  auto status = ui.get("/api/status");
  CHECK(status.status == 200);
  CHECK(::kill(ui.pid, 0) == 0);
}

TEST_CASE("ui: a second ui on the same data directory is refused with the first's address, and SIGKILL frees it",
          "[ui][e2e][fault]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  auto first = std::make_unique<Ui>(dir, school.tmp / "ui.log");
  const std::string log = school.tmp / "ui2.log";
  const pid_t second = spawn({kClient, "ui", "--data", dir, "--no-browser", "--listen", "127.0.0.1:0"}, log);
  const auto code = exit_within(second, 20);
  if (!code) {
    ::kill(second, SIGKILL);
    wait_exit(second);
  }
  REQUIRE(code);
  CHECK(*code == 2);
  const std::string said = read_all(log);
  INFO(said);
  CHECK(said.find("http://" + first->host + "/") != std::string::npos);
  CHECK(said.find("đang được một sodiem ui khác dùng") != std::string::npos);
  CHECK(said.find(first->token) == std::string::npos);
  // The first is untouched; killed hard, it leaves nothing that stops the next.
  CHECK(first->get("/api/status").status == 200);
  first->kill_hard();
  first.reset();
  Ui again(dir, school.tmp / "ui3.log");
  CHECK(again.get("/api/status").status == 200);
  CHECK(again.stop() == 0);
}

TEST_CASE("ui: connections held open without the token do not lock the teacher out", "[ui][e2e]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  Ui ui(dir, school.tmp / "ui.log");
  std::vector<int> held;
  for (int i = 0; i < 100; ++i) held.push_back(connect_to(ui.port));
  // Some of them started a request and stall in its headers (slowloris).
  for (std::size_t i = 0; i < held.size(); i += 3) {
    const std::string start = "GET /api/status HTTP/1.1\r\nHost: " + ui.host + "\r\nX-Slow: ";
    CHECK(::send(held[i], start.data(), start.size(), MSG_NOSIGNAL) > 0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < 3; ++i) CHECK(ui.get("/api/status").status == 200);
  CHECK(ui.post("/api/cells", kEdit).status == 200);
  for (int fd : held) ::close(fd);
}

TEST_CASE("ui: a request with two Host fields is refused", "[ui][e2e]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  Ui ui(dir, school.tmp / "ui.log");
  const std::string cookie = "Cookie: sodiem_ui_" + std::to_string(ui.port) + "=" + ui.token + "\r\n";
  for (const auto& hosts : {"Host: " + ui.host + "\r\nHost: evil.example\r\n",
                            "Host: evil.example\r\nHost: " + ui.host + "\r\n"}) {
    auto r = http(ui.port, "GET /api/session HTTP/1.1\r\n" + hosts + cookie + "Connection: close\r\n\r\n");
    CHECK(r.status == 421);
    CHECK(r.body.find("csrf") == std::string::npos);
  }
  CHECK(ui.get("/api/session").status == 200);
}

TEST_CASE("ui: its sockets are close-on-exec (the browser it starts does not inherit the port)", "[ui][e2e]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  Ui ui(dir, school.tmp / "ui.log");
  const int held = connect_to(ui.port);  // an accepted connection too
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string fds = "/proc/" + std::to_string(ui.pid) + "/fd";
  int sockets = 0;
  DIR* d = ::opendir(fds.c_str());
  REQUIRE(d);
  while (auto* e = ::readdir(d)) {
    char target[256] = {};
    const std::string path = fds + "/" + e->d_name;
    if (::readlink(path.c_str(), target, sizeof target - 1) <= 0 || std::string(target).rfind("socket:", 0) != 0)
      continue;
    const std::string info = read_all("/proc/" + std::to_string(ui.pid) + "/fdinfo/" + e->d_name);
    const auto at = info.find("flags:");
    REQUIRE(at != std::string::npos);
    const long flags = std::stol(info.substr(at + 6), nullptr, 8);
    INFO("fd " << e->d_name << " " << info.substr(at, 20));
    CHECK((flags & 02000000) != 0);  // O_CLOEXEC
    ++sockets;
  }
  ::closedir(d);
  CHECK(sockets >= 2);  // the listening socket and the held connection (the agent's may come and go)
  ::close(held);
}

TEST_CASE("ui: the browser is started without the token on its command line", "[ui][e2e]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  const std::string args = school.tmp / "browser-args";
  const std::string fake = school.tmp / "browser.sh";
  {
    std::ofstream f(fake);
    f << "#!/bin/sh\nprintf '%s\\n' \"$@\" > " << args << ".tmp && mv " << args << ".tmp " << args << "\n";
  }
  ::chmod(fake.c_str(), 0700);
  ::setenv("BROWSER", fake.c_str(), 1);
  Ui ui(dir, school.tmp / "ui.log", true);
  ::unsetenv("BROWSER");
  std::string given;
  for (int i = 0; i < 100 && given.empty(); ++i) {
    given = read_all(args);
    if (given.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE_FALSE(given.empty());
  INFO(given);
  CHECK(given.find(ui.token) == std::string::npos);
  // What it was given leads to the launch URL, and only this user can read it.
  const std::string page = given.substr(0, given.find('\n'));
  CHECK(read_all(page).find(ui.url) != std::string::npos);
  struct stat st {};
  REQUIRE(::stat(page.c_str(), &st) == 0);
  CHECK((st.st_mode & 077) == 0);
}

TEST_CASE("ui agent: a job that throws ends only that job, and the destructor waits for the running job", "[ui]") {
  TempDir tmp;
  std::atomic<int> ran{0};
  std::atomic<bool> finished{false};
  {
    client::ui::SyncAgent agent(tmp / "client");
    agent.start();
    agent.post([](client::LocalStore&, const std::function<Status()>&) { throw std::runtime_error("hỏng"); });
    agent.post([&](client::LocalStore&, const std::function<Status()>&) { ++ran; });
    for (int i = 0; i < 100 && ran == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(ran == 1);
    agent.post([&](client::LocalStore&, const std::function<Status()>&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      finished = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(finished);
}
