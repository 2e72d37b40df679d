// The access tables tied to the audit trail (see access_seal.hpp): the seal
// an audit entry carries and the check `audit verify` runs, over both stores;
// SQLite's trigger function and commit guard (PostgreSQL's are triggers,
// pg/pg_access_seal.cpp).
#include "sodiem/server/access_seal.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "access_tables.hpp"
#include "sodiem/core/clock.hpp"

namespace sodiem::server {
namespace {

using nlohmann::json;

using access::AccessTable;
using access::digest_of;
using access::find_table;
using access::kTables;

// The trigger migration 21 made for `event` of `t`, as sqlite_master keeps it.
std::string trigger_sql(const AccessTable& t, std::string_view event) {
  const std::string name = std::string("access_") + t.name + "_" + std::string(event);
  const std::string when = event == "ins"   ? "BEFORE INSERT"
                           : event == "upd" ? std::string("BEFORE UPDATE OF ") + t.columns
                                            : "BEFORE DELETE";
  return "CREATE TRIGGER " + name + " " + when + " ON " + t.name + " BEGIN SELECT sodiem_access_touch('" + t.name +
         "'); END";
}

// The one view, which decides which classes are this year's.
constexpr std::string_view kCurrentClassesView =
    "CREATE VIEW current_classes AS SELECT * FROM classes\n"
    "  WHERE school_year_id = COALESCE((SELECT MAX(id) FROM school_years WHERE current = 1), 0)";

// Per connection: what the open transaction changed.
struct GuardState {
  store::Db* db = nullptr;  // the connection's store, for the digests
  bool enforce = false;
  bool baseline_done = false;     // the trail holds a digest of every table
  bool pending_baseline = false;  // sealed in the open transaction
  std::set<std::string> touched;  // changed since the last seal
  std::set<std::string> outside;  // found edited from outside at first touch
  std::set<std::string> checked;  // compared with the trail in this transaction
};

std::mutex registry_mutex;
std::unordered_map<sqlite3*, GuardState*>& registry() {
  static std::unordered_map<sqlite3*, GuardState*> r;
  return r;
}

GuardState* state_of(sqlite3* h) {
  std::lock_guard lock(registry_mutex);
  auto it = registry().find(h);
  return it == registry().end() ? nullptr : it->second;
}

struct Recorded {
  std::int64_t seq = 0;
  json digests = json::object();
};
Recorded last_recorded(store::Db& db) {
  Recorded r;
  auto s = db.prepare("SELECT seq, access FROM audit_log WHERE access != '' ORDER BY seq DESC LIMIT 1");
  if (!s.step()) return r;
  r.seq = s.int64(0);
  json a = json::parse(s.view(1), nullptr, false);
  if (a.is_object() && a.contains("d") && a["d"].is_object()) r.digests = a["d"];
  return r;
}

void touch(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  auto* st = static_cast<GuardState*>(sqlite3_user_data(ctx));
  const auto* name = argc == 1 ? reinterpret_cast<const char*>(sqlite3_value_text(argv[0])) : nullptr;
  const AccessTable* t = name ? find_table(name) : nullptr;
  if (!t) {
    sqlite3_result_error(ctx, "sodiem_access_touch: unknown table", -1);
    return;
  }
  if (st->touched.contains(t->name)) return;
  try {
    // Before this transaction's first change: the table as the trail last saw it?
    if (!st->checked.contains(t->name)) {
      const Recorded r = last_recorded(*st->db);
      if (r.digests.contains(t->name) && r.digests[t->name] != digest_of(*st->db, *t)) st->outside.insert(t->name);
      st->checked.insert(t->name);
    }
    st->touched.insert(t->name);
  } catch (const std::exception& e) {
    sqlite3_result_error(ctx, e.what(), -1);
  }
}

int on_commit(void* p) {
  auto* st = static_cast<GuardState*>(p);
  if (st->enforce && !st->touched.empty()) {
    std::string names;
    for (const auto& t : st->touched) names += (names.empty() ? "" : ", ") + t;
    std::fprintf(stderr, "sodiem-server: giao dịch thay đổi bảng %s mà không ghi nhật ký kiểm toán: bị hủy\n",
                 names.c_str());
    return 1;  // SQLite rolls back
  }
  st->touched.clear();
  st->outside.clear();
  st->checked.clear();
  if (st->pending_baseline) st->baseline_done = true;
  st->pending_baseline = false;
  return 0;
}

void on_rollback(void* p) {
  auto* st = static_cast<GuardState*>(p);
  st->touched.clear();
  st->outside.clear();
  st->checked.clear();
  st->pending_baseline = false;
}

void destroy(void* p) {
  auto* st = static_cast<GuardState*>(p);
  {
    std::lock_guard lock(registry_mutex);
    for (auto it = registry().begin(); it != registry().end(); ++it)
      if (it->second == st) {
        registry().erase(it);
        break;
      }
  }
  delete st;
}

// SQLite's connection under `db` (the function and hooks are SQLite's).
sqlite3* lite(store::Db& db) {
  if (!db.sqlite()) throw std::logic_error("access seal: SQLite's function and hooks on another store");
  return db.sqlite()->handle();
}

// SQLite's schema: exactly migration 21's triggers and the one view.
void check_sqlite_triggers(store::Db& db, std::vector<std::string>& problems) {
  std::set<std::string> seen;
  auto s = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('trigger', 'view') ORDER BY name");
  while (s.step()) {
    const std::string type = s.text(0), name = s.text(1), sql = s.text(3);
    if (type == "view") {
      if (name != "current_classes" || sql != kCurrentClassesView)
        problems.push_back("view " + name + " không phải của phần mềm (bị thêm hoặc sửa từ ngoài)");
      continue;
    }
    bool expected = false;
    for (const auto& t : kTables)
      for (const char* event : {"ins", "upd", "del"})
        if (name == std::string("access_") + t.name + "_" + event) {
          expected = true;
          if (sql != trigger_sql(t, event)) problems.push_back("trigger " + name + " bị sửa từ ngoài phần mềm");
        }
    if (!expected)
      problems.push_back("trigger " + name + " trên bảng " + s.text(2) +
                         " không phải của phần mềm: nó có thể thay đổi dữ liệu thay cho máy chủ");
    seen.insert(name);
  }
  for (const auto& t : kTables)
    for (const char* event : {"ins", "upd", "del"})
      if (!seen.contains(std::string("access_") + t.name + "_" + event))
        problems.push_back(std::string("trigger access_") + t.name + "_" + event + " bị xóa: thay đổi bảng " + t.what +
                           " (" + t.name + ") không còn được ghi vào nhật ký kiểm toán");
}

}  // namespace

void install_access_guard(store::Db& db) {
  if (db.backend() == store::Backend::kPostgres) return;  // the schema's triggers (pg_schema.cpp, migration 5)
  auto* st = new GuardState;
  st->db = &db;
  {
    std::lock_guard lock(registry_mutex);
    registry()[lite(db)] = st;
  }
  const int rc = sqlite3_create_function_v2(lite(db), "sodiem_access_touch", 1, SQLITE_UTF8 | SQLITE_INNOCUOUS, st,
                                            touch, nullptr, nullptr, destroy);
  if (rc != SQLITE_OK) throw sqlite::Error(rc, "sodiem_access_touch");
  sqlite3_commit_hook(lite(db), on_commit, st);
  sqlite3_rollback_hook(lite(db), on_rollback, st);
}

void enforce_access_guard(store::Db& db) {
  if (db.backend() == store::Backend::kPostgres) return;  // the deferred triggers always enforce
  if (auto* st = state_of(lite(db))) st->enforce = true;
}

std::string access_table_digest(store::Db& db, const std::string& table) {
  const AccessTable* t = find_table(table);
  if (!t) throw std::invalid_argument("not an access table: " + table);
  return digest_of(db, *t);
}

std::vector<std::pair<std::string, std::string>> access_table_columns() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& t : kTables) out.emplace_back(t.name, t.columns);
  return out;
}

std::string seal_access(store::Db& db) {
  const bool pg = db.backend() == store::Backend::kPostgres;
  GuardState* st = pg ? nullptr : state_of(lite(db));
  if (!pg && (!st || (st->touched.empty() && st->outside.empty() && st->baseline_done))) return "";
  bool baseline_done = false;
  std::set<std::string> touched = pg ? access::pg_touched(db, baseline_done) : st->touched;
  if (pg && touched.empty() && baseline_done) return "";
  std::set<std::string> outside = pg ? std::set<std::string>{} : st->outside;
  Recorded r = last_recorded(db);
  if (pg) access::pg_check_before(db, r.digests, touched, outside);
  bool complete = true;
  for (const auto& t : kTables) complete = complete && r.digests.contains(t.name);
  if (complete && touched.empty() && outside.empty()) {
    if (st) st->baseline_done = true;
    if (pg) access::pg_baseline_done(db);
    return "";
  }
  for (const auto& t : kTables) {
    if (complete && !touched.contains(t.name)) continue;
    const std::string now = digest_of(db, t);
    // A table recorded before but not changed here must still be as recorded.
    if (!touched.contains(t.name) && r.digests.contains(t.name) && r.digests[t.name] != now) outside.insert(t.name);
    r.digests[t.name] = now;
  }
  json out{{"d", r.digests}};
  if (!outside.empty()) out["outside"] = outside;
  if (pg) {
    access::pg_sealed(db);
    access::pg_baseline_done(db);  // every table has its digest now
  } else {
    st->touched.clear();
    st->outside.clear();
    st->pending_baseline = true;
  }
  return out.dump();
}

void seal_access_after_restore(store::Db& db) {
  if (db.backend() == store::Backend::kPostgres) access::pg_forget_before(db);
}

std::vector<std::string> check_school_separation(store::Db& db) {
  std::vector<std::string> problems;
  if (db.backend() == store::Backend::kPostgres) access::pg_check_school_guards(db, problems);
  return problems;
}

AccessCheck check_access_tables(store::Db& db) {
  AccessCheck c;
  // The schema that reports changes to the software's connection: exactly
  // these triggers (no other trigger could change a table on the software's
  // behalf) and, on SQLite, the one view.
  if (db.backend() == store::Backend::kPostgres) access::pg_check_triggers(db, c.problems);
  else check_sqlite_triggers(db, c.problems);

  // The tables now against the last digests the trail recorded.
  const Recorded last = last_recorded(db);
  if (last.seq == 0) {
    c.warnings.push_back("các bảng tài khoản, phân công, khóa sổ, lớp và học sinh chưa có dấu trong nhật ký kiểm toán "
                         "(có từ thao tác được ghi nhật ký tiếp theo)");
  } else {
    for (const auto& t : kTables) {
      if (!last.digests.contains(t.name)) {
        c.warnings.push_back(std::string("bảng ") + t.what + " (" + t.name + ") chưa có dấu trong nhật ký kiểm toán");
        continue;
      }
      if (last.digests[t.name] != digest_of(db, t))
        c.problems.push_back(std::string("bảng ") + t.what + " (" + t.name +
                             ") đã bị sửa từ ngoài phần mềm: không khớp dấu ghi ở mục nhật ký " +
                             std::to_string(last.seq));
    }
  }

  // Entries that found a table edited from outside before their own change.
  auto s = db.prepare("SELECT seq, at, actor, kind, access FROM audit_log WHERE access != '' "
                      "AND access LIKE '%\"outside\"%' ORDER BY seq");
  while (s.step()) {
    const json a = json::parse(s.view(4), nullptr, false);
    if (!a.is_object() || !a.contains("outside") || !a["outside"].is_array()) continue;
    for (const auto& name : a["outside"]) {
      const AccessTable* t = name.is_string() ? find_table(name.get<std::string>()) : nullptr;
      c.history.push_back("mục nhật ký " + std::to_string(s.int64(0)) + " (" + s.text(3) + " của " + s.text(2) + ", " +
                          format_local_time(s.int64(1)) + "): trước thay đổi này, bảng " +
                          (t ? std::string(t->what) + " (" + t->name + ")" : name.dump()) +
                          " đã bị sửa từ ngoài phần mềm");
    }
  }
  return c;
}

}  // namespace sodiem::server
