// End-to-end tests of the real binaries: sodiem-server and sodiem, over real
// TLS WebSocket on loopback, with processes killed at bad moments.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "process.hpp"
#include "sodiem/client/local_store.hpp"
#include "sodiem/core/names.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/server_db.hpp"
#include "test_school.hpp"
#include "server_store.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

const std::string kServer = SODIEM_SERVER_BIN;
const std::string kClient = SODIEM_CLIENT_BIN;

struct School {
  TempDir tmp;
  DemoServer demo = make_demo_server(tmp / "server");
  std::unique_ptr<ServerProcess> server = std::make_unique<ServerProcess>(kServer, demo.dir);

  CommandResult client(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), kClient);
    return run_command(args, input);
  }
  void enroll(const std::string& dir, const std::string& user) {
    auto r = client({"enroll", "--data", dir, "--server", server->url(), "--user", user, "--password-stdin",
                     "--fingerprint", demo.fingerprint},
                    demo.password_of(user) + "\n");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  // A server command acting for `user`, who proves it with their password.
  CommandResult act(const std::string& user, std::vector<std::string> args) {
    args.insert(args.begin(), kServer);
    for (const char* a : {"--by", user.c_str(), "--password-stdin"}) args.emplace_back(a);
    return run_command(args, demo.password_of(user) + "\n");
  }
  std::int64_t server_scalar(const std::string& sql) {
    testing::ServerDb db(server::DataPaths{demo.dir}.db());
    auto s = db.prepare(sql);
    REQUIRE(s.step());
    return s.int64(0);
  }
  std::string client_outbox(const std::string& dir) {
    sqlite::Db db(dir + "/client.db");
    auto s = db.prepare("SELECT group_concat(seq || ':' || value || ':' || state, ',') FROM outbox");
    s.step();
    return s.text(0);
  }
};

}  // namespace

TEST_CASE("server killed with SIGKILL during a sync of 10,000 ops: every op lands exactly once", "[e2e][fault]") {
  School s;
  const std::string dir = s.tmp / "teacher";
  s.enroll(dir, "gv.toan.1");
  {
    client::LocalStore store(dir);
    const char* cols[] = {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4", "HK1.GK", "HK1.CK",
                          "HK2.TX1", "HK2.TX2", "HK2.TX3", "HK2.TX4", "HK2.GK", "HK2.CK"};
    const char* classes[] = {"6A", "6B", "7A", "7B"};
    int n = 0;
    for (int round = 0; n < 10000; ++round)
      for (const char* cls : classes)
        for (int st = 1; st <= 40 && n < 10000; ++st)
          for (const char* col : cols) {
            if (n >= 10000) break;
            char code[16];
            std::snprintf(code, sizeof code, "HS%s%02d", cls, st);
            auto r = store.record({cls, "Toán", code, col}, std::to_string((n + round) % 11));
            REQUIRE(r.is_ok());
            ++n;
          }
  }
  const std::string sync_log = s.tmp / "sync.log";
  pid_t sync = spawn({kClient, "sync", "--data", dir, "--max-attempts", "1"}, sync_log);
  // Kill the server once it has committed part of the push, not all of it.
  const std::string db_path = server::DataPaths{s.demo.dir}.db();
  std::int64_t seen = 0;
  for (int i = 0; i < 2000 && seen == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    sqlite::Db db(db_path);
    auto q = db.prepare("SELECT COALESCE(MAX(high_seq), 0) FROM devices");
    q.step();
    seen = q.int64(0);
  }
  s.server->kill_hard();
  const int first_exit = wait_exit(sync);
  INFO("high seq when killed: " << seen);
  CHECK(seen > 0);
  if (seen < 10000) CHECK(first_exit != 0);

  s.server = std::make_unique<ServerProcess>(kServer, s.demo.dir);
  // The server's port changed: the client keeps its enrollment, only the URL moves.
  {
    sqlite::Db db(dir + "/client.db");
    db.prepare("UPDATE meta SET value = ? WHERE key = 'server_url'").bind(1, s.server->url()).run();
  }
  auto r = s.client({"sync", "--data", dir, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(s.server_scalar("SELECT high_seq FROM devices d JOIN users u ON u.id = d.user_id WHERE u.username = 'gv.toan.1'") ==
        10000);
  CHECK(s.server_scalar("SELECT COUNT(*) FROM changes") == s.server_scalar("SELECT COUNT(DISTINCT seq) FROM changes"));
  CHECK(s.server_scalar("SELECT COUNT(*) FROM (SELECT seq FROM changes UNION SELECT seq FROM op_outcomes)") == 10000);
  auto status = s.client({"status", "--data", dir, "--json"});
  CHECK_THAT(status.out, Catch::Contains("\"pending\":0"));
}

TEST_CASE("client killed right after set returns: the mark survives and syncs", "[e2e][fault]") {
  School s;
  const std::string dir = s.tmp / "teacher";
  s.enroll(dir, "gv.toan.1");
  const std::string log = s.tmp / "set.log";
  pid_t set = spawn({kClient, "set", "--data", dir, "6A", "Toán", "HS6A07", "HK1.GK", "7,5"}, log);
  // Kill it the moment it reports the mark as recorded (or after it exits).
  for (int i = 0; i < 5000; ++i) {
    std::ifstream f(log);
    std::string text((std::istreambuf_iterator<char>(f)), {});
    if (text.find("Đã ghi") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  ::kill(set, SIGKILL);
  wait_exit(set);
  auto r = s.client({"sync", "--data", dir});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(s.server_scalar("SELECT COUNT(*) FROM cells WHERE value = '7.5' AND col = 'HK1.GK'") == 1);
}

TEST_CASE("bad input at the CLI: clear message, non-zero exit, nothing stored changed", "[e2e]") {
  School s;
  const std::string dir = s.tmp / "teacher";
  s.enroll(dir, "gv.toan.1");
  REQUIRE(s.client({"set", "--data", dir, "6A", "Toán", "HS6A01", "HK1.TX1", "8"}).exit_code == 0);
  const std::string before = s.client_outbox(dir);

  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  for (const auto& c : std::vector<Case>{
           {{"set", "--data", dir, "7Z", "Toán", "HS6A01", "HK1.TX1", "8"}, "lớp \"7Z\""},
           {{"set", "--data", dir, "6A", "Toán", "HS6A01", "HK1.TX1", "abc"}, "điểm \"abc\" không hợp lệ"},
           {{"set", "--data", dir, "6A", "Toán", "HS6A01", "HK1.TX1", "11"}, "từ 0 đến 10"},
           {{"set", "--data", dir, "6A", "Toán", "HS9Z99", "HK1.TX1", "8"}, "HS9Z99"},
           {{"set", "--data", dir, "6A", "Toán", "HS6A01", "HK7.TX1", "8"}, "cột"},
           {{"set", "--data", dir, "6A", "Ngữ văn", "HS6A01", "HK1.TX1", "8"}, "không được phân công"},
           {{"set", "--data", s.tmp / "nowhere", "6A", "Toán", "HS6A01", "HK1.TX1", "8"}, "chưa được đăng ký"},
       }) {
    auto r = s.client(c.args);
    INFO(c.args[3] << " → " << r.err);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.err, Catch::Contains(c.expect));
  }
  CHECK(s.client_outbox(dir) == before);

  // Unreachable server: the mark stays queued.
  {
    sqlite::Db db(dir + "/client.db");
    db.prepare("UPDATE meta SET value = 'wss://127.0.0.1:1' WHERE key = 'server_url'").run();
  }
  auto r = s.client({"sync", "--data", dir, "--max-attempts", "1"});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("không kết nối được"));
  CHECK(s.client_outbox(dir) == before);

  // Wrong password and wrong fingerprint: no enrollment is kept.
  const std::string other = s.tmp / "other";
  r = s.client({"enroll", "--data", other, "--server", s.server->url(), "--user", "gv.toan.1", "--password-stdin",
                "--fingerprint", s.demo.fingerprint},
               "wrong-password\n");
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("Sai tên đăng nhập hoặc mật khẩu"));
  r = s.client({"enroll", "--data", other, "--server", s.server->url(), "--user", "gv.toan.1", "--password-stdin",
                "--fingerprint", std::string(64, 'a')},
               s.demo.password_of("gv.toan.1") + "\n");
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("vân tay"));
  CHECK(s.client({"status", "--data", other, "--json"}).exit_code != 0);
  CHECK(s.server_scalar("SELECT COUNT(*) FROM devices") == 1);
}

// No client resumes a TLS session (each `sodiem` run is a new process), so
// the server sends no session tickets: they were a fifth of a no-op sync's bytes.
TEST_CASE("the server's TLS 1.3 handshake sends no session tickets", "[e2e]") {
  School s;
  const std::string url = s.server->url();  // wss://127.0.0.1:PORT
  const auto colon = url.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1))));
  REQUIRE(inet_pton(AF_INET, url.substr(6, colon - 6).c_str(), &addr.sin_addr) == 1);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  REQUIRE(connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  timeval wait{0, 300000};  // long enough for anything the server sends after the handshake
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  REQUIRE(SSL_connect(ssl) == 1);
  CHECK(SSL_version(ssl) == TLS1_3_VERSION);
  char byte = 0;
  CHECK(SSL_read(ssl, &byte, 1) <= 0);  // the server waits for the WebSocket upgrade: reads only tickets, if any
  SSL_SESSION* session = SSL_get1_session(ssl);
  REQUIRE(session != nullptr);
  CHECK_FALSE(SSL_SESSION_has_ticket(session));
  SSL_SESSION_free(session);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  close(fd);
}

TEST_CASE("server stops gracefully on SIGTERM", "[e2e]") {
  School s;
  CHECK(s.server->stop() == 0);
}

TEST_CASE("sodiem grading eval answers on stdout and refuses bad input with a non-zero exit", "[e2e]") {
  auto ok = run_command({kClient, "grading", "eval"},
                        R"({"rule":"TT22","op":"term_average","tx":["7","7","6"],"gk":"8.9","ck":"8.6"})");
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "{\"value\":\"8.0\"}\n");
  auto bad = run_command({kClient, "grading", "eval"}, R"({"rule":"TT22","op":"year_average","hk1":"6.5","hk2":"11"})");
  CHECK(bad.exit_code != 0);
  CHECK_THAT(bad.out, Catch::Contains("\"error\"") && Catch::Contains("hk2"));
}

TEST_CASE("show --json lists the class in Vietnamese order with TT22 averages and comment results", "[e2e]") {
  School s;
  const std::string toan = s.tmp / "toan", td = s.tmp / "theduc";
  s.enroll(toan, "gv.toan.1");
  s.enroll(td, "gv.theduc.1");
  for (auto [col, v] : std::vector<std::pair<std::string, std::string>>{
           {"HK1.TX1", "8"}, {"HK1.TX2", "8"}, {"HK1.TX3", "8"}, {"HK1.TX4", "8"}, {"HK1.GK", "9"}, {"HK1.CK", "8"}})
    REQUIRE(s.client({"set", "--data", toan, "6A", "Toán", "HS6A01", col, v}).exit_code == 0);
  for (auto col : {"HK1.TX1", "HK1.TX2", "HK1.GK", "HK1.CK"})
    REQUIRE(s.client({"set", "--data", td, "6A", "Giáo dục thể chất", "HS6A01", col, "đạt"}).exit_code == 0);
  REQUIRE(s.client({"set", "--data", td, "6A", "Giáo dục thể chất", "HS6A02", "HK1.TX1", "CĐ"}).exit_code == 0);

  auto t = nlohmann::json::parse(s.client({"show", "--data", toan, "6A", "Toán", "--json"}).out);
  CHECK(t["class"] == "6A");
  auto student = [](const nlohmann::json& j, const std::string& code) {
    for (const auto& st : j["students"])
      if (st["code"] == code) return st;
    return nlohmann::json();
  };
  // (8·4 + 2·9 + 3·8) / 9 = 74/9 = 8.22 → 8.2
  CHECK(student(t, "HS6A01")["averages"]["HK1"] == "8.2");
  CHECK(student(t, "HS6A01")["cells"]["HK1.GK"] == "9");
  auto g = nlohmann::json::parse(s.client({"show", "--data", td, "6A", "Giáo dục thể chất", "--json"}).out);
  CHECK(student(g, "HS6A01")["averages"]["HK1"] == "Đ");
  CHECK_FALSE(student(g, "HS6A02")["averages"].contains("HK1"));  // not all assessments given yet
  // Students are listed by given name, then middle, then family name.
  sodiem::NameOrder order;
  for (std::size_t i = 1; i < t["students"].size(); ++i)
    CHECK_FALSE(order.less(t["students"][i]["name"].get<std::string>(), t["students"][i - 1]["name"].get<std::string>()));
}

TEST_CASE("audit verify: intact after real syncs, an edited, deleted or reordered entry is named", "[e2e][fault]") {
  School s;
  const std::string dir = s.tmp / "teacher";
  s.enroll(dir, "gv.toan.1");
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(s.client({"set", "--data", dir, "6A", "Toán", "HS6A0" + std::to_string(i), "HK1.TX1", "7"}).exit_code == 0);
    REQUIRE(s.client({"sync", "--data", dir}).exit_code == 0);
  }
  s.server->stop();
  const std::string db_path = server::DataPaths{s.demo.dir}.db();
  auto verify = [&] { return run_command({kServer, "audit", "verify", "--data", s.demo.dir}); };
  auto ok = verify();
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains("nguyên vẹn"));
  // init, demo school, login, three pushes
  CHECK(s.server_scalar("SELECT COUNT(*) FROM audit_log") == 6);
  CHECK(s.server_scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'push' AND detail LIKE '%HS6A02%'") == 1);
  {
    testing::ServerDb db(server::DataPaths{s.demo.dir}.db());
    auto q = db.prepare("SELECT detail FROM audit_log WHERE kind = 'push' ORDER BY seq LIMIT 1");
    REQUIRE(q.step());
    auto detail = nlohmann::json::parse(q.text(0));
    CHECK(detail["ops"].empty());
    REQUIRE(detail["runs"].size() == 1);
    CHECK(detail["runs"][0] == nlohmann::json::array({"6A", "Toán", 1, detail["runs"][0][3],
                                                      nlohmann::json::array({nlohmann::json::array({"HS6A01", "HK1.TX1", "7"})})}));
  }

  const std::string backup = s.tmp / "backup.db";
  std::filesystem::copy_file(db_path, backup);
  auto tamper = [&](const std::string& sql) {
    std::filesystem::copy_file(backup, db_path, std::filesystem::copy_options::overwrite_existing);
    sqlite::Db db(db_path);
    db.exec(sql);
  };
  tamper("UPDATE audit_log SET detail = replace(detail, '\"7\"', '\"10\"') WHERE seq = 5");
  auto r = verify();
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("mục nhật ký 5") && Catch::Contains("bị sửa"));

  tamper("DELETE FROM audit_log WHERE seq = 4");
  r = verify();
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("mục nhật ký 4") && Catch::Contains("xóa"));

  tamper("DELETE FROM audit_log WHERE seq = 6");  // the tail: caught by the recorded head
  r = verify();
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("mục nhật ký 6"));

  // Swap the contents of entries 4 and 5 (a reordering that keeps seq numbers).
  tamper("UPDATE audit_log SET seq = -5 WHERE seq = 5; UPDATE audit_log SET seq = 5 WHERE seq = 4; "
         "UPDATE audit_log SET seq = 4 WHERE seq = -5;");
  r = verify();
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("mục nhật ký 4"));

  // The marks themselves, edited straight in the file, are caught too.
  tamper("UPDATE changes SET value = '10' WHERE version = (SELECT MIN(version) FROM changes)");
  r = verify();
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("HS6A01") && Catch::Contains("bị sửa trong bảng changes"));
  tamper("DELETE FROM changes WHERE version = (SELECT MAX(version) FROM changes)");
  r = verify();
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("bị xóa khỏi bảng changes"));
  tamper("UPDATE cells SET value = '9' WHERE col = 'HK1.TX1' AND value = '7' AND student_id = "
         "(SELECT id FROM students WHERE code = 'HS6A02')");
  r = verify();
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("\"9\"") && Catch::Contains("không khớp"));
  tamper("INSERT INTO changes(kind, class_id, subject_id, student_id, col, value, device_id, seq, user_id, recorded_at, "
         "received_at, current_version) SELECT 0, class_id, subject_id, student_id, 'HK1.TX2', '10', device_id, 99, "
         "user_id, 0, 0, 0 FROM changes LIMIT 1");
  r = verify();
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("không có trong nhật ký kiểm toán"));

  // Who may do what, edited straight in the file (a teacher made principal):
  // the server's triggers refuse a plain edit; dropped and put back, the
  // edit is named by verify and at the server's start.
  CHECK_THROWS(tamper("UPDATE users SET roles = 'HT' WHERE username = 'gv.toan.1'"));
  tamper("BEGIN; DROP TRIGGER access_users_upd; UPDATE users SET roles = 'HT' WHERE username = 'gv.toan.1'; "
         "CREATE TRIGGER access_users_upd BEFORE UPDATE OF id, username, full_name, password_hash, roles, disabled, "
         "department, must_change_password ON users BEGIN SELECT sodiem_access_touch('users'); END; COMMIT;");
  r = verify();
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("bảng tài khoản (users) đã bị sửa từ ngoài phần mềm"));
  {
    auto run = run_command({"timeout", "3", kServer, "run", "--data", s.demo.dir, "--listen", "127.0.0.1:0"});
    CHECK_THAT(run.err, Catch::Contains("CẢNH BÁO: bảng tài khoản (users) đã bị sửa từ ngoài phần mềm"));
  }

  // A backup of a database that fails its checks exits non-zero and leaves
  // nothing behind: above all not the server's private key beside a copy.
  const std::string failed_backup = s.tmp / "failed-backup";
  auto b = run_command({kServer, "backup", "--data", s.demo.dir, failed_backup});
  CHECK(b.exit_code != 0);
  CHECK((!std::filesystem::exists(failed_backup) || std::filesystem::is_empty(failed_backup)));
  tamper("SELECT 1");  // untouched copy: intact again
  CHECK(verify().exit_code == 0);
}

TEST_CASE("a refusal reaches the teacher's inbox with its reason, the cell shows the server's value again", "[e2e]") {
  School s;
  const std::string dir = s.tmp / "teacher";
  s.enroll(dir, "gv.toan.1");
  REQUIRE(s.client({"set", "--data", dir, "6A", "Toán", "HS6A01", "HK1.GK", "6"}).exit_code == 0);
  REQUIRE(s.client({"sync", "--data", dir}).exit_code == 0);
  // The principal freezes HK1 of 6A while the server runs.
  auto lock = s.act("hieutruong", {"lock", "set", "--data", s.demo.dir, "--term", "HK1", "--class", "6A", "--kind",
                                   "frozen", "--reason", "Chốt điểm học kì I"});
  INFO(lock.err);
  REQUIRE(lock.exit_code == 0);
  auto list = run_command({kServer, "lock", "list", "--data", s.demo.dir, "--json"});
  CHECK_THAT(list.out, Catch::Contains("Chốt điểm học kì I"));
  // A teacher cannot lock.
  CHECK(s.act("gv.toan.1", {"lock", "set", "--data", s.demo.dir, "--kind", "frozen", "--reason", "x"}).exit_code != 0);

  REQUIRE(s.client({"set", "--data", dir, "6A", "Toán", "HS6A01", "HK1.GK", "9"}).exit_code == 0);
  auto sync = s.client({"sync", "--data", dir, "--json"});
  REQUIRE(sync.exit_code == 0);  // a refusal is delivered, not retried
  CHECK_THAT(sync.out, Catch::Contains("\"rejected\":1"));
  auto inbox = nlohmann::json::parse(s.client({"inbox", "--data", dir, "--json"}).out);
  REQUIRE(inbox["rejected"].size() == 1);
  CHECK(inbox["rejected"][0]["code"] == "TERM_LOCKED");
  CHECK(inbox["rejected"][0]["value"] == "9");
  CHECK(inbox["rejected"][0]["server_value"] == "6");
  CHECK_THAT(inbox["rejected"][0]["reason"].get<std::string>(),
             Catch::Contains("hieutruong") && Catch::Contains("Chốt điểm học kì I") && Catch::Contains("yêu cầu điều chỉnh"));
  auto show = nlohmann::json::parse(s.client({"show", "--data", dir, "6A", "Toán", "--json"}).out);
  for (const auto& st : show["students"])
    if (st["code"] == "HS6A01") CHECK(st["cells"]["HK1.GK"] == "6");
  auto human = s.client({"inbox", "--data", dir});
  CHECK_THAT(human.out, Catch::Contains("bị từ chối"));
  // Turn the refusal into a correction request without retyping the cell.
  const std::string seq = std::to_string(inbox["rejected"][0]["seq"].get<int>());
  CHECK(s.client({"correction", "request", "--data", dir, "--from-inbox", "999", "--reason", "x"}).exit_code != 0);
  auto req = s.client({"correction", "request", "--data", dir, "--from-inbox", seq, "--reason", "Nhập bổ sung"});
  INFO(req.err);
  REQUIRE(req.exit_code == 0);
  REQUIRE(s.client({"sync", "--data", dir}).exit_code == 0);
  auto pending = nlohmann::json::parse(
      run_command({kServer, "correction", "list", "--data", s.demo.dir, "--status", "pending", "--json"}).out);
  REQUIRE(pending.size() == 1);
  CHECK(pending[0]["old"] == "6");
  CHECK(pending[0]["new"] == "9");
  CHECK(run_command({kServer, "audit", "verify", "--data", s.demo.dir}).exit_code == 0);
}

TEST_CASE("correction after lock: request, approve → new version with history, refuse → nothing changes", "[e2e]") {
  School s;
  const std::string dir = s.tmp / "teacher";
  s.enroll(dir, "gv.toan.1");
  REQUIRE(s.client({"set", "--data", dir, "6A", "Toán", "HS6A01", "HK1.CK", "4"}).exit_code == 0);
  REQUIRE(s.client({"set", "--data", dir, "6A", "Toán", "HS6A02", "HK1.CK", "5"}).exit_code == 0);
  REQUIRE(s.client({"sync", "--data", dir}).exit_code == 0);
  REQUIRE(s.act("hieutruong", {"lock", "set", "--data", s.demo.dir, "--term", "HK1", "--kind", "frozen", "--reason",
                       "Khóa sổ HK1"}).exit_code == 0);
  // The teacher finds a marking mistake after the lock.
  auto req = s.client({"correction", "request", "--data", dir, "6A", "Toán", "HS6A01", "HK1.CK", "7", "--reason",
                       "Cộng nhầm điểm bài kiểm tra"});
  INFO(req.err);
  REQUIRE(req.exit_code == 0);
  REQUIRE(s.client({"correction", "request", "--data", dir, "6A", "Toán", "HS6A02", "HK1.CK", "9", "--reason",
                    "Học sinh xin nâng điểm"}).exit_code == 0);
  CHECK(s.client({"correction", "request", "--data", dir, "6A", "Toán", "HS6A02", "HK1.CK", "11", "--reason", "x"})
            .exit_code != 0);  // still validated
  REQUIRE(s.client({"sync", "--data", dir}).exit_code == 0);

  auto list = nlohmann::json::parse(
      run_command({kServer, "correction", "list", "--data", s.demo.dir, "--status", "pending", "--json"}).out);
  REQUIRE(list.size() == 2);
  CHECK(list[0]["old"] == "4");
  CHECK(list[0]["new"] == "7");
  const std::string first = std::to_string(list[0]["id"].get<int>()), second = std::to_string(list[1]["id"].get<int>());
  // A teacher cannot approve; the principal can. Refusing needs a comment.
  CHECK(s.act("gv.toan.1", {"correction", "approve", first, "--data", s.demo.dir}).exit_code != 0);
  auto ok = s.act("hieutruong", {"correction", "approve", first, "--data", s.demo.dir,
                         "--comment", "Đồng ý theo biên bản"});
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  // A vice principal decides only with the principal's delegation.
  auto undelegated = s.act("phohieutruong", {"correction", "refuse", second, "--data", s.demo.dir,
                                  "--comment", "Không có căn cứ"});
  CHECK(undelegated.exit_code != 0);
  CHECK_THAT(undelegated.err, Catch::Contains("ủy quyền"));
  CHECK(s.act("phohieutruong", {"delegate", "add", "phohieutruong", "--data", s.demo.dir})
            .exit_code != 0);  // only the HT delegates
  CHECK(s.act("hieutruong", {"delegate", "add", "gv.toan.1", "--data", s.demo.dir}).exit_code !=
        0);  // only to a PHT
  REQUIRE(s.act("hieutruong", {"delegate", "add", "phohieutruong", "--data", s.demo.dir,
                       "--reason", "Hiệu trưởng đi công tác"}).exit_code == 0);
  CHECK(s.act("phohieutruong", {"correction", "refuse", second, "--data", s.demo.dir}).exit_code != 0);
  REQUIRE(s.act("phohieutruong", {"correction", "refuse", second, "--data", s.demo.dir,
                       "--comment", "Không có căn cứ"}).exit_code == 0);
  auto delegations = nlohmann::json::parse(run_command({kServer, "delegate", "list", "--data", s.demo.dir, "--json"}).out);
  REQUIRE(delegations.size() == 1);
  CHECK(delegations[0]["user"] == "phohieutruong");
  REQUIRE(s.act("hieutruong", {"delegate", "remove", std::to_string(delegations[0]["id"].get<int>()), "--data",
                       s.demo.dir}).exit_code == 0);
  CHECK(nlohmann::json::parse(run_command({kServer, "delegate", "list", "--data", s.demo.dir, "--json"}).out).empty());
  CHECK(s.act("hieutruong", {"correction", "approve", second, "--data", s.demo.dir}).exit_code != 0);

  // The approved value reaches the teacher; the refused one changed nothing.
  REQUIRE(s.client({"sync", "--data", dir}).exit_code == 0);
  auto show = nlohmann::json::parse(s.client({"show", "--data", dir, "6A", "Toán", "--json"}).out);
  for (const auto& st : show["students"]) {
    if (st["code"] == "HS6A01") CHECK(st["cells"]["HK1.CK"] == "7");
    if (st["code"] == "HS6A02") CHECK(st["cells"]["HK1.CK"] == "5");
  }
  auto history = nlohmann::json::parse(
      run_command({kServer, "history", "--data", s.demo.dir, "6A", "Toán", "HS6A01", "HK1.CK", "--json"}).out);
  REQUIRE(history.size() == 3);
  CHECK(history[0]["new"] == "4");
  CHECK(history[1]["outcome"] == "CORRECTION_REQUESTED");
  CHECK(history[2]["old"] == "4");
  CHECK(history[2]["new"] == "7");
  CHECK_THAT(history[2]["reason"].get<std::string>(), Catch::Contains("hieutruong") && Catch::Contains("Cộng nhầm"));
  // The teacher sees the same story from their own machine; another teacher may not.
  auto mine = nlohmann::json::parse(s.client({"history", "--data", dir, "6A", "Toán", "HS6A01", "HK1.CK", "--json"}).out);
  REQUIRE(mine.size() == 3);
  CHECK(mine.back()["new"] == "7");
  const auto text = s.client({"history", "--data", dir, "6A", "Toán", "HS6A01", "HK1.CK"}).out;
  CHECK_THAT(text, Catch::StartsWith("Lịch sử ô 6A · Toán · HS6A01 · HK1.CK") && Catch::Contains("(trống) → 4") &&
                       Catch::Contains("4 → 7  — điều chỉnh #"));
  CHECK_THAT(text, Catch::Contains("Xin điều chỉnh \"7\"") && !Catch::Contains("CORRECTION_REQUESTED"));  // words, not codes
  CHECK(run_command({kServer, "history", "--data", s.demo.dir, "6A", "Toán", "HS6A01", "HK1.CK"}).out == text);
  const std::string other = s.tmp / "other-teacher";
  s.enroll(other, "gv.anh.2");
  auto denied = s.client({"history", "--data", other, "6A", "Toán", "HS6A01", "HK1.CK"});
  CHECK(denied.exit_code != 0);
  CHECK_THAT(denied.err, Catch::Contains("không được xem"));
  auto refused = nlohmann::json::parse(
      run_command({kServer, "history", "--data", s.demo.dir, "6A", "Toán", "HS6A02", "HK1.CK", "--json"}).out);
  CHECK(refused.back()["outcome"] == "CORRECTION_REFUSED");
  CHECK(s.server_scalar("SELECT COUNT(*) FROM cells WHERE col = 'HK1.CK' AND value = '5'") == 1);
  CHECK(run_command({kServer, "audit", "verify", "--data", s.demo.dir}).exit_code == 0);
}

TEST_CASE("the principal decides corrections from their own client and the teacher sees each decision", "[e2e]") {
  School s;
  const std::string teacher = s.tmp / "teacher", principal = s.tmp / "principal", deputy = s.tmp / "deputy";
  s.enroll(teacher, "gv.toan.1");
  s.enroll(principal, "hieutruong");
  s.enroll(deputy, "phohieutruong");
  REQUIRE(s.client({"set", "--data", teacher, "6A", "Toán", "HS6A01", "HK1.CK", "4"}).exit_code == 0);
  REQUIRE(s.client({"set", "--data", teacher, "6A", "Toán", "HS6A02", "HK1.CK", "5"}).exit_code == 0);
  REQUIRE(s.client({"sync", "--data", teacher}).exit_code == 0);
  REQUIRE(s.act("hieutruong", {"lock", "set", "--data", s.demo.dir, "--term", "HK1", "--kind", "frozen", "--reason",
                       "Khóa sổ HK1"}).exit_code == 0);
  REQUIRE(s.client({"correction", "request", "--data", teacher, "6A", "Toán", "HS6A01", "HK1.CK", "7", "--reason",
                    "Cộng nhầm điểm"}).exit_code == 0);
  REQUIRE(s.client({"correction", "request", "--data", teacher, "6A", "Toán", "HS6A02", "HK1.CK", "9", "--reason",
                    "Học sinh xin nâng điểm"}).exit_code == 0);
  REQUIRE(s.client({"sync", "--data", teacher}).exit_code == 0);
  // The teacher sees their own requests waiting.
  auto own = nlohmann::json::parse(s.client({"correction", "list", "--data", teacher, "--json"}).out);
  REQUIRE(own.size() == 2);
  CHECK(own[0]["status"] == "pending");

  // The principal's client fetches the list when it syncs.
  REQUIRE(s.client({"sync", "--data", principal}).exit_code == 0);
  auto list = nlohmann::json::parse(s.client({"correction", "list", "--data", principal, "--json"}).out);
  REQUIRE(list.size() == 2);
  CHECK(list[0]["old"] == "4");
  CHECK(list[0]["new"] == "7");
  CHECK(list[0]["requested_by"] == "gv.toan.1");
  const std::string first = std::to_string(list[0]["id"].get<int>()), second = std::to_string(list[1]["id"].get<int>());
  CHECK_THAT(s.client({"correction", "list", "--data", principal}).out,
             Catch::Contains("chờ duyệt") && Catch::Contains("sodiem correction approve " + first));

  // A teacher may not decide; refusing needs a reason; an unknown id is named.
  auto teacher_try = s.client({"correction", "approve", first, "--data", teacher});
  CHECK(teacher_try.exit_code != 0);
  CHECK_THAT(teacher_try.err, Catch::Contains("Hiệu trưởng"));
  CHECK(s.client({"correction", "refuse", second, "--data", principal}).exit_code != 0);
  CHECK(s.client({"correction", "approve", "999", "--data", principal}).exit_code != 0);

  auto ok = s.client({"correction", "approve", first, "--data", principal, "--comment", "Đồng ý theo biên bản"});
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains("Đã duyệt yêu cầu điều chỉnh #" + first));
  // The vice principal's decision is refused until the principal delegates.
  auto early = s.client({"correction", "refuse", second, "--data", deputy, "--comment", "Không có căn cứ"});
  CHECK(early.exit_code == 2);
  CHECK_THAT(early.err, Catch::Contains("ủy quyền"));
  // The deputy's inbox says what was refused, in words, not as a cell.
  CHECK_THAT(s.client({"inbox", "--data", deputy}).out,
             Catch::Contains("Từ chối yêu cầu điều chỉnh #" + second + " bị từ chối (FORBIDDEN)"));
  auto deputy_inbox = nlohmann::json::parse(s.client({"inbox", "--data", deputy, "--json"}).out);
  REQUIRE(deputy_inbox["rejected"].size() == 1);
  CHECK(deputy_inbox["rejected"][0]["kind"] == 5);
  CHECK(s.client({"correction", "request", "--data", deputy, "--from-inbox",
                  std::to_string(deputy_inbox["rejected"][0]["seq"].get<int>()), "--reason", "x"})
            .exit_code != 0);
  REQUIRE(s.act("hieutruong", {"delegate", "add", "phohieutruong", "--data", s.demo.dir,
                       "--until", "2099-01-01"}).exit_code == 0);
  auto no = s.client({"correction", "refuse", second, "--data", deputy, "--comment", "Không có căn cứ"});
  INFO(no.err);
  REQUIRE(no.exit_code == 0);
  // Already decided: the principal's own list was refreshed by that sync.
  CHECK(s.client({"correction", "approve", first, "--data", principal}).exit_code != 0);

  // Decided on the server exactly as by the server's own command.
  auto server_list = nlohmann::json::parse(
      run_command({kServer, "correction", "list", "--data", s.demo.dir, "--json"}).out);
  REQUIRE(server_list.size() == 2);
  CHECK(server_list[0]["status"] == "approved");
  CHECK(server_list[0]["decided_by"] == "hieutruong");
  CHECK(server_list[1]["status"] == "refused");
  CHECK(server_list[1]["comment"] == "Không có căn cứ");

  // The teacher's next sync brings the new value and both decisions.
  REQUIRE(s.client({"sync", "--data", teacher}).exit_code == 0);
  auto show = nlohmann::json::parse(s.client({"show", "--data", teacher, "6A", "Toán", "--json"}).out);
  for (const auto& st : show["students"]) {
    if (st["code"] == "HS6A01") CHECK(st["cells"]["HK1.CK"] == "7");
    if (st["code"] == "HS6A02") CHECK(st["cells"]["HK1.CK"] == "5");
  }
  auto inbox = nlohmann::json::parse(s.client({"inbox", "--data", teacher, "--json"}).out);
  REQUIRE(inbox["corrections"].size() == 2);
  CHECK(inbox["corrections"][0]["status"] == "approved");
  CHECK(inbox["corrections"][1]["status"] == "refused");
  CHECK(inbox["corrections"][1]["comment"] == "Không có căn cứ");
  CHECK_THAT(s.client({"inbox", "--data", teacher}).out,
             Catch::Contains("bị từ chối") && Catch::Contains("phohieutruong đã từ chối") &&
                 Catch::Contains("Không có căn cứ"));
  CHECK(run_command({kServer, "audit", "verify", "--data", s.demo.dir}).exit_code == 0);
}

TEST_CASE("accounts: an issued password must be changed at first login, a disabled account cannot sync", "[e2e]") {
  School s;
  const std::string dir = s.tmp / "teacher", second = s.tmp / "second-device";
  // A forgotten password: the administrator issues a new one.
  CHECK(s.act("gv.anh.2", {"account", "reset-password", "gv.toan.1", "--data", s.demo.dir})
            .exit_code != 0);  // a teacher may not
  auto reset = s.act("quantri", {"account", "reset-password", "gv.toan.1", "--data", s.demo.dir});
  INFO(reset.err);
  REQUIRE(reset.exit_code == 0);
  const auto at = reset.out.find(": ");
  REQUIRE(at != std::string::npos);
  const std::string issued = reset.out.substr(at + 2, reset.out.find('\n') - at - 2);
  REQUIRE(issued.size() >= 8);
  auto enroll = [&](const std::string& d, const std::string& input, bool with_new) {
    std::vector<std::string> args{"enroll", "--data", d, "--server", s.server->url(), "--user", "gv.toan.1",
                                  "--password-stdin", "--fingerprint", s.demo.fingerprint};
    if (with_new) args.push_back("--new-password-stdin");
    return s.client(args, input);
  };
  // The old password no longer works; the issued one must be replaced.
  CHECK(enroll(dir, s.demo.password_of("gv.toan.1") + "\n", false).exit_code != 0);
  auto first = enroll(dir, issued + "\n", false);
  CHECK(first.exit_code == 3);
  CHECK_THAT(first.err, Catch::Contains("phải được đổi") && Catch::Contains("--new-password-stdin"));
  CHECK(enroll(dir, issued + "\n" + issued + "\n", true).exit_code != 0);  // the same one again
  CHECK(enroll(dir, issued + "\nngắn\n", true).exit_code != 0);            // too short
  auto changed = enroll(dir, issued + "\nmật khẩu riêng của tôi\n", true);
  INFO(changed.err);
  REQUIRE(changed.exit_code == 0);
  CHECK_THAT(changed.out, Catch::Contains("Đã đổi mật khẩu"));
  // From now on only the new password, with no further change asked.
  CHECK(enroll(second, issued + "\n", false).exit_code != 0);
  REQUIRE(enroll(second, "mật khẩu riêng của tôi\n", false).exit_code == 0);
  // Later the teacher changes it from an enrolled device; the devices go on.
  auto wrong = s.client({"password", "--data", second, "--password-stdin"}, "sai mật khẩu\nmột mật khẩu khác\n");
  CHECK(wrong.exit_code == 3);
  CHECK_THAT(wrong.err, Catch::Contains("không đúng"));
  CHECK(s.client({"password", "--data", second, "--password-stdin"}, "mật khẩu riêng của tôi\nngắn\n").exit_code == 2);
  auto changed_again = s.client({"password", "--data", second, "--password-stdin"},
                                "mật khẩu riêng của tôi\nmật khẩu thứ hai dài\n");
  INFO(changed_again.err);
  REQUIRE(changed_again.exit_code == 0);
  CHECK(s.client({"sync", "--data", dir}).exit_code == 0);
  CHECK(enroll(s.tmp / "third", "mật khẩu riêng của tôi\n", false).exit_code != 0);
  REQUIRE(enroll(s.tmp / "third", "mật khẩu thứ hai dài\n", false).exit_code == 0);

  // Staff leave: the account is disabled (with a reason) and can no longer sync.
  CHECK(s.act("quantri", {"account", "disable", "gv.toan.1", "--data", s.demo.dir}).exit_code != 0);
  REQUIRE(s.act("quantri", {"account", "disable", "gv.toan.1", "--data", s.demo.dir, "--reason",
                       "Chuyển công tác"}).exit_code == 0);
  REQUIRE(s.client({"set", "--data", dir, "6A", "Toán", "HS6A01", "HK1.TX1", "8"}).exit_code == 0);  // offline still works
  auto refused = s.client({"sync", "--data", dir, "--max-attempts", "1"});
  CHECK(refused.exit_code == 3);
  CHECK_THAT(refused.err, Catch::Contains("khóa"));
  CHECK(s.server_scalar("SELECT COUNT(*) FROM cells WHERE col = 'HK1.TX1' AND value = '8'") == 0);
  auto list = nlohmann::json::parse(run_command({kServer, "account", "list", "--data", s.demo.dir, "--json"}).out);
  bool seen = false;
  for (const auto& a : list)
    if (a["username"] == "gv.toan.1") {
      seen = true;
      CHECK(a["disabled"] == true);
      CHECK(a["must_change_password"] == false);
      CHECK(a["devices"] == 3);
    }
  CHECK(seen);
  // Re-enabled, the mark recorded meanwhile arrives.
  REQUIRE(s.act("hieutruong", {"account", "enable", "gv.toan.1", "--data", s.demo.dir}).exit_code == 0);
  REQUIRE(s.client({"sync", "--data", dir}).exit_code == 0);
  CHECK(s.server_scalar("SELECT COUNT(*) FROM cells WHERE col = 'HK1.TX1' AND value = '8'") == 1);
  CHECK(s.server_scalar("SELECT COUNT(*) FROM audit_log WHERE kind IN ('password_reset', 'password_changed', "
                        "'account_disabled', 'account_enabled')") == 5);
  CHECK(s.server_scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'password_change_failed'") == 2);
  CHECK(run_command({kServer, "audit", "verify", "--data", s.demo.dir}).exit_code == 0);
}

TEST_CASE("backup while the server runs, restore into a new directory: clients follow the restored server", "[e2e][fault]") {
  School s;
  const std::string laptop = s.tmp / "laptop", home = s.tmp / "home", principal = s.tmp / "principal";
  s.enroll(laptop, "gv.toan.1");
  s.enroll(home, "gv.toan.1");
  s.enroll(principal, "hieutruong");
  auto cells_of = [&](const std::string& dir) {
    auto show = nlohmann::json::parse(s.client({"show", "--data", dir, "6A", "Toán", "--json"}).out);
    std::map<std::string, std::string> cells;  // by code (show lists by name)
    for (const auto& st : show["students"])
      for (const auto& [col, v] : st["cells"].items()) cells[st["code"].get<std::string>() + "." + col] = v;
    std::string out;
    for (const auto& [key, v] : cells) out += key + "=" + v + ";";
    return out;
  };
  REQUIRE(s.client({"set", "--data", laptop, "6A", "Toán", "HS6A01", "HK1.TX1", "5"}).exit_code == 0);
  REQUIRE(s.client({"sync", "--data", laptop}).exit_code == 0);
  const std::string backup = s.tmp / "backup";
  auto b = run_command({kServer, "backup", "--data", s.demo.dir, backup});
  INFO(b.err);
  REQUIRE(b.exit_code == 0);
  CHECK_THAT(b.out, Catch::Contains("nguyên vẹn"));
  CHECK(run_command({kServer, "backup", "--data", s.demo.dir, backup}).exit_code != 0);  // never over an old backup
  // After the backup: two more marks, seen by the principal.
  REQUIRE(s.client({"set", "--data", laptop, "6A", "Toán", "HS6A02", "HK1.TX1", "6"}).exit_code == 0);
  REQUIRE(s.client({"set", "--data", laptop, "6A", "Toán", "HS6A03", "HK1.TX1", "7"}).exit_code == 0);
  REQUIRE(s.client({"sync", "--data", laptop}).exit_code == 0);
  REQUIRE(s.client({"sync", "--data", principal}).exit_code == 0);
  REQUIRE(cells_of(principal) == "HS6A01.HK1.TX1=5;HS6A02.HK1.TX1=6;HS6A03.HK1.TX1=7;");

  // The server's disk dies; the backup goes into a new directory, same address.
  const std::string listen = s.server->url().substr(std::string("wss://").size());
  REQUIRE(s.server->stop() == 0);
  const std::string restored = s.tmp / "restored";
  CHECK(run_command({kServer, "restore", backup, "--data", s.demo.dir}).exit_code != 0);  // not over live data
  auto r = run_command({kServer, "restore", backup, "--data", restored});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  s.server = std::make_unique<ServerProcess>(kServer, restored, listen);
  // The laptop that held the lost marks is gone too. The principal's client
  // follows the restored server (same certificate: no new enrollment).
  REQUIRE(s.client({"sync", "--data", principal}).exit_code == 0);
  CHECK(cells_of(principal) == "HS6A01.HK1.TX1=5;");
  // New work after the restore reaches everyone, even where the old
  // timeline's versions were higher.
  REQUIRE(s.client({"sync", "--data", home}).exit_code == 0);
  REQUIRE(s.client({"set", "--data", home, "6A", "Toán", "HS6A02", "HK1.TX1", "8"}).exit_code == 0);
  REQUIRE(s.client({"sync", "--data", home}).exit_code == 0);
  REQUIRE(s.client({"sync", "--data", principal}).exit_code == 0);
  CHECK(cells_of(principal) == "HS6A01.HK1.TX1=5;HS6A02.HK1.TX1=8;");
  CHECK(cells_of(home) == cells_of(principal));
  CHECK(run_command({kServer, "audit", "verify", "--data", restored}).exit_code == 0);
}

TEST_CASE("a stolen laptop is revoked: it can no longer sync, the teacher's other device goes on", "[e2e]") {
  School s;
  const std::string laptop = s.tmp / "laptop", home = s.tmp / "home";
  s.enroll(laptop, "gv.toan.1");
  s.enroll(home, "gv.toan.1");
  auto list = nlohmann::json::parse(
      run_command({kServer, "device", "list", "--data", s.demo.dir, "--user", "gv.toan.1", "--json"}).out);
  REQUIRE(list.size() == 2);
  const std::string stolen = list[0]["device_id"];
  CHECK(s.act("quantri", {"device", "revoke", stolen, "--data", s.demo.dir}).exit_code != 0);
  CHECK(s.act("gv.toan.1", {"device", "revoke", stolen, "--data", s.demo.dir, "--reason", "x"})
            .exit_code != 0);  // a teacher may not
  REQUIRE(s.act("quantri", {"device", "revoke", stolen, "--data", s.demo.dir, "--reason",
                       "Máy bị mất cắp"}).exit_code == 0);
  // Whatever the thief types is not accepted.
  REQUIRE(s.client({"set", "--data", laptop, "6A", "Toán", "HS6A01", "HK1.TX1", "1"}).exit_code == 0);
  auto refused = s.client({"sync", "--data", laptop});
  CHECK(refused.exit_code == 3);
  CHECK_THAT(refused.err, Catch::Contains("thu hồi") && Catch::Contains("Máy bị mất cắp"));
  CHECK(s.server_scalar("SELECT COUNT(*) FROM cells") == 0);
  REQUIRE(s.client({"set", "--data", home, "6A", "Toán", "HS6A01", "HK1.TX1", "8"}).exit_code == 0);
  REQUIRE(s.client({"sync", "--data", home}).exit_code == 0);
  CHECK(s.server_scalar("SELECT COUNT(*) FROM cells WHERE value = '8'") == 1);
  list = nlohmann::json::parse(run_command({kServer, "device", "list", "--data", s.demo.dir, "--json"}).out);
  int revoked = 0;
  for (const auto& d : list) revoked += d["revoked"].get<bool>() ? 1 : 0;
  CHECK(revoked == 1);
  CHECK(s.server_scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'device_revoked'") == 1);
  CHECK(run_command({kServer, "audit", "verify", "--data", s.demo.dir}).exit_code == 0);
}

TEST_CASE("confirmation chain with signatures: order enforced, approved data read-only, export verifies, unapprove re-opens",
          "[e2e]") {
  School s;
  const std::string pass = "mật khẩu ký số\n";
  auto setup = [&](const std::string& user) {
    const std::string dir = s.tmp / user;
    s.enroll(dir, user);
    auto k = s.client({"key", "init", "--data", dir, "--passphrase-stdin"}, pass);
    INFO(k.err);
    REQUIRE(k.exit_code == 0);
    return dir;
  };
  auto sign = [&](const std::string& dir, std::vector<std::string> args) {
    args.insert(args.begin(), {"sign", "--data", dir, "--passphrase-stdin"});
    return s.client(args, pass);
  };
  const std::string toan = setup("gv.toan.1");
  REQUIRE(s.client({"set", "--data", toan, "6A", "Toán", "HS6A01", "HK1.TX1", "8"}).exit_code == 0);
  const std::string homeroom = setup("gv.van.1");  // homeroom teacher of 6A
  REQUIRE(s.client({"set", "--data", homeroom, "6A", "Chủ nhiệm", "HS6A01", "HK1.RL", "Tốt"}).exit_code == 0);

  // The class board with required cells empty: refused, naming them with their subject.
  auto early = sign(homeroom, {"class", "6A", "HK1"});
  CHECK(early.exit_code == 2);
  CHECK_THAT(early.err, Catch::Contains("ô bắt buộc chưa có điểm") && Catch::Contains("HS6A01 Ngữ văn HK1.TX1"));

  // Every subject teacher of 6A fills their subject (not signable before: it names the cells).
  std::vector<std::pair<std::string, std::string>> teachers;  // data dir, subject
  for (const auto& a : s.demo.accounts) {
    const auto& classes = a["classes"];
    if (std::find(classes.begin(), classes.end(), "6A") == classes.end()) continue;
    const std::string user = a["username"];
    const std::string dir = user == "gv.toan.1" ? toan : user == "gv.van.1" ? homeroom : setup(user);
    const std::string subject = a["subjects"][0];
    // Not with a required cell empty (TT22 Điều 7): it names the cells.
    auto incomplete = sign(dir, {"subject", "6A", "HK1", "--subject", subject});
    CHECK(incomplete.exit_code == 2);
    CHECK_THAT(incomplete.err, Catch::Contains("ô bắt buộc chưa có điểm"));
    {
      client::LocalStore store(dir);
      const auto info = store.subject(subject);
      REQUIRE(info);
      for (const auto& st : store.show("6A", subject))
        for (const auto& col : board::required_columns(*info, "HK1"))
          REQUIRE(store.record({"6A", subject, st.code, col}, info->scored ? "8" : "Đ").is_ok());
    }
    REQUIRE(s.client({"sync", "--data", dir}).exit_code == 0);
    teachers.emplace_back(dir, subject);
  }
  {
    client::LocalStore store(homeroom);  // and the conduct of every student
    for (const auto& st : store.show("6A", "Chủ nhiệm"))
      REQUIRE(store.record({"6A", "Chủ nhiệm", st.code, "HK1.RL"}, "Tốt").is_ok());
  }
  // Out of order: the class before its subjects.
  auto unsigned_subjects = sign(homeroom, {"class", "6A", "HK1"});
  CHECK(unsigned_subjects.exit_code != 0);
  CHECK_THAT(unsigned_subjects.err, Catch::Contains("chưa được giáo viên bộ môn xác nhận"));
  for (const auto& [dir, subject] : teachers) {
    auto r = sign(dir, {"subject", "6A", "HK1", "--subject", subject});
    INFO(subject << ": " << r.err);
    REQUIRE(r.exit_code == 0);
  }
  CHECK(sign(toan, {"subject", "6B", "HK1", "--subject", "Ngữ văn"}).exit_code != 0);  // not their subject

  const std::string pht = setup("phohieutruong"), ht = setup("hieutruong");
  CHECK(sign(ht, {"approve", "6A", "HK1"}).exit_code != 0);  // before the review
  auto cls = sign(homeroom, {"class", "6A", "HK1"});
  INFO(cls.err);
  REQUIRE(cls.exit_code == 0);
  CHECK(sign(toan, {"review", "6A", "HK1"}).exit_code != 0);  // a teacher cannot review
  REQUIRE(sign(pht, {"review", "6A", "HK1"}).exit_code == 0);
  REQUIRE(sign(ht, {"approve", "6A", "HK1"}).exit_code == 0);

  // Approved data is read-only; the next term is not.
  REQUIRE(s.client({"set", "--data", toan, "6A", "Toán", "HS6A01", "HK1.TX2", "9"}).exit_code == 0);
  REQUIRE(s.client({"set", "--data", toan, "6A", "Toán", "HS6A01", "HK2.TX1", "9"}).exit_code == 0);
  REQUIRE(s.client({"sync", "--data", toan}).exit_code == 0);
  auto inbox = nlohmann::json::parse(s.client({"inbox", "--data", toan, "--json"}).out);
  int read_only = 0;  // (the refused signing attempts above are in the inbox too)
  for (const auto& r : inbox["rejected"])
    if (r["code"] == "APPROVED_READ_ONLY") {
      ++read_only;
      CHECK(r["column"] == "HK1.TX2");
      CHECK_THAT(r["reason"].get<std::string>(), Catch::Contains("đã được Hiệu trưởng phê duyệt"));
    }
  CHECK(read_only == 1);

  // The signed export verifies offline, and fails after any byte changes.
  const std::string out = s.tmp / "6A-HK1.json";
  auto ex = run_command({kServer, "export", "signed", "--data", s.demo.dir, "--class", "6A", "--term", "HK1", out});
  INFO(ex.err);
  REQUIRE(ex.exit_code == 0);
  auto ok = run_command({kServer, "verify", out});
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.out, Catch::Contains("16 chữ ký hợp lệ"));  // 13 subjects, class, review, approve
  std::string original;
  {
    std::ifstream f(out, std::ios::binary);
    original.assign(std::istreambuf_iterator<char>(f), {});
  }
  for (std::size_t pos : {original.find("HS6A01\\tHK1.TX1\\t8"), original.find("\"signature\""), original.size() / 2,
                          original.size() - 3}) {
    REQUIRE(pos != std::string::npos);
    std::string tampered = original;
    tampered[pos + 1] = tampered[pos + 1] == 'x' ? 'y' : 'x';
    std::ofstream(out, std::ios::binary | std::ios::trunc) << tampered;
    auto bad = run_command({kServer, "verify", out});
    INFO("byte " << pos);
    CHECK(bad.exit_code != 0);
    CHECK_THAT(bad.err, Catch::Contains("KHÔNG hợp lệ"));
  }

  // The year-end archive of what was approved: it proves itself offline,
  // and any changed byte, file or audit entry is caught.
  std::ofstream(out, std::ios::binary | std::ios::trunc) << original;
  const std::string archive = s.tmp / "luu-tru-6A";
  CHECK(run_command({kServer, "archive", "--data", s.demo.dir, "--class", "6B", archive}).exit_code != 0);  // not approved
  auto arch = run_command({kServer, "archive", "--data", s.demo.dir, "--class", "6A", archive});
  INFO(arch.err);
  REQUIRE(arch.exit_code == 0);
  for (const char* f : {"manifest.json", "ho-so-ky-so-HK1.json", "bang-tong-hop-HK1.pdf", "so-theo-doi-HK1-Toán.pdf",
                        "nhat-ky-kiem-toan.jsonl"})
    CHECK(std::filesystem::exists(archive + "/" + f));
  auto good = run_command({kServer, "verify-archive", archive});
  INFO(good.err);
  CHECK(good.exit_code == 0);
  CHECK_THAT(good.out, Catch::Contains("16 chữ ký hợp lệ"));
  CHECK(run_command({kServer, "archive", "--data", s.demo.dir, "--class", "6A", archive}).exit_code != 0);  // exists
  const auto tamper = [&](const std::string& file, const std::function<void(std::string&)>& change) {
    std::string bytes;
    {
      std::ifstream f(archive + "/" + file, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(f), {});
    }
    const std::string kept = bytes;
    change(bytes);
    std::ofstream(archive + "/" + file, std::ios::binary | std::ios::trunc) << bytes;
    auto bad = run_command({kServer, "verify-archive", archive});
    std::ofstream(archive + "/" + file, std::ios::binary | std::ios::trunc) << kept;
    return bad;
  };
  auto pdf = tamper("bang-tong-hop-HK1.pdf", [](std::string& b) { b[b.size() / 2] ^= 1; });
  CHECK(pdf.exit_code != 0);
  CHECK_THAT(pdf.err, Catch::Contains("bang-tong-hop-HK1.pdf đã bị thay đổi"));
  auto log = tamper("nhat-ky-kiem-toan.jsonl", [](std::string& b) { b.replace(b.find("\"actor\":\"") + 9, 1, "X"); });
  CHECK(log.exit_code != 0);
  auto manifest = tamper("manifest.json", [](std::string& b) { b.replace(b.find("\"class\": \"6A\""), 13, "\"class\": \"6B\""); });
  CHECK(manifest.exit_code != 0);
  CHECK_THAT(manifest.err, Catch::Contains("chữ ký của manifest.json không hợp lệ"));
  std::ofstream(archive + "/them.pdf") << "x";
  auto extra = run_command({kServer, "verify-archive", archive});
  CHECK(extra.exit_code != 0);
  CHECK_THAT(extra.err, Catch::Contains("them.pdf không có trong manifest.json"));
  std::filesystem::remove(archive + "/them.pdf");
  CHECK(run_command({kServer, "verify-archive", archive}).exit_code == 0);

  // The principal withdraws the approval, with a reason: writable again.
  CHECK(s.act("gv.toan.1", {"unapprove", "--data", s.demo.dir, "--class", "6A", "--term", "HK1", "--reason", "x"})
            .exit_code != 0);
  REQUIRE(s.act("hieutruong", {"unapprove", "--data", s.demo.dir, "--class", "6A", "--term", "HK1", "--reason",
                               "Sai sót điểm môn Toán"}).exit_code == 0);
  REQUIRE(s.client({"set", "--data", toan, "6A", "Toán", "HS6A01", "HK1.TX2", "9.5"}).exit_code == 0);
  auto again = s.client({"sync", "--data", toan, "--json"});
  CHECK_THAT(again.out, Catch::Contains("\"rejected\":0"));
  CHECK(run_command({kServer, "audit", "verify", "--data", s.demo.dir}).exit_code == 0);
  CHECK(s.server_scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'confirmation'") == 16);
}

TEST_CASE("the server refuses to start on a damaged database and names the way back", "[e2e][fault]") {
  TempDir tmp;
  DemoServer demo = make_demo_server(tmp / "server");
  // SQLite opens the file; only reading its last pages fails.
  damage_last_pages(server::DataPaths{demo.dir}.db());
  // `timeout`: a server that did start would otherwise run forever.
  auto r = run_command({"timeout", "30", kServer, "run", "--data", demo.dir, "--listen", "127.0.0.1:0"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Catch::Contains("bị hỏng") && Catch::Contains("sodiem-server restore"));
  CHECK_THAT(r.err, Catch::Contains("không khởi động"));  // found by the page check, not by a failing open
}

TEST_CASE("server data is readable by the server's user only, also in an older data directory", "[e2e]") {
  TempDir tmp;
  const std::string dir = tmp / "srv";
  auto mode = [](const std::string& p) {
    struct stat st {};
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 0777;
  };
  auto init = run_command({kServer, "init", "--data", dir});
  REQUIRE(init.exit_code == 0);
  CHECK(mode(dir) == 0700);
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    INFO(e.path());
    CHECK(mode(e.path()) == 0600);
  }
  // As installations before the rule had them: opened again, made private.
  ::chmod(dir.c_str(), 0755);
  ::chmod(server::DataPaths{dir}.db().c_str(), 0644);
  REQUIRE(run_command({kServer, "account", "list", "--data", dir}).exit_code == 0);
  CHECK(mode(dir) == 0700);
  CHECK(mode(server::DataPaths{dir}.db()) == 0600);
}
