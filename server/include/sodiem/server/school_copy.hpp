// A PostgreSQL school's rows to and from a SQLite server.db (docs/postgresql.md
// §5). A backup of a school kept in PostgreSQL is the same kind of folder as a
// SQLite school's: a server.db made by the SQLite migrations (same tables, no
// school_id), so `audit verify`, `restore` and the new year's archive work on
// it unchanged. The tables and columns come from the two schemas, never from
// a hand list: a table or a column that one has and the other lacks, or an
// integer column that is text on the other side, is refused before any row
// moves.
// Callers: backup.cpp (backup_data_dir, restore_data_dir); tests.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sodiem/sqlite/db.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct CopiedTable {
  std::string name;
  std::vector<std::string> columns;  // in SQLite's order
  std::vector<bool> integer;         // per column: INTEGER in SQLite, BIGINT in PostgreSQL
};

// Every table of `lite` (a server.db at the current schema), a table after
// the tables it references, each with its columns, checked against the
// school's PostgreSQL tables (school_id aside). Throws on any difference.
std::vector<CopiedTable> school_copy_plan(sqlite::Db& lite, store::Db& pg);

// Copies every row of `pg`'s school into `lite` (the current schema, no rows)
// from one REPEATABLE READ snapshot, in one SQLite transaction: integers as
// integers, texts as texts, NULLs as NULLs. Each table is read in pages of
// `page_rows` along its primary key, so memory stays bounded for a large
// school (tests pass a small page). Returns the rows copied.
inline constexpr int kCopyPageRows = 5000;
std::int64_t copy_school_out(store::Db& pg, sqlite::Db& lite, int page_rows = kCopyPageRows);

// Replaces every row of `pg`'s school by the rows of `lite` (the current
// schema): the school's rows deleted (a table before those it references),
// `lite`'s inserted (a table after them). Inside the caller's outer
// store::Transaction on `pg` (the school's lock), so all or nothing. Returns
// the rows inserted.
std::int64_t replace_school_rows(store::Db& pg, sqlite::Db& lite);

}  // namespace sodiem::server
