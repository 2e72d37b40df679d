// A PostgreSQL school's rows to and from a SQLite server.db (school_copy.hpp).
// Per-backend code: it reaches pg::Db and sqlite::Db under store::Db.
// Callers: backup.cpp only.
#include "sodiem/server/school_copy.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

namespace sodiem::server {
namespace {

// store::Db's per-school commit counter (Db::data_version) lives in meta
// under this key: it belongs to the live PostgreSQL store, not to the school's
// records, so a copy neither takes it along nor brings it back (it only ever
// grows, and other processes read any change of it as "reload").
constexpr const char* kCommitCounterKey = "commits";

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

std::string column_list(const CopiedTable& t) {
  std::string out;
  for (const auto& c : t.columns) out += (out.empty() ? "" : ", ") + quoted(c);
  return out;
}

// Rows of `t` that are the school's records (all but the commit counter).
std::string records_only(const CopiedTable& t) {
  return t.name == "meta" ? std::string(" AND key <> '") + kCommitCounterKey + "'" : "";
}

bool integer_type(std::string type) {
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::toupper(c); });
  return type.find("INT") != std::string::npos;
}

// The copy's own writes need no seal: the access tables' triggers (migration
// 21) call sodiem_access_touch, which only the server's connection defines
// (access_seal.cpp). The rows come from the school's store as they are; the
// copy is checked afterwards like any backup (its trail and what it vouches for).
void rows_from_the_store(sqlite3_context*, int, sqlite3_value**) {}
void allow_copied_rows(sqlite::Db& lite) {
  const int rc = sqlite3_create_function_v2(lite.handle(), "sodiem_access_touch", 1, SQLITE_UTF8, nullptr,
                                            rows_from_the_store, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw sqlite::Error(rc, "sodiem_access_touch (copy)");
}

// Reads to the end of one REPEATABLE READ, READ ONLY transaction: every
// table as of the same moment, without holding the school's writers back.
class Snapshot {
 public:
  explicit Snapshot(pg::Db& db) : tx_(db, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") {}

 private:
  pg::Transaction tx_;  // never committed: rolled back at the end
};

}  // namespace

std::vector<CopiedTable> school_copy_plan(sqlite::Db& lite, store::Db& pg) {
  if (!pg.pg()) throw std::logic_error("school_copy_plan: not a PostgreSQL store");
  std::map<std::string, CopiedTable> tables;
  std::map<std::string, std::set<std::string>> references;
  {
    auto s = lite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
    while (s.step()) tables[s.text(0)].name = s.text(0);
  }
  for (auto& [name, t] : tables) {
    auto cols = lite.prepare("SELECT name, type FROM pragma_table_info(?) ORDER BY cid");
    cols.bind(1, name);
    while (cols.step()) {
      t.columns.push_back(cols.text(0));
      t.integer.push_back(integer_type(cols.text(1)));
    }
    auto fks = lite.prepare("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)");
    fks.bind(1, name);
    while (fks.step())
      if (fks.text(0) != name) references[name].insert(fks.text(0));
  }

  // PostgreSQL's side: the same tables, the same columns, the same integers.
  std::map<std::string, std::map<std::string, bool>> theirs;
  {
    auto s = pg.pg()->prepare(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> 'sodiem_schema' "
        "AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'school_id'");
    while (s.step()) theirs[s.text(0)][s.text(1)] = integer_type(s.text(2));
  }
  std::string problems;
  for (const auto& [name, t] : tables) {
    auto it = theirs.find(name);
    if (it == theirs.end()) {
      problems += " bảng " + name + " không có trong PostgreSQL;";
      continue;
    }
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      auto col = it->second.find(t.columns[i]);
      if (col == it->second.end()) problems += " cột " + name + "." + t.columns[i] + " không có trong PostgreSQL;";
      else if (col->second != t.integer[i]) problems += " cột " + name + "." + t.columns[i] + " khác kiểu;";
    }
    if (it->second.size() != t.columns.size())
      for (const auto& [col, integer] : it->second)
        if (std::find(t.columns.begin(), t.columns.end(), col) == t.columns.end())
          problems += " cột " + name + "." + col + " chỉ có trong PostgreSQL;";
  }
  for (const auto& [name, cols] : theirs)
    if (!tables.contains(name)) problems += " bảng " + name + " chỉ có trong PostgreSQL;";
  if (!problems.empty())
    throw std::runtime_error("lược đồ SQLite và PostgreSQL của trường không khớp, không sao chép được:" + problems);

  // A table after every table it references (their foreign keys are checked row by row).
  std::vector<CopiedTable> ordered;
  std::set<std::string> placed;
  while (ordered.size() < tables.size()) {
    const std::size_t before = ordered.size();
    for (auto& [name, t] : tables) {
      if (placed.contains(name)) continue;
      bool ready = true;
      for (const auto& r : references[name]) ready = ready && (placed.contains(r) || !tables.contains(r));
      if (!ready) continue;
      ordered.push_back(t);
      placed.insert(name);
    }
    if (ordered.size() == before) throw std::logic_error("school_copy_plan: foreign keys in a cycle");
  }
  return ordered;
}

namespace {

// The positions in t.columns of `t`'s primary key after school_id, in the
// key's order; empty when PostgreSQL has no such key (then read at once).
std::vector<std::size_t> page_key(pg::Db& pg, const CopiedTable& t) {
  std::vector<std::size_t> out;
  auto s = pg.prepare(
      "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
      "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
      "AND a.attnum = ANY(CAST(i.indkey AS INT2[])) WHERE n.nspname = current_schema() AND c.relname = ? "
      "AND i.indisprimary ORDER BY array_position(CAST(i.indkey AS INT2[]), a.attnum)");
  s.bind(1, t.name);
  while (s.step()) {
    const std::string col = s.text(0);
    if (col == "school_id") continue;
    const auto at = std::find(t.columns.begin(), t.columns.end(), col);
    if (at == t.columns.end()) return {};
    out.push_back(static_cast<std::size_t>(at - t.columns.begin()));
  }
  return out;
}

}  // namespace

std::int64_t copy_school_out(store::Db& pg, sqlite::Db& lite, int page_rows) {
  const auto plan = school_copy_plan(lite, pg);
  allow_copied_rows(lite);
  std::int64_t rows = 0;
  Snapshot snapshot(*pg.pg());
  sqlite::Transaction tx(lite);
  for (const auto& t : plan) {
    const std::string cols = column_list(t);
    std::string params;
    for (std::size_t i = 0; i < t.columns.size(); ++i) params += i ? ", ?" : "?";
    auto in = lite.prepare("INSERT INTO " + quoted(t.name) + "(" + cols + ") VALUES(" + params + ")");
    // Row-level security holds the application role to its school already;
    // the condition says it again. Pages follow the primary key, all in the
    // one snapshot.
    const auto key = page_key(*pg.pg(), t);
    std::string key_list, key_params;
    for (std::size_t k : key) {
      key_list += (key_list.empty() ? "" : ", ") + quoted(t.columns[k]);
      key_params += key_params.empty() ? "?" : ", ?";
    }
    const std::string select = "SELECT " + cols + " FROM " + quoted(t.name) + " WHERE school_id = ?" + records_only(t);
    const std::string order = key.empty() ? "" : " ORDER BY " + key_list + " LIMIT " + std::to_string(page_rows);
    auto first = pg.pg()->prepare(select + order);
    std::optional<pg::Stmt> next;
    if (!key.empty()) next.emplace(*pg.pg(), select + " AND (" + key_list + ") > (" + key_params + ")" + order);
    std::vector<std::optional<std::string>> last(key.size());
    for (bool first_page = true;; first_page = false) {
      pg::Stmt& out = first_page ? first : *next;
      out.bind(1, pg.school_id());
      for (std::size_t k = 0; !first_page && k < key.size(); ++k) out.bind(static_cast<int>(k) + 2, *last[k]);
      int page = 0;
      while (out.step()) {
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
          const int c = static_cast<int>(i);
          if (out.is_null(c)) in.bind_null(c + 1);
          else if (t.integer[i]) in.bind(c + 1, out.int64(c));
          else in.bind(c + 1, out.view(c));
        }
        in.run();
        ++rows;
        ++page;
        for (std::size_t k = 0; k < key.size(); ++k) last[k] = out.text(static_cast<int>(key[k]));
      }
      out.reset();
      if (key.empty() || page < page_rows) break;
    }
  }
  tx.commit();
  return rows;
}

std::int64_t replace_school_rows(store::Db& pg, sqlite::Db& lite) {
  if (!pg.pg() || !pg.pg()->in_transaction())
    throw std::logic_error("replace_school_rows: inside the school's transaction only");
  const auto plan = school_copy_plan(lite, pg);
  for (auto t = plan.rbegin(); t != plan.rend(); ++t)
    pg.prepare("DELETE FROM " + quoted(t->name) + " WHERE school_id = ?" + records_only(*t)).bind(1, pg.school_id()).run();
  std::int64_t rows = 0;
  for (const auto& t : plan) {
    const std::string cols = column_list(t);
    const std::size_t n = t.columns.size();
    // Many rows per statement (one round trip each), within PostgreSQL's
    // 65,535 parameters.
    const std::size_t per_statement = std::max<std::size_t>(1, std::min<std::size_t>(200, 60000 / n));
    auto insert_of = [&](std::size_t count) {
      std::string sql = "INSERT INTO " + quoted(t.name) + "(" + cols + ") VALUES";
      for (std::size_t r = 0; r < count; ++r) {
        sql += r ? ", (" : "(";
        for (std::size_t i = 0; i < n; ++i) sql += i ? ", ?" : "?";
        sql += ")";
      }
      return sql;
    };
    auto in = lite.prepare("SELECT " + cols + " FROM " + quoted(t.name) + " WHERE 1" + records_only(t));
    std::vector<std::vector<std::optional<std::string>>> batch;
    auto flush = [&] {
      if (batch.empty()) return;
      auto s = pg.prepare(insert_of(batch.size()));
      int p = 1;
      for (const auto& row : batch)
        for (const auto& v : row) {
          // As text: PostgreSQL takes an integer's digits for BIGINT and
          // refuses anything else there (never a silent conversion).
          if (v) s.bind(p++, *v);
          else s.bind_null(p++);
        }
      s.run();
      rows += static_cast<std::int64_t>(batch.size());
      batch.clear();
    };
    while (in.step()) {
      auto& row = batch.emplace_back();
      for (std::size_t i = 0; i < n; ++i)
        row.push_back(in.is_null(static_cast<int>(i)) ? std::nullopt : std::optional<std::string>(in.text(static_cast<int>(i))));
      if (batch.size() == per_statement) flush();
    }
    flush();
  }
  pg.forget_memo();  // meta and the audit tree were rewritten by raw SQL
  return rows;
}

}  // namespace sodiem::server
