#include "sodiem/sqlite/db.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>

namespace sodiem::sqlite {
namespace {
// What a teacher or a principal reads first: the failure in Vietnamese and
// what to do; SQLite's own words follow for whoever fixes it.
const char* explain(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return "đĩa đã đầy nên không ghi được; dữ liệu đã có vẫn nguyên vẹn. Hãy giải phóng dung lượng đĩa rồi làm lại";
    case SQLITE_READONLY:
      return "tệp dữ liệu chỉ cho đọc, không ghi được; dữ liệu đã có vẫn nguyên vẹn. Hãy báo người quản trị máy";
    case SQLITE_IOERR:
      return "lỗi đọc/ghi đĩa; việc vừa làm chưa được ghi. Hãy kiểm tra đĩa rồi làm lại";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return "tệp dữ liệu bị hỏng. Đừng xóa gì; hãy chép nguyên thư mục dữ liệu và báo người quản trị";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return "dữ liệu đang được một chương trình khác ghi; hãy thử lại sau ít phút";
    case SQLITE_CANTOPEN:
      return "không mở được tệp dữ liệu (thư mục không có hoặc không được phép ghi)";
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return "không có quyền ghi tệp dữ liệu";
    default:
      return nullptr;
  }
}

[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view what) {
  const std::string detail = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  const char* vi = explain(rc);
  throw Error(rc, vi ? std::string(vi) + " (chi tiết: " + detail + ")" : detail);
}
// With SODIEM_SQL_LOG=FILE, every statement text prepared or executed is
// appended to FILE (kind, a tab, the database file's name, a tab, the SQL,
// then 0x1E): the list of statements
// the PostgreSQL store must run (tests/pg/sql_portability.sh). Off otherwise:
// one getenv per process.
void log_sql(sqlite3* db, std::string_view kind, std::string_view sql) {
  static const int fd = [] {
    const char* path = std::getenv("SODIEM_SQL_LOG");
    return path ? ::open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;
  }();
  if (fd < 0) return;
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  std::string_view name = file ? file : "";
  if (const auto slash = name.rfind('/'); slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string record;
  record.reserve(kind.size() + name.size() + sql.size() + 3);
  record.append(kind).append("\t").append(name).append("\t").append(sql).append("\x1e");
  (void)!::write(fd, record.data(), record.size());  // one append per record
}

}  // namespace

Stmt::Stmt(sqlite3* db, std::string_view sql) : db_(db), stmt_(nullptr) {
  log_sql(db, "prepare", sql);
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_,
                              nullptr);
  if (rc != SQLITE_OK) throw_error(db, rc, "prepare " + std::string(sql.substr(0, 60)));
}
Stmt::~Stmt() {
  if (stmt_) sqlite3_finalize(stmt_);
}
Stmt::Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }

Stmt& Stmt::bind(int i, std::int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, i, v);
  if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
  return *this;
}
Stmt& Stmt::bind(int i, std::string_view v) {
  int rc = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
  return *this;
}
Stmt& Stmt::bind_ref(int i, std::string_view v) {
  int rc = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK) throw_error(db_, rc, "bind");
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(stmt_);
  throw_error(db_, rc, "step");
}
void Stmt::run() {
  while (step()) {
  }
  reset();
}
void Stmt::run_keeping_bindings() {
  while (step()) {
  }
  sqlite3_reset(stmt_);
}
void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
std::string Stmt::text(int col) const { return std::string(view(col)); }
std::string_view Stmt::view(int col) const {
  auto p = sqlite3_column_text(stmt_, col);
  return p ? std::string_view(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string_view();
}
bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

CachedStmt::~CachedStmt() {
  if (!stmt_) return;
  stmt_->reset();
  *in_use_ = false;
}

Db::Db(const std::string& path, bool synchronous_full) : synchronous_full_(synchronous_full) {
  // Before SQLite's first use in the process: no allocation statistics (they
  // take a global mutex on every allocation). Too late is harmless (MISUSE).
  static const bool configured = [] { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK; }();
  (void)configured;
  int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    const char* vi = explain(rc);
    throw Error(rc, (vi ? std::string(vi) + " (chi tiết: " : std::string()) + "cannot open " + path + ": " + msg +
                        (vi ? ")" : ""));
  }
  // More lookaside slots than the default 100: hot statements' records fit
  // there instead of going to malloc.
  sqlite3_db_config(db_, SQLITE_DBCONFIG_LOOKASIDE, nullptr, 1200, 500);
  sqlite3_busy_timeout(db_, 10000);
  exec("PRAGMA journal_mode=WAL");
  exec(synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
  // Statement and savepoint journals stay in memory instead of spilling to
  // temp files past 64 KiB (each ingest push is a savepoint).
  exec("PRAGMA temp_store=MEMORY");
}
Db::~Db() {
  cache_.clear();  // finalize before closing
  if (db_) sqlite3_close_v2(db_);
}

CachedStmt Db::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end())
    it = cache_.emplace(std::string(sql), std::make_unique<Cached>(Cached{Stmt(db_, sql)})).first;
  Cached& c = *it->second;
  if (c.in_use) throw Error(SQLITE_MISUSE, "cached statement already in use: " + std::string(sql.substr(0, 60)));
  c.in_use = true;
  return CachedStmt(c.stmt, c.in_use);
}

void Db::exec(std::string_view sql) {
  log_sql(db_, "exec", sql);
  char* err = nullptr;
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    const char* vi = explain(rc);
    const std::string detail = "exec " + s.substr(0, 60) + ": " + msg;
    throw Error(rc, vi ? std::string(vi) + " (chi tiết: " + detail + ")" : detail);
  }
}
void Db::keep_wal_on_close() {
  if (sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr) != SQLITE_OK)
    throw Error(SQLITE_ERROR, std::string("cannot keep the WAL on close: ") + sqlite3_errmsg(db_));
}
std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
int Db::changes() const { return sqlite3_changes(db_); }
int Db::user_version() {
  Stmt s(db_, "PRAGMA user_version");
  s.step();
  return static_cast<int>(s.int64(0));
}

void Db::migrate(std::span<const std::string_view> migrations) {
  int v = user_version();
  if (v > static_cast<int>(migrations.size()))
    throw Error(SQLITE_ERROR, "database schema version " + std::to_string(v) + " is newer than this program (" +
                                  std::to_string(migrations.size()) + ")");
  if (v == static_cast<int>(migrations.size())) return;
  // A migration may rebuild a table others refer to (SQLite's documented
  // procedure): foreign keys off meanwhile, checked before each commit.
  exec("PRAGMA foreign_keys=OFF");
  try {
    for (; v < static_cast<int>(migrations.size()); ++v) {
      Transaction tx(*this);
      exec(migrations[v]);
      {
        auto check = prepare("PRAGMA foreign_key_check");
        if (check.step())
          throw Error(SQLITE_CONSTRAINT, "migration " + std::to_string(v + 1) + " breaks a foreign key (table " +
                                             check.text(0) + ")");
      }
      exec("PRAGMA user_version=" + std::to_string(v + 1));
      tx.commit();
    }
  } catch (...) {
    exec("PRAGMA foreign_keys=ON");
    throw;
  }
  exec("PRAGMA foreign_keys=ON");
}

Transaction::Transaction(Db& db, Durability durability)
    : db_(db),
      nested_(sqlite3_get_autocommit(db.handle()) == 0),
      relaxed_(!nested_ && durability == Durability::kRelaxed && db.synchronous_full()) {
  if (nested_) {
    // Inside another transaction (a command that composes two write paths):
    // a savepoint, made durable by the outer commit.
    db_.exec("SAVEPOINT nested_transaction");
    return;
  }
  if (relaxed_) db_.exec("PRAGMA synchronous=NORMAL");
  try {
    db_.exec("BEGIN IMMEDIATE");
  } catch (...) {
    restore_durability();
    throw;
  }
}
Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec(nested_ ? "ROLLBACK TO nested_transaction; RELEASE nested_transaction" : "ROLLBACK");
    } catch (...) {
    }
  }
  restore_durability();
}
void Transaction::commit() {
  db_.exec(nested_ ? "RELEASE nested_transaction" : "COMMIT");
  done_ = true;
  restore_durability();
}
void Transaction::restore_durability() {
  if (!relaxed_) return;
  relaxed_ = false;
  try {
    db_.exec("PRAGMA synchronous=FULL");
  } catch (...) {
  }
}

}  // namespace sodiem::sqlite
