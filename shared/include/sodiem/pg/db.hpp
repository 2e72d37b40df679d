// RAII wrapper over one PostgreSQL connection (libpq), with the same surface
// as sodiem::sqlite::Db so that one implementation of each rule can later run
// over either store (issue "PostgreSQL and several stateless servers"):
// prepared statements with bound parameters, written with SQLite's `?`
// placeholders and translated once (dialect.hpp); transactions that nest as
// savepoints; migrations keyed on a version row. A Db outlives its server's
// restarts and failovers: a connection found lost is replaced at the next use
// outside any transaction (with a bounded backoff), its session set up again
// and its statements prepared again (docs/postgresql.md §6). A Db is used by
// one thread at a time. Callers: the server's PostgreSQL store, its tests and
// benchmark.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
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
  // The connection is gone (class 08) or the server is shutting down or
  // starting (57P01-57P03): the Db reconnects at its next use. A COMMIT that
  // failed so is in doubt: it may have been applied.
  bool connection_lost() const {
    return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
  }
};

class Db;

// A statement prepared on the server once per connection (by its SQL) and
// executed when first stepped; parameters travel as text, results as text.
// Prepared again, by its SQL, when its Db has reconnected since.
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
  // Inside a transaction: queued, sent with the next request that waits for
  // an answer (Db's pipeline), its failure thrown there; bindings kept.
  // Outside one: run_keeping_bindings().
  void run_later();

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
  std::string sql_;   // as written (the key of Db::prepared)
  std::string name_;  // the server-side prepared statement
  std::uint64_t connection_ = 0;  // the Db's connection it was prepared on
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
  // commit, as with SQLite's synchronous=FULL). A multi-host URL
  // (postgresql://h1:p1,h2:p2/db?target_session_attrs=read-write) makes a
  // failover to a promoted standby one more reconnect.
  explicit Db(const std::string& conninfo);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements without parameters (no translation). A
  // single statement joins the writes queued by Stmt::run_later() in one
  // round trip; a ROLLBACK drops them.
  void exec(std::string_view sql);
  // Sends the writes Stmt::run_later() queued, in one round trip (libpq's
  // pipeline mode), and throws the first failure among them. Every request
  // that waits for an answer sends the queue first, in its own round trip
  // when it can; COMMIT and RELEASE are such requests, so a write's failure
  // always surfaces before the transaction or savepoint it belongs to ends.
  void flush();
  // Rows changed by the last prepared INSERT, UPDATE or DELETE run here,
  // queued ones included (flushes first).
  std::int64_t changes();
  // The same, in one round trip, returning the first column of the first row
  // of the last statement's result (nullopt: no row, or NULL).
  std::optional<std::string> exec_value(std::string_view sql);
  Stmt prepare(std::string_view sql) { return Stmt(*this, sql); }
  bool in_transaction() const;
  // The schema version (0 for a new database) and migrations applied from
  // it, each in its own transaction, like sqlite::Db::migrate.
  int schema_version();
  void migrate(std::span<const std::string_view> migrations);

  pg_conn* handle() { return conn_; }
  // Runs `setup` now and on every new connection after a lost one, before
  // anything else runs there: what a session needs (settings of its own).
  void on_connect(std::function<void(Db&)> setup);
  // How many times the connection was replaced: whatever was read before
  // may be stale, and a COMMIT cut off may have been applied.
  std::uint64_t reconnects() const { return connection_; }
  // Connections tried after a loss (those that failed included).
  std::uint64_t connect_attempts() const { return attempts_; }
  // Requests sent to the server and waited for (each a network round trip):
  // what the benchmark reports per push.
  std::uint64_t round_trips() const { return round_trips_; }
  // The column that leads every key (see to_postgres); set before the first
  // statement is prepared.
  void set_key_prefix(std::string prefix) { key_prefix_ = std::move(prefix); }

 private:
  friend class Stmt;
  // The server-side name of `sql`'s prepared statement (translated and
  // prepared on first use) and its number of parameters.
  std::pair<std::string, int> prepared(std::string_view sql);
  // Before any use: outside a transaction, a connection the server closed
  // (or found lost before) is replaced; inside one it is left to fail.
  void ready();
  void reconnect();
  void set_up_session();
  friend class Transaction;
  // A request of the pipeline: a prepared statement (name) with its
  // parameters, or a statement without any (sql).
  struct Request {
    std::string name;
    std::vector<std::optional<std::string>> params;
    std::string sql;
  };
  // Sends the queue and then `last` (if any) in one pipeline, reads every
  // answer, throws the first failure; returns `last`'s result (owned by the
  // caller) or nullptr.
  pg_result* pipeline(const Request* last);
  std::vector<Request> queued_;
  std::int64_t changes_ = 0;
  std::string conninfo_;
  pg_conn* conn_ = nullptr;
  std::string key_prefix_;
  std::unordered_map<std::string, std::pair<std::string, int>> prepared_;
  std::vector<std::function<void(Db&)>> setups_;
  int depth_ = 0;                 // Transactions open (outer and nested)
  bool setting_up_ = false;
  std::uint64_t connection_ = 0;  // the current connection's number
  std::uint64_t attempts_ = 0;
  std::uint64_t round_trips_ = 0;
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point next_attempt_{};
  std::string last_failure_;
};

// BEGIN on construction (READ COMMITTED, or `begin` as given: it may be
// several statements, sent in one round trip, whose last one's first value
// begin_value() returns); rolls back unless commit() was called. Inside
// another transaction it is a savepoint, as with SQLite. While one is open
// the Db does not reconnect: a connection lost under it fails every
// statement until it is gone.
class Transaction {
 public:
  explicit Transaction(Db& db, std::string_view begin = "BEGIN");
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  bool nested() const { return nested_; }
  const std::optional<std::string>& begin_value() const { return begin_value_; }
  // `before` (statements without parameters, outer transaction only) runs
  // in the COMMIT's round trip: if it fails, nothing is committed.
  void commit(std::string_view before = {});

 private:
  Db& db_;
  bool nested_ = false;
  bool done_ = false;
  std::optional<std::string> begin_value_;
};

}  // namespace sodiem::pg
