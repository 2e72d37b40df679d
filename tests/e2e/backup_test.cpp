// Backup and restore of one school, over either store (ctest runs these again
// as `pg: …`, each school then a school of one PostgreSQL database): a backup
// is a SQLite server.db holding every row of every table of the school,
// integers as integers; restore puts exactly those rows back (on PostgreSQL in
// place of the school's, another school of the same database untouched), and
// refuses a backup that does not verify, leaving the school as it was; the
// access tables changed since the backup are not read as edits from outside.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "loopback_school.hpp"
#include "sodiem/server/access_seal.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/backup.hpp"
#include "sodiem/server/records_check.hpp"
#include "sodiem/server/school_copy.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/sqlite/db.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

void mark(LoopbackSchool& school, const std::string& user, const protocol::CellKey& cell, const std::string& value) {
  auto op = school.device(user).record(cell, value);
  INFO(op.status().message());
  REQUIRE(op.is_ok());
  school.sync(user);
}

// Some of everything: marks from two teachers, a mark written twice, a
// comment, a lock (an access table) and a mark refused by it.
void some_work(LoopbackSchool& school, const std::string& value) {
  mark(school, "gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.TX1"}, value);
  mark(school, "gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.TX1"}, "9");
  mark(school, "gv.toan.1", {"6A", "Toán", "HS6A02", "HK1.NX"}, "Chăm chỉ, " + value);
  mark(school, "gv.van.1", {"6A", "Ngữ văn", "HS6A03", "HK1.TX1"}, value);
  school.freeze("hieutruong", "HK1", "TX");
  REQUIRE(school.device("gv.toan.1").record({"6A", "Toán", "HS6A04", "HK1.TX2"}, value).is_ok());
  school.sync("gv.toan.1");
}

// Every table of a server.db at the current schema, with its columns.
std::map<std::string, std::vector<std::string>> tables_of(sqlite::Db& db) {
  std::map<std::string, std::vector<std::string>> out;
  auto s = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  while (s.step()) {
    auto c = db.prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid");
    c.bind(1, s.text(0));
    while (c.step()) out[s.text(0)].push_back(c.text(0));
  }
  return out;
}

// Each table's rows as texts ("∅" for NULL), sorted here (the two stores
// order texts differently). PostgreSQL's commit counter (meta 'commits',
// store::Db::data_version) is the live store's, not the school's.
using Dump = std::map<std::string, std::vector<std::string>>;
template <class Db>
Dump dump(Db& db, const std::map<std::string, std::vector<std::string>>& tables) {
  Dump out;
  for (const auto& [table, cols] : tables) {
    std::string list;
    for (const auto& c : cols) list += (list.empty() ? "\"" : ", \"") + c + "\"";
    auto s = db.prepare("SELECT " + list + " FROM \"" + table + "\"" + (table == "meta" ? " WHERE key <> 'commits'" : ""));
    auto& rows = out[table];
    while (s.step()) {
      std::string row;
      for (int i = 0; i < static_cast<int>(cols.size()); ++i) row += (s.is_null(i) ? "∅" : s.text(i)) + "\x1f";
      rows.push_back(row);
    }
    std::sort(rows.begin(), rows.end());
  }
  return out;
}

// The tables the live store has (PostgreSQL: its catalog, the school's
// schema; SQLite: the file's).
std::set<std::string> live_tables(store::Db& db) {
  std::set<std::string> out;
  auto s = db.backend() == store::Backend::kPostgres
               ? db.prepare("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> 'sodiem_schema'")
               : db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  while (s.step()) out.insert(s.text(0));
  return out;
}

void stop(LoopbackSchool& school) {
  school.service->stop();
  school.service.reset();
}

}  // namespace

TEST_CASE("a backup holds every row of every table of the school, and restore puts exactly them back",
          "[e2e][backup][shared-schema]") {
  LoopbackSchool a;
  LoopbackSchool b;  // on PostgreSQL: another school of the same database
  some_work(a, "7");
  some_work(b, "4");
  const std::string backup = a.tmp / "backup";
  auto made = server::backup_data_dir(a.demo.dir, backup);
  INFO(made.status().message());
  REQUIRE(made.is_ok());
  CHECK(made->audit_entries > 0);

  sqlite::Db copy(server::DataPaths{backup}.db());
  const auto tables = tables_of(copy);
  Dump backed_up = dump(copy, tables);
  {
    // Every table the live store has is in the copy, row for row.
    auto live = a.server_db();
    std::set<std::string> copied;
    for (const auto& [t, cols] : tables) copied.insert(t);
    CHECK(live_tables(*live) == copied);
    const Dump now = dump(*live, tables);
    int filled = 0;
    for (const auto& [t, rows] : now) {
      INFO(t);
      CHECK(backed_up[t] == rows);
      filled += rows.empty() ? 0 : 1;
    }
    CHECK(filled >= 10);  // the comparison saw rows in most tables
  }
  // Integers as integers, texts as texts (the access seal's digests and the
  // audit hashes read them typed).
  for (const auto& [t, cols] : tables) {
    auto types = copy.prepare("SELECT name, type FROM pragma_table_info(?)");
    types.bind(1, t);
    while (types.step()) {
      const std::string want = types.text(1).find("INT") != std::string::npos ? "integer" : "text";
      auto s = copy.prepare("SELECT COUNT(*) FROM \"" + t + "\" WHERE typeof(\"" + types.text(0) + "\") NOT IN ('null', ?)");
      s.bind(1, want);
      s.step();
      INFO(t << "." << types.text(0));
      CHECK(s.int64(0) == 0);
    }
  }
  {
    server::DataPaths bp{backup};
    auto checked = server::open_server_db(bp.db());
    CHECK(server::verify_audit(*checked).intact);
    CHECK(server::verify_records(*checked).intact);
  }

  // After the backup: more work at A and at B; then A goes back to it.
  mark(a, "gv.toan.1", {"6B", "Toán", "HS6B01", "HK1.GK"}, "6");
  mark(b, "gv.toan.1", {"6B", "Toán", "HS6B01", "HK1.GK"}, "3");
  // And an access table changed after it (a lock, audited in A's live
  // trail, which the restore replaces): not an edit from outside.
  a.freeze("hieutruong", "HK2", "TX");
  const Dump b_before = [&] {
    auto db = b.server_db();
    return dump(*db, tables);
  }();
  if (a.server_db()->backend() == store::Backend::kPostgres) {
    // While A's server runs, a restore would replace rows under its caches: refused, nothing changed.
    const Dump a_running = [&] {
      auto db = a.server_db();
      return dump(*db, tables);
    }();
    auto refused = server::restore_data_dir(backup, a.demo.dir);
    REQUIRE_FALSE(refused.is_ok());
    CHECK_THAT(refused.status().message(), Catch::Contains("máy chủ sodiem-server đang phục vụ trường này"));
    auto db = a.server_db();
    CHECK(dump(*db, tables) == a_running);
  }
  stop(a);
  const server::DataPaths live{a.demo.dir};
  for (const auto& f : {live.db(), live.db() + "-wal", live.db() + "-shm"}) std::filesystem::remove(f);
  auto restored = server::restore_data_dir(backup, a.demo.dir);
  INFO(restored.status().message());
  REQUIRE(restored.is_ok());
  {
    auto db = a.server_db();
    const Dump now = dump(*db, tables);
    for (const auto& [t, rows] : now) {
      INFO(t);
      if (t == "meta" || t == "audit_log" || t == "audit_tree") continue;  // the restore's own entry and epoch
      CHECK(rows == backed_up[t]);
    }
    // The trail: the backup's, then the entry that says it was restored.
    CHECK(now.at("audit_log").size() == backed_up.at("audit_log").size() + 1);
    CHECK(server::verify_audit(*db).intact);
    CHECK(server::verify_records(*db).intact);
    // As `audit verify` checks the access tables: as the restored trail
    // recorded them, and no entry finding one edited from outside.
    const server::AccessCheck access = server::check_access_tables(*db);
    CHECK(access.problems.empty());
    INFO((access.history.empty() ? "" : access.history.front()));
    CHECK(access.history.empty());
    auto old_epoch = copy.prepare("SELECT value FROM meta WHERE key = 'epoch'");
    REQUIRE(old_epoch.step());
    CHECK(server::get_meta(*db, "epoch") != old_epoch.text(0));  // devices re-pull
  }
  {
    auto db = b.server_db();
    CHECK(dump(*db, tables) == b_before);
  }
  // A's teacher carries on: what the backup lacked comes back from the device.
  a.restart();
  a.sync("gv.toan.1");
  CHECK(a.server_scalar("SELECT COUNT(*) FROM cells c JOIN classes k ON k.id = c.class_id "
                        "WHERE k.name = '6B' AND c.col = 'HK1.GK' AND c.value = '6'") == 1);
}

TEST_CASE("a PostgreSQL school's backup read in small pages holds the same rows as read at once", "[e2e][backup]") {
  LoopbackSchool a;
  if (a.server_db()->backend() != store::Backend::kPostgres) return;  // pages are PostgreSQL's (SQLite copies the file)
  LoopbackSchool b;  // another school of the same database: none of its rows may come along
  some_work(a, "7");
  some_work(b, "4");
  auto copy_with = [&](int page_rows, const std::string& name) {
    const std::string path = a.tmp / name;
    server::open_server_db(path).reset();  // the SQLite migrations, no rows
    sqlite::Db lite(path);
    auto school = a.server_db();
    const auto rows = server::copy_school_out(*school, lite, page_rows);
    CHECK(rows > 100);
    return rows;
  };
  const auto whole = copy_with(server::kCopyPageRows, "whole.db");
  // Pages of 2 and 3 rows: every table of more than a page crosses a boundary.
  for (int page : {2, 3}) {
    INFO("page of " << page);
    CHECK(copy_with(page, "paged" + std::to_string(page) + ".db") == whole);
    sqlite::Db one(a.tmp / "whole.db"), other(a.tmp / ("paged" + std::to_string(page) + ".db"));
    const auto tables = tables_of(one);
    CHECK(dump(one, tables) == dump(other, tables));
  }
}

TEST_CASE("restore refuses a backup that does not verify and leaves the school as it was", "[e2e][backup]") {
  LoopbackSchool a;
  some_work(a, "8");
  const std::string backup = a.tmp / "backup";
  REQUIRE(server::backup_data_dir(a.demo.dir, backup).is_ok());
  {
    // A mark changed in the backup's file, behind the audit trail.
    sqlite::Db copy(server::DataPaths{backup}.db());
    copy.exec("UPDATE cells SET value = '10' WHERE value = '9'");
    REQUIRE(copy.changes() > 0);
  }
  auto db = a.server_db();
  sqlite::Db schema(server::DataPaths{backup}.db());
  const auto tables = tables_of(schema);
  const Dump before = dump(*db, tables);
  stop(a);
  // On PostgreSQL onto the school itself; on SQLite into a new folder (it
  // never restores over a database).
  const bool postgres = db->backend() == store::Backend::kPostgres;
  const std::string target = postgres ? a.demo.dir : std::string(a.tmp / "restored");
  auto refused = server::restore_data_dir(backup, target);
  REQUIRE_FALSE(refused.is_ok());
  CHECK(refused.status().message().find("không khớp nhật ký") != std::string::npos);
  CHECK(dump(*db, tables) == before);
  if (!postgres) CHECK_FALSE(std::filesystem::exists(server::DataPaths{target}.db()));
  for (const auto& e : std::filesystem::directory_iterator(a.demo.dir))  // nothing of the attempt left
    CHECK(e.path().filename().string().rfind("restoring-", 0) == std::string::npos);
}
