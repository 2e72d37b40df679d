// RAII wrapper over one PostgreSQL connection (libpq), with the same surface
// as sodiem::sqlite::Db so that one implementation of each rule can later run
// over either store (issue "PostgreSQL and several stateless servers"):
// prepared statements with bound parameters, written with SQLite's `?`
// placeholders and translated once (dialect.hpp); transactions that nest as
// savepoints; migrations keyed on a version row. A Db is used by one thread
// at a time. Callers: the server's PostgreSQL store, its tests and benchmark.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace sodiem::pg {

// A failure from the server or the connection. `sqlstate` is PostgreSQL's
// five-character code ("23505" unique violation, "40001" serialization
// failure, "08006" connection lost …); empty when libpq itself failed.
struct Error : std::runtime_error {
  Error(std::string sqlstate, const std::string& what) : std::runtime_error(what), sqlstate(std::move(sqlstate)) {}
  std::string sqlstate;
  bool unique_violation() const { return sqlstate == "23505"; }
  bool retryable() const { return sqlstate == "40001" || sqlstate == "40P01"; }
};

class Db;

// A statement prepared on the server once per connection (by its SQL) and
// executed when first stepped; parameters travel as text, results as text.
class Stmt {
 public:
  Stmt(Db& db, std::string_view sql);
  ~Stmt();
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;

  // Binds (1-based index), like sqlite::Stmt.
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, std::uint64_t v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind_null(int i);
  Stmt& bind_ref(int i, std::string_view v) { return bind(i, v); }
  void run_keeping_bindings();

  // Executes on the first call; true while a row is available.
  bool step();
  void run();    // executes, discards rows, clears the bindings
  void reset();  // forgets the result and the bindings

  std::int64_t int64(int col) const;
  std::string text(int col) const;
  std::string_view view(int col) const;
  bool is_null(int col) const;
  // Rows changed by the last execution if it was an INSERT, UPDATE or
  // DELETE; -1 otherwise.
  std::int64_t changes() const { return changes_; }

 private:
  void execute();
  void clear_result();
  Db* db_;
  std::string name_;  // the server-side prepared statement
  int nparams_ = 0;
  std::vector<std::optional<std::string>> params_;
  pg_result* res_ = nullptr;
  int row_ = -1, rows_ = 0;
  std::int64_t changes_ = 0;
};

class Db {
 public:
  // Connects (libpq connection string or postgresql:// URL). Sessions run in
  // UTC with UTF-8 text and synchronous commits (an ack follows a durable
  // commit, as with SQLite's synchronous=FULL).
  explicit Db(const std::string& conninfo);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements without parameters (no translation).
  void exec(std::string_view sql);
  Stmt prepare(std::string_view sql) { return Stmt(*this, sql); }
  bool in_transaction() const;
  // The schema version (0 for a new database) and migrations applied from
  // it, each in its own transaction, like sqlite::Db::migrate.
  int schema_version();
  void migrate(std::span<const std::string_view> migrations);

  pg_conn* handle() { return conn_; }
  // The column that leads every key (see to_postgres); set before the first
  // statement is prepared.
  void set_key_prefix(std::string prefix) { key_prefix_ = std::move(prefix); }

 private:
  friend class Stmt;
  // The server-side name of `sql`'s prepared statement (translated and
  // prepared on first use) and its number of parameters.
  std::pair<std::string, int> prepared(std::string_view sql);
  pg_conn* conn_ = nullptr;
  std::string key_prefix_;
  std::unordered_map<std::string, std::pair<std::string, int>> prepared_;
};

// BEGIN on construction (READ COMMITTED); rolls back unless commit() was
// called. Inside another transaction it is a savepoint, as with SQLite.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool nested_ = false;
  bool done_ = false;
};

}  // namespace sodiem::pg
