// The real `sodiem ui` driven over plain HTTP from tests: a school with its
// real server, a ui process on a free port (its token read from the launch
// line), raw HTTP/1.1 requests on their own connections. Used by the
// tests/ui/*_test.cpp files that run the binaries.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "process.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/sqlite/db.hpp"
#include "test_school.hpp"
#include "server_store.hpp"

namespace sodiem::testing::ui_harness {

using nlohmann::json;

inline const std::string kServer = SODIEM_SERVER_BIN;
inline const std::string kClient = SODIEM_CLIENT_BIN;

struct HttpAnswer {
  int status = 0;
  std::string head, body;
  json data() const { return json::parse(body); }
};

// One HTTP/1.1 request on its own connection.
inline HttpAnswer http(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::size_t sent = 0;
  while (sent < request.size()) {
    auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // refused midway (413): read the answer
    sent += static_cast<std::size_t>(n);
  }
  std::string raw;
  char buf[65536];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  HttpAnswer a;
  const auto split = raw.find("\r\n\r\n");
  REQUIRE(split != std::string::npos);
  a.head = raw.substr(0, split);
  a.body = raw.substr(split + 4);
  a.status = std::stoi(a.head.substr(9, 3));
  return a;
}

struct Ui {
  std::string dir, log, url, token, host, csrf;
  int port = 0;
  pid_t pid = -1;

  // browser: let the ui start $BROWSER (else --no-browser).
  Ui(const std::string& data_dir, const std::string& log_path, bool browser = false) : dir(data_dir), log(log_path) {
    std::vector<std::string> argv{kClient, "ui", "--data", dir, "--listen", "127.0.0.1:0"};
    if (!browser) argv.push_back("--no-browser");
    pid = spawn(argv, log);
    std::smatch m;
    const std::regex re(R"(http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{64}))");
    for (int i = 0; i < 200; ++i) {
      std::ifstream f(log);
      std::stringstream ss;
      ss << f.rdbuf();
      const std::string text = ss.str();
      if (std::regex_search(text, m, re)) {
        port = std::stoi(m[1]);
        token = m[2];
        url = m[0];
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE(port > 0);
    host = "127.0.0.1:" + std::to_string(port);
    auto s = get("/api/session");
    REQUIRE(s.status == 200);
    csrf = s.data()["csrf"];
  }
  ~Ui() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      wait_exit(pid);
    }
  }
  HttpAnswer get(const std::string& target) {
    return http(port, "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nCookie: sodiem_ui_" + std::to_string(port) + "=" + token +
                          "\r\nConnection: close\r\n\r\n");
  }
  HttpAnswer post(const std::string& target, const std::string& body, const std::string& extra_headers = "") {
    return http(port, "POST " + target + " HTTP/1.1\r\nHost: " + host + "\r\nCookie: sodiem_ui_" + std::to_string(port) + "=" + token +
                          "\r\nX-CSRF-Token: " + csrf + "\r\nContent-Type: application/json\r\n" + extra_headers +
                          "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  }
  void kill_hard() {
    ::kill(pid, SIGKILL);
    wait_exit(pid);
    pid = -1;
  }
  int stop() {
    ::kill(pid, SIGTERM);
    const int code = wait_exit(pid);
    pid = -1;
    return code;
  }
};

struct School {
  TempDir tmp;
  DemoServer demo = make_demo_server(tmp / "server");
  std::unique_ptr<ServerProcess> server = std::make_unique<ServerProcess>(kServer, demo.dir);

  std::string enroll(const std::string& user) {
    const std::string dir = tmp / ("client-" + user);
    auto r = run_command({kClient, "enroll", "--data", dir, "--server", server->url(), "--user", user,
                          "--password-stdin", "--fingerprint", demo.fingerprint},
                         demo.password_of(user) + "\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return dir;
  }
  std::int64_t server_cells(const std::string& column, const std::string& value) {
    testing::ServerDb db(server::DataPaths{demo.dir}.db());
    auto s = db.prepare("SELECT COUNT(*) FROM cells WHERE col = ? AND value = ?");
    s.bind(1, column).bind(2, value);
    REQUIRE(s.step());
    return s.int64(0);
  }
};

inline std::int64_t outbox_count(const std::string& dir) {
  sqlite::Db db(dir + "/client.db");
  auto s = db.prepare("SELECT COUNT(*) FROM outbox");
  REQUIRE(s.step());
  return s.int64(0);
}

inline const std::string kEdit =
    R"({"class":"6A","subject":"Toán","edits":[{"student":"HS6A01","column":"HK1.TX1","value":"7,5"}]})";

// Polls GET /api/status until pred holds (the agent works in the background).
inline bool wait_status(Ui& ui, const std::function<bool(const json&)>& pred, int seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    auto s = ui.get("/api/status");
    if (s.status == 200 && pred(s.data())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

inline json cell_of(Ui& ui, const std::string& student, const std::string& column) {
  auto g = ui.get("/api/grid?class=6A&subject=To%C3%A1n");
  REQUIRE(g.status == 200);
  const json grid = g.data();
  for (const auto& s : grid["students"])
    if (s["code"] == student) return s["cells"].value(column, json::object());
  return json::object();
}


}  // namespace sodiem::testing::ui_harness
