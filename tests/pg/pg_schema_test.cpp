// The server's PostgreSQL schema (server/src/pg/pg_schema.cpp) against a real
// cluster (CTest fixture `pg`): level with SQLite's (same tables, columns,
// keys and indexes, each led by school_id), and one school can neither read
// nor write nor point into another's rows when connected as the application
// role, the way the servers connect.
#include <catch2/catch.hpp>

#include "pg_cluster_file.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <sqlite3.h>
#include <unistd.h>
#include <vector>

#include "sodiem/pg/db.hpp"
#include "sodiem/server/init.hpp"
#include "sodiem/server/pg_schema.hpp"
#include "sodiem/server/school_open.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/serving_lock.hpp"
#include "sodiem/server/store_config.hpp"
#include "sodiem/sqlite/db.hpp"

using namespace sodiem;
namespace fs = std::filesystem;

namespace {

// A fresh schema holding the server's PostgreSQL migrations, dropped after.
struct PgSchool {
  pg::Db owner{testing::pg_cluster_file("url")};
  std::string schema;
  PgSchool() {
    static std::atomic<int> n{0};
    schema = "s_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    owner.exec("CREATE SCHEMA " + schema + "; GRANT USAGE ON SCHEMA " + schema + " TO sodiem_app");
    owner.exec("SET search_path TO " + schema);
    owner.migrate(server::pg_migrations());
  }
  ~PgSchool() {
    try {
      owner.exec("DROP SCHEMA " + schema + " CASCADE");
    } catch (...) {
    }
  }
  std::unique_ptr<pg::Db> app() {
    auto db = std::make_unique<pg::Db>(testing::pg_cluster_file("app-url"));
    db->exec("SET search_path TO " + schema);
    return db;
  }
};

using Columns = std::set<std::string>;

// SQLite: table → columns, and every key/index as "table(col, …)" with
// UNIQUE/PK marked, from a server database made by the server's own code.
struct SqliteShape {
  std::map<std::string, Columns> tables;
  std::set<std::string> keys;
};
SqliteShape sqlite_shape() {
  const auto dir = fs::temp_directory_path() / ("pgshape-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  SqliteShape out;
  {
    auto db = server::open_server_db((dir / "server.db").string());
    auto t = db->prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    while (t.step()) {
      const auto table = t.text(0);
      auto c = db->prepare("SELECT name, pk FROM pragma_table_info(?) ORDER BY pk");
      c.bind(1, table);
      std::vector<std::string> pk;
      while (c.step()) {
        out.tables[table].insert(c.text(0));
        if (c.int64(1) > 0) pk.push_back(c.text(0));
      }
      std::string k = "PK " + table + "(";
      for (std::size_t i = 0; i < pk.size(); ++i) k += (i ? ", " : "") + pk[i];
      out.keys.insert(k + ")");
      auto ix = db->prepare("SELECT name, \"unique\", partial FROM pragma_index_list(?) WHERE origin != 'pk'");
      ix.bind(1, table);
      while (ix.step()) {
        auto ic = db->prepare("SELECT name FROM pragma_index_info(?) ORDER BY seqno");
        ic.bind(1, ix.text(0));
        std::string cols;
        while (ic.step()) cols += (cols.empty() ? "" : ", ") + ic.text(0);
        out.keys.insert(std::string(ix.int64(1) ? "UNIQUE " : "INDEX ") + table + "(" + cols + ")" +
                        (ix.int64(2) ? " WHERE" : ""));
      }
    }
  }
  fs::remove_all(dir);
  return out;
}

// A write to an access table committed as the server commits it: sealed by
// its audit entry (access_seal.hpp), which empties sodiem.touched; without
// that, the schema's deferred triggers refuse the COMMIT.
void sealed_exec(pg::Db& db, const std::string& sql) {
  pg::Transaction tx(db);
  db.exec(sql);
  db.exec("SELECT set_config('sodiem.touched', '', true)");
  tx.commit();
}

}  // namespace

TEST_CASE("pg schema: the same tables, columns, keys and indexes as SQLite's, each led by school_id",
          "[storage][pg]") {
  const auto lite = sqlite_shape();
  REQUIRE(lite.tables.size() > 20);
  PgSchool s;
  std::map<std::string, Columns> pgt;
  auto c = s.owner.prepare("SELECT table_name, column_name FROM information_schema.columns "
                           "WHERE table_schema = ? AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = ?)");
  c.bind(1, s.schema).bind(2, s.schema);
  while (c.step()) pgt[c.text(0)].insert(c.text(1));
  pgt.erase("sodiem_schema");
  for (const auto& [table, cols] : lite.tables) {
    INFO("table " << table);
    REQUIRE(pgt.count(table));
    Columns want = cols;
    want.insert("school_id");
    CHECK(pgt[table] == want);
  }
  CHECK(pgt.size() == lite.tables.size());

  // Keys: PostgreSQL's are SQLite's with school_id first.
  std::set<std::string> pgk;
  auto k = s.owner.prepare(
      "SELECT t.relname, i.indisprimary::int, i.indisunique::int, (i.indpred IS NOT NULL)::int, "
      "  (SELECT string_agg(a.attname, ', ' ORDER BY x.n) FROM unnest(i.indkey) WITH ORDINALITY AS x(att, n) "
      "   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.att) "
      "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
      "WHERE n.nspname = ? AND t.relname <> 'sodiem_schema'");
  k.bind(1, s.schema);
  while (k.step()) {
    std::string cols = k.text(4);
    REQUIRE(cols.rfind("school_id", 0) == 0);
    cols = cols == "school_id" ? "" : cols.substr(cols.find(", ") + 2);
    const std::string kind = k.int64(1) ? "PK " : k.int64(2) ? "UNIQUE " : "INDEX ";
    pgk.insert(kind + k.text(0) + "(" + cols + ")" + (k.int64(3) ? " WHERE" : ""));
  }
  // SQLite's rowid tables: the rowid alias is the PK column.
  CHECK(pgk == lite.keys);
}

TEST_CASE("pg schema: the application role sees and writes only its own school", "[storage][pg]") {
  PgSchool s;
  auto pa = s.app();
  auto& a = *pa;
  a.exec("SET sodiem.school = 'thcs-a'");
  sealed_exec(a, "INSERT INTO school_years(id, name, starts_on, ends_on, current) VALUES(1, '2026-2027', "
                 "'2026-09-05', '2027-05-31', 1)");
  sealed_exec(a, "INSERT INTO classes(id, name, grade, school_year_id) VALUES(10, '6A', 6, 1)");
  sealed_exec(a, "INSERT INTO users(id, username, full_name, password_hash, roles) VALUES(5, 'hieu.truong', "
                 "'Hiệu trưởng A', 'x', 'HT')");
  auto pb = s.app();
  auto& b = *pb;
  b.exec("SET sodiem.school = 'thcs-b'");
  // B's names do not collide with A's: keys are per school.
  sealed_exec(b, "INSERT INTO users(username, full_name, password_hash, roles) VALUES('hieu.truong', "
                 "'Hiệu trưởng B', 'y', 'HT')");
  auto count = [](pg::Db& db, const std::string& sql) {
    auto q = db.prepare(sql);
    REQUIRE(q.step());
    return q.int64(0);
  };
  CHECK(count(b, "SELECT count(*) FROM classes") == 0);
  CHECK(count(b, "SELECT count(*) FROM current_classes") == 0);  // the view cannot read around the policy
  CHECK(count(b, "SELECT count(*) FROM users") == 1);
  CHECK(count(a, "SELECT count(*) FROM users") == 1);
  CHECK(count(a, "SELECT count(*) FROM current_classes") == 1);
  // B cannot change A's rows, nor write a row in A's name, nor point at A's class.
  sealed_exec(b, "UPDATE users SET roles = 'GV' WHERE username = 'hieu.truong'");
  CHECK(count(a, "SELECT count(*) FROM users WHERE roles = 'HT'") == 1);
  CHECK_THROWS_AS(sealed_exec(b, "INSERT INTO classes(school_id, id, name, grade) VALUES('thcs-a', 11, '6B', 6)"),
                  pg::Error);
  CHECK_THROWS_AS(sealed_exec(b, "INSERT INTO students(code, full_name, class_id) VALUES('HS1', 'Lò Văn A', 10)"),
                  pg::Error);
  auto del = b.prepare("DELETE FROM classes");
  del.run();
  CHECK(del.changes() == 0);
  CHECK(count(a, "SELECT count(*) FROM classes") == 1);
  // A session that set no school reads nothing and writes nothing.
  auto pnone = s.app();
  auto& none = *pnone;
  CHECK(count(none, "SELECT count(*) FROM users") == 0);
  CHECK_THROWS_AS(none.exec("INSERT INTO meta(key, value) VALUES('k', 'v')"), pg::Error);
  // The application role owns nothing: it cannot switch the policies off.
  CHECK_THROWS_AS(b.exec("ALTER TABLE users DISABLE ROW LEVEL SECURITY"), pg::Error);
}

TEST_CASE("pg schema: a statement written for SQLite's keys runs on the per-school keys", "[storage][pg]") {
  PgSchool s;
  auto pa = s.app();
  auto& a = *pa;
  a.set_key_prefix("school_id");
  a.exec("SET sodiem.school = 'thcs-a'");
  // The text the SQLite store runs, unchanged.
  auto put = a.prepare("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  put.bind(1, "school_name").bind(2, "Trường THCS A").run();
  put.bind(1, "school_name").bind(2, "Trường THCS Nà Hang").run();
  auto get = a.prepare("SELECT value FROM meta WHERE key = ?");
  get.bind(1, "school_name");
  REQUIRE(get.step());
  CHECK(get.text(0) == "Trường THCS Nà Hang");
  CHECK_FALSE(get.step());
}

TEST_CASE("pg open: a role that passes row-level security (superuser, BYPASSRLS) is refused, never used",
          "[storage][pg]") {
  const std::string super_url = "postgresql://postgres@127.0.0.1:" + testing::pg_cluster_file("port") + "/sodiem";
  auto message_of = [](const std::string& url) -> std::string {
    try {
      server::open_postgres_school({url, "thcs-a"});
      return "";
    } catch (const std::exception& e) {
      return e.what();
    }
  };
  const std::string refused = message_of(super_url);
  CHECK(refused.find("bỏ qua bảo vệ theo trường") != std::string::npos);
  CHECK(refused.find("postgres") != std::string::npos);
  // A role given BYPASSRLS later is refused the same way.
  pg::Db super(super_url);
  super.exec("DROP ROLE IF EXISTS sodiem_bypass; CREATE ROLE sodiem_bypass LOGIN BYPASSRLS");
  const std::string bypass = message_of("postgresql://sodiem_bypass@127.0.0.1:" + testing::pg_cluster_file("port") + "/sodiem");
  super.exec("DROP ROLE sodiem_bypass");
  CHECK(bypass.find("bỏ qua bảo vệ theo trường") != std::string::npos);
  // The application role is not refused for its role (whatever else it finds).
  CHECK(message_of(testing::pg_cluster_file("app-url")).find("bỏ qua") == std::string::npos);
}

TEST_CASE("pg open: an application role without the TEMPORARY right is refused, naming the GRANT to run",
          "[storage][pg]") {
  // A database of its own (revoking the right from PUBLIC on the shared one
  // would take it from every test running beside this one).
  const std::string port = testing::pg_cluster_file("port");
  const std::string db_name = "sodiem_no_temp_" + std::to_string(::getpid());
  pg::Db super("postgresql://postgres@127.0.0.1:" + port + "/postgres");
  super.exec("DROP DATABASE IF EXISTS " + db_name);
  super.exec("CREATE DATABASE " + db_name);
  super.exec("REVOKE TEMPORARY ON DATABASE " + db_name + " FROM PUBLIC");
  auto message_of = [&] {
    try {
      server::open_postgres_school({"postgresql://sodiem_app@127.0.0.1:" + port + "/" + db_name, "thcs-a"});
      return std::string();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
  };
  const std::string refused = message_of();
  INFO(refused);
  CHECK(refused.find("không có quyền TEMPORARY") != std::string::npos);
  CHECK(refused.find("GRANT TEMPORARY ON DATABASE " + db_name + " TO sodiem_app;") != std::string::npos);
  // The GRANT named is the one that works: the next refusal is another (no schema there).
  super.exec("GRANT TEMPORARY ON DATABASE " + db_name + " TO sodiem_app");
  const std::string after = message_of();
  INFO(after);
  CHECK(after.find("TEMPORARY") == std::string::npos);
  CHECK(after.find("lược đồ phiên bản 0") != std::string::npos);
  super.exec("DROP DATABASE " + db_name);
}

TEST_CASE("pg init: a further school is made with the application role alone once the schema is current and a "
          "database without the schema names --database-owner",
          "[storage][pg]") {
  // A database of its own, set up as the README says: the owner owns the
  // schema, the application role may use it but not create in it.
  const std::string port = testing::pg_cluster_file("port");
  const std::string db_name = "sodiem_init_" + std::to_string(::getpid());
  const std::string app = "postgresql://sodiem_app@127.0.0.1:" + port + "/" + db_name;
  const std::string owner = "postgresql://sodiem_owner@127.0.0.1:" + port + "/" + db_name;
  pg::Db super("postgresql://postgres@127.0.0.1:" + port + "/postgres");
  super.exec("DROP DATABASE IF EXISTS " + db_name);
  super.exec("CREATE DATABASE " + db_name + " OWNER sodiem_owner");
  const auto tmp = fs::temp_directory_path() / ("pginit-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  auto init = [&](const std::string& school, const std::string& owner_url) -> std::string {
    try {
      const auto made = server::init_data_dir(server::DataPaths{(tmp / school).string()}, "Trường THCS " + school, false,
                                              server::PostgresInit{{app, school}, owner_url});
      return made ? "" : made.status().message();
    } catch (const std::exception& e) {
      return e.what();
    }
  };
  // No schema yet and no owner's URL: refused, naming what to add.
  const std::string first = init("thcs-a", "");
  INFO(first);
  CHECK(first.find("--database-owner") != std::string::npos);
  // The first school with the owner's URL, the next ones without it.
  CHECK(init("thcs-a", owner) == "");
  CHECK(init("thcs-b", "") == "");
  CHECK(fs::exists(tmp / "thcs-b" / "database.json"));
  fs::remove_all(tmp);
  super.exec("DROP DATABASE " + db_name + " WITH (FORCE)");
}

TEST_CASE("pg migrate: after an upgrade a school's schema is brought up by the owner's URL, named when refused",
          "[storage][pg]") {
  const std::string port = testing::pg_cluster_file("port");
  const std::string db_name = "sodiem_migrate_" + std::to_string(::getpid());
  const std::string app = "postgresql://sodiem_app@127.0.0.1:" + port + "/" + db_name;
  const std::string owner = "postgresql://sodiem_owner@127.0.0.1:" + port + "/" + db_name;
  pg::Db super("postgresql://postgres@127.0.0.1:" + port + "/postgres");
  super.exec("DROP DATABASE IF EXISTS " + db_name);
  super.exec("CREATE DATABASE " + db_name + " OWNER sodiem_owner");
  const auto tmp = fs::temp_directory_path() / ("pgmigrate-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  const server::DataPaths paths{(tmp / "thcs-a").string()};
  REQUIRE(server::init_data_dir(paths, "Trường THCS A", false, server::PostgresInit{{app, "thcs-a"}, owner}));
  const int current = static_cast<int>(server::pg_migrations().size());
  // A server of the previous release still serving the school.
  auto serving = server::open_postgres_school(server::StoreConfig{app, "thcs-a"});
  server::hold_serving_lock(*serving);
  {
    // As the previous release left the database: its last migration undone.
    pg::Db as_owner(owner);
    as_owner.exec("DROP TABLE class_subject_choices");
    as_owner.exec("UPDATE sodiem_schema SET version = " + std::to_string(current - 1));
  }
  std::string refused;
  try {
    server::open_postgres_school(server::StoreConfig{app, "thcs-a"});
  } catch (const std::exception& e) {
    refused = e.what();
  }
  INFO(refused);
  CHECK(refused.find("sodiem-server migrate") != std::string::npos);
  // The application role's URL cannot: the owner's is asked for.
  auto no_owner = server::migrate_data_dir(paths, "");
  REQUIRE_FALSE(no_owner);
  CHECK(no_owner.status().message().find("--database-owner") != std::string::npos);
  // Another database of the cluster named by mistake: refused, nothing made there.
  auto elsewhere = server::migrate_data_dir(paths, "postgresql://sodiem_owner@127.0.0.1:" + port + "/postgres");
  REQUIRE_FALSE(elsewhere);
  CHECK(elsewhere.status().message().find("không phải cơ sở dữ liệu của trường") != std::string::npos);
  // Not while a server serves a school of the database (the schema is shared).
  auto busy = server::migrate_data_dir(paths, owner);
  REQUIRE_FALSE(busy);
  CHECK(busy.status().message().find("đang phục vụ") != std::string::npos);
  serving.reset();
  auto done = server::migrate_data_dir(paths, owner);
  REQUIRE(done);
  CHECK(done->postgres);
  CHECK(done->from == current - 1);
  CHECK(done->to == current);
  auto db = server::open_postgres_school(server::StoreConfig{app, "thcs-a"});
  auto choices = db->prepare("SELECT count(*) FROM class_subject_choices");
  REQUIRE(choices.step());
  CHECK(choices.int64(0) == 0);
  // Again: nothing to do.
  auto again = server::migrate_data_dir(paths, owner);
  REQUIRE(again);
  CHECK(again->from == current);
  db.reset();
  fs::remove_all(tmp);
  super.exec("DROP DATABASE " + db_name + " WITH (FORCE)");
}

TEST_CASE("migrate on SQLite: an old server.db is brought up as it opens, a folder without a school is refused",
          "[storage]") {
  const auto tmp = fs::temp_directory_path() / ("sqlmigrate-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  const server::DataPaths paths{(tmp / "truong").string()};
  auto none = server::migrate_data_dir(paths, "");
  REQUIRE_FALSE(none);
  CHECK(none.status().message().find("không có cơ sở dữ liệu") != std::string::npos);
  REQUIRE(server::init_data_dir(paths, "Trường THCS A", false));
  int current = 0;
  {
    auto db = server::open_server_db(paths.db());
    current = db->sqlite()->user_version();
    db->exec("DROP TABLE class_subject_choices");  // as release 22 left it
    db->exec("PRAGMA user_version = " + std::to_string(current - 1));
  }
  auto done = server::migrate_data_dir(paths, "");
  REQUIRE(done);
  CHECK_FALSE(done->postgres);
  CHECK(done->from == current - 1);
  CHECK(done->to == current);
  fs::remove_all(tmp);
}

TEST_CASE("migrate on SQLite: refused while a server has the school's file open, nothing changed",
          "[storage]") {
  const auto tmp = fs::temp_directory_path() / ("sqlmigrate-busy-" + std::to_string(::getpid()));
  fs::remove_all(tmp);
  const server::DataPaths paths{(tmp / "truong").string()};
  REQUIRE(server::init_data_dir(paths, "Trường THCS A", false));
  int current = 0;
  {
    auto db = server::open_server_db(paths.db());
    current = db->sqlite()->user_version();
    db->exec("DROP TABLE class_subject_choices");  // as the previous release left it
    db->exec("PRAGMA user_version = " + std::to_string(current - 1));
  }
  const auto left_as_it_was = [&] {
    sqlite::Db raw(paths.db());
    CHECK(raw.user_version() == current - 1);
    auto s = raw.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'class_subject_choices'");
    REQUIRE(s.step());
    CHECK(s.int64(0) == 0);
  };
  {
    // A server of the previous release still serving it: its connection open.
    sqlite::Db serving(paths.db());
    REQUIRE(serving.user_version() == current - 1);
    auto busy = server::migrate_data_dir(paths, "");
    REQUIRE_FALSE(busy);
    CHECK(busy.status().message().find("đang phục vụ trường này") != std::string::npos);
    CHECK(busy.status().message().find("hãy dừng nó") != std::string::npos);
    left_as_it_was();
  }
  auto done = server::migrate_data_dir(paths, "");
  REQUIRE(done);
  CHECK(done->from == current - 1);
  CHECK(done->to == current);
  {
    // As `run` holds the school (open_school: its service, console, lockouts).
    auto served = server::open_school(paths.dir);
    REQUIRE(served);
    auto busy = server::migrate_data_dir(paths, "");
    REQUIRE_FALSE(busy);
    CHECK(busy.status().message().find("đang phục vụ trường này") != std::string::npos);
  }
  auto again = server::migrate_data_dir(paths, "");
  REQUIRE(again);
  CHECK(again->from == current);
  {
    // The lock is held from the check through the migration: a server
    // starting meanwhile cannot read the file (no gap between them).
    int before = 0;
    auto migrating = server::open_sqlite_school_alone(paths.db(), &before);
    REQUIRE(migrating);
    CHECK(before == current);
    sqlite3* starting = nullptr;
    REQUIRE(sqlite3_open_v2(paths.db().c_str(), &starting, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(starting, 0);
    CHECK(sqlite3_exec(starting, "SELECT count(*) FROM meta", nullptr, nullptr, nullptr) == SQLITE_BUSY);
    sqlite3_close(starting);
  }
  CHECK(server::open_sqlite_school_alone(paths.db(), nullptr) != nullptr);
  fs::remove_all(tmp);
}
