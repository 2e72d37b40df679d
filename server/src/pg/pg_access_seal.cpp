// The access seal's PostgreSQL side (access_tables.hpp): the touched tables
// and their snapshots that the triggers of migration 5 (pg_schema.cpp) leave
// in the transaction, and `audit verify`'s check that those triggers are the
// software's. Callers: access_seal.cpp only.
#include <map>

#include "../access_tables.hpp"
#include "sodiem/server/pg_schema.hpp"

namespace sodiem::server::access {
namespace {

constexpr int kSealMigration = 5;  // pg_migrations()[4]: the seal's triggers

std::string snapshot_of(const std::string& table) { return "pg_temp.sodiem_before_" + table; }

// The body (prosrc) of `function` as the seal's migration writes it.
std::string body_of(std::string_view function) {
  const std::string_view sql = pg_migrations()[kSealMigration - 1];
  const auto at = sql.find("CREATE FUNCTION " + std::string(function) + "()");
  const auto open = sql.find("$$", at);
  const auto close = sql.find("$$", open + 2);
  if (at == std::string_view::npos || open == std::string_view::npos || close == std::string_view::npos)
    throw std::logic_error("access seal: no function " + std::string(function) + " in migration 5");
  return std::string(sql.substr(open + 2, close - open - 2));
}

}  // namespace

std::set<std::string> pg_touched(store::Db& db, bool& baseline_done) {
  auto s = db.cached("SELECT COALESCE(current_setting('sodiem.touched', true), ''), "
                     "COALESCE(current_setting('sodiem.access_baseline', true), '')");
  s->step();
  baseline_done = s->text(1) == db.school_id();
  std::set<std::string> out;
  const std::string names = s->text(0);
  for (std::size_t start = 0; start < names.size();) {
    std::size_t end = names.find(',', start);
    if (end == std::string::npos) end = names.size();
    if (end > start) out.insert(names.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void pg_check_before(store::Db& db, const nlohmann::json& recorded, const std::set<std::string>& touched,
                     std::set<std::string>& outside) {
  for (const auto& name : touched) {
    const AccessTable* t = find_table(name);
    if (!t) continue;
    bool kept = false;
    {
      auto s = db.prepare("SELECT to_regclass(?) IS NOT NULL");
      s.bind(1, snapshot_of(name));
      kept = s.step() && s.text(0) == "t";
    }
    if (!kept) continue;
    if (recorded.contains(name) && recorded[name] != digest_of(db, *t, snapshot_of(name))) outside.insert(name);
    db.exec("DROP TABLE " + snapshot_of(name));
  }
}

void pg_forget_before(store::Db& db) {
  bool baseline_done = false;
  for (const auto& name : pg_touched(db, baseline_done))
    if (find_table(name)) db.exec("DROP TABLE IF EXISTS " + snapshot_of(name));
}

void pg_baseline_done(store::Db& db) {
  auto s = db.cached("SELECT set_config('sodiem.access_baseline', ?, false)");
  s->bind(1, db.school_id());
  s->step();
}

void pg_sealed(store::Db& db) {
  auto s = db.cached("SELECT set_config('sodiem.touched', '', true)");
  s->step();
}

void pg_check_triggers(store::Db& db, std::vector<std::string>& problems) {
  struct Found {
    std::string table, definition, enabled, function, body;
  };
  std::map<std::string, Found> found;
  {
    auto s = db.prepare(
        "SELECT t.tgname, c.relname, n.nspname, pg_get_triggerdef(t.oid), CAST(t.tgenabled AS TEXT), p.proname, "
        "p.prosrc FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_proc p ON p.oid = t.tgfoid WHERE n.nspname = current_schema() AND NOT t.tgisinternal");
    while (s.step()) found[s.text(0)] = {s.text(1), s.text(3), s.text(4), s.text(5), s.text(6)};
  }
  std::string schema;
  {
    auto s = db.prepare("SELECT current_schema()");
    s.step();
    schema = s.text(0);
  }
  const std::string touch_body = body_of("sodiem_access_touch"), sealed_body = body_of("sodiem_access_sealed");
  std::set<std::string> ours;
  for (const auto& t : kTables) {
    const std::string events = std::string(" INSERT OR DELETE OR UPDATE OF ") + t.columns + " ON " + schema + "." + t.name;
    const std::string touch = std::string("access_") + t.name + "_touch", sealed = std::string("access_") + t.name + "_sealed";
    const std::pair<std::string, std::string> expected[] = {
        {touch, "CREATE TRIGGER " + touch + " BEFORE" + events + " FOR EACH ROW EXECUTE FUNCTION sodiem_access_touch()"},
        {sealed, "CREATE CONSTRAINT TRIGGER " + sealed + " AFTER" + events +
                     " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sodiem_access_sealed()"}};
    for (const auto& [name, definition] : expected) {
      ours.insert(name);
      const auto it = found.find(name);
      if (it == found.end()) {
        problems.push_back("trigger " + name + " bị xóa: thay đổi bảng " + t.what + " (" + t.name +
                           ") không còn được ghi vào nhật ký kiểm toán");
        continue;
      }
      const Found& f = it->second;
      if (f.definition != definition) problems.push_back("trigger " + name + " bị sửa từ ngoài phần mềm");
      else if (f.body != (name == touch ? touch_body : sealed_body))
        problems.push_back("hàm " + f.function + " của trigger " + name + " bị sửa từ ngoài phần mềm");
      if (f.enabled != "O")
        problems.push_back("trigger " + name + " bị tắt từ ngoài phần mềm: thay đổi bảng " + t.what + " (" + t.name +
                           ") không còn được ghi vào nhật ký kiểm toán");
    }
  }
  for (const auto& [name, f] : found) {
    if (ours.contains(name)) continue;
    // The rowid triggers of migrations 3 and 4 (store::Db::last_insert_rowid).
    const bool rowid = (name == f.table + "_rowid" && f.function == "sodiem_rowid") ||
                       (name == "changes_rowid" && f.table == "changes" && f.function == "sodiem_next_version");
    if (!rowid)
      problems.push_back("trigger " + name + " trên bảng " + f.table +
                         " không phải của phần mềm: nó có thể thay đổi dữ liệu thay cho máy chủ");
  }
}

}  // namespace sodiem::server::access
