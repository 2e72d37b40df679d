// The server's acting commands prove who acts (issue 16): --by USER with the
// password on standard input, checked like a device login (same limiter and
// lockout, audited), or --maintenance for the data directory's owner. Runs
// the real sodiem-server binary on a copy of the demo school.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "sodiem/server/server_db.hpp"
#include "test_school.hpp"
#include "server_store.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

const std::string kServer = SODIEM_SERVER_BIN;
const std::string kClient = SODIEM_CLIENT_BIN;
constexpr const char* kWrong = "Sai tên đăng nhập hoặc mật khẩu";

struct Fixture {
  TempDir tmp;
  DemoServer demo = make_demo_server(tmp / "server");

  CommandResult server(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), kServer);
    return run_command(args, input);
  }
  // `args` acting for `user` with `password` on standard input.
  CommandResult act(const std::string& user, const std::string& password, std::vector<std::string> args) {
    for (const char* a : {"--by", user.c_str(), "--password-stdin"}) args.emplace_back(a);
    return server(args, password + "\n");
  }
  CommandResult act(const std::string& user, std::vector<std::string> args) {
    return act(user, demo.password_of(user), std::move(args));
  }
  // Everything the acting commands may change, as text (not the audit trail).
  std::string state() {
    testing::ServerDb db(server::DataPaths{demo.dir}.db());
    std::string out;
    for (const char* table : {"locks", "lock_exceptions", "delegations", "corrections", "confirmations", "users",
                              "devices", "students", "classes", "teaching_assignments", "homerooms", "terms"}) {
      std::string row;
      auto cols = db.prepare(std::string("SELECT name FROM pragma_table_info('") + table + "')");
      while (cols.step()) row += (row.empty() ? "" : " || '|' || ") + std::string("quote(") + cols.text(0) + ")";
      auto s = db.prepare("SELECT " + row + " FROM " + table + " ORDER BY rowid");
      while (s.step()) out += s.text(0) + "\n";
      out += "--\n";
    }
    auto m = db.prepare("SELECT key, value FROM meta WHERE key NOT LIKE 'audit%' ORDER BY key");
    while (m.step()) out += m.text(0) + "=" + m.text(1) + "\n";
    return out;
  }
  std::int64_t scalar(const std::string& sql, const std::string& arg = "") {
    testing::ServerDb db(server::DataPaths{demo.dir}.db());
    auto s = db.prepare(sql);
    if (!arg.empty()) s.bind(1, arg);
    REQUIRE(s.step());
    return s.int64(0);
  }
  // The audit rows of `kind` for `actor`, newest last.
  std::vector<nlohmann::json> audit(const std::string& kind, const std::string& actor) {
    testing::ServerDb db(server::DataPaths{demo.dir}.db());
    auto s = db.prepare("SELECT detail FROM audit_log WHERE kind = ? AND actor = ? ORDER BY seq");
    s.bind(1, kind).bind(2, actor);
    std::vector<nlohmann::json> out;
    while (s.step()) out.push_back(nlohmann::json::parse(s.text(0)));
    return out;
  }
};

struct Acting {
  std::string user;                // who may do it
  std::vector<std::string> args;   // without --data and the actor
  bool works_on_the_demo = true;   // false: needs a device, an approval or a request first (cli_test covers it)
};

}  // namespace

TEST_CASE("every acting command refuses a wrong or missing password, changes nothing, and works with the right one",
          "[e2e]") {
  Fixture f;
  const std::string students = f.tmp / "students.csv", staff = f.tmp / "staff.csv";
  REQUIRE(f.server({"export", "students", "--data", f.demo.dir, students}).exit_code == 0);
  REQUIRE(f.server({"export", "staff", "--data", f.demo.dir, staff}).exit_code == 0);
  const std::vector<Acting> commands = {
      {"hieutruong", {"lock", "set", "--term", "HK1", "--class", "6A", "--kind", "frozen", "--reason", "Chốt HK1"}},
      {"hieutruong", {"lock", "remove", "1", "--reason", "Mở lại"}},
      {"hieutruong", {"exception", "add", "--user", "gv.toan.1", "--class", "6A", "--column", "HK1.GK", "--until",
                      "2099-01-01", "--reason", "Ốm"}},
      {"hieutruong", {"exception", "remove", "1"}},
      {"hieutruong", {"grace", "--hours", "48"}},
      {"hieutruong", {"term", "set", "--term", "HK1", "--entry-opens", "2026-09-05", "--entry-closes", "2027-01-23"}},
      {"hieutruong", {"delegate", "add", "phohieutruong", "--reason", "Đi công tác"}},
      {"hieutruong", {"delegate", "remove", "1"}},
      {"hieutruong", {"correction", "approve", "1", "--comment", "Đồng ý"}, false},
      {"hieutruong", {"correction", "refuse", "1", "--comment", "Không"}, false},
      {"hieutruong", {"unapprove", "--class", "6A", "--term", "HK1", "--reason", "Sai sót"}, false},
      {"quantri", {"device", "revoke", "0123456789abcdef01234567", "--reason", "Mất máy"}, false},
      {"quantri", {"account", "disable", "gv.toan.1", "--reason", "Chuyển công tác"}},
      {"quantri", {"account", "enable", "gv.toan.1"}},
      {"quantri", {"account", "reset-password", "gv.anh.2"}},
      {"quantri", {"account", "unlock", "gv.toan.1"}, false},  // no lockout on the demo: the command's own refusal
      {"quantri", {"import", "students", students}},
      {"quantri", {"import", "staff", staff}},
  };
  for (const auto& c : commands) {
    std::vector<std::string> args = c.args;
    args.insert(args.begin() + (args[0] == "grace" || args[0] == "unapprove" ? 1 : 2), {"--data", f.demo.dir});
    const std::string command = args[0] + (args[0] == "grace" || args[0] == "unapprove" ? "" : " " + args[1]);
    INFO(command);
    const std::string before = f.state();

    // Without a password: the hole this closes (`--by hieutruong` alone used to act).
    std::vector<std::string> bare = args;
    for (const std::string a : {"--by", c.user.c_str()}) bare.push_back(a);
    auto none = f.server(bare);
    CHECK(none.exit_code != 0);
    CHECK_THAT(none.err, Catch::Contains("cần xác thực"));
    CHECK(f.state() == before);

    // A wrong password: refused before anything else, audited like a failed device login.
    const auto failures = f.audit("actor_login_failed", c.user).size();
    auto wrong = f.act(c.user, "not-" + f.demo.password_of(c.user), args);
    INFO(wrong.err);
    CHECK(wrong.exit_code == 3);
    CHECK_THAT(wrong.err, Catch::Contains(kWrong) && Catch::Contains("không có gì được thay đổi"));
    CHECK(f.state() == before);
    const auto audited = f.audit("actor_login_failed", c.user);
    REQUIRE(audited.size() == failures + 1);
    CHECK(audited.back()["command"] == command);
    CHECK(audited.back()["why"] == kWrong);
    CHECK_FALSE(audited.back()["os_user"].get<std::string>().empty());

    // The right password: it acts (which also forgives the failure).
    auto right = f.act(c.user, args);
    INFO(right.err);
    if (c.works_on_the_demo) {
      CHECK(right.exit_code == 0);
      if (command == "term set")  // entry_window_text, as the console says it: dd/mm/yyyy
        CHECK(right.out == "Đã đặt thời gian nhập điểm HK1: từ 05/09/2026 đến hết 23/01/2027\n");
    } else {
      CHECK_THAT(right.err, !Catch::Contains(kWrong));  // got past the password to the command's own refusal
    }
  }
  CHECK(f.scalar("SELECT COUNT(*) FROM locks") == 1);
  CHECK(f.scalar("SELECT value FROM meta WHERE key = 'offline_grace_hours'") == 48);
  CHECK(f.scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'import_students' AND actor = 'quantri'") == 1);
  CHECK(f.scalar("SELECT COUNT(*) FROM login_lockouts") == 0);  // every right password forgave the failure before it
}

TEST_CASE("the lockout after repeated wrong passwords is the sync login's: it binds the CLI and devices alike",
          "[e2e]") {
  Fixture f;
  const std::vector<std::string> lock = {"lock", "set", "--data", f.demo.dir, "--kind", "frozen", "--reason", "x"};
  for (int i = 0; i < 5; ++i) REQUIRE(f.act("hieutruong", "doan-mo-" + std::to_string(i), lock).exit_code == 3);
  const std::string before = f.state();
  auto refused = f.act("hieutruong", lock);  // even the right password, while locked out
  INFO(refused.err);
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.err, Catch::Contains("tạm thời không đăng nhập được"));
  CHECK(f.state() == before);
  CHECK(f.audit("actor_login_failed", "hieutruong").size() == 5);
  const auto locked = f.audit("login_locked", "hieutruong");
  REQUIRE(locked.size() == 1);
  CHECK(locked[0]["scope"] == "account");

  // The running server honours the same lockout: the principal's device login is refused too.
  ServerProcess server(kServer, f.demo.dir);
  auto enroll = run_command({kClient, "enroll", "--data", f.tmp / "ht", "--server", server.url(), "--user", "hieutruong",
                             "--password-stdin", "--fingerprint", f.demo.fingerprint},
                            f.demo.password_of("hieutruong") + "\n");
  CHECK(enroll.exit_code != 0);
  CHECK_THAT(enroll.err + enroll.out, Catch::Contains("tạm thời không đăng nhập được"));

  // And the other way: wrong device logins lock the vice principal out of the CLI.
  for (int i = 0; i < 5; ++i)
    CHECK(run_command({kClient, "enroll", "--data", f.tmp / ("pht" + std::to_string(i)), "--server", server.url(),
                       "--user", "phohieutruong", "--password-stdin", "--fingerprint", f.demo.fingerprint},
                      "sai-mat-khau\n")
              .exit_code != 0);
  auto pht = f.act("phohieutruong", {"correction", "refuse", "1", "--data", f.demo.dir, "--comment", "x"});
  CHECK_THAT(pht.err, Catch::Contains("tạm thời không đăng nhập được"));

  // An administrator lifts the principal's lockout (as the console's Tài khoản page does): it ends at once.
  auto unlock = f.act("quantri", {"account", "unlock", "hieutruong", "--data", f.demo.dir});
  INFO(unlock.err);
  CHECK(unlock.exit_code == 0);
  const auto unlocked = f.audit("login_unlocked", "quantri");
  REQUIRE(unlocked.size() == 1);
  CHECK(unlocked[0]["username"] == "hieutruong");
  auto again = f.act("hieutruong", lock);
  INFO(again.err);
  CHECK(again.exit_code == 0);
  CHECK(f.act("quantri", {"account", "unlock", "hieutruong", "--data", f.demo.dir}).exit_code != 0);  // nothing held now
}

TEST_CASE("the maintenance identity acts for the data directory's owner as an administrator, audited as such", "[e2e]") {
  Fixture f;
  auto lock = f.server({"lock", "set", "--data", f.demo.dir, "--term", "HK1", "--kind", "frozen", "--reason",
                        "Bảo trì", "--maintenance"});
  INFO(lock.err);
  REQUIRE(lock.exit_code == 0);
  testing::ServerDb db(server::DataPaths{f.demo.dir}.db());
  auto s = db.prepare("SELECT actor FROM audit_log WHERE kind = 'lock_set' ORDER BY seq DESC LIMIT 1");
  REQUIRE(s.step());
  const std::string actor = s.text(0);
  CHECK_THAT(actor, Catch::StartsWith("bảo trì (máy chủ) — "));
  CHECK(actor.size() > std::string("bảo trì (máy chủ) — ").size());  // names the OS user
  auto list = nlohmann::json::parse(f.server({"lock", "list", "--data", f.demo.dir, "--json"}).out);
  REQUIRE(list.size() == 1);
  CHECK(list[0]["set_by"] == actor);
  CHECK(f.server({"account", "disable", "gv.toan.1", "--data", f.demo.dir, "--reason", "Nghỉ", "--maintenance"})
            .exit_code == 0);

  // Never the principal: the HT's own decisions stay the HT's.
  const std::string before = f.state();
  auto deleg = f.server({"delegate", "add", "phohieutruong", "--data", f.demo.dir, "--maintenance"});
  CHECK(deleg.exit_code == 3);
  CHECK_THAT(deleg.err, Catch::Contains("chỉ Hiệu trưởng"));
  CHECK(f.server({"unapprove", "--data", f.demo.dir, "--class", "6A", "--term", "HK1", "--reason", "x",
                  "--maintenance"}).exit_code != 0);
  CHECK(f.state() == before);
  // Not both identities at once.
  CHECK(f.server({"grace", "--data", f.demo.dir, "--hours", "1", "--maintenance", "--by", "hieutruong"}).exit_code != 0);

  // Anyone but the owner is refused.
  if (geteuid() == 0) {
    struct stat st {};
    REQUIRE(stat(f.demo.dir.c_str(), &st) == 0);
    REQUIRE(chown(f.demo.dir.c_str(), 65534, static_cast<gid_t>(-1)) == 0);
    auto other = f.server({"grace", "--data", f.demo.dir, "--hours", "1", "--maintenance"});
    REQUIRE(chown(f.demo.dir.c_str(), st.st_uid, static_cast<gid_t>(-1)) == 0);
    CHECK(other.exit_code == 3);
    CHECK_THAT(other.err, Catch::Contains("chỉ dành cho người dùng hệ điều hành sở hữu thư mục dữ liệu"));
    CHECK(f.state() == before);
  } else {
    WARN("not root: the non-owner refusal of --maintenance is not exercised");
  }
}

TEST_CASE("an issued password must be replaced before it acts, as on a device", "[e2e]") {
  Fixture f;
  auto reset = f.server({"account", "reset-password", "quantri", "--data", f.demo.dir, "--maintenance"});
  INFO(reset.err);
  REQUIRE(reset.exit_code == 0);
  const std::string admin = reset.out.substr(reset.out.find(": ") + 2, 12);  // "Mật khẩu mới của quantri: <12 hex>"
  const std::vector<std::string> disable = {"account", "disable", "gv.toan.1", "--data", f.demo.dir, "--reason", "x"};
  const std::string before = f.state();
  auto issued = f.act("quantri", admin, disable);
  CHECK(issued.exit_code != 0);
  CHECK_THAT(issued.err, Catch::Contains("--new-password-stdin"));
  CHECK(f.state() == before);
  std::vector<std::string> with_new = disable;
  for (const char* a : {"--by", "quantri", "--password-stdin", "--new-password-stdin"}) with_new.emplace_back(a);
  auto changed = f.server(with_new, admin + "\nmat-khau-moi-2027\n");
  INFO(changed.err);
  CHECK(changed.exit_code == 0);
  CHECK(f.scalar("SELECT disabled FROM users WHERE username = ?", "gv.toan.1") == 1);
  CHECK(f.audit("password_changed", "quantri").size() == 1);
  CHECK(f.act("quantri", "mat-khau-moi-2027", {"account", "enable", "gv.toan.1", "--data", f.demo.dir}).exit_code == 0);
}
