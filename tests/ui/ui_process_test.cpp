// `sodiem ui` as a teacher runs it: the real binaries, the real server over
// TLS WebSocket, plain HTTP to the ui on loopback. Refused requests change
// nothing; an answered mark survives SIGKILL; the background agent syncs
// without being asked, also after the server was away.
#include "ui_harness.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::ui_harness;
using nlohmann::json;

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
                                   "\r\nCookie: sodiem_ui_" + std::to_string(ui.port) + "=" + ui.token + "\r\nX-CSRF-Token: " + ui.csrf +
                                   "\r\nContent-Type: application/json\r\nContent-Length: " +
                                   std::to_string(kEdit.size()) + "\r\nConnection: close\r\n\r\n" + kEdit);
  CHECK(rebound.status == 421);
  auto no_csrf = http(ui.port, "POST /api/cells HTTP/1.1\r\nHost: " + ui.host + "\r\nCookie: sodiem_ui_" + std::to_string(ui.port) + "=" + ui.token +
                                   "\r\nContent-Type: application/json\r\nContent-Length: " +
                                   std::to_string(kEdit.size()) + "\r\nConnection: close\r\n\r\n" + kEdit);
  CHECK(no_csrf.status == 403);
  CHECK(no_csrf.data()["error"].get<std::string>().find("CSRF") != std::string::npos);
  CHECK(ui.get("/api/session").head.find("Access-Control-Allow-Origin") == std::string::npos);
  // Bounded bodies and depth: a refusal, not a crash.
  CHECK(ui.post("/api/cells", std::string(300000, '[')).status == 400);
  CHECK(ui.post("/api/cells", R"({"class":"6A","subject":"Toán","edits":[{"student":"HS6A01","column":"HK1.TX1","value":"7\u0000"}]})").status == 422);
  // A body over 1 MiB is refused from its Content-Length, before it is read.
  auto big = http(ui.port, "POST /api/cells HTTP/1.1\r\nHost: " + ui.host + "\r\nCookie: sodiem_ui_" + std::to_string(ui.port) + "=" + ui.token +
                               "\r\nX-CSRF-Token: " + ui.csrf +
                               "\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n");
  CHECK(big.status == 413);
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

namespace {
// Sends a request and reads until the connection ends, whatever comes back.
void send_only(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    char buf[4096];
    while (::recv(fd, buf, sizeof buf, 0) > 0) {
    }
  }
  ::close(fd);
}
}  // namespace

TEST_CASE("ui: a pasted batch is recorded in one transaction: SIGKILL midway leaves all of it or none", "[ui][e2e][fault]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  school.server->stop();  // offline: nothing leaves the outbox meanwhile
  // 40 students × 6 columns × 2 terms = 480 edits, one bad.
  json edits = json::array();
  for (int st = 1; st <= 40; ++st)
    for (const char* col : {"TX1", "TX2", "TX3", "TX4", "GK", "CK"})
      for (const char* term : {"HK1.", "HK2."}) {
        char code[16];
        std::snprintf(code, sizeof code, "HS6A%02d", st);
        edits.push_back({{"student", code}, {"column", std::string(term) + col}, {"value", "8"}});
      }
  edits[7]["value"] = "11";
  const std::string body = json{{"class", "6A"}, {"subject", "Toán"}, {"edits", edits}}.dump();
  const std::int64_t n = static_cast<std::int64_t>(edits.size()) - 1;
  {
    Ui ui(dir, school.tmp / "ui.log");
    auto whole = ui.post("/api/cells", body);
    REQUIRE(whole.status == 200);
    CHECK(whole.data()["results"][7]["ok"] == false);
    CHECK(outbox_count(dir) == n);
    // Again, killed while it records (the answer may or may not have come).
    std::thread killer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      ::kill(ui.pid, SIGKILL);
    });
    send_only(ui.port, "POST /api/cells HTTP/1.1\r\nHost: " + ui.host + "\r\nCookie: sodiem_ui_" + std::to_string(ui.port) +
                      "=" + ui.token + "\r\nX-CSRF-Token: " + ui.csrf + "\r\nContent-Type: application/json\r\n" +
                      "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    killer.join();
    wait_exit(ui.pid);
    ui.pid = -1;
  }
  const auto after = outbox_count(dir);
  CHECK((after == n || after == 2 * n));
  Ui again(dir, school.tmp / "ui2.log");  // and the store opens
  CHECK(again.get("/api/status").status == 200);
}
