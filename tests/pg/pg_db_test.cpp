// The libpq wrapper (sodiem_pg) against a real throw-away PostgreSQL started
// by scripts/pg.sh (CTest fixture `pg`): statements written as for SQLite run
// unchanged, failures carry PostgreSQL's code, transactions nest, migrations
// run once even with two processes' connections racing.
#include <catch2/catch.hpp>

#include "pg_cluster_file.hpp"
#include "../support/loopback_listener.hpp"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <future>
#include <fstream>
#include <string>
#include <thread>
#include <vector>
#include <unistd.h>

#include "sodiem/pg/array.hpp"
#include "sodiem/pg/db.hpp"
#include "sodiem/pg/dialect.hpp"
#include "sodiem/core/tuning.hpp"

using namespace sodiem;

namespace {

// A schema of its own per test case, dropped at the end.
struct Scratch {
  pg::Db db{testing::pg_cluster_file("url")};
  std::string schema;
  Scratch() {
    static std::atomic<int> n{0};
    schema = "t_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    db.exec("CREATE SCHEMA " + schema);
    db.exec("SET search_path TO " + schema);
  }
  ~Scratch() {
    try {
      db.exec("DROP SCHEMA " + schema + " CASCADE");
    } catch (...) {
    }
  }
};

}  // namespace

TEST_CASE("pg dialect: placeholders, INSERT OR IGNORE, what has no translation", "[unit][pg]") {
  auto t = pg::to_postgres("SELECT a FROM x WHERE b = ? AND c = ? AND d = '?' AND \"e?\" = ?");
  CHECK(t.sql == "SELECT a FROM x WHERE b = $1 AND c = $2 AND d = '?' AND \"e?\" = $3");
  CHECK(t.params == 3);
  t = pg::to_postgres("UPDATE x SET a = ?2, b = ?1 -- why?\nWHERE c = ?2");
  CHECK(t.sql == "UPDATE x SET a = $2, b = $1 -- why?\nWHERE c = $2");
  CHECK(t.params == 2);
  t = pg::to_postgres("insert or ignore into x(a) values(?);");
  CHECK(t.sql == "INSERT into x(a) values($1) ON CONFLICT DO NOTHING;");
  t = pg::to_postgres("INSERT OR IGNORE INTO x(a) VALUES('it''s ?') RETURNING a");
  CHECK(t.sql == "INSERT INTO x(a) VALUES('it''s ?') ON CONFLICT DO NOTHING RETURNING a");
  CHECK(t.params == 0);
  CHECK_THROWS_AS(pg::to_postgres("INSERT OR REPLACE INTO x VALUES(1)"), pg::Error);
  CHECK_THROWS_AS(pg::to_postgres("PRAGMA user_version"), pg::Error);
  // The server's store: every key is led by school_id.
  t = pg::to_postgres("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                      "school_id");
  CHECK(t.sql == "INSERT INTO meta(key, value) VALUES($1, $2) ON CONFLICT (school_id, key) DO UPDATE SET value = "
                 "excluded.value");
  CHECK(pg::to_postgres("INSERT INTO m(k) VALUES(1) ON CONFLICT DO NOTHING", "school_id").sql ==
        "INSERT INTO m(k) VALUES(1) ON CONFLICT DO NOTHING");
  // SQLite's functions that PostgreSQL spells otherwise.
  CHECK(pg::to_postgres("SELECT 1 WHERE instr(detail, ?) > 0").sql == "SELECT 1 WHERE strpos(detail, $1) > 0");
  CHECK(pg::to_postgres("SELECT json_extract(a.detail, '$.session') FROM a").sql ==
        "SELECT (a.detail::jsonb ->> 'session') FROM a");
  CHECK_THROWS_AS(pg::to_postgres("SELECT json_extract(a.detail, '$.x.y') FROM a"), pg::Error);
  // A word that merely contains INSERT or PRAGMA is not a keyword.
  CHECK(pg::to_postgres("SELECT pragmatic, inserted FROM x").sql == "SELECT pragmatic, inserted FROM x");
}

TEST_CASE("pg: statements written for SQLite run, values round-trip, NULL and NUL", "[storage][pg]") {
  Scratch s;
  s.db.exec("CREATE TABLE cells(student TEXT PRIMARY KEY, value TEXT, version BIGINT NOT NULL)");
  auto ins = s.db.prepare("INSERT INTO cells(student, value, version) VALUES(?, ?, ?)");
  ins.bind(1, "HS6A01").bind(2, "Nguyễn Thị Ánh: 8,5").bind(3, std::int64_t{9007199254740993}).run();
  ins.bind(1, "HS6A02").bind_null(2).bind(3, -4).run();
  CHECK(ins.changes() == 1);  // rows changed by the last execution, as sqlite3_changes
  auto sel = s.db.prepare("SELECT student, value, version FROM cells ORDER BY student");
  REQUIRE(sel.step());
  CHECK(sel.text(0) == "HS6A01");
  CHECK(sel.text(1) == "Nguyễn Thị Ánh: 8,5");
  CHECK(sel.int64(2) == 9007199254740993);
  REQUIRE(sel.step());
  CHECK(sel.is_null(1));
  CHECK_FALSE(sel.is_null(2));
  CHECK(sel.int64(2) == -4);
  CHECK_FALSE(sel.step());
  // The same SQL again reuses the server's prepared statement.
  auto again = s.db.prepare("SELECT student, value, version FROM cells ORDER BY student");
  CHECK(again.step());
  // PostgreSQL's text has no NUL byte: refused before it is sent.
  auto nul = s.db.prepare("INSERT INTO cells(student, value, version) VALUES(?, ?, 1)");
  CHECK_THROWS_AS(nul.bind(1, std::string_view("HS\0X", 4)), pg::Error);
  CHECK_THROWS_AS(nul.bind(3, "x"), pg::Error);  // no third parameter
}

TEST_CASE("pg: a unique violation carries its code, INSERT OR IGNORE ignores it", "[storage][pg]") {
  Scratch s;
  s.db.exec("CREATE TABLE ops(device BIGINT, seq BIGINT, PRIMARY KEY(device, seq))");
  auto ins = s.db.prepare("INSERT INTO ops(device, seq) VALUES(?, ?)");
  ins.bind(1, 1).bind(2, 1).run();
  try {
    ins.bind(1, 1).bind(2, 1).run();
    FAIL("a duplicate was accepted");
  } catch (const pg::Error& e) {
    CHECK(e.unique_violation());
    CHECK_FALSE(e.retryable());
  }
  auto ignore = s.db.prepare("INSERT OR IGNORE INTO ops(device, seq) VALUES(?, ?)");
  ignore.bind(1, 1).bind(2, 1).run_keeping_bindings();
  ignore.bind(2, 2);
  REQUIRE_NOTHROW(ignore.run());
  auto n = s.db.prepare("SELECT count(*) FROM ops");
  REQUIRE(n.step());
  CHECK(n.int64(0) == 2);
}

TEST_CASE("pg: a transaction without commit leaves nothing, a nested one is a savepoint", "[storage][pg]") {
  Scratch s;
  s.db.exec("CREATE TABLE t(v BIGINT)");
  auto ins = s.db.prepare("INSERT INTO t(v) VALUES(?)");
  {
    pg::Transaction tx(s.db);
    ins.bind(1, 1).run();
  }
  {
    pg::Transaction outer(s.db);
    ins.bind(1, 2).run();
    {
      pg::Transaction inner(s.db);
      ins.bind(1, 3).run();
    }  // undone alone
    {
      pg::Transaction inner(s.db);
      ins.bind(1, 4).run();
      inner.commit();
    }
    outer.commit();
  }
  CHECK_FALSE(s.db.in_transaction());
  auto sum = s.db.prepare("SELECT coalesce(sum(v), 0), count(*) FROM t");
  REQUIRE(sum.step());
  CHECK(sum.int64(0) == 6);
  CHECK(sum.int64(1) == 2);
}

TEST_CASE("pg: migrations run once, also when two connections start together", "[storage][pg]") {
  Scratch s;
  static constexpr std::string_view kMigrations[] = {
      "CREATE TABLE a(x BIGINT)",
      "INSERT INTO a(x) VALUES(1)",
      "ALTER TABLE a ADD COLUMN y TEXT",
  };
  std::atomic<int> failures{0};
  auto start = [&] {
    try {
      pg::Db db(testing::pg_cluster_file("url"));
      db.exec("SET search_path TO " + s.schema);
      db.migrate(kMigrations);
    } catch (const std::exception& e) {
      ++failures;
      UNSCOPED_INFO(e.what());
    }
  };
  std::thread a(start), b(start);
  a.join();
  b.join();
  CHECK(failures == 0);
  CHECK(s.db.schema_version() == 3);
  auto n = s.db.prepare("SELECT count(*) FROM a");
  REQUIRE(n.step());
  CHECK(n.int64(0) == 1);  // the INSERT ran once
  s.db.migrate(kMigrations);  // nothing left to do
  CHECK(s.db.schema_version() == 3);
  static constexpr std::string_view kFewer[] = {"CREATE TABLE a(x BIGINT)"};
  CHECK_THROWS_AS(s.db.migrate(kFewer), pg::Error);  // the database is newer than this program
}

TEST_CASE("pg: a refused connection says so in Vietnamese", "[storage][pg]") {
  try {
    pg::Db db("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2");
    FAIL("connected to port 1");
  } catch (const pg::Error& e) {
    CHECK(std::string(e.what()).find("không kết nối được") != std::string::npos);
    CHECK(e.sqlstate == "08001");
  }
}

namespace {
int socket_option(pg::Db& db, int level, int name) {
  int value = -1;
  socklen_t len = sizeof value;
  REQUIRE(::getsockopt(PQsocket(db.handle()), level, name, &value, &len) == 0);
  return value;
}
}  // namespace

// A PostgreSQL host that vanishes without a word (no RST) cannot be made
// without root (a firewall rule); what makes a server notice it is checked
// on the connection itself: the kernel's keepalive and user-timeout settings
// on the socket libpq opened, the tuning's unless the URL sets its own.
TEST_CASE("pg: every connection has TCP keepalives and a user timeout, the URL's own values win",
          "[storage][pg]") {
  pg::Db db(testing::pg_cluster_file("url"));
  CHECK(socket_option(db, SOL_SOCKET, SO_KEEPALIVE) == 1);
  CHECK(socket_option(db, IPPROTO_TCP, TCP_KEEPIDLE) == tuning::kPgKeepaliveIdleSeconds);
  CHECK(socket_option(db, IPPROTO_TCP, TCP_KEEPINTVL) == 5);
  CHECK(socket_option(db, IPPROTO_TCP, TCP_KEEPCNT) == 3);
  CHECK(socket_option(db, IPPROTO_TCP, TCP_USER_TIMEOUT) == tuning::kPgTcpUserTimeoutMs);
  pg::Db own(testing::pg_cluster_file("url") + "?keepalives_idle=7&tcp_user_timeout=9000");
  CHECK(socket_option(own, IPPROTO_TCP, TCP_KEEPIDLE) == 7);
  CHECK(socket_option(own, IPPROTO_TCP, TCP_USER_TIMEOUT) == 9000);
  // A connection made again after a loss has them too.
  CHECK_THROWS_AS(db.exec("SELECT pg_terminate_backend(pg_backend_pid())"), pg::Error);
  db.exec("SELECT 1");
  REQUIRE(db.reconnects() == 1);
  CHECK(socket_option(db, SOL_SOCKET, SO_KEEPALIVE) == 1);
  CHECK(socket_option(db, IPPROTO_TCP, TCP_USER_TIMEOUT) == tuning::kPgTcpUserTimeoutMs);
}

TEST_CASE("pg: a host that accepts the connection and never answers is given up after connect_timeout",
          "[storage][pg]") {
  // A listening socket nobody accepts on: the kernel completes the TCP
  // handshake, then nothing ever answers libpq's startup message.
  const auto [listener, port] = sodiem::testing::listen_on_loopback();
  const std::string url = "postgresql://nobody@127.0.0.1:" + std::to_string(port) + "/none";
  const auto started = std::chrono::steady_clock::now();
  auto attempt = std::async(std::launch::async, [url]() -> std::string {
    try {
      pg::Db db(url);
      return "connected";
    } catch (const pg::Error& e) {
      return e.what();
    }
  });
  const bool gave_up = attempt.wait_for(std::chrono::seconds(tuning::kPgConnectTimeoutSeconds * 3)) ==
                       std::future_status::ready;
  ::close(listener);  // without a timeout the attempt waits forever: this ends it
  const std::string said = attempt.get();
  const auto took = std::chrono::steady_clock::now() - started;
  INFO(said);
  CHECK(gave_up);
  CHECK(took >= std::chrono::seconds(tuning::kPgConnectTimeoutSeconds - 1));
  CHECK(said.find("không kết nối được") != std::string::npos);
}

TEST_CASE("pg array literals: any text and any number come back from unnest as they went in", "[pg]") {
  Scratch s;
  const std::vector<std::string> texts = {"", "8,5", "Tốt", "a \"quoted\" word", "back\\slash\\", "{braces}",
                                          "NULL", "  spaces  ", "tab\tand\nnewline", ",", "\\\""};
  const std::vector<std::int64_t> numbers = {0, -1, 9223372036854775807LL, -9223372036854775807LL - 1, 42};
  pg::ArrayLiteral t, n;
  for (const auto& x : texts) t.add(x);
  for (auto x : numbers) n.add(x);
  CHECK(t.size() == texts.size());
  std::vector<std::string> got;
  auto q = s.db.prepare("SELECT x FROM unnest(?::text[]) WITH ORDINALITY AS u(x, i) ORDER BY i");
  q.bind(1, t.str());
  while (q.step()) got.push_back(q.text(0));
  CHECK(got == texts);
  std::vector<std::int64_t> got_n;
  auto r = s.db.prepare("SELECT x FROM unnest(?::bigint[]) WITH ORDINALITY AS u(x, i) ORDER BY i");
  r.bind(1, n.str());
  while (r.step()) got_n.push_back(r.int64(0));
  CHECK(got_n == numbers);
  // Added to after str(), and emptied: still well formed.
  n.add(7);
  auto c = s.db.prepare("SELECT cardinality(?::bigint[])");
  c.bind(1, n.str());
  REQUIRE(c.step());
  CHECK(c.int64(0) == 6);
  n.clear();
  n.add(1), n.add_null(), n.add(3);
  auto nulls = s.db.prepare("SELECT count(x), cardinality(?1::bigint[]) FROM unnest(?1::bigint[]) AS u(x)");
  nulls.bind(1, n.str());
  REQUIRE(nulls.step());
  CHECK(nulls.int64(0) == 2);  // count() skips the NULL
  CHECK(nulls.int64(1) == 3);
  n.clear();
  auto e = s.db.prepare("SELECT cardinality(?::bigint[])");
  e.bind(1, n.str());
  REQUIRE(e.step());
  CHECK(e.int64(0) == 0);
}

TEST_CASE("pg: writes queued in a transaction go in one round trip, fail where they are sent, vanish on rollback",
          "[storage][pg]") {
  Scratch s;
  s.db.exec("CREATE TABLE t(v BIGINT PRIMARY KEY)");
  auto ins = s.db.prepare("INSERT INTO t(v) VALUES(?)");
  auto count = s.db.prepare("SELECT count(*) FROM t");
  auto bump = s.db.prepare("UPDATE t SET v = v + 100 WHERE v > ?");
  {
    pg::Transaction tx(s.db);
    const auto before = s.db.round_trips();
    for (int i = 1; i <= 10; ++i) ins.bind(1, i).run_later();
    bump.bind(1, 5).run_later();
    CHECK(s.db.round_trips() == before);  // nothing sent yet
    REQUIRE(count.step());                // the eleven writes and the read: one round trip
    CHECK(count.int64(0) == 10);
    count.reset();
    CHECK(s.db.round_trips() == before + 1);
    CHECK(s.db.changes() == 5);  // the last write's count
    ins.bind(1, 11).run_later();
    CHECK(s.db.changes() == 1);  // sent to be counted
    ins.bind(1, 12).run_later();
    tx.commit();  // the queued write goes with COMMIT
  }
  REQUIRE(count.step());
  CHECK(count.int64(0) == 12);
  count.reset();
  {
    // Rolled back: the queued writes are never sent (BEGIN and ROLLBACK only).
    const auto before = s.db.round_trips();
    {
      pg::Transaction tx(s.db);
      ins.bind(1, 50).run_later();
    }
    CHECK(s.db.round_trips() == before + 2);
  }
  {
    // A failure surfaces at the next request that waits, and the whole
    // transaction goes: nothing of it stays.
    pg::Transaction tx(s.db);
    ins.bind(1, 60).run_later();
    ins.bind(1, 1).run_later();  // a duplicate
    ins.bind(1, 61).run_later();
    try {
      count.step();
      FAIL("the duplicate went unnoticed");
    } catch (const pg::Error& e) {
      CHECK(e.unique_violation());
    }
    count.reset();
  }
  {
    // At COMMIT too: nothing is committed.
    pg::Transaction tx(s.db);
    ins.bind(1, 70).run_later();
    ins.bind(1, 2).run_later();  // a duplicate
    CHECK_THROWS_AS(tx.commit(), pg::Error);
  }
  {
    // In a savepoint: its failure is thrown when it is released, inside it.
    pg::Transaction outer(s.db);
    ins.bind(1, 80).run_later();
    bool caught = false;
    try {
      pg::Transaction inner(s.db);
      ins.bind(1, 3).run_later();  // a duplicate
      inner.commit();
    } catch (const pg::Error& e) {
      caught = e.unique_violation();
    }
    CHECK(caught);
    ins.bind(1, 81).run_later();
    outer.commit();
  }
  {
    // A savepoint waits for the next request; rolled back to before it was
    // sent, it is sent then, without the writes after it.
    pg::Transaction tx(s.db);
    const auto before = s.db.round_trips();
    s.db.exec("SAVEPOINT push");
    ins.bind(1, 95).run_later();
    CHECK(s.db.round_trips() == before);
    s.db.exec("ROLLBACK TO push");
    s.db.exec("RELEASE push");
    ins.bind(1, 96).run_later();
    tx.commit();
  }
  CHECK_FALSE(s.db.in_transaction());
  auto values = s.db.prepare("SELECT string_agg(v::text, ',' ORDER BY v) FROM t WHERE v >= 50");
  REQUIRE(values.step());
  CHECK(values.text(0) == "80,81,96,106,107,108,109,110");
  // Outside a transaction a write runs at once.
  const auto before = s.db.round_trips();
  ins.bind(1, 90).run_later();
  CHECK(s.db.round_trips() == before + 1);
}
