// RAII wrapper over one SQLite connection: prepared statements with bound
// parameters (one-off or cached for reuse), IMMEDIATE transactions, and
// schema migrations keyed on PRAGMA user_version. A Db is used by one thread
// at a time.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace sodiem::sqlite {

// Thrown for failures that indicate a broken database or a programming error;
// callers at transaction boundaries turn it into a Status.
struct Error : std::runtime_error {
  Error(int code, const std::string& what) : std::runtime_error(what), code(code) {}
  int code;
};

class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql);
  ~Stmt();
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;

  // Binds (1-based index). Returns *this for chaining.
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, std::uint64_t v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind_null(int i);
  // Binds without copying: the caller keeps `v` alive and unchanged until
  // the statement is reset (hot paths that bind, run and reset in one place).
  Stmt& bind_ref(int i, std::string_view v);
  // Like run(), but the bindings stay for the next run: for hot statements
  // whose per-batch values are bound once (rebind every per-row value).
  void run_keeping_bindings();

  // Steps once; true if a row is available.
  bool step();
  // Runs to completion (for statements without result rows) and resets.
  void run();
  void reset();

  std::int64_t int64(int col) const;
  std::string text(int col) const;
  // The column's text without a copy: valid until the next step or reset.
  std::string_view view(int col) const;
  bool is_null(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// A cached statement lent out by Db::cached(); reset (bindings cleared, read
// snapshot released) when the handle goes out of scope.
class CachedStmt {
 public:
  CachedStmt(Stmt& stmt, bool& in_use) : stmt_(&stmt), in_use_(&in_use) {}
  ~CachedStmt();
  CachedStmt(CachedStmt&& other) noexcept : stmt_(other.stmt_), in_use_(other.in_use_) { other.stmt_ = nullptr; }
  CachedStmt(const CachedStmt&) = delete;
  CachedStmt& operator=(const CachedStmt&) = delete;
  Stmt* operator->() { return stmt_; }
  Stmt& operator*() { return *stmt_; }

 private:
  Stmt* stmt_;
  bool* in_use_;
};

// How hard a commit insists on reaching the disk. kRelaxed (WAL with
// synchronous=NORMAL) may lose the last commits on power loss but never
// corrupts: only for bookkeeping that is safe to redo (e.g. a client
// recording acks: the server answers a resent op with the same outcome).
enum class Durability { kFull, kRelaxed };

class Db {
 public:
  // Opens (creating if needed) with WAL, foreign keys and a busy timeout.
  // synchronous_full: fsync on every commit (durable against power loss).
  explicit Db(const std::string& path, bool synchronous_full = true);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  void exec(std::string_view sql);
  Stmt prepare(std::string_view sql) { return Stmt(db_, sql); }
  // The statement for `sql`, prepared once per connection and reused; for
  // hot paths. Using the same SQL twice at once is a programming error.
  CachedStmt cached(std::string_view sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;
  int user_version();

  // Applies migrations[user_version..] each in its own transaction.
  void migrate(std::span<const std::string_view> migrations);

  sqlite3* handle() { return db_; }
  bool synchronous_full() const { return synchronous_full_; }

  // Closing leaves the WAL for the next opening instead of checkpointing it
  // (which fsyncs the database file and deletes the WAL). For a database
  // opened and closed by every command: its commits are already durable in
  // the WAL, SQLite's automatic checkpoint (1,000 pages) still bounds it,
  // and the next opening reads it back in a fraction of that cost.
  void keep_wal_on_close();

 private:
  struct Cached {
    Stmt stmt;
    bool in_use = false;
  };
  sqlite3* db_ = nullptr;
  bool synchronous_full_ = true;
  std::unordered_map<std::string, std::unique_ptr<Cached>> cache_;
};

// BEGIN IMMEDIATE on construction; rolls back unless commit() was called.
// Inside another transaction it is a savepoint: commit() releases it (the
// outer commit makes it durable), destruction without commit() undoes it.
class Transaction {
 public:
  explicit Transaction(Db& db, Durability durability = Durability::kFull);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  void restore_durability();
  Db& db_;
  bool nested_ = false;  // inside another transaction: a savepoint
  bool relaxed_ = false;
  bool done_ = false;
};

}  // namespace sodiem::sqlite
