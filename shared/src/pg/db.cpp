// libpq wrapper with sqlite::Db's surface (see db.hpp).
#include "sodiem/pg/db.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <initializer_list>

#include "sodiem/core/sql_words.hpp"
#include "sodiem/core/tuning.hpp"
#include "sodiem/pg/dialect.hpp"

namespace sodiem::pg {
namespace {

// What an administrator reads first, in Vietnamese; PostgreSQL's own words
// follow for whoever fixes it.
const char* explain(std::string_view state) {
  // A COMMIT cut off may have been applied: the server reconnects and reads
  // again what it holds, so a resent change is recognised, never doubled.
  if (state.starts_with("08"))
    return "mất kết nối tới cơ sở dữ liệu PostgreSQL; máy chủ tự kết nối lại, hãy thử lại sau ít giây";
  if (state == "53100") return "đĩa của máy chủ PostgreSQL đã đầy nên không ghi được; dữ liệu đã có vẫn nguyên vẹn";
  if (state.starts_with("53")) return "máy chủ PostgreSQL đang quá tải; hãy thử lại sau ít phút";
  if (state == "57P01" || state == "57P02" || state == "57P03")
    return "máy chủ PostgreSQL đang dừng hoặc khởi động lại; hãy thử lại sau ít phút";
  if (state == "42501") return "tài khoản cơ sở dữ liệu không có quyền làm việc này";
  return nullptr;
}

// Rows changed, for INSERT, UPDATE and DELETE only (as sqlite3_changes);
// -1 for anything else (a SELECT leaves the last count alone).
std::int64_t changed_rows(const pg_result* res) {
  const std::string_view status = PQcmdStatus(const_cast<pg_result*>(res));
  const char* n = PQcmdTuples(const_cast<pg_result*>(res));
  const bool dml = status.starts_with("INSERT") || status.starts_with("UPDATE") || status.starts_with("DELETE");
  return dml ? ((n && *n) ? std::stoll(n) : 0) : -1;
}

[[noreturn]] void fail(pg_conn* conn, const pg_result* res, std::string_view what) {
  std::string state;
  std::string msg;
  if (res) {
    if (const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE)) state = s;
    msg = PQresultErrorMessage(res);
  }
  if (msg.empty() && conn) msg = PQerrorMessage(conn);
  if (msg.empty()) msg = "no connection to the server";
  if (state.empty() && PQstatus(conn) != CONNECTION_OK) state = "08006";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  const std::string detail = std::string(what) + ": " + msg;
  const char* vi = explain(state);
  throw Error(state, vi ? std::string(vi) + " (chi tiết: " + detail + ")" : detail);
}

// Owns a PGresult for the scope of a check.
struct Result {
  explicit Result(pg_result* r) : r(r) {}
  ~Result() { PQclear(r); }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  pg_result* r;
};

}  // namespace

// ---- Stmt

Stmt::Stmt(Db& db, std::string_view sql) : db_(&db), sql_(sql) {
  auto [name, n] = db.prepared(sql);
  name_ = std::move(name);
  connection_ = db.connection_;
  nparams_ = n;
  params_.resize(static_cast<std::size_t>(n));
}
Stmt::~Stmt() { clear_result(); }
Stmt::Stmt(Stmt&& o) noexcept
    : db_(o.db_), sql_(std::move(o.sql_)), name_(std::move(o.name_)), connection_(o.connection_),
      nparams_(o.nparams_), params_(std::move(o.params_)), res_(o.res_), row_(o.row_), rows_(o.rows_),
      changes_(o.changes_) {
  o.res_ = nullptr;
}

Stmt& Stmt::bind(int i, std::int64_t v) { return bind(i, std::string_view(std::to_string(v))); }
Stmt& Stmt::bind(int i, std::string_view v) {
  if (i < 1 || i > nparams_) throw Error("", "bind: no parameter " + std::to_string(i) + " in " + name_);
  if (v.find('\0') != std::string_view::npos)
    throw Error("22021", "bind: PostgreSQL text cannot hold a NUL byte (parameter " + std::to_string(i) + ")");
  params_[static_cast<std::size_t>(i - 1)] = std::string(v);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  if (i < 1 || i > nparams_) throw Error("", "bind: no parameter " + std::to_string(i) + " in " + name_);
  params_[static_cast<std::size_t>(i - 1)].reset();
  return *this;
}

void Stmt::execute() {
  db_->ready();
  if (connection_ != db_->connection_) {  // prepared on a connection since lost
    name_ = db_->prepared(sql_).first;
    connection_ = db_->connection_;
  }
  if (!db_->queued_.empty()) {  // the queued writes and this, one round trip
    const Db::Request self{name_, params_, {}};
    res_ = db_->pipeline(&self);
  } else {
    std::vector<const char*> values(params_.size());
    for (std::size_t k = 0; k < params_.size(); ++k) values[k] = params_[k] ? params_[k]->c_str() : nullptr;
    ++db_->round_trips_;
    res_ = PQexecPrepared(db_->conn_, name_.c_str(), nparams_, values.data(), nullptr, nullptr, 0);
    const auto st = PQresultStatus(res_);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      Result owned(res_);
      res_ = nullptr;
      fail(db_->conn_, owned.r, "execute " + name_);
    }
  }
  rows_ = PQntuples(res_);
  row_ = -1;
  changes_ = changed_rows(res_);
  if (changes_ >= 0) db_->changes_ = changes_;
}
void Stmt::run_later() {
  if (db_->depth_ == 0 || !db_->in_transaction()) return run_keeping_bindings();
  clear_result();
  db_->ready();
  if (connection_ != db_->connection_) {  // prepared on a connection since lost
    name_ = db_->prepared(sql_).first;
    connection_ = db_->connection_;
  }
  db_->queued_.push_back({name_, params_, {}});
  changes_ = -1;  // known when the queue is sent (Db::changes)
}
bool Stmt::step() {
  if (!res_) execute();
  if (row_ + 1 < rows_) {
    ++row_;
    return true;
  }
  return false;
}
void Stmt::run_keeping_bindings() {
  clear_result();
  execute();
  clear_result();
}
void Stmt::run() {
  run_keeping_bindings();
  for (auto& p : params_) p.reset();
}
void Stmt::reset() {
  clear_result();
  for (auto& p : params_) p.reset();
}
void Stmt::clear_result() {
  if (res_) PQclear(res_);
  res_ = nullptr;
  row_ = -1;
  rows_ = 0;
}
std::int64_t Stmt::int64(int col) const {
  const std::string_view v = view(col);
  std::int64_t out = 0;
  if (v.empty()) return 0;  // NULL reads as 0, as in SQLite
  // Booleans read as 0/1, as SQLite stores them.
  if (v == "t") return 1;
  if (v == "f") return 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p != v.data() + v.size())
    throw Error("", "int64: column " + std::to_string(col) + " is not an integer: " + std::string(v.substr(0, 40)));
  return out;
}
std::string Stmt::text(int col) const { return std::string(view(col)); }
std::string_view Stmt::view(int col) const {
  if (!res_ || row_ < 0 || col < 0 || col >= PQnfields(res_) || PQgetisnull(res_, row_, col)) return {};
  return {PQgetvalue(res_, row_, col), static_cast<std::size_t>(PQgetlength(res_, row_, col))};
}
bool Stmt::is_null(int col) const {
  return !res_ || row_ < 0 || col < 0 || col >= PQnfields(res_) || PQgetisnull(res_, row_, col);
}

// ---- Db

namespace {

// One connection attempt; the caller checks PQstatus. Timeouts and TCP
// keepalives that the URL does not set are the tuning's (tuning.hpp): given
// before the URL, whose own values come later and win.
pg_conn* connect(const std::string& conninfo) {
  const std::string timeout = std::to_string(tuning::kPgConnectTimeoutSeconds);
  const std::string idle = std::to_string(tuning::kPgKeepaliveIdleSeconds);
  const std::string user_timeout = std::to_string(tuning::kPgTcpUserTimeoutMs);
  const char* keys[] = {"connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                        "tcp_user_timeout", "dbname", nullptr};
  const char* values[] = {timeout.c_str(), idle.c_str(), "5", "3", user_timeout.c_str(), conninfo.c_str(), nullptr};
  return PQconnectdbParams(keys, values, /*expand_dbname=*/1);
}

std::string error_of(pg_conn* conn) {
  std::string msg = conn ? PQerrorMessage(conn) : "out of memory";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

}  // namespace

Db::Db(const std::string& conninfo) : conninfo_(conninfo) {
  conn_ = connect(conninfo_);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    const std::string msg = error_of(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw Error("08001", std::string("không kết nối được tới cơ sở dữ liệu PostgreSQL (chi tiết: ") + msg + ")");
  }
  set_up_session();
}

void Db::set_up_session() {
  setting_up_ = true;
  try {
    // The server's notices (e.g. "drop cascades to …") are not for the user.
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    exec("SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'; SET synchronous_commit = on");
    for (auto& setup : setups_) setup(*this);
  } catch (...) {
    setting_up_ = false;
    throw;
  }
  setting_up_ = false;
}

void Db::on_connect(std::function<void(Db&)> setup) {
  setup(*this);
  setups_.push_back(std::move(setup));
}

void Db::ready() {
  if (depth_ > 0 || setting_up_) return;
  if (PQstatus(conn_) == CONNECTION_OK) {
    // Between uses the server may have closed the connection (a restart, a
    // failover, an administrator): read what it sent, without waiting. A
    // server that ends a session sends why, then closes; a read that got
    // data stops there, so the close shows on the second read.
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) return;
    if (PQconsumeInput(conn_) == 1 && PQconsumeInput(conn_) == 1 && PQstatus(conn_) == CONNECTION_OK) return;
  }
  reconnect();
}

void Db::reconnect() {
  using namespace std::chrono;
  const auto now = steady_clock::now();
  if (now < next_attempt_)
    throw Error("08006", std::string(explain("08006")) + " (chi tiết: connection lost; next attempt in " +
                             std::to_string(duration_cast<milliseconds>(next_attempt_ - now).count()) +
                             " ms; last attempt: " + last_failure_ + ")");
  ++attempts_;
  pg_conn* fresh = connect(conninfo_);
  if (!fresh || PQstatus(fresh) != CONNECTION_OK) {
    last_failure_ = error_of(fresh);
    PQfinish(fresh);
    backoff_ = backoff_.count() == 0
                   ? duration_cast<milliseconds>(tuning::kPgReconnectFirstDelay)
                   : std::min(backoff_ * 2, duration_cast<milliseconds>(tuning::kPgReconnectMaxDelay));
    next_attempt_ = now + backoff_;
    throw Error("08001", std::string(explain("08001")) + " (chi tiết: reconnect: " + last_failure_ + ")");
  }
  PQfinish(conn_);
  conn_ = fresh;
  prepared_.clear();  // server-side statements died with the old session
  queued_.clear();
  ++connection_;
  try {
    set_up_session();
  } catch (...) {
    // Never left half set up: lost again, replaced at the next use.
    PQfinish(conn_);
    conn_ = nullptr;
    throw;
  }
  backoff_ = std::chrono::milliseconds(0);
  next_attempt_ = {};
}

Db::~Db() {
  if (conn_) PQfinish(conn_);
}

void Db::exec(std::string_view sql) {
  const bool one = sql.find(';') == std::string_view::npos;
  if (sql_begins(sql, {"rollback"})) {
    // Undone anyway: the queued writes are never sent, but a savepoint
    // queued first (below) must exist to be rolled back to.
    const bool to_savepoint = sql_begins(sql, {"rollback", "to"});
    if (to_savepoint && !queued_.empty() && queued_.front().name.empty() &&
        sql_begins(queued_.front().sql, {"savepoint"}))
      queued_.resize(1);
    else
      queued_.clear();
  } else if (one && queued_.empty() && depth_ > 0 && sql_begins(sql, {"savepoint"})) {
    // Nothing of the transaction is waiting: a savepoint may wait for the
    // next request, so that what fails after it is thrown inside it.
    queued_.push_back({{}, {}, std::string(sql)});
    return;
  }
  ready();
  if (!queued_.empty()) {
    if (one) {  // one statement: it joins the pipeline
      const Request self{{}, {}, std::string(sql)};
      Result r(pipeline(&self));
      return;
    }
    flush();
  }
  ++round_trips_;
  Result r(PQexec(conn_, std::string(sql).c_str()));
  const auto st = PQresultStatus(r.r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(conn_, r.r, "exec " + std::string(sql.substr(0, 60)));
}

std::optional<std::string> Db::exec_value(std::string_view sql) {
  ready();
  flush();
  ++round_trips_;
  Result r(PQexec(conn_, std::string(sql).c_str()));
  const auto st = PQresultStatus(r.r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(conn_, r.r, "exec " + std::string(sql.substr(0, 60)));
  if (st != PGRES_TUPLES_OK || PQntuples(r.r) < 1 || PQnfields(r.r) < 1 || PQgetisnull(r.r, 0, 0)) return std::nullopt;
  return std::string(PQgetvalue(r.r, 0, 0), static_cast<std::size_t>(PQgetlength(r.r, 0, 0)));
}

void Db::flush() {
  if (queued_.empty()) return;
  PQclear(pipeline(nullptr));
}

std::int64_t Db::changes() {
  flush();
  return changes_;
}

pg_result* Db::pipeline(const Request* last) {
  std::vector<Request> requests = std::move(queued_);
  queued_.clear();
  if (last) requests.push_back(*last);
  ++round_trips_;
  // Lost on the way: the connection is replaced at the next use outside a
  // transaction (ready()); the transaction's writes are gone with it.
  auto lost = [&](const char* what) {
    const std::string msg = error_of(conn_);
    // Whatever state the session was left in, it is not used again.
    PQfinish(conn_);
    conn_ = nullptr;
    throw Error("08006", std::string(explain("08006")) + " (chi tiết: pipeline " + what + ": " + msg + ")");
  };
  if (PQenterPipelineMode(conn_) != 1) lost("enter");
  for (const Request& r : requests) {
    int sent = 0;
    if (r.name.empty()) {
      sent = PQsendQueryParams(conn_, r.sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0);
    } else {
      std::vector<const char*> values(r.params.size());
      for (std::size_t k = 0; k < r.params.size(); ++k) values[k] = r.params[k] ? r.params[k]->c_str() : nullptr;
      sent = PQsendQueryPrepared(conn_, r.name.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                                 nullptr, 0);
    }
    if (sent != 1) lost("send");
  }
  if (PQpipelineSync(conn_) != 1) lost("sync");
  // One answer per request, each followed by a null; after a failure the
  // rest come back PGRES_PIPELINE_ABORTED; then the sync's.
  pg_result* failed = nullptr;
  std::string failed_what;
  pg_result* out = nullptr;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    pg_result* r = PQgetResult(conn_);
    if (!r) {
      PQclear(failed);
      PQclear(out);
      lost("answer");
    }
    const auto st = PQresultStatus(r);
    if (st == PGRES_FATAL_ERROR && !failed) {
      failed = r;
      failed_what = requests[i].name.empty() ? requests[i].sql.substr(0, 60) : requests[i].name;
    } else if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
      if (!requests[i].name.empty()) {
        const std::int64_t n = changed_rows(r);
        if (n >= 0) changes_ = n;
      }
      if (last && i + 1 == requests.size()) out = r;
      else PQclear(r);
    } else {
      PQclear(r);  // aborted after the failure
    }
    while (pg_result* extra = PQgetResult(conn_)) PQclear(extra);  // to the null that ends this answer
  }
  pg_result* sync = PQgetResult(conn_);
  const bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (!synced || PQexitPipelineMode(conn_) != 1) {
    PQclear(failed);
    PQclear(out);
    lost("end");
  }
  if (failed) {
    PQclear(out);
    Result owned(failed);
    fail(conn_, owned.r, "pipeline " + failed_what);
  }
  return out;
}

bool Db::in_transaction() const {
  switch (PQtransactionStatus(conn_)) {
    case PQTRANS_IDLE: return false;
    case PQTRANS_UNKNOWN: return depth_ > 0;  // lost: in one only if a Transaction is still open
    default: return true;
  }
}

std::pair<std::string, int> Db::prepared(std::string_view sql) {
  auto it = prepared_.find(std::string(sql));
  if (it != prepared_.end()) return it->second;
  ready();  // may reconnect (and forget what was prepared)
  flush();  // the queue goes first, as it was written
  const Translated t = to_postgres(sql, key_prefix_);
  std::string name = "s" + std::to_string(prepared_.size() + 1);
  ++round_trips_;
  Result r(PQprepare(conn_, name.c_str(), t.sql.c_str(), t.params, nullptr));
  if (PQresultStatus(r.r) != PGRES_COMMAND_OK) fail(conn_, r.r, "prepare " + std::string(sql.substr(0, 60)));
  return prepared_.emplace(std::string(sql), std::pair{name, t.params}).first->second;
}

int Db::schema_version() {
  {
    // CREATE … IF NOT EXISTS is not safe against a second process doing the
    // same at the same moment: one at a time (an advisory lock of the whole
    // database, held to the end of this short transaction).
    Transaction tx(*this);
    exec("SELECT pg_advisory_xact_lock(7243500001)");
    exec("CREATE TABLE IF NOT EXISTS sodiem_schema(one INTEGER PRIMARY KEY CHECK (one = 1), version INTEGER NOT NULL)");
    tx.commit();
  }
  auto s = prepare("SELECT version FROM sodiem_schema");
  return s.step() ? static_cast<int>(s.int64(0)) : 0;
}

void Db::migrate(std::span<const std::string_view> migrations) {
  int v = schema_version();
  if (v > static_cast<int>(migrations.size()))
    throw Error("", "database schema version " + std::to_string(v) + " is newer than this program (" +
                        std::to_string(migrations.size()) + ")");
  for (; v < static_cast<int>(migrations.size()); ++v) {
    Transaction tx(*this);
    // One migrator at a time, across processes (several servers may start
    // together against one database).
    exec("LOCK TABLE sodiem_schema IN EXCLUSIVE MODE");
    auto cur = prepare("SELECT version FROM sodiem_schema");
    const int now = cur.step() ? static_cast<int>(cur.int64(0)) : 0;
    cur.reset();
    if (now > v) {  // another process got there first
      v = now - 1;
      tx.commit();
      continue;
    }
    exec(migrations[static_cast<std::size_t>(v)]);
    auto set = prepare(
        "INSERT INTO sodiem_schema(one, version) VALUES(1, ?) ON CONFLICT(one) DO UPDATE SET version = excluded.version");
    set.bind(1, v + 1).run();
    tx.commit();
  }
}

// ---- Transaction

Transaction::Transaction(Db& db, std::string_view begin) : db_(db) {
  db_.ready();  // a lost connection is replaced before, never inside, a transaction
  nested_ = db_.in_transaction();
  if (nested_) db_.exec("SAVEPOINT nested_transaction");
  else begin_value_ = db_.exec_value(begin);
  ++db_.depth_;
}
Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec(nested_ ? "ROLLBACK TO SAVEPOINT nested_transaction; RELEASE SAVEPOINT nested_transaction"
                       : "ROLLBACK");
    } catch (...) {
    }
  }
  --db_.depth_;
}
void Transaction::commit(std::string_view before) {
  if (nested_) {
    db_.exec("RELEASE SAVEPOINT nested_transaction");
  } else if (before.empty()) {
    db_.exec("COMMIT");
  } else if (db_.queued_.empty()) {
    db_.exec(std::string(before) + "; COMMIT");
  } else {  // the queued writes, `before` and COMMIT: one round trip
    db_.queued_.push_back({{}, {}, std::string(before)});
    db_.exec("COMMIT");
  }
  done_ = true;
}

}  // namespace sodiem::pg
