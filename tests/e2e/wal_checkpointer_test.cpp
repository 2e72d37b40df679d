// The server's background WAL checkpoints: the writer never checkpoints in
// its own commits, yet the WAL is copied into the database file.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "sodiem/server/wal_checkpointer.hpp"
#include "sodiem/sqlite/db.hpp"
#include "test_school.hpp"

using namespace sodiem;

TEST_CASE("WAL checkpoints run on their own thread and reach the database file", "[server]") {
  testing::TempDir tmp;
  const std::string path = tmp / "s.db";
  sqlite::Db writer(path);
  writer.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, blob TEXT NOT NULL)");
  const auto db_size = [&] { return std::filesystem::file_size(path); };
  const auto before = db_size();
  {
    server::WalCheckpointer checkpointer(path, writer);
    // 12 commits of ~400 KB: the WAL passes 1,000 pages a few times over.
    const std::string blob(4000, 'x');
    for (int c = 0; c < 12; ++c) {
      sqlite::Transaction tx(writer);
      auto ins = writer.prepare("INSERT INTO t(blob) VALUES(?)");
      for (int i = 0; i < 100; ++i) ins.bind(1, blob).run();
      tx.commit();
    }
    for (int i = 0; i < 200 && checkpointer.checkpoints() == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(checkpointer.checkpoints() >= 1);
    // Pages reached the main file although the writer's own checkpoints are off.
    for (int i = 0; i < 200 && db_size() < before + 1'000'000; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(db_size() >= before + 1'000'000);
  }
  auto n = writer.prepare("SELECT COUNT(*) FROM t");
  REQUIRE(n.step());
  CHECK(n.int64(0) == 1200);
}
