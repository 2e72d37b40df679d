// The server's schema in PostgreSQL (the PostgreSQL store, docs/postgresql.md):
// the same tables and columns as SQLite's migrations (server_db.cpp), each
// with a school_id first, every key and foreign key prefixed by it, and row-
// level security so that a session sees only the school it set
// (`SET LOCAL sodiem.school = …`). Append-only like SQLite's migrations;
// tests/pg/pg_schema_test.cpp keeps the two schemas from drifting.
// Callers: the PostgreSQL store's opening, tests.
#pragma once
#include <span>
#include <string_view>

namespace sodiem::server {

// Migrations for pg::Db::migrate, in PostgreSQL's dialect.
std::span<const std::string_view> pg_migrations();

// The role the servers connect as (no superuser, no BYPASSRLS, owns
// nothing); the migrations grant it what it needs and nothing more.
inline constexpr std::string_view kPgAppRole = "sodiem_app";

}  // namespace sodiem::server
