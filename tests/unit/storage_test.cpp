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
