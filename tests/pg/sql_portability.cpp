// Which of the server's SQL statements already run on PostgreSQL: reads the
// statements a run logged (SODIEM_SQL_LOG, see sqlite/db.cpp), translates
// each as the PostgreSQL store will (pg::to_postgres with the school_id key
// prefix) and asks a PostgreSQL holding the server's schema to prepare it.
// Prints a JSON report: counts, and each statement that does not prepare with
// PostgreSQL's reason, grouped by reason. A tool for the port (driven by
// tests/pg/sql_portability.sh), not a test.
// Only the server's database (server.db) counts: the client's store stays
// SQLite.
// Usage: sodiem_sql_portability URL LOGFILE
#include <libpq-fe.h>

#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "sodiem/pg/db.hpp"
#include "sodiem/pg/dialect.hpp"
#include "sodiem/server/pg_schema.hpp"

using namespace sodiem;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: sodiem_sql_portability URL LOGFILE\n";
    return 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string log = ss.str();
  std::set<std::pair<std::string, std::string>> statements;  // (kind, sql)
  for (std::size_t at = 0; at < log.size();) {
    std::size_t end = log.find('\x1e', at);
    if (end == std::string::npos) end = log.size();
    const std::string rec = log.substr(at, end - at);
    at = end + 1;
    const auto tab = rec.find('\t');
    const auto tab2 = tab == std::string::npos ? tab : rec.find('\t', tab + 1);
    if (tab2 == std::string::npos) continue;
    if (rec.substr(tab + 1, tab2 - tab - 1) != "server.db") continue;
    statements.insert({rec.substr(0, tab), rec.substr(tab2 + 1)});
  }
  try {
    pg::Db db(argv[1]);
    db.exec("DROP SCHEMA IF EXISTS portability CASCADE; CREATE SCHEMA portability; SET search_path TO portability");
    db.migrate(server::pg_migrations());
    db.exec("SET sodiem.school = 'portability'");
    nlohmann::json out{{"statements", statements.size()}};
    int ok = 0, sqlite_only = 0, failed = 0;
    std::map<std::string, std::vector<std::string>> by_reason;
    int n = 0;
    for (const auto& [kind, sql] : statements) {
      std::string reason;
      try {
        const auto t = pg::to_postgres(sql, "school_id");
        if (kind == "exec") {
          // Executed text without parameters (DDL, PRAGMA, BEGIN …): only
          // whether it translates is checked here.
          ++ok;
          continue;
        }
        const std::string name = "p" + std::to_string(++n);
        PGresult* r = PQprepare(db.handle(), name.c_str(), t.sql.c_str(), t.params, nullptr);
        if (PQresultStatus(r) == PGRES_COMMAND_OK) {
          ++ok;
        } else {
          reason = PQresultErrorMessage(r);
        }
        PQclear(r);
      } catch (const pg::Error& e) {
        reason = e.what();
      }
      if (reason.empty()) continue;
      if (sql.find("sqlite_") != std::string::npos || sql.find("pragma_") != std::string::npos ||
          reason.find("PRAGMA") != std::string::npos) {
        ++sqlite_only;
        reason = "SQLite's own (PRAGMA, sqlite_master, pragma_*): per-backend code";
      } else {
        ++failed;
      }
      while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
      const auto nl = reason.find('\n');
      by_reason[reason.substr(0, nl)].push_back(kind + ": " + sql.substr(0, 300));
    }
    out["prepare_ok"] = ok;
    out["sqlite_only"] = sqlite_only;
    out["not_yet_portable"] = failed;
    out["failures"] = by_reason;
    db.exec("DROP SCHEMA portability CASCADE");
    std::cout << out.dump(2) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "sodiem_sql_portability: " << e.what() << "\n";
    return 1;
  }
}
