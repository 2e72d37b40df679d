// A damaged client store must say so, never drop queued marks silently; and
// its files are its user's alone.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "sodiem/client/local_store.hpp"

using namespace sodiem;
using namespace sodiem::client;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / name;
  fs::remove_all(dir);
  return dir;
}
void queue_marks(LocalStore& store, int n) {
  for (int i = 0; i < n; ++i) {
    protocol::Op op;
    op.cell = {"6A", "Toán", "HS6A" + std::to_string(i % 40), "HK1.TX" + std::to_string(1 + i / 40)};
    op.value = std::to_string(i % 11);
    store.queue_op(op);  // one commit each, as a teacher's `set`s are
  }
}
std::uint64_t outbox_count(LocalStore& store) {
  auto s = store.db().prepare("SELECT COUNT(*) FROM outbox");
  s.step();
  return static_cast<std::uint64_t>(s.int64(0));
}
mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}
}  // namespace

TEST_CASE("a damaged WAL that loses queued marks is reported, not silently shortened", "[storage][fault]") {
  const auto dir = fresh_dir("sodiem-damaged-wal");
  {
    LocalStore store(dir.string());
    queue_marks(store, 120);
    CHECK(outbox_count(store) == 120);
  }
  // The kept WAL holds the 120 commits; flip 8 bytes in its middle.
  const auto wal = dir / "client.db-wal";
  REQUIRE(fs::exists(wal));
  const auto size = fs::file_size(wal);
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    const char junk[8] = {'\x5a', '\x5a', '\x5a', '\x5a', '\x5a', '\x5a', '\x5a', '\x5a'};
    f.write(junk, sizeof junk);
  }
  try {
    LocalStore reopened(dir.string());
    FAIL("opened a store that lost " << 120 - outbox_count(reopened) << " of 120 queued ops without a word");
  } catch (const OutboxDamaged& e) {
    CHECK_THAT(e.what(), Catch::Contains("bị hỏng") && Catch::Contains("120") && Catch::Contains("đăng ký lại"));
  }
  fs::remove_all(dir);
}

TEST_CASE("an intact store reopens, and a store without a mark gets one", "[storage]") {
  const auto dir = fresh_dir("sodiem-outbox-mark");
  {
    LocalStore store(dir.string());
    queue_marks(store, 5);
  }
  { LocalStore again(dir.string()); }  // no alarm
  fs::remove(dir / "outbox.seq");     // a store from before marks
  {
    LocalStore upgraded(dir.string());
    CHECK(outbox_count(upgraded) == 5);
  }
  std::ifstream mark(dir / "outbox.seq");
  std::uint64_t seq = 0;
  mark >> seq;
  CHECK(seq == 5);
  fs::remove_all(dir);
}

TEST_CASE("the client's directory and files are readable by its user only", "[storage]") {
  const auto dir = fresh_dir("sodiem-client-perms");
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0755);
  { std::ofstream(dir / "client.db"); }
  ::chmod((dir / "client.db").c_str(), 0644);  // as installations before the rule had it
  {
    LocalStore store(dir.string());
    queue_marks(store, 1);
  }
  CHECK(mode_of(dir) == 0700);
  for (const auto& entry : fs::directory_iterator(dir)) {
    INFO(entry.path());
    CHECK(mode_of(entry.path()) == 0600);
  }
  fs::remove_all(dir);
}
