// Who may do what, tied to the audit trail. The access tables (accounts,
// devices, assignments, homerooms, locks and their exceptions, delegations,
// signing keys, classes, students, subjects, school years and terms) decide what a push may write; an insider
// who edits them with the database file could make anyone a principal.
//
// Triggers (SQLite's migration 21, PostgreSQL's 5) tell the server's own
// connection which of these tables a transaction changes. The first change to
// a table in a transaction first checks the table against the digest the
// trail last recorded for it (a difference = an edit from outside the
// software, noted in the next entry; PostgreSQL's trigger keeps the rows as
// they were and the seal compares them). append_audit (audit.hpp) then seals:
// its entry carries the digest of every access table (`access`, covered by
// the entry's hash). A transaction that changed an access table commits only
// with an audit entry after the change (the commit is refused otherwise, by
// SQLite's commit hook or PostgreSQL's deferred constraint triggers: a
// forgotten audit is a bug seen at once, not a silent gap).
// check_access_tables() is `audit verify`'s part. On PostgreSQL "from
// outside" is a write by the schema's owner or a superuser that bypasses the
// triggers (the application role cannot).
//
// install_access_guard: open_server_db only. seal_access: append_audit only.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "sodiem/store/db.hpp"

namespace sodiem::server {

// Registers sodiem_access_touch() and the commit/rollback hooks on the
// server's connection. Commits are checked once enforce_access_guard is set
// (after the migrations).
void install_access_guard(store::Db& db);
void enforce_access_guard(store::Db& db);

// The `access` field for an audit entry appended now inside the caller's
// transaction: "" when no access table changed since the last seal (and a
// baseline exists), else {"d":{table: digest,…}[, "outside":[table,…]]}.
std::string seal_access(store::Db& db);

// A restore in place (PostgreSQL: restore_data_dir) replaced the access
// tables and the trail by a verified backup's, inside the caller's
// transaction: the tables as they were before it are the replaced trail's
// business, not the restored one's, so they are not compared with it (each
// difference would read as an edit from outside). Call before the restore's
// own audit entry. SQLite restores into a new folder: nothing to do.
void seal_access_after_restore(store::Db& db);

// The SHA-256 of one access table's rows that matter (hex), the same on both
// stores for the same rows (computed in C++ from each value's SQLite type and
// bytes, ordered as SQLite's ORDER BY of the columns).
std::string access_table_digest(store::Db& db, const std::string& table);
// The access tables and the columns that matter ("id, username, …").
std::vector<std::pair<std::string, std::string>> access_table_columns();

struct AccessCheck {
  // Vietnamese, one line each. Now: the tables differ from their last
  // digests, or the triggers and the view are not the software's.
  std::vector<std::string> problems;
  // Then: entries that recorded an outside edit before their own change
  // (evidence kept for good; a backup of such a school is still a backup).
  std::vector<std::string> history;
  std::vector<std::string> warnings;
};
// The schema's triggers and view, the tables against the last recorded
// digests, and the entries that recorded an outside edit. Read-only.
AccessCheck check_access_tables(store::Db& db);
// On PostgreSQL, what keeps the schools of one database apart: row-level
// security on and forced on every table with only the software's policy, and
// the current_classes view as the migrations made it. Problems in Vietnamese;
// none on SQLite (a file is one school). `audit verify` asks this first: with
// it broken, the other checks would read other schools' rows.
std::vector<std::string> check_school_separation(store::Db& db);

}  // namespace sodiem::server
