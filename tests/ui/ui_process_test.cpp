// `sodiem ui` as a teacher runs it: the real binaries, the real server over
// TLS WebSocket, plain HTTP to the ui on loopback. Refused requests change
// nothing; an answered mark survives SIGKILL; the background agent syncs
// without being asked, also after the server was away.
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

using namespace sodiem;
using namespace sodiem::testing;
using nlohmann::json;

namespace {

const std::string kServer = SODIEM_SERVER_BIN;
const std::string kClient = SODIEM_CLIENT_BIN;

struct HttpAnswer {
  int status = 0;
  std::string head, body;
  json data() const { return json::parse(body); }
};

// One HTTP/1.1 request on its own connection.
HttpAnswer http(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::size_t sent = 0;
  while (sent < request.size()) {
    auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    REQUIRE(n > 0);
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

  Ui(const std::string& data_dir, const std::string& log_path) : dir(data_dir), log(log_path) {
    pid = spawn({kClient, "ui", "--data", dir, "--no-browser", "--listen", "127.0.0.1:0"}, log);
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
    return http(port, "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nCookie: sodiem_ui=" + token +
                          "\r\nConnection: close\r\n\r\n");
  }
  HttpAnswer post(const std::string& target, const std::string& body, const std::string& extra_headers = "") {
    return http(port, "POST " + target + " HTTP/1.1\r\nHost: " + host + "\r\nCookie: sodiem_ui=" + token +
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
    sqlite::Db db(server::DataPaths{demo.dir}.db());
    auto s = db.prepare("SELECT COUNT(*) FROM cells WHERE col = ? AND value = ?");
    s.bind(1, column).bind(2, value);
    REQUIRE(s.step());
    return s.int64(0);
  }
};

std::int64_t outbox_count(const std::string& dir) {
  sqlite::Db db(dir + "/client.db");
  auto s = db.prepare("SELECT COUNT(*) FROM outbox");
  REQUIRE(s.step());
  return s.int64(0);
}

const std::string kEdit =
    R"({"class":"6A","subject":"Toán","edits":[{"student":"HS6A01","column":"HK1.TX1","value":"7,5"}]})";

// Polls GET /api/status until pred holds (the agent works in the background).
bool wait_status(Ui& ui, const std::function<bool(const json&)>& pred, int seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    auto s = ui.get("/api/status");
    if (s.status == 200 && pred(s.data())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

json cell_of(Ui& ui, const std::string& student, const std::string& column) {
  auto g = ui.get("/api/grid?class=6A&subject=To%C3%A1n");
  REQUIRE(g.status == 200);
  const json grid = g.data();
  for (const auto& s : grid["students"])
    if (s["code"] == student) return s["cells"].value(column, json::object());
  return json::object();
}

}  // namespace

TEST_CASE("ui: requests without the token, with another Host or without the CSRF token change nothing", "[ui][e2e]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  Ui ui(dir, school.tmp / "ui.log");
  const auto before = outbox_count(dir);

  auto no_token = http(ui.port, "POST /api/cells HTTP/1.1\r\nHost: " + ui.host + "\r\nX-CSRF-Token: " + ui.csrf +
                                    "\r\nContent-Type: application/json\r\nContent-Length: " +
                                    std::to_string(kEdit.size()) + "\r\nConnection: close\r\n\r\n" + kEdit);
  CHECK(no_token.status == 401);
  auto rebound = http(ui.port, "POST /api/cells HTTP/1.1\r\nHost: attacker.example:" + std::to_string(ui.port) +
                                   "\r\nCookie: sodiem_ui=" + ui.token + "\r\nX-CSRF-Token: " + ui.csrf +
                                   "\r\nContent-Type: application/json\r\nContent-Length: " +
                                   std::to_string(kEdit.size()) + "\r\nConnection: close\r\n\r\n" + kEdit);
  CHECK(rebound.status == 421);
  auto no_csrf = http(ui.port, "POST /api/cells HTTP/1.1\r\nHost: " + ui.host + "\r\nCookie: sodiem_ui=" + ui.token +
                                   "\r\nContent-Type: application/json\r\nContent-Length: " +
                                   std::to_string(kEdit.size()) + "\r\nConnection: close\r\n\r\n" + kEdit);
  CHECK(no_csrf.status == 403);
  CHECK(no_csrf.data()["error"].get<std::string>().find("CSRF") != std::string::npos);
  CHECK(ui.get("/api/session").head.find("Access-Control-Allow-Origin") == std::string::npos);
  // Bounded bodies and depth: a refusal, not a crash.
  CHECK(ui.post("/api/cells", std::string(300000, '[')).status == 400);
  CHECK(ui.post("/api/cells", R"({"class":"6A","subject":"Toán","edits":[{"student":"HS6A01","column":"HK1.TX1","value":"7\u0000"}]})").status == 422);
  CHECK(ui.post("/api/cells", std::string(2 * 1024 * 1024, ' ')).status == 413);
  CHECK(outbox_count(dir) == before);
  // …and the same request with everything in order is recorded.
  auto fine = ui.post("/api/cells", kEdit);
  REQUIRE(fine.status == 200);
  CHECK(fine.data()["results"][0]["ok"] == true);
  CHECK(outbox_count(dir) == before + 1);
}

TEST_CASE("ui: a bad mark, a class one does not teach: the CLI's reasons, nothing stored", "[ui][e2e]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  Ui ui(dir, school.tmp / "ui.log");
  auto r = ui.post("/api/cells", R"({"class":"6A","subject":"Toán","edits":[
      {"student":"HS6A01","column":"HK1.TX1","value":"11"},
      {"student":"HS6A01","column":"HK1.TX2","value":"abc"},
      {"student":"HS6A01","column":"HK1.TX3","value":"8.25"}]})");
  REQUIRE(r.status == 200);
  const json answer = r.data();
  for (const auto& x : answer["results"]) {
    CHECK(x["ok"] == false);
    CHECK(x["code"] == "INVALID_VALUE");
  }
  auto cli = run_command({kClient, "set", "--data", dir, "6A", "Toán", "HS6A01", "HK1.TX1", "11"});
  CHECK(cli.exit_code == 2);
  CHECK(cli.err.find(r.data()["results"][0]["error"].get<std::string>()) != std::string::npos);
  auto other = ui.post("/api/cells", R"({"class":"6A","subject":"Ngữ văn","edits":[{"student":"HS6A01","column":"HK1.TX1","value":"8"}]})");
  CHECK(other.status == 403);
  CHECK(ui.get("/api/grid?class=6A&subject=Ng%E1%BB%AF%20v%C4%83n").status == 403);
  CHECK(outbox_count(dir) == 0);
}

TEST_CASE("ui: a mark answered as saved survives SIGKILL of the ui", "[ui][e2e][fault]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  school.server->stop();  // offline: the mark can only be on this machine
  {
    Ui ui(dir, school.tmp / "ui.log");
    auto r = ui.post("/api/cells", kEdit);
    REQUIRE(r.status == 200);
    REQUIRE(r.data()["results"][0]["state"] == "local");
    ui.kill_hard();
  }
  Ui again(dir, school.tmp / "ui2.log");
  auto cell = cell_of(again, "HS6A01", "HK1.TX1");
  CHECK(cell["value"] == "7.5");
  CHECK(cell["state"] == "local");
  CHECK(again.stop() == 0);
}

TEST_CASE("ui: marks stay local while the server is away and sync by themselves when it is back", "[ui][e2e]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  const std::string listen = school.server->url().substr(std::string("wss://").size());
  Ui ui(dir, school.tmp / "ui.log");
  // Online: synced without anyone asking.
  REQUIRE(ui.post("/api/cells", kEdit).status == 200);
  CHECK(wait_status(ui, [](const json& s) { return s["pending"] == 0 && s["online"] == true; }, 30));
  CHECK(cell_of(ui, "HS6A01", "HK1.TX1")["state"] == "synced");
  CHECK(school.server_cells("HK1.TX1", "7.5") == 1);

  school.server->stop();
  REQUIRE(ui.post("/api/cells", R"({"class":"6A","subject":"Toán","edits":[{"student":"HS6A02","column":"HK1.GK","value":"9"}]})")
              .status == 200);
  CHECK(wait_status(ui, [](const json& s) { return s["online"] == false && s["pending"] == 1; }, 30));
  CHECK(cell_of(ui, "HS6A02", "HK1.GK")["state"] == "local");

  school.server = std::make_unique<ServerProcess>(kServer, school.demo.dir, listen);
  CHECK(wait_status(ui, [](const json& s) { return s["pending"] == 0 && s["online"] == true; }, 90));
  CHECK(cell_of(ui, "HS6A02", "HK1.GK")["state"] == "synced");
  CHECK(school.server_cells("HK1.GK", "9") == 1);
}
