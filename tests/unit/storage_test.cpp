// The SQLite wrapper: migrations, rollback on failure, bound parameters.
#include <catch2/catch.hpp>
#include <filesystem>

#include "sodiem/sqlite/db.hpp"

using namespace sodiem::sqlite;

TEST_CASE("migrations apply once and record user_version", "[storage]") {
  auto path = std::filesystem::temp_directory_path() / "sodiem-storage-test.db";
  std::filesystem::remove(path);
  std::string_view steps[] = {"CREATE TABLE a(x INTEGER)", "CREATE TABLE b(y TEXT)"};
  {
    Db db(path.string());
    db.migrate(std::span(steps, 1));
    CHECK(db.user_version() == 1);
    db.migrate(steps);
    CHECK(db.user_version() == 2);
    db.migrate(steps);  // idempotent
  }
  {
    Db db(path.string());
    std::string_view fewer[] = {"CREATE TABLE a(x INTEGER)"};
    CHECK_THROWS_AS(db.migrate(fewer), Error);  // database newer than program
  }
  std::filesystem::remove(path);
}

TEST_CASE("a transaction without commit rolls back", "[storage]") {
  auto path = std::filesystem::temp_directory_path() / "sodiem-storage-tx.db";
  std::filesystem::remove(path);
  Db db(path.string());
  db.exec("CREATE TABLE t(v TEXT)");
  {
    Transaction tx(db);
    db.prepare("INSERT INTO t VALUES(?)").bind(1, "x'); DROP TABLE t; --").run();
  }
  auto s = db.prepare("SELECT COUNT(*) FROM t");
  REQUIRE(s.step());
  CHECK(s.int64(0) == 0);
  s.reset();
  {
    Transaction tx(db);
    db.prepare("INSERT INTO t VALUES(?)").bind(1, "x'); DROP TABLE t; --").run();
    tx.commit();
  }
  auto v = db.prepare("SELECT v FROM t");
  REQUIRE(v.step());
  CHECK(v.text(0) == "x'); DROP TABLE t; --");
  std::filesystem::remove(path);
}

TEST_CASE("a cached statement is reused, reset after use and lent out once at a time", "[storage]") {
  auto path = std::filesystem::temp_directory_path() / "sodiem-storage-cached.db";
  std::filesystem::remove(path);
  Db db(path.string());
  db.exec("CREATE TABLE t(x INTEGER)");
  for (int i = 1; i <= 3; ++i) db.cached("INSERT INTO t(x) VALUES(?)")->bind(1, i).run();
  {
    auto s = db.cached("SELECT x FROM t ORDER BY x");
    REQUIRE(s->step());
    CHECK(s->int64(0) == 1);
    // Stopped mid-way and lent again while still in use: a programming error.
    CHECK_THROWS_AS(db.cached("SELECT x FROM t ORDER BY x"), Error);
  }
  {
    // Given back reset: it starts from the first row, and its read snapshot
    // was released, so another connection's write is seen.
    Db other(path.string());
    other.exec("INSERT INTO t(x) VALUES(0)");
    auto s = db.cached("SELECT x FROM t ORDER BY x");
    REQUIRE(s->step());
    CHECK(s->int64(0) == 0);
  }
  std::filesystem::remove(path);
}

TEST_CASE("a relaxed transaction commits and puts full durability back", "[storage]") {
  auto path = std::filesystem::temp_directory_path() / "sodiem-storage-relaxed.db";
  std::filesystem::remove(path);
  Db db(path.string(), /*synchronous_full=*/true);
  db.exec("CREATE TABLE t(x INTEGER)");
  auto synchronous = [&] {
    auto s = db.prepare("PRAGMA synchronous");
    s.step();
    return s.int64(0);
  };
  CHECK(synchronous() == 2);  // FULL
  {
    Transaction tx(db, Durability::kRelaxed);
    CHECK(synchronous() == 1);  // NORMAL while it runs
    db.exec("INSERT INTO t(x) VALUES(1)");
    tx.commit();
  }
  CHECK(synchronous() == 2);
  {
    Transaction tx(db, Durability::kRelaxed);
    db.exec("INSERT INTO t(x) VALUES(2)");
  }  // rolled back
  CHECK(synchronous() == 2);
  auto s = db.prepare("SELECT group_concat(x) FROM t");
  s.step();
  CHECK(s.text(0) == "1");
  std::filesystem::remove(path);
}

TEST_CASE("a database kept in WAL on close reopens with every commit, and one checkpointed on close has no WAL left",
          "[storage]") {
  const auto dir = std::filesystem::temp_directory_path() / "sodiem-storage-keep-wal";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string kept = (dir / "kept.db").string(), plain = (dir / "plain.db").string();
  for (const auto& path : {kept, plain}) {
    Db db(path);
    if (path == kept) db.keep_wal_on_close();
    db.exec("CREATE TABLE t(x INTEGER)");
    for (int i = 1; i <= 3; ++i) {
      Transaction tx(db);
      db.prepare("INSERT INTO t(x) VALUES(?)").bind(1, i).run();
      tx.commit();
    }
  }
  // Closed: the kept database's commits are still only in its WAL.
  CHECK(std::filesystem::exists(kept + "-wal"));
  CHECK(std::filesystem::file_size(kept + "-wal") > 0);
  CHECK_FALSE(std::filesystem::exists(plain + "-wal"));
  for (const auto& path : {kept, plain}) {
    Db db(path);
    auto s = db.prepare("SELECT group_concat(x) FROM t");
    REQUIRE(s.step());
    CHECK(s.text(0) == "1,2,3");
  }
  std::filesystem::remove_all(dir);
}

// A push runs in a savepoint inside the group commit's transaction. Its
// journal (the pages' old contents) is kept in memory: written to a temp
// file it cost a quarter of the ingest worker's time.
TEST_CASE("a savepoint rolled back after rewriting many pages leaves the transaction's earlier writes, journal in memory",
          "[storage]") {
  const auto path = (std::filesystem::temp_directory_path() / "sodiem-storage-savepoint.db").string();
  std::filesystem::remove(path);
  {
    Db db(path);
    auto temp_store = db.prepare("PRAGMA temp_store");
    REQUIRE(temp_store.step());
    CHECK(temp_store.int64(0) == 2);  // MEMORY
    db.exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    Transaction tx(db);
    auto ins = db.prepare("INSERT INTO t(k, v) VALUES(?, ?)");
    for (int k = 1; k <= 2000; ++k) ins.bind(1, k).bind(2, std::string(200, 'a')).run();
    db.exec("SAVEPOINT push");
    // ~100 pages rewritten: far past SQLite's 64 KiB spill threshold.
    db.exec("UPDATE t SET v = replace(v, 'a', 'b')");
    db.exec("DELETE FROM t WHERE k % 3 = 0");
    db.exec("ROLLBACK TO push");
    db.exec("RELEASE push");
    tx.commit();
  }
  Db db(path);
  auto s = db.prepare("SELECT count(*), sum(v = printf('%.*c', 200, 'a')) FROM t");
  REQUIRE(s.step());
  CHECK(s.int64(0) == 2000);
  CHECK(s.int64(1) == 2000);
  std::filesystem::remove(path);
}

TEST_CASE("a full disk is explained in Vietnamese and the stored data is untouched", "[storage][fault]") {
  auto path = std::filesystem::temp_directory_path() / "sodiem-storage-full.db";
  std::filesystem::remove(path);
  Db db(path.string());
  db.exec("CREATE TABLE t(v TEXT)");
  db.prepare("INSERT INTO t VALUES(?)").bind(1, "8,5").run();
  db.exec("PRAGMA max_page_count = 4");  // SQLite answers SQLITE_FULL past it, as on a full disk
  std::string message;
  try {
    Transaction tx(db);
    for (int i = 0; i < 1000; ++i) db.prepare("INSERT INTO t VALUES(?)").bind(1, std::string(500, 'x')).run();
    tx.commit();
  } catch (const Error& e) {
    message = e.what();
  }
  CHECK_THAT(message, Catch::StartsWith("đĩa đã đầy") && Catch::Contains("database or disk is full"));
  auto s = db.prepare("SELECT COUNT(*), MIN(v) FROM t");
  REQUIRE(s.step());
  CHECK(s.int64(0) == 1);
  CHECK(s.text(1) == "8,5");
  std::filesystem::remove(path);
}
