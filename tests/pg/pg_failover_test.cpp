// A connection lost under pg::Db and store::Db (a PostgreSQL restart or
// failover, here its backend terminated as a fast shutdown terminates it:
// 57P01): replaced at the next use outside any transaction, its session set
// up again, statements held by callers prepared again; inside a transaction
// every statement fails to its end, none runs outside it; while the server
// refuses, uses fail at once and attempts back off. Against the `pg` fixture's
// cluster: only this test's own connections are terminated (the whole-server
// restarts are tests/pg/db_restart.py's, on a cluster of its own).
#include <catch2/catch.hpp>

#include "pg_cluster_file.hpp"

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>

#include "sodiem/pg/db.hpp"
#include "sodiem/store/db.hpp"

using namespace sodiem;
using namespace std::chrono_literals;

namespace {

std::string super_url() { return "postgresql://postgres@127.0.0.1:" + testing::pg_cluster_file("port") + "/sodiem"; }

std::int64_t backend_pid(pg::Db& db) {
  auto s = db.prepare("SELECT pg_backend_pid()");
  REQUIRE(s.step());
  return s.int64(0);
}

// What a fast shutdown does to each connection: the backend ends with 57P01.
void terminate_backend(std::int64_t pid) {
  pg::Db killer(super_url());
  auto s = killer.prepare("SELECT pg_terminate_backend(CAST(? AS INTEGER), 5000)");
  s.bind(1, pid);
  REQUIRE(s.step());
  REQUIRE(s.text(0) == "t");
}

std::string unique(const std::string& prefix) {
  static std::atomic<int> n{0};
  return prefix + std::to_string(::getpid()) + "_" + std::to_string(n++);
}

}  // namespace

TEST_CASE("pg failover: a connection the server ended is replaced at the next use, set up and prepared again",
          "[storage][pg]") {
  pg::Db db(testing::pg_cluster_file("url"));
  int setups = 0;
  db.on_connect([&](pg::Db& c) {
    ++setups;
    c.exec("SELECT set_config('failover.mark', 'của phiên này', false)");
  });
  CHECK(setups == 1);
  // Held across the loss, as the server's classes hold theirs (Ingestor's members, store::Db's cache).
  auto held = db.prepare("SELECT current_setting('failover.mark'), current_setting('TimeZone'), pg_backend_pid(), ?");
  held.bind(1, "một");
  REQUIRE(held.step());
  const std::int64_t first = held.int64(2);
  held.reset();

  terminate_backend(first);
  held.bind(1, "hai");
  REQUIRE(held.step());  // no error: replaced before the statement was sent
  CHECK(held.text(0) == "của phiên này");
  CHECK(held.text(1) == "UTC");
  CHECK(held.int64(2) != first);
  CHECK(held.text(3) == "hai");
  CHECK(db.reconnects() == 1);
  CHECK(setups == 2);
  held.reset();

  // A statement first prepared after the loss, and one prepared before and never run until now.
  auto other = db.prepare("SELECT 40 + ?");
  terminate_backend(backend_pid(db));
  auto after = db.prepare("SELECT 1 + ?");
  after.bind(1, 1);
  REQUIRE(after.step());
  CHECK(after.int64(0) == 2);
  other.bind(1, 2);
  REQUIRE(other.step());
  CHECK(other.int64(0) == 42);
  CHECK(db.reconnects() == 2);
}

TEST_CASE("pg failover: a connection lost inside a transaction fails it to its end, nothing runs outside it",
          "[storage][pg]") {
  pg::Db db(testing::pg_cluster_file("url"));
  const std::string schema = unique("fo_");
  db.exec("CREATE SCHEMA " + schema);
  db.on_connect([&](pg::Db& c) { c.exec("SET search_path TO " + schema); });
  db.exec("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  {
    pg::Transaction tx(db);
    db.prepare("INSERT INTO notes(id, body) VALUES(?, ?)").bind(1, 1).bind(2, "trước").run();
    terminate_backend(backend_pid(db));
    try {
      db.prepare("INSERT INTO notes(id, body) VALUES(?, ?)").bind(1, 2).bind(2, "sau").run();
      FAIL("a statement ran after its transaction's connection was lost");
    } catch (const pg::Error& e) {
      CHECK(e.connection_lost());
      CHECK(std::string(e.what()).find("mất kết nối") != std::string::npos);
    }
    // Still inside: no new connection (its statements would commit one by one).
    CHECK_THROWS_AS(db.exec("INSERT INTO notes(id, body) VALUES(3, 'vẫn trong giao dịch')"), pg::Error);
    CHECK(db.reconnects() == 0);
    CHECK_THROWS_AS(tx.commit(), pg::Error);
  }
  auto count = db.prepare("SELECT count(*) FROM notes");
  REQUIRE(count.step());
  CHECK(count.int64(0) == 0);
  CHECK(db.reconnects() == 1);
  db.exec("DROP SCHEMA " + schema + " CASCADE");
}

TEST_CASE("pg failover: while the server refuses, uses fail at once and attempts back off", "[storage][pg]") {
  const std::string role = unique("fo_role_");
  pg::Db super(super_url());
  super.exec("CREATE ROLE " + role + " LOGIN");
  const std::string url = "postgresql://" + role + "@127.0.0.1:" + testing::pg_cluster_file("port") + "/sodiem";
  {
    pg::Db db(url);
    super.exec("ALTER ROLE " + role + " NOLOGIN");  // every new connection refused, as a server that is down
    terminate_backend(backend_pid(db));
    const auto t0 = std::chrono::steady_clock::now();
    int uses = 0, lost = 0;
    while (std::chrono::steady_clock::now() - t0 < 1s) {
      ++uses;
      try {
        db.exec("SELECT 1");
      } catch (const pg::Error& e) {
        if (e.connection_lost()) ++lost;
      }
    }
    CHECK(lost == uses);
    CHECK(uses > 100);  // none of them waited for the server
    // 0, 0.2, 0.6 s (1.4 s is past the second): a few attempts, not one per use.
    CHECK(db.connect_attempts() >= 2);
    CHECK(db.connect_attempts() <= 4);
    super.exec("ALTER ROLE " + role + " LOGIN");
    bool back = false;
    const auto t1 = std::chrono::steady_clock::now();
    while (!back && std::chrono::steady_clock::now() - t1 < 15s) {
      try {
        db.exec("SELECT 1");
        back = true;
      } catch (const pg::Error&) {
        std::this_thread::sleep_for(20ms);
      }
    }
    CHECK(back);
    CHECK(db.reconnects() == 1);
  }
  super.exec("DROP ROLE " + role);
}

TEST_CASE("pg failover: store::Db sets its school again and tells its callers to read again", "[storage][pg]") {
  const std::string schema = unique("fos_");
  pg::Db owner(testing::pg_cluster_file("url"));
  owner.exec("CREATE SCHEMA " + schema + "; GRANT USAGE ON SCHEMA " + schema + " TO sodiem_app; SET search_path TO " +
             schema);
  owner.exec(
      "CREATE TABLE meta(school_id TEXT NOT NULL DEFAULT current_setting('sodiem.school'), key TEXT NOT NULL, "
      "  value TEXT NOT NULL, PRIMARY KEY(school_id, key));"
      "CREATE TABLE notes(school_id TEXT NOT NULL DEFAULT current_setting('sodiem.school'), id BIGINT NOT NULL, "
      "  body TEXT NOT NULL, PRIMARY KEY(school_id, id));"
      "ALTER TABLE meta ENABLE ROW LEVEL SECURITY; ALTER TABLE notes ENABLE ROW LEVEL SECURITY;"
      "CREATE POLICY one_school ON meta USING (school_id = current_setting('sodiem.school', true));"
      "CREATE POLICY one_school ON notes USING (school_id = current_setting('sodiem.school', true));"
      "GRANT SELECT, INSERT, UPDATE, DELETE ON meta, notes TO sodiem_app");
  auto app = std::make_unique<pg::Db>(testing::pg_cluster_file("app-url"));
  app->on_connect([&](pg::Db& c) { c.exec("SET search_path TO " + schema); });
  store::Db db(std::move(app), "th-na-hang");
  db.prepare("INSERT INTO notes(id, body) VALUES(?, ?)").bind(1, 1).bind(2, "một").run();
  auto count = db.cached("SELECT count(*) FROM notes");
  REQUIRE(count->step());
  CHECK(count->int64(0) == 1);
  const std::int64_t seen = db.data_version();
  CHECK(db.data_version() == seen);

  terminate_backend(backend_pid(*db.pg()));
  count->reset();
  REQUIRE(count->step());
  CHECK(count->int64(0) == 1);  // the school's rows: the session's school was set again
  CHECK(db.reconnects() == 1);
  CHECK(db.data_version() != seen);  // what was read before may be stale
  owner.exec("DROP SCHEMA " + schema + " CASCADE");
}
