// SQLite's SQL as the server writes it → PostgreSQL's, for the statements
// both stores share (one text per rule, not two): `?` and `?NNN`
// placeholders become `$n`; `INSERT OR IGNORE` becomes `INSERT … ON
// CONFLICT DO NOTHING`. What has no faithful translation (`INSERT OR
// REPLACE`, `PRAGMA`) is refused with pg::Error rather than guessed. With a
// key prefix (the server's store: "school_id", which leads every key of its
// PostgreSQL schema), `ON CONFLICT(a, b)` becomes `ON CONFLICT(school_id, a,
// b)`, so that one statement text serves both stores. String
// literals, quoted identifiers and comments are left untouched.
// Callers: pg::Db (every prepared statement), tests.
#pragma once
#include <string>
#include <string_view>

namespace sodiem::pg {

struct Translated {
  std::string sql;
  int params = 0;  // the highest $n used
};

Translated to_postgres(std::string_view sqlite_sql, std::string_view key_prefix = {});

}  // namespace sodiem::pg
