// The server's store connection over either backend (docs/postgresql.md §1):
// store::Db holds a SQLite or a PostgreSQL connection behind the calls the
// server's code already makes on sqlite::Db (prepare, cached, exec, bind,
// step, Transaction …), so that one implementation of each rule runs over
// both. Statements are written in the SQLite dialect; on PostgreSQL they are
// translated once (pg::to_postgres, key prefix "school_id"). What only one
// backend has (SQLite functions and hooks, PostgreSQL's COPY) is reached
// through sqlite() / pg(), in per-backend code that says so.
// A Db is used by one thread at a time. Callers: the server (as it moves
// from sqlite::Db), tests/pg/store_test.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "sodiem/pg/db.hpp"
#include "sodiem/sqlite/db.hpp"

namespace sodiem::store {

enum class Backend { kSqlite, kPostgres };

class Db;

class Stmt {
 public:
  Stmt(Db& db, sqlite::Stmt s) : db_(&db), s_(std::move(s)) {}
  // write: an INSERT, UPDATE or DELETE, which on PostgreSQL runs in a
  // Transaction of its own when none is open (the school's lock and commit
  // counter, as every write of the school takes them).
  Stmt(Db& db, pg::Stmt s, bool write) : db_(&db), s_(std::move(s)), pg_write_(write) {}
  Stmt(Stmt&&) noexcept = default;
  Stmt& operator=(Stmt&&) = delete;

  Stmt& bind(int i, std::int64_t v) {
    std::visit([&](auto& s) { s.bind(i, v); }, s_);
    return *this;
  }
  Stmt& bind(int i, std::uint64_t v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, std::string_view v) {
    std::visit([&](auto& s) { s.bind(i, v); }, s_);
    return *this;
  }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind_null(int i) {
    std::visit([&](auto& s) { s.bind_null(i); }, s_);
    return *this;
  }
  Stmt& bind_ref(int i, std::string_view v) {
    std::visit([&](auto& s) { s.bind_ref(i, v); }, s_);
    return *this;
  }
  bool step();
  void run();
  void run_keeping_bindings();
  void reset() {
    std::visit([](auto& s) { s.reset(); }, s_);
  }
  std::int64_t int64(int col) const {
    return std::visit([&](const auto& s) { return s.int64(col); }, s_);
  }
  std::string text(int col) const {
    return std::visit([&](const auto& s) { return s.text(col); }, s_);
  }
  std::string_view view(int col) const {
    return std::visit([&](const auto& s) { return s.view(col); }, s_);
  }
  bool is_null(int col) const {
    return std::visit([&](const auto& s) { return s.is_null(col); }, s_);
  }

 private:
  void note_changes();
  bool alone() const;  // PostgreSQL: a write with no transaction open
  bool step_here();
  void run_here();
  Db* db_;
  std::variant<sqlite::Stmt, pg::Stmt> s_;
  bool executed_ = false;  // PostgreSQL: this execution's changes noted
  bool pg_write_ = false;
};

// A cached statement lent out by Db::cached(), reset when it goes.
class CachedStmt {
 public:
  CachedStmt(Stmt& stmt, bool& in_use) : stmt_(&stmt), in_use_(&in_use) {}
  ~CachedStmt() {
    if (!stmt_) return;
    stmt_->reset();
    *in_use_ = false;
  }
  CachedStmt(CachedStmt&& o) noexcept : stmt_(o.stmt_), in_use_(o.in_use_) { o.stmt_ = nullptr; }
  CachedStmt(const CachedStmt&) = delete;
  CachedStmt& operator=(const CachedStmt&) = delete;
  Stmt* operator->() { return stmt_; }
  Stmt& operator*() { return *stmt_; }

 private:
  Stmt* stmt_;
  bool* in_use_;
};

class Db {
 public:
  explicit Db(std::unique_ptr<sqlite::Db> db) : lite_(std::move(db)) {}
  // The connection serves the school `school_id` only: every transaction
  // sets it for the policies (pg_schema.hpp), and keys are led by it.
  Db(std::unique_ptr<pg::Db> db, std::string school_id);
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  Backend backend() const { return lite_ ? Backend::kSqlite : Backend::kPostgres; }
  // Per-backend code only; nullptr on the other backend.
  sqlite::Db* sqlite() { return lite_.get(); }
  pg::Db* pg() { return pg_.get(); }
  const std::string& school_id() const { return school_; }

  void exec(std::string_view sql);
  Stmt prepare(std::string_view sql);
  CachedStmt cached(std::string_view sql);
  // The id of the last row inserted on this connection (SQLite's rowid;
  // on PostgreSQL the id the schema's triggers leave in sodiem.last_rowid,
  // only for a row inserted without its id: the server reads it only then).
  std::int64_t last_insert_rowid();
  // Rows changed by the last INSERT, UPDATE or DELETE run here. On
  // PostgreSQL the writes a transaction queued are sent first (pg::Db).
  std::int64_t changes();
  // A number that changes when another connection (another process) has
  // committed to this school since the last call: SQLite's data_version; on
  // PostgreSQL a per-school commit counter (meta 'commits') that every outer
  // Transaction bumps, this connection's own bumps not counted.
  std::int64_t data_version();
  // PostgreSQL: how many times the connection was lost and replaced (a
  // restart, a failover; pg::Db). Then data_version() moves too. 0 on SQLite.
  std::uint64_t reconnects() const { return pg_ ? pg_->reconnects() : 0; }
  // PostgreSQL: requests waited for (pg::Db::round_trips). 0 on SQLite.
  std::uint64_t round_trips() const { return pg_ ? pg_->round_trips() : 0; }

  // A memo of small rows this connection read or wrote (the meta values and
  // audit tree nodes the audit chain reads at every entry; server_db.cpp,
  // audit_tree.cpp), so that a push does not read them again over the
  // network. Used only inside a Transaction, and only while it is exact: it
  // is forgotten when another connection committed to the school since
  // (checked under the school's lock when the outermost Transaction begins:
  // data_version), when a transaction or savepoint is rolled back, and when
  // the connection was replaced. Whoever writes a memoised row through this
  // connection remembers its new value (write-through); rows written by raw
  // SQL must not be memoised. nullopt: not memoised (read the database);
  // an inner nullopt: memoised as absent.
  std::optional<std::optional<std::string>> recall(const std::string& key) const;
  void remember(const std::string& key, std::optional<std::string> value);
  // Whoever writes memoised rows by raw SQL (a restore) calls this after.
  void forget_memo();
  // Changes when the memo was forgotten: a cache of one's own kept beside
  // it (the ingest's lock book) is exact while this and data_version() hold.
  std::uint64_t memo_epoch() const { return memo_epoch_; }

 private:
  friend class Stmt;
  friend class Transaction;
  std::unique_ptr<sqlite::Db> lite_;
  std::unique_ptr<pg::Db> pg_;
  std::string school_;
  std::int64_t pg_seen_ = -1;   // the commit counter as last read or written here
  std::int64_t pg_others_ = 0;  // times it moved under us
  bool pg_counted_ = false;     // inside an outer Transaction that read it under the lock
  std::string pg_begin_;        // BEGIN, the school's lock and the counter: one round trip
  std::string pg_bump_;         // the counter's bump, sent with COMMIT
  std::unordered_map<std::string, std::optional<std::string>> memo_;
  std::uint64_t memo_epoch_ = 0;
  std::int64_t memo_lite_version_ = -1;  // SQLite's data_version when the memo was last checked
  int tx_depth_ = 0;                     // store::Transactions open
  bool memo_live_ = false;               // inside an outermost one that checked the memo
  struct Cached {
    Stmt stmt;
    bool in_use = false;
  };
  std::unordered_map<std::string, std::unique_ptr<Cached>> cache_;
};

// BEGIN (IMMEDIATE on SQLite) on construction; rolls back unless commit().
// Nested: a savepoint on both. On PostgreSQL the outermost transaction sets
// the school for the policies and serialises the school's writers
// (pg_advisory_xact_lock), as SQLite's single writer does.
class Transaction {
 public:
  explicit Transaction(Db& db, sqlite::Durability durability = sqlite::Durability::kFull);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db* db_;
  bool pg_outer_ = false;
  bool outer_ = false;  // the outermost: it checked the memo
  bool committed_ = false;
  std::optional<sqlite::Transaction> lite_;
  std::optional<pg::Transaction> pg_;
};

}  // namespace sodiem::store
