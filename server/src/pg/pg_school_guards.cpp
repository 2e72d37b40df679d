// `audit verify`'s check, on PostgreSQL, of what keeps the schools of one
// database apart: every table under row-level security, forced, with exactly
// the software's one policy, and current_classes exactly migration 1's view
// (security_invoker). The schema's owner could change any of them without a
// row of data changing; the trigger check (pg_access_seal.cpp) is beside it.
// Callers: access_seal.cpp only (check_access_tables).
#include <map>

#include "../access_tables.hpp"
#include "sodiem/pg/db.hpp"
#include "sodiem/server/pg_schema.hpp"

namespace sodiem::server::access {
namespace {

// The policy's expression as sodiem_one_school (pg_schema.cpp, migration 1)
// writes it for USING and WITH CHECK.
constexpr const char* kPolicyExpression = "school_id = current_setting('sodiem.school', true)";

// Migration 1's CREATE VIEW current_classes … statement.
std::string view_source() {
  const std::string_view sql = pg_migrations()[0];
  const auto at = sql.find("CREATE VIEW current_classes");
  const auto end = sql.find(';', at);
  if (at == std::string_view::npos || end == std::string_view::npos)
    throw std::logic_error("school guards: no current_classes in migration 1");
  return std::string(sql.substr(at, end - at));
}

struct Expected {
  std::string view, qual, check;
};

// PostgreSQL's own rendering of the view and the policy as the migration
// writes them: made on temporary objects in a transaction rolled back, so the
// comparison does not depend on the server version's formatting.
Expected expected_of(pg::Db& pg) {
  Expected e;
  pg::Transaction tx(pg);  // never committed: the temporary objects go with it
  std::string view = view_source();
  view.replace(0, std::string_view("CREATE VIEW current_classes").size(),
               "CREATE TEMPORARY VIEW sodiem_expected_view");
  pg.exec(view);
  pg.exec("CREATE TEMPORARY TABLE sodiem_expected_policy(school_id TEXT)");
  pg.exec(std::string("CREATE POLICY one_school ON sodiem_expected_policy USING (") + kPolicyExpression +
          ") WITH CHECK (" + kPolicyExpression + ")");
  pg::Stmt s(pg,
             "SELECT pg_get_viewdef('pg_temp.sodiem_expected_view'::regclass), pg_get_expr(p.polqual, p.polrelid), "
             "pg_get_expr(p.polwithcheck, p.polrelid) FROM pg_policy p "
             "WHERE p.polrelid = 'pg_temp.sodiem_expected_policy'::regclass");
  if (!s.step()) throw std::logic_error("school guards: the expected policy was not made");
  e = {s.text(0), s.text(1), s.text(2)};
  return e;
}

}  // namespace

void pg_check_school_guards(store::Db& db, std::vector<std::string>& problems) {
  pg::Db& pg = *db.pg();
  const Expected expected = expected_of(pg);
  // Views: only current_classes, as the migration made it, run with the
  // reader's rights (so the policies below apply to it).
  {
    pg::Stmt s(pg,
               "SELECT c.relname, pg_get_viewdef(c.oid), COALESCE(array_to_string(c.reloptions, ','), '') "
               "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE n.nspname = current_schema() AND c.relkind IN ('v', 'm') ORDER BY c.relname");
    bool seen = false;
    while (s.step()) {
      const std::string name = s.text(0);
      if (name != "current_classes") {
        problems.push_back("view " + name + " không phải của phần mềm (bị thêm từ ngoài)");
        continue;
      }
      seen = true;
      if (s.text(1) != expected.view) problems.push_back("view current_classes bị sửa từ ngoài phần mềm");
      if (s.text(2).find("security_invoker=true") == std::string::npos)
        problems.push_back("view current_classes bị sửa từ ngoài phần mềm: nó đọc bằng quyền của chủ lược đồ, "
                           "không theo từng trường");
    }
    if (!seen) problems.push_back("view current_classes bị xóa");
  }
  // Tables: row-level security on and forced, and exactly one policy, ours.
  struct Table {
    bool on = false, forced = false;
    std::vector<std::string> faults;
    int ours = 0;
  };
  std::map<std::string, Table> tables;
  {
    pg::Stmt s(pg,
               "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c "
               "JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> 'sodiem_schema'");
    while (s.step()) tables[s.text(0)] = {s.text(1) == "t", s.text(2) == "t", {}, 0};
  }
  {
    pg::Stmt s(pg,
               "SELECT c.relname, p.polname, CAST(p.polcmd AS TEXT), p.polpermissive, "
               "COALESCE(array_to_string(p.polroles, ','), ''), COALESCE(pg_get_expr(p.polqual, p.polrelid), ''), "
               "COALESCE(pg_get_expr(p.polwithcheck, p.polrelid), '') FROM pg_policy p "
               "JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE n.nspname = current_schema()");
    while (s.step()) {
      const auto it = tables.find(s.text(0));
      if (it == tables.end()) continue;
      const bool ours = s.text(1) == "one_school" && s.text(2) == "*" && s.text(3) == "t" && s.text(4) == "0" &&
                        s.text(5) == expected.qual && s.text(6) == expected.check;
      if (ours) ++it->second.ours;
      else it->second.faults.push_back(s.text(1));
    }
  }
  for (const auto& [name, t] : tables) {
    if (!t.on || !t.forced)
      problems.push_back("bảng " + name + " không còn bật bảo mật theo hàng (row-level security" +
                         (t.on ? ", FORCE" : "") + "): một phiên có thể đọc hoặc ghi dữ liệu của trường khác");
    for (const auto& policy : t.faults)
      problems.push_back("bảng " + name + " có chính sách " + policy +
                         " không phải của phần mềm: nó có thể cho một trường thấy dữ liệu của trường khác");
    if (t.ours == 0 && t.faults.empty())
      problems.push_back("bảng " + name + " mất chính sách one_school: không phiên nào đọc được dữ liệu của nó");
  }
}

}  // namespace sodiem::server::access
