// Who may do what is tied to the audit trail (access_seal.hpp): an insider
// who edits the accounts, assignments or locks with the database file (on
// PostgreSQL: as the schema's owner, past the server's triggers) is named by
// `audit verify`, even after a later audited change of the same table; every
// change the software makes carries its audit entry. Both stores.
#include <catch2/catch.hpp>
#include <filesystem>

#include "loopback_school.hpp"
#include "sodiem/pg/db.hpp"
#include "sodiem/server/access_seal.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/audit_verdict.hpp"
#include "sodiem/server/backup.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/store_config.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

bool on_pg() { return !pg_owner_url().empty(); }

// The schema is shared by the tests running in parallel: the insider's
// schema changes below go one at a time, or two of them deadlock on each
// other's table locks (seen in CI). Under CTest these tests are tagged
// [shared-schema] and run one at a time besides (tests/CMakeLists.txt): a
// committed edit_from_outside gives the triggers new ids, and another
// test's audit verify reading them then finds one gone.
constexpr const char* kSchemaChangeLock = "7243500077";

// The school in data folder `dir` as its PostgreSQL owner sees it: past the
// application role (it may drop and disable the server's triggers), held by
// the policies to the school it sets.
std::unique_ptr<store::Db> owner_of(const std::string& dir) {
  const auto config = server::read_store_config(dir);
  REQUIRE(config);
  return std::make_unique<store::Db>(std::make_unique<pg::Db>(pg_owner_url()), config->school_id);
}

// The database file opened as any SQLite tool would: no server function.
std::unique_ptr<sqlite::Db> insider(const std::string& dir) {
  return std::make_unique<sqlite::Db>(server::DataPaths{dir}.db());
}

// A plain edit, as a database tool makes it, is refused: on SQLite the
// triggers call a function only the server has; on PostgreSQL the COMMIT
// finds a change to an access table without its audit entry.
void check_plain_edit_refused(const std::string& dir, const std::string& sql) {
  if (!on_pg()) {
    CHECK_THROWS(insider(dir)->exec(sql));
    return;
  }
  auto db = owner_of(dir);
  CHECK_THROWS_WITH(
      [&] {
        pg::Transaction tx(*db->pg());
        db->pg()->exec(sql);
        tx.commit();
      }(),
      Catch::Contains("mà không ghi nhật ký kiểm toán"));
}

// What an insider does: the server's triggers on `table` dropped, the table
// edited, and the triggers put back as they were, in one transaction.
void edit_from_outside(const std::string& dir, const std::string& table, const std::string& sql) {
  if (!on_pg()) {
    auto db = insider(dir);
    std::vector<std::pair<std::string, std::string>> triggers;
    {
      auto s = db->prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?");
      s.bind(1, table);
      while (s.step()) triggers.emplace_back(s.text(0), s.text(1));
    }
    REQUIRE(triggers.size() == 3);
    db->exec("BEGIN");
    for (const auto& [name, _] : triggers) db->exec("DROP TRIGGER " + name);
    db->exec(sql);
    for (const auto& [_, text] : triggers) db->exec(text);
    db->exec("COMMIT");
    return;
  }
  auto db = owner_of(dir);
  pg::Transaction tx(*db->pg());
  db->pg()->exec(std::string("SELECT pg_advisory_xact_lock(") + kSchemaChangeLock + ")");
  std::vector<std::pair<std::string, std::string>> triggers;
  {
    auto s = db->pg()->prepare("SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON "
                               "c.oid = t.tgrelid WHERE c.relname = ? AND t.tgname LIKE 'access%'");
    s.bind(1, table);
    while (s.step()) triggers.emplace_back(s.text(0), s.text(1));
  }
  REQUIRE(triggers.size() == 2);
  for (const auto& [name, _] : triggers) db->pg()->exec("DROP TRIGGER " + name + " ON " + table);
  db->pg()->exec(sql);
  for (const auto& [_, text] : triggers) db->pg()->exec(text);
  tx.commit();
}

// `audit verify`'s problems after the insider changes the schema with `sql`
// (SQLite) or `pg_sql` (PostgreSQL: inside the owner's transaction, checked
// there and rolled back, since the schema is every school's).
std::string problems_after(const std::string& dir, const std::string& sql, const std::string& pg_sql) {
  if (!on_pg()) {
    insider(dir)->exec(sql);
    auto db = server::open_server_db(server::DataPaths{dir}.db());
    return joined(server::check_audit_trail(*db).problems);
  }
  auto db = owner_of(dir);
  pg::Transaction tx(*db->pg());
  db->pg()->exec(std::string("SELECT pg_advisory_xact_lock(") + kSchemaChangeLock + ")");
  db->pg()->exec(pg_sql);
  return joined(server::check_audit_trail(*db).problems);
}

void mark(LoopbackSchool& school, const std::string& student, const std::string& value) {
  auto op = school.device("gv.toan.1").record({"6A", "Toán", student, "HK1.TX1"}, value);
  INFO(op.status().message());
  REQUIRE(op.is_ok());
  school.sync("gv.toan.1");
}

}  // namespace

TEST_CASE("a teacher made principal with the database file is named by audit verify", "[e2e][fault][shared-schema]") {
  LoopbackSchool school;
  const std::string dir = school.demo.dir;
  mark(school, "HS6A01", "7");
  {
    auto db = server::open_server_db(school.db_path());
    const auto before = server::check_audit_trail(*db);
    INFO(joined(before.problems));
    REQUIRE(before.intact);
  }
  school.service->stop();
  check_plain_edit_refused(dir, "UPDATE users SET roles = 'HT' WHERE username = 'gv.toan.1'");
  edit_from_outside(dir, "users", "UPDATE users SET roles = 'HT' WHERE username = 'gv.toan.1'");
  {
    auto db = server::open_server_db(school.db_path());
    const auto v = server::check_audit_trail(*db);
    CHECK_FALSE(v.intact);
    CHECK_THAT(joined(v.problems), Catch::Contains("bảng tài khoản (users) đã bị sửa từ ngoài phần mềm"));
  }

  SECTION("a later audited change of the same table does not make it legitimate") {
    {
      auto db = server::open_server_db(school.db_path());
      server::Accounts accounts(*db, school.clock);
      REQUIRE(accounts.set_disabled("gv.van.1", true, "admin", "Chuyển công tác").is_ok());
      const auto v = server::check_audit_trail(*db);
      CHECK_FALSE(v.intact);
      const std::string problems = joined(v.problems);
      CHECK_THAT(problems, Catch::Contains("account_disabled của admin"));
      CHECK_THAT(problems, Catch::Contains("trước thay đổi này, bảng tài khoản (users) đã bị sửa từ ngoài phần mềm"));
      // The table now matches what that entry recorded: only the entry names the edit.
      CHECK_THAT(problems, !Catch::Contains("không khớp dấu"));
      if (!on_pg()) {  // PostgreSQL's backup is not built yet (it refuses, naming pg_dump)
        // That evidence stays in the trail; it does not stop the school's backups.
        auto copy = server::backup_data_dir(school.demo.dir, school.tmp / "backup");
        INFO(copy.status().message());
        CHECK(copy.is_ok());
      }
    }
    // And the mark pushed while the server runs is still accepted (the alarm blocks nobody).
    school.restart();
    mark(school, "HS6A02", "8");
    CHECK(school.server_scalar("SELECT COUNT(*) FROM cells c JOIN students s ON s.id = c.student_id "
                               "WHERE s.code = 'HS6A02' AND c.col = 'HK1.TX1' AND c.value = '8'") == 1);
  }
  SECTION("dropping the triggers is named too") {
    CHECK_THAT(problems_after(dir, "DROP TRIGGER access_locks_del", "DROP TRIGGER access_locks_touch ON locks"),
               Catch::Contains(on_pg() ? "trigger access_locks_touch bị xóa" : "trigger access_locks_del bị xóa"));
    if (on_pg()) {
      CHECK_THAT(problems_after(dir, "", "DROP TRIGGER access_locks_sealed ON locks"),
                 Catch::Contains("trigger access_locks_sealed bị xóa"));
      // What only PostgreSQL's owner can do besides: switch one off, or
      // rewrite the function it calls.
      CHECK_THAT(problems_after(dir, "", "ALTER TABLE users DISABLE TRIGGER access_users_touch"),
                 Catch::Contains("trigger access_users_touch bị tắt từ ngoài phần mềm"));
      CHECK_THAT(problems_after(dir, "",
                                "CREATE OR REPLACE FUNCTION sodiem_access_touch() RETURNS trigger LANGUAGE plpgsql "
                                "AS $$ BEGIN RETURN NEW; END $$"),
                 Catch::Contains("hàm sodiem_access_touch của trigger access_users_touch bị sửa từ ngoài phần mềm"));
      CHECK_THAT(problems_after(dir, "",
                                "DROP TRIGGER access_terms_touch ON terms; CREATE TRIGGER access_terms_touch BEFORE "
                                "DELETE ON terms FOR EACH ROW EXECUTE FUNCTION sodiem_access_touch()"),
                 Catch::Contains("trigger access_terms_touch bị sửa từ ngoài phần mềm"));
    }
  }
  SECTION("so is a trigger of the insider's that would change a table on the server's behalf") {
    CHECK_THAT(problems_after(dir,
                              "CREATE TRIGGER later AFTER UPDATE OF last_seen_at ON devices "
                              "BEGIN UPDATE users SET roles = 'HT' WHERE username = 'gv.toan.1'; END",
                              "CREATE FUNCTION later_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                              "UPDATE users SET roles = 'HT' WHERE username = 'gv.toan.1'; RETURN NEW; END $$; "
                              "CREATE TRIGGER later AFTER UPDATE OF last_seen_at ON devices "
                              "FOR EACH ROW EXECUTE FUNCTION later_fn()"),
               Catch::Contains("trigger later trên bảng devices không phải của phần mềm"));
  }
}

TEST_CASE("what keeps the schools of one database apart is checked by audit verify", "[e2e][fault][shared-schema]") {
  if (!on_pg()) return;  // PostgreSQL's row-level security and view (SQLite's view: the test above)
  LoopbackSchool school;
  const std::string dir = school.demo.dir;
  mark(school, "HS6A01", "7");
  school.service->stop();
  {
    auto db = owner_of(dir);
    const auto v = server::check_audit_trail(*db);
    INFO(joined(v.problems));
    REQUIRE(v.intact);  // the software's own schema passes
  }
  CHECK_THAT(problems_after(dir, "", "ALTER TABLE cells NO FORCE ROW LEVEL SECURITY"),
             Catch::Contains("bảng cells không còn bật bảo mật theo hàng (row-level security, FORCE)"));
  CHECK_THAT(problems_after(dir, "", "ALTER TABLE users DISABLE ROW LEVEL SECURITY"),
             Catch::Contains("bảng users không còn bật bảo mật theo hàng"));
  CHECK_THAT(problems_after(dir, "", "CREATE POLICY everyone ON students USING (true)"),
             Catch::Contains("bảng students có chính sách everyone không phải của phần mềm"));
  CHECK_THAT(problems_after(dir, "",
                            "DROP POLICY one_school ON changes; CREATE POLICY one_school ON changes "
                            "USING (school_id = current_setting('sodiem.school', true) OR true)"),
             Catch::Contains("bảng changes có chính sách one_school không phải của phần mềm"));
  CHECK_THAT(problems_after(dir, "", "ALTER VIEW current_classes SET (security_invoker = false)"),
             Catch::Contains("view current_classes bị sửa từ ngoài phần mềm: nó đọc bằng quyền của chủ lược đồ"));
  CHECK_THAT(problems_after(dir, "", "CREATE OR REPLACE VIEW current_classes AS SELECT * FROM classes"),
             Catch::Contains("view current_classes bị sửa từ ngoài phần mềm"));
  CHECK_THAT(problems_after(dir, "", "CREATE VIEW all_students AS SELECT * FROM students"),
             Catch::Contains("view all_students không phải của phần mềm"));
}

TEST_CASE("every access table is watched: an outside edit of each is named", "[e2e][fault][shared-schema]") {
  LoopbackSchool school;
  mark(school, "HS6A01", "7");
  school.service->stop();
  std::vector<std::pair<std::string, std::string>> edits{
      {"users", "UPDATE users SET password_hash = password_hash || 'x' WHERE username = 'hieutruong'"},
      {"devices", "UPDATE devices SET revoked_at = NULL, token_hash = 'abc'"},
      {"teaching_assignments",
       "INSERT INTO teaching_assignments(user_id, class_id, subject_id) SELECT u.id, c.id, s.id FROM users u, "
       "classes c, subjects s WHERE u.username = 'gv.van.1' AND c.name = '6B' AND s.name = 'Toán'"},
      {"homerooms", "DELETE FROM homerooms"},
      {"locks", "INSERT INTO locks(kind, starts_at, ends_at, reason, set_by, set_at) VALUES('frozen', 0, 1, 'x', 'x', 0)"},
      {"lock_exceptions", "INSERT INTO lock_exceptions(expires_at, reason, created_by, created_at) VALUES(9e9, 'x', 'x', 0)"},
      {"delegations", "INSERT INTO delegations(power, user_id, granted_by, granted_at) SELECT 'corrections', id, 'x', 0 "
                      "FROM users WHERE username = 'gv.toan.1'"},
      {"signing_keys", "INSERT INTO signing_keys(user_id, public_key, registered_at, device_id) "
                       "SELECT id, 'ab', 0, 0 FROM users WHERE username = 'gv.toan.1'"},
      {"classes", "UPDATE classes SET grade = 9 WHERE name = '6A'"},
      {"students", "UPDATE students SET class_id = (SELECT id FROM classes WHERE name = '6B') WHERE code = 'HS6A01'"},
      {"subjects", "UPDATE subjects SET department = 'Tự nhiên' WHERE name = 'Ngữ văn'"},
      {"grade_subjects", "INSERT INTO grade_subjects(grade, subject_id, kind, periods_per_year) "
                         "SELECT 6, id, 'scored', 140 FROM subjects WHERE name = 'Toán'"},
      {"class_subject_choices", "INSERT INTO class_subject_choices(class_id, subject_id, study_topics) "
                                "SELECT c.id, s.id, 1 FROM classes c, subjects s WHERE c.name = '6A' AND s.name = 'Toán'"},
      {"school_years", "UPDATE school_years SET current = 0"},
      {"terms", "UPDATE terms SET entry_closes_on = '2099-12-31'"},
  };
  // What the software reads whole but quote() would cut at the NUL: ",HT"
  // after it (PostgreSQL's text holds no NUL).
  if (!on_pg()) edits.emplace_back("users", "UPDATE users SET roles = roles || char(0) || ',HT' WHERE username = 'gv.toan.1'");
  // Each edit on its own copy of the school as it was.
  int n = 0;
  for (const auto& [table, sql] : edits) {
    INFO(table);
    const std::string copy = copy_school(school.demo.dir, school.tmp / ("edit-" + std::to_string(++n)));
    edit_from_outside(copy, table, sql);
    auto db = server::open_server_db(server::DataPaths{copy}.db());
    const auto v = server::check_audit_trail(*db);
    CHECK_FALSE(v.intact);
    CHECK_THAT(joined(v.problems), Catch::Contains("(" + table + ") đã bị sửa"));
  }
  auto db = server::open_server_db(school.db_path());
  const auto v = server::check_audit_trail(*db);
  INFO(joined(v.problems));
  CHECK(v.intact);
}

TEST_CASE("the server's own change to an access table commits only with its audit entry", "[e2e][shared-schema]") {
  LoopbackSchool school;
  school.service->stop();
  auto db = server::open_server_db(school.db_path());
  const auto roles = [&] { return school.server_scalar("SELECT COUNT(*) FROM users WHERE username = 'gv.toan.1' AND roles = 'HT'"); };
  {
    store::Transaction tx(*db);
    db->exec("UPDATE users SET roles = 'HT' WHERE username = 'gv.toan.1'");
    CHECK_THROWS(tx.commit());
  }
  CHECK(roles() == 0);
  {
    store::Transaction tx(*db);
    db->exec("UPDATE users SET roles = 'HT' WHERE username = 'gv.toan.1'");
    server::append_audit(*db, {1, "admin", "", "test_roles", "{}"});
    tx.commit();
  }
  CHECK(roles() == 1);
  const auto v = server::check_audit_trail(*db);
  INFO(joined(v.problems));
  CHECK(v.intact);
  // The entry carries the digest of the table as it now is.
  auto last = school.server_db();
  auto s = last->prepare("SELECT access FROM audit_log WHERE kind = 'test_roles'");
  REQUIRE(s.step());
  CHECK_THAT(s.text(0), Catch::Contains(server::access_table_digest(*db, "users")));
  // Again on the same connection, twice in one transaction (PostgreSQL: the
  // table's rows kept anew at its first change after each seal).
  {
    store::Transaction tx(*db);
    db->exec("UPDATE users SET roles = 'GV' WHERE username = 'gv.toan.1'");
    server::append_audit(*db, {1, "admin", "", "test_roles_back", "{}"});
    db->exec("UPDATE users SET full_name = full_name || '.' WHERE username = 'gv.toan.1'");
    server::append_audit(*db, {1, "admin", "", "test_name", "{}"});
    tx.commit();
  }
  CHECK(roles() == 0);
  const auto again = server::check_audit_trail(*db);
  INFO(joined(again.problems));
  CHECK(again.intact);
  CHECK(again.problems.empty());
}
