// The access tables' digest (access_seal.hpp) is computed in C++ from each
// store's rows: on SQLite it must stay byte for byte the SQL digest audit
// trails were sealed with (or they would no longer verify), and on
// PostgreSQL it must be the digest SQLite gives for the same rows. Both stores.
#include <catch2/catch.hpp>
#include <filesystem>

#include "audited_write.hpp"
#include "loopback_school.hpp"
#include "sodiem/core/crypto.hpp"
#include "sodiem/server/access_seal.hpp"
#include "sodiem/server/server_db.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

// The digest as it was written in SQL before it moved to C++ (kept here
// verbatim as the reference): each value as typeof() and hex of its bytes,
// the rows in SQLite's ORDER BY of the columns.
std::string sql_digest(sqlite::Db& db, const std::string& table, const std::string& cols) {
  std::string select;
  for (std::size_t start = 0; start < cols.size();) {
    std::size_t end = cols.find(',', start);
    if (end == std::string::npos) end = cols.size();
    std::string c = cols.substr(start, end - start);
    while (!c.empty() && c.front() == ' ') c.erase(0, 1);
    select += (select.empty() ? "" : " || ',' || ") + ("typeof(" + c + ") || ':' || hex(CAST(" + c + " AS BLOB))");
    start = end + 1;
  }
  auto s = db.prepare("SELECT " + select + " FROM " + table + " ORDER BY " + cols);
  std::string text;
  while (s.step()) {
    const auto row = s.view(0);
    text += std::to_string(row.size()) + ":";
    text += row;
    text += "\n";
  }
  return crypto::sha256_hex(text);
}

// A SQLite database with the server's schema holding the school's access
// rows as `db` gives them (on PostgreSQL: the same rows in SQLite's types).
std::unique_ptr<sqlite::Db> sqlite_copy(store::Db& db, const std::string& dir) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/server.db";
  server::open_server_db(path);
  auto copy = std::make_unique<sqlite::Db>(path);
  std::vector<std::string> triggers;
  {
    auto s = copy->prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'");
    while (s.step()) triggers.push_back(s.text(0));
  }
  copy->exec("PRAGMA foreign_keys = OFF");  // the rows of a school that satisfied them, copied in any order
  copy->exec("BEGIN");
  for (const auto& t : triggers) copy->exec("DROP TRIGGER " + t);
  for (const auto& [table, _] : server::access_table_columns()) {
    copy->exec("DELETE FROM " + table);
    std::string cols, marks;
    int n = 0;
    {
      auto s = copy->prepare("SELECT name FROM pragma_table_info(?)");
      s.bind(1, table);
      for (; s.step(); ++n) {
        cols += (n ? ", " : "") + s.text(0);
        marks += n ? ", ?" : "?";
      }
    }
    auto insert = copy->prepare("INSERT INTO " + table + "(" + cols + ") VALUES(" + marks + ")");
    auto s = db.prepare("SELECT " + cols + " FROM " + table);
    while (s.step()) {
      for (int i = 0; i < n; ++i) {
        if (s.is_null(i)) insert.bind_null(i + 1);
        else insert.bind(i + 1, s.text(i));
      }
      insert.run();
    }
  }
  copy->exec("COMMIT");
  return copy;
}

}  // namespace

TEST_CASE("the access tables' digest is the SQL digest trails were sealed with, on both stores", "[e2e]") {
  LoopbackSchool school;
  auto op = school.device("gv.toan.1").record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "7");
  REQUIRE(op.is_ok());
  school.sync("gv.toan.1");  // a device row (NULL revocation)
  school.service->stop();
  auto db = server::open_server_db(school.db_path());
  // Rows whose order or bytes a careless digest gets wrong: no birth date or
  // gender (NULL), Vietnamese names, codes and names one the prefix of the
  // other, ids past 9 (10 sorts before 9 as text).
  audited_write(*db, [&] {
    auto add = db->prepare(
        "INSERT INTO students(code, full_name, class_id, birth_date, gender, status) "
        "SELECT ?, ?, id, NULL, NULL, 'active' FROM classes WHERE name = '6A' ORDER BY id LIMIT 1");
    for (const auto& [code, name] : std::vector<std::pair<std::string, std::string>>{
             {"HS9X1", "Lê Thị Ánh"}, {"HS9X10", "Lê Thị Ánh Dương"}, {"HS9X2", "Đỗ Ý"}, {"HS9X", "Ư"}})
      add.bind(1, code).bind(2, name).run();
  });
  CHECK(school.server_scalar("SELECT COUNT(*) FROM students WHERE birth_date IS NULL AND gender IS NULL") >= 4);
  CHECK(school.server_scalar("SELECT MAX(id) FROM students") > 9);
  CHECK(school.server_scalar("SELECT MAX(id) FROM users") > 9);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM devices WHERE revoked_at IS NULL") >= 1);

  std::unique_ptr<sqlite::Db> reference;
  if (db->backend() == store::Backend::kPostgres) reference = sqlite_copy(*db, school.tmp / "as-sqlite");
  else reference = std::make_unique<sqlite::Db>(school.db_path());
  for (const auto& [table, cols] : server::access_table_columns()) {
    INFO(table);
    CHECK(server::access_table_digest(*db, table) == sql_digest(*reference, table, cols));
  }
}
