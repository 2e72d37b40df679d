// `sodiem-server restore` of one PostgreSQL school while `run` processes
// keep serving it and others (serving_lock.hpp's RestoreRequest,
// server/src/wss_let_go.cpp): two real multi-school server processes serve
// two schools of one database, devices of both sync through both; the real
// `restore` binary restores school A without a restart: A's devices are told
// in Vietnamese to try again meanwhile and sync again afterwards (new epoch),
// B's keep syncing throughout, `audit verify` passes for both. A process that
// does not let go (a single-school `run --data`) makes `restore --wait` give
// up with nothing changed, and neither that nor a killed `restore` leaves the
// school refused. A process whose connection was lost while the school was
// restored serves it again only from a fresh opening (the restored epoch).
// An opening, or a new connection, that meets a restore holding the school
// gives up within seconds (the process's other schools open meanwhile); a
// device pushing throughout loses nothing and stores nothing twice; a
// service started under a restore's request refuses; a process looks for
// requests once per database and interval, whatever its open schools.
// PostgreSQL only (its own binary, ctest "pg: "): a SQLite
// restore fills a new folder, which no process serves.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"
#include "sodiem/client/local_store.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "sodiem/client/transport.hpp"
#include "sodiem/net/tls.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/pg/db.hpp"
#include "sodiem/server/host_names.hpp"
#include "sodiem/server/school_open.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/serving_lock.hpp"
#include "sodiem/server/store_config.hpp"
#include "sodiem/server/sync_service.hpp"
#include "test_school.hpp"
#include "ws_probe.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

constexpr const char* kHostA = "khoi-phuc-a.test";
constexpr const char* kHostB = "khoi-phuc-b.test";
constexpr const char* kRestoring = "Trường đang được khôi phục từ bản sao lưu; hãy thử lại sau ít phút.";

DemoServer school_with_own_identity(const std::string& dir, const char* host) {
  DemoServer s = make_demo_server(dir);
  const server::DataPaths paths{dir};
  std::filesystem::remove(paths.cert());
  std::filesystem::remove(paths.key());
  net::make_self_signed_certificate(paths.cert(), paths.key(), host);
  s.fingerprint = net::fingerprint_of_pem_file(paths.cert());
  server::write_host_names(dir, {host});
  return s;
}

// The parent folder `tmp/truong` of schools A and B, each with its own
// identity (certificate and host name), as `run --schools` serves them.
struct TwoSchools {
  std::string parent;
  DemoServer a, b;
};
TwoSchools two_schools(const TempDir& tmp) {
  const std::string parent = tmp / "truong";
  std::filesystem::create_directories(parent);
  return {parent, school_with_own_identity(parent + "/thcs-a", kHostA), school_with_own_identity(parent + "/thcs-b", kHostB)};
}

bool wait_for(const std::function<bool()>& ok, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!ok()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

// `sodiem-server run --schools PARENT` (ServerProcess always passes --data).
class SchoolsProcess {
 public:
  explicit SchoolsProcess(const std::string& parent) : log_path_(parent + "-" + std::to_string(++count_) + ".log") {
    pid_ = spawn({SODIEM_SERVER_BIN, "run", "--schools", parent, "--listen", "127.0.0.1:0"}, log_path_);
    REQUIRE(wait_for([&] { return log().find("listening on ") != std::string::npos; }));
    const std::string rest = log().substr(log().find("listening on ") + 13);
    url_ = "wss://" + rest.substr(0, rest.find_first_of(" \n"));
  }
  ~SchoolsProcess() {
    ::kill(pid_, SIGKILL);
    wait_exit(pid_);
  }
  const std::string& url() const { return url_; }
  pid_t pid() const { return pid_; }
  bool running() const { return ::waitpid(pid_, nullptr, WNOHANG) == 0; }
  std::string log() const {
    std::ifstream in(log_path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  static inline int count_ = 0;
  std::string log_path_, url_;
  pid_t pid_ = -1;
};

template <class Process>
client::Endpoint endpoint(const Process& p, const char* host, const std::string& fingerprint) {
  const std::string port = p.url().substr(p.url().rfind(':') + 1);
  return {"wss://" + std::string(host) + ":" + port, fingerprint, "127.0.0.1"};
}

Status enroll(client::LocalStore& store, const client::Endpoint& ep, const std::string& user, const std::string& password) {
  auto t = client::make_wss_transport(ep);
  return client::enroll(store, *t, ep, user, password, "máy thử");
}

Result<client::SyncReport> sync_once(client::LocalStore& store, const client::Endpoint& ep) {
  client::SyncOptions once;
  once.max_attempts = 1;
  client::SyncEngine engine(store, [ep] { return client::make_wss_transport(ep); }, once);
  return engine.sync();
}

std::int64_t scalar(const std::string& dir, const std::string& sql) {
  auto db = server::open_server_db(server::DataPaths{dir}.db());
  auto s = db->prepare(sql);
  REQUIRE(s.step());
  return s.int64(0);
}

std::string epoch_of(const std::string& dir) {
  auto db = server::open_server_db(server::DataPaths{dir}.db());
  return server::get_meta(*db, "epoch");
}

std::string student(int i) {
  char code[16];
  std::snprintf(code, sizeof code, "HS6A%02d", i % 40 + 1);
  return code;
}

// Each op of the school's log once, versions dense.
void check_log(const std::string& dir) {
  INFO(dir);
  CHECK(scalar(dir, "SELECT COUNT(*) FROM (SELECT device_id, seq FROM changes WHERE device_id <> 0 "
                    "GROUP BY device_id, seq HAVING COUNT(*) > 1) AS twice") == 0);
  CHECK(scalar(dir, "SELECT MAX(version) - COUNT(*) FROM changes") == 0);
}

void audit_verify(const std::string& dir) {
  const auto r = run_command({SODIEM_SERVER_BIN, "audit", "verify", "--data", dir});
  INFO(dir << ": " << r.out << r.err);
  CHECK(r.exit_code == 0);
}

// What a school's host name gets from process `p` right now (the status page).
template <class Process>
std::string answer_of(const Process& p, const char* host) {
  WsProbe probe(p.url());
  if (!probe.tls("", host)) return "";
  return probe.http_get("/");
}
template <class Process>
std::string answer_of_a(const Process& p) {
  return answer_of(p, kHostA);
}

// A school's answer, served (opened): anything but a refusal or nothing.
bool served(const std::string& answer) {
  return answer.rfind("HTTP/1.1 ", 0) == 0 && answer.rfind("HTTP/1.1 503", 0) != 0;
}

std::string school_id(const std::string& dir) { return server::read_store_config(dir)->school_id; }

// The superuser's session, standing for a restore of school `dir` in the
// middle of its transaction: its request held (session; `request` false:
// an opening looked just before it was taken) and the school's serving lock
// held exclusively (as no_server_serving takes it), until end() or the end
// of the session.
class RestoreHolding {
 public:
  explicit RestoreHolding(const std::string& dir, bool request = true) : db_(pg_super_url()) {
    if (request) {
      auto asking = db_.prepare("SELECT pg_try_advisory_lock(hashtext('sodiem-restore:' || ?))");
      asking.bind(1, school_id(dir));
      REQUIRE(asking.step());
      REQUIRE(asking.text(0) == "t");
    }
    db_.exec("BEGIN");
    auto serving = db_.prepare("SELECT pg_try_advisory_xact_lock(hashtext('sodiem-serving:' || ?))");
    serving.bind(1, school_id(dir));
    REQUIRE(serving.step());
    REQUIRE(serving.text(0) == "t");
  }
  void end() {
    db_.exec("ROLLBACK");
    db_.exec("SELECT pg_advisory_unlock_all()");
  }

 private:
  pg::Db db_;
};

// Ends the server connection holding school `dir`'s serving lock, as a
// network cut or a PostgreSQL restart ends it; how many were ended.
int end_serving_connection(const std::string& dir) {
  pg::Db super(pg_super_url());
  auto s = super.prepare(
      "SELECT pg_terminate_backend(pid, 5000) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' AND "
      "granted AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = "
      "hashtext('sodiem-serving:' || ?)::bigint");
  s.bind(1, school_id(dir));
  int ended = 0;
  while (s.step()) ended += s.text(0) == "t";
  return ended;
}

}  // namespace

TEST_CASE("restore of one PostgreSQL school under two running multi-school processes, no restart, its devices "
          "wait then sync again, the other school syncs throughout",
          "[e2e][pg]") {
  REQUIRE_FALSE(pg_owner_url().empty());  // SODIEM_TEST_PG: a SQLite restore fills a new folder no process serves
  TempDir tmp;
  auto [parent, a, b] = two_schools(tmp);
  // Two processes serving every school of the folder (on two machines, each
  // a copy of it; here one folder).
  SchoolsProcess one(parent), two(parent);
  const SchoolsProcess* procs[] = {&one, &two};

  // Two devices of each school, one on each process.
  std::vector<std::unique_ptr<client::LocalStore>> dev_a, dev_b;
  for (int i = 0; i < 2; ++i) {
    dev_a.push_back(std::make_unique<client::LocalStore>(tmp / ("dev-a" + std::to_string(i))));
    dev_b.push_back(std::make_unique<client::LocalStore>(tmp / ("dev-b" + std::to_string(i))));
    const std::string user = "gv.toan.1";  // two devices of one teacher, one column each
    REQUIRE(enroll(*dev_a[i], endpoint(*procs[i], kHostA, a.fingerprint), user, a.password_of(user)));
    REQUIRE(enroll(*dev_b[i], endpoint(*procs[i], kHostB, b.fingerprint), user, b.password_of(user)));
  }
  const auto ep_a = [&](int i) { return endpoint(*procs[i], kHostA, a.fingerprint); };
  const auto ep_b = [&](int i) { return endpoint(*procs[i], kHostB, b.fingerprint); };
  const char* cols[] = {"HK1.TX1", "HK1.TX2"};
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 10; ++k) REQUIRE(dev_a[i]->record({"6A", "Toán", student(k), cols[i]}, "7").is_ok());
    REQUIRE(sync_once(*dev_a[i], ep_a(i)));
  }
  const auto backup = run_command({SODIEM_SERVER_BIN, "backup", "--data", a.dir, tmp / "backup-a"});
  REQUIRE(backup.exit_code == 0);
  // Marks after the backup: the restore loses them, the devices resend them.
  for (int i = 0; i < 2; ++i) {
    for (int k = 10; k < 20; ++k) REQUIRE(dev_a[i]->record({"6A", "Toán", student(k), cols[i]}, "8").is_ok());
    REQUIRE(sync_once(*dev_a[i], ep_a(i)));
  }
  const auto a_ops = scalar(a.dir, "SELECT COUNT(*) FROM changes WHERE device_id <> 0");
  REQUIRE(a_ops == 40);
  const std::string old_epoch = epoch_of(a.dir);

  // B's devices keep writing and syncing, each through its process, the whole time.
  std::atomic<bool> restoring_done{false};
  std::atomic<int> b_syncs{0}, b_syncs_during{0};
  std::vector<std::string> b_failures;
  std::thread b_work([&] {
    for (int n = 0; !restoring_done || n < 4; ++n) {
      const int i = n % 2;
      if (!dev_b[i]->record({"6A", "Toán", student(n), cols[i]}, n % 2 ? "9" : "6.5").is_ok())
        b_failures.push_back("record");
      const auto r = sync_once(*dev_b[i], ep_b(i));
      if (!r) b_failures.push_back(r.status().message());
      ++b_syncs;
      if (!restoring_done) ++b_syncs_during;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });

  // The restore, the real binary, while both processes serve A.
  std::atomic<bool> restore_ended{false};
  CommandResult restored;
  const auto t0 = std::chrono::steady_clock::now();
  std::thread restore([&] {
    restored = run_command({SODIEM_SERVER_BIN, "restore", tmp / "backup-a", "--data", a.dir});
    restore_ended = true;
  });
  // Meanwhile A's devices are told, in Vietnamese, to try again later.
  bool told = false;
  while (!restore_ended && !told) {
    told = answer_of_a(one).find(kRestoring) != std::string::npos ||
           answer_of_a(two).find(kRestoring) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  restore.join();
  const auto took = std::chrono::steady_clock::now() - t0;
  restoring_done = true;
  b_work.join();
  INFO("restore: " << restored.out << restored.err);
  REQUIRE(restored.exit_code == 0);
  CHECK_THAT(restored.out, Catch::Contains("Đã khôi phục vào"));
  CHECK(took < std::chrono::seconds(30));
  CHECK(told);
  CHECK(epoch_of(a.dir) != old_epoch);
  CHECK(scalar(a.dir, "SELECT COUNT(*) FROM changes WHERE device_id <> 0") == 20);  // the backup's
  // Nothing restarted; both let go of A (and of A only).
  for (const auto* p : procs) {
    CHECK(p->running());
    CHECK_THAT(p->log(), Catch::Contains("thcs-a: a restore asks for it"));
    CHECK(p->log().find("thcs-b: a restore asks for it") == std::string::npos);
  }
  {
    INFO("B's failures: " << b_failures.size() << (b_failures.empty() ? "" : ", first: " + b_failures.front()));
    CHECK(b_failures.empty());
  }
  CHECK(b_syncs_during > 0);

  // A's devices sync again through either process: the restored epoch makes
  // them re-pull and resend what the backup lacks.
  for (int pass = 0; pass < 2; ++pass)
    for (int i = 0; i < 2; ++i) {
      const auto r = sync_once(*dev_a[i], ep_a((i + pass) % 2));
      INFO("A's device " << i << ", pass " << pass << ": " << (r ? "" : r.status().message()));
      CHECK(r);
    }
  for (int i = 0; i < 2; ++i) CHECK(dev_a[i]->status().pending == 0);
  CHECK(scalar(a.dir, "SELECT COUNT(*) FROM changes WHERE device_id <> 0") == a_ops);
  for (const auto* dir : {&a.dir, &b.dir}) {
    check_log(*dir);
    audit_verify(*dir);
  }
}

TEST_CASE("restore of a PostgreSQL school a process does not let go of gives up after the wait with nothing "
          "changed, and neither that nor a killed restore leaves the school refused",
          "[e2e][pg]") {
  REQUIRE_FALSE(pg_owner_url().empty());
  TempDir tmp;
  auto [parent, a, b] = two_schools(tmp);
  REQUIRE(run_command({SODIEM_SERVER_BIN, "backup", "--data", a.dir, tmp / "backup-a"}).exit_code == 0);
  SchoolsProcess many(parent);
  client::LocalStore dev(tmp / "dev");
  REQUIRE(enroll(dev, endpoint(many, kHostA, a.fingerprint), "gv.toan.1", a.password_of("gv.toan.1")));
  REQUIRE(dev.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "7").is_ok());
  REQUIRE(sync_once(dev, endpoint(many, kHostA, a.fingerprint)));
  const std::string epoch = epoch_of(a.dir);
  // A single-school process: serves A until stopped, never lets go.
  ServerProcess single(SODIEM_SERVER_BIN, a.dir);

  const auto t0 = std::chrono::steady_clock::now();
  const auto gave_up = run_command({SODIEM_SERVER_BIN, "restore", tmp / "backup-a", "--data", a.dir, "--wait", "3"});
  const auto took = std::chrono::steady_clock::now() - t0;
  INFO(gave_up.out << gave_up.err);
  CHECK(gave_up.exit_code != 0);
  CHECK_THAT(gave_up.out, Catch::Contains("Đang chờ các máy chủ"));
  CHECK_THAT(gave_up.err, Catch::Contains("trường không bị thay đổi") && Catch::Contains("sau 3 giây"));
  CHECK(took >= std::chrono::seconds(3));
  CHECK(took < std::chrono::seconds(20));
  CHECK(epoch_of(a.dir) == epoch);
  // The request withdrawn: the multi-school process serves A again.
  const auto a_syncs = [&] { return sync_once(dev, endpoint(many, kHostA, a.fingerprint)).is_ok(); };
  CHECK(wait_for(a_syncs));

  // A restore killed while it waits: its request goes with its connection.
  const std::string log = tmp / "restore.log";
  const pid_t pid = spawn({SODIEM_SERVER_BIN, "restore", tmp / "backup-a", "--data", a.dir, "--wait", "60"}, log);
  CHECK(wait_for([&] {
    std::ifstream in(log);
    return std::string(std::istreambuf_iterator<char>(in), {}).find("Đang chờ") != std::string::npos;
  }));
  CHECK(wait_for([&] { return answer_of_a(many).find(kRestoring) != std::string::npos; }));
  ::kill(pid, SIGKILL);
  wait_exit(pid);
  CHECK(wait_for(a_syncs));
  CHECK(epoch_of(a.dir) == epoch);
  REQUIRE(dev.record({"6A", "Toán", "HS6A02", "HK1.TX1"}, "8").is_ok());
  CHECK(sync_once(dev, endpoint(many, kHostA, a.fingerprint)));
  CHECK(scalar(a.dir, "SELECT COUNT(*) FROM changes WHERE device_id <> 0") == 2);
  audit_verify(a.dir);
}

TEST_CASE("a process whose connection to a school was lost while the school was restored serves it again only from "
          "a fresh opening: its devices get the restored epoch and resend what the backup lacks",
          "[e2e][pg]") {
  REQUIRE_FALSE(pg_owner_url().empty());
  TempDir tmp;
  auto [parent, a, b] = two_schools(tmp);
  SchoolsProcess many(parent);
  const auto ep = endpoint(many, kHostA, a.fingerprint);
  client::LocalStore dev(tmp / "dev");
  REQUIRE(enroll(dev, ep, "gv.toan.1", a.password_of("gv.toan.1")));
  REQUIRE(dev.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "7").is_ok());
  REQUIRE(sync_once(dev, ep));
  // The backup holds the device and its first mark, not the second.
  REQUIRE(run_command({SODIEM_SERVER_BIN, "backup", "--data", a.dir, tmp / "backup-a"}).exit_code == 0);
  REQUIRE(dev.record({"6A", "Toán", "HS6A02", "HK1.TX1"}, "8").is_ok());
  REQUIRE(sync_once(dev, ep));
  const std::string old_epoch = epoch_of(a.dir);
  REQUIRE(dev.cursor().epoch == old_epoch);

  // The process stands still (SIGSTOP) while its connection holding A's
  // serving lock ends, as a network cut or a PostgreSQL restart ends it:
  // nothing serves A, so `restore` runs at once, asking nobody.
  REQUIRE(::kill(many.pid(), SIGSTOP) == 0);
  CHECK(end_serving_connection(a.dir) == 1);
  const auto restored = run_command({SODIEM_SERVER_BIN, "restore", tmp / "backup-a", "--data", a.dir, "--wait", "0"});
  INFO(restored.out << restored.err);
  REQUIRE(::kill(many.pid(), SIGCONT) == 0);
  REQUIRE(restored.exit_code == 0);
  const std::string new_epoch = epoch_of(a.dir);
  CHECK(new_epoch != old_epoch);

  // The process takes a new connection: it must not go on with A's old
  // epoch and caches (the device would never learn of the restore and never
  // resend its mark). Refused until A is opened again, then the restored epoch.
  std::string last;
  CHECK(wait_for([&] {
    const auto r = sync_once(dev, ep);
    last = r ? "synced, epoch " + dev.cursor().epoch : r.status().message();
    return r.is_ok() && dev.cursor().epoch == new_epoch;
  }));
  INFO("last sync: " << last << "; the process's log: " << many.log());
  CHECK(sync_once(dev, ep));
  CHECK(dev.status().pending == 0);
  CHECK(scalar(a.dir, "SELECT COUNT(*) FROM changes WHERE device_id <> 0") == 2);
  check_log(a.dir);
  audit_verify(a.dir);
  CHECK(many.running());
}

TEST_CASE("an opening of a school a restore holds gives up within seconds, refused for the restore, and the "
          "process's other schools open meanwhile",
          "[e2e][pg]") {
  REQUIRE_FALSE(pg_owner_url().empty());
  TempDir tmp;
  auto [parent, a, b] = two_schools(tmp);
  SchoolsProcess many(parent);  // opens each school at its first connection
  // The request not held: as for an opening whose early look came just
  // before it, then found the restore's transaction holding the school.
  RestoreHolding restoring(a.dir, /*request=*/false);
  // A's opening first: it must not hold the process's one opener thread for
  // as long as the restore runs.
  auto a_answer = std::async(std::launch::async, [&] { return answer_of_a(many); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto t0 = std::chrono::steady_clock::now();
  const std::string b_answer = answer_of(many, kHostB);
  const auto b_took = std::chrono::steady_clock::now() - t0;
  const bool a_answered = a_answer.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  restoring.end();
  INFO("B: " << b_answer.substr(0, 200) << "; the process's log: " << many.log());
  CHECK(served(b_answer));
  CHECK(b_took < std::chrono::seconds(5));
  REQUIRE(a_answered);
  CHECK_THAT(a_answer.get(), Catch::StartsWith("HTTP/1.1 503") && Catch::Contains(kRestoring));
  // The restore over (rolled back): A opens again at a later handshake.
  CHECK(wait_for([&] { return served(answer_of_a(many)); }));
  client::LocalStore dev(tmp / "dev");
  CHECK(enroll(dev, endpoint(many, kHostA, a.fingerprint), "gv.toan.1", a.password_of("gv.toan.1")));
}

TEST_CASE("a school whose connection is replaced while a restore holds it is let go of within seconds, its "
          "worker never waiting for the restore, and served again after it",
          "[e2e][pg]") {
  REQUIRE_FALSE(pg_owner_url().empty());
  TempDir tmp;
  auto [parent, a, b] = two_schools(tmp);
  SchoolsProcess many(parent);
  const auto ep = endpoint(many, kHostA, a.fingerprint);
  client::LocalStore dev(tmp / "dev");
  REQUIRE(enroll(dev, ep, "gv.toan.1", a.password_of("gv.toan.1")));
  REQUIRE(dev.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "7").is_ok());
  REQUIRE(sync_once(dev, ep));
  // The serving connection lost, then a restore holding the school (its
  // request and its transaction's serving lock) as the worker reconnects.
  REQUIRE(end_serving_connection(a.dir) == 1);
  RestoreHolding restoring(a.dir);
  REQUIRE(dev.record({"6A", "Toán", "HS6A02", "HK1.TX1"}, "8").is_ok());
  const auto t0 = std::chrono::steady_clock::now();
  const auto during = sync_once(dev, ep);
  const auto took = std::chrono::steady_clock::now() - t0;
  const bool refused = wait_for([&] { return answer_of_a(many).find(kRestoring) != std::string::npos; },
                                std::chrono::seconds(15));
  restoring.end();
  INFO("the process's log: " << many.log());
  CHECK_FALSE(during);
  CHECK(took < std::chrono::seconds(10));
  CHECK(refused);
  std::string last;
  CHECK(wait_for([&] {
    const auto r = sync_once(dev, ep);
    last = r ? "" : r.status().message();
    return r.is_ok();
  }));
  INFO("last sync: " << last);
  CHECK(dev.status().pending == 0);
  CHECK(scalar(a.dir, "SELECT COUNT(*) FROM changes WHERE device_id <> 0") == 2);
  check_log(a.dir);
  CHECK(many.running());
}

TEST_CASE("a device pushing while its school is let go of for a restore: each op acked is kept or resent, none "
          "stored twice, the device refused meanwhile syncs again after",
          "[e2e][pg]") {
  REQUIRE_FALSE(pg_owner_url().empty());
  TempDir tmp;
  auto [parent, a, b] = two_schools(tmp);
  SchoolsProcess many(parent);
  const auto ep = endpoint(many, kHostA, a.fingerprint);
  client::LocalStore dev(tmp / "dev");
  REQUIRE(enroll(dev, ep, "gv.toan.1", a.password_of("gv.toan.1")));
  int recorded = 0;
  const auto record = [&] {
    const int n = recorded++;
    // Each cell's next value another (a value recorded again is no change).
    return dev.record({"6A", "Toán", student(n), n / 40 % 2 ? "HK1.TX2" : "HK1.TX1"}, std::to_string(5 + n / 80 % 5))
        .is_ok();
  };
  for (int k = 0; k < 5; ++k) REQUIRE(record());
  REQUIRE(sync_once(dev, ep));
  REQUIRE(run_command({SODIEM_SERVER_BIN, "backup", "--data", a.dir, tmp / "backup-a"}).exit_code == 0);
  const std::string old_epoch = epoch_of(a.dir);

  // The device records and pushes without pause, through the restore.
  std::atomic<bool> stop{false};
  std::atomic<int> synced{0}, refused{0};
  std::vector<std::string> other_failures;
  std::thread pushing([&] {
    while (!stop) {
      for (int k = 0; k < 3; ++k)
        if (!record()) other_failures.push_back("record");
      const auto r = sync_once(dev, ep);
      if (r) ++synced;
      else if (r.status().message().find("503") != std::string::npos) ++refused;
      else other_failures.push_back(r.status().message());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const int synced_before = synced;
  const auto restored = run_command({SODIEM_SERVER_BIN, "restore", tmp / "backup-a", "--data", a.dir});
  // Until the device synced again after the restore (the restored epoch).
  const int synced_at_restore = synced;
  const bool again = wait_for([&] { return synced > synced_at_restore + 1; });
  stop = true;
  pushing.join();
  INFO("restore: " << restored.out << restored.err << "; the process's log: " << many.log());
  REQUIRE(restored.exit_code == 0);
  CHECK(synced_before > 0);
  CHECK(again);
  CHECK(refused > 0);  // told to try again (HTTP 503) while the school was let go of
  {
    INFO("other failures: " << other_failures.size() << (other_failures.empty() ? "" : ", first: " + other_failures.front()));
    CHECK(other_failures.size() <= 2);  // at most the sessions cut by the let-go itself
  }
  // Whatever is still queued goes now; every op recorded is in the school once.
  REQUIRE(wait_for([&] { return sync_once(dev, ep).is_ok() && dev.status().pending == 0; }));
  CHECK(epoch_of(a.dir) != old_epoch);
  CHECK(dev.cursor().epoch == epoch_of(a.dir));
  CHECK(scalar(a.dir, "SELECT COUNT(*) FROM changes WHERE device_id <> 0") == recorded);
  check_log(a.dir);
  audit_verify(a.dir);
}

TEST_CASE("a school's service started while a restore's request is held refuses to serve it", "[e2e][pg]") {
  REQUIRE_FALSE(pg_owner_url().empty());
  TempDir tmp;
  auto [parent, a, b] = two_schools(tmp);
  // As an opening whose early look ran just before the restore took its
  // request: the service, holding the serving lock, looks again.
  auto asking = server::open_server_db(server::DataPaths{a.dir}.db());
  server::RestoreRequest request(*asking);
  REQUIRE(request.take());
  CHECK_THROWS_AS(server::SyncService(server::DataPaths{a.dir}.db(), SystemClock::instance()), server::SchoolRestoring);
  const auto opened = server::open_school(a.dir);
  REQUIRE_FALSE(opened);
  CHECK(server::refused_for_restore(opened.status()));
  CHECK(opened.status().message() == kRestoring);
  // Known by its detail, not its words.
  CHECK_FALSE(server::refused_for_restore(Status(ErrorCode::kRateLimited, kRestoring)));
  // B is not A.
  server::SyncService b_service(server::DataPaths{b.dir}.db(), SystemClock::instance());
  CHECK_FALSE(b_service.restore_requested());
  request.withdraw();
  server::SyncService a_service(server::DataPaths{a.dir}.db(), SystemClock::instance());
  CHECK_FALSE(a_service.restore_requested());
}

TEST_CASE("a process looks for restore requests once per database and interval, whatever the number of its open "
          "schools, and tells only the school asked for",
          "[e2e][pg]") {
  REQUIRE_FALSE(pg_owner_url().empty());
  TempDir tmp;
  std::vector<std::string> dirs;
  for (int i = 0; i < 4; ++i) dirs.push_back(make_demo_server(tmp / ("thcs-" + std::to_string(i))).dir);
  std::vector<std::unique_ptr<server::SyncService>> services;
  for (const auto& dir : dirs)
    services.push_back(std::make_unique<server::SyncService>(server::DataPaths{dir}.db(), SystemClock::instance()));
  const auto looks_before = server::restore_looks();
  std::this_thread::sleep_for(tuning::kRestoreLookInterval * 3 + std::chrono::milliseconds(500));
  const auto looks = server::restore_looks() - looks_before;
  // One each interval (a little more as the workers take turns), not one per school.
  CHECK(looks >= 2);
  CHECK(looks <= 5);
  for (const auto& service : services) CHECK_FALSE(service->restore_requested());

  auto asking = server::open_server_db(server::DataPaths{dirs[2]}.db());
  server::RestoreRequest request(*asking);
  REQUIRE(request.take());
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(wait_for([&] { return services[2]->restore_requested(); }, std::chrono::seconds(10)));
  CHECK(std::chrono::steady_clock::now() - t0 < tuning::kRestoreLookInterval * 2);
  for (std::size_t i = 0; i < services.size(); ++i)
    if (i != 2) CHECK_FALSE(services[i]->restore_requested());
  request.withdraw();
  CHECK(wait_for([&] { return !services[2]->restore_requested(); }, std::chrono::seconds(10)));
}
