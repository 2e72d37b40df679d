// store::Db over SQLite or PostgreSQL (see store/db.hpp).
#include "sodiem/store/db.hpp"

#include <sqlite3.h>

#include "sodiem/core/sql_words.hpp"

namespace sodiem::store {

// ---- Stmt

// A write outside any transaction (autocommit) would not take the school's
// lock on PostgreSQL: its max + 1 rowid could meet another process's, and
// the other processes would not see it in the commit counter. It runs in a
// Transaction of its own instead, as SQLite's autocommit is one.
bool Stmt::alone() const { return pg_write_ && !db_->pg_->in_transaction(); }

bool Stmt::step() {
  if (executed_ || !alone()) return step_here();
  Transaction tx(*db_);
  const bool row = step_here();
  tx.commit();
  return row;
}
bool Stmt::step_here() {
  const bool row = std::visit([](auto& s) { return s.step(); }, s_);
  if (!executed_) note_changes();
  return row;
}
void Stmt::run_here() {
  if (!alone()) {
    // PostgreSQL: a write in a transaction goes with the next request that
    // waits for an answer (pg::Db's pipeline); its count, by Db::changes().
    if (auto* p = std::get_if<pg::Stmt>(&s_); p && pg_write_) return p->run_later();
    return std::visit([](auto& s) { s.run_keeping_bindings(); }, s_);
  }
  Transaction tx(*db_);
  std::visit([](auto& s) { s.run_keeping_bindings(); }, s_);
  tx.commit();
}
void Stmt::run() {
  run_here();
  note_changes();
  reset();
}
void Stmt::run_keeping_bindings() {
  run_here();
  note_changes();
  executed_ = false;
}
void Stmt::note_changes() {
  if (std::holds_alternative<pg::Stmt>(s_)) executed_ = true;
}

// ---- Db

namespace {
// A string literal for SQL sent without parameters (standard_conforming_strings
// is on: a quote is doubled, a backslash is itself).
std::string literal(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\0') throw pg::Error("22021", "store: a school id cannot hold a NUL byte");
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}
}  // namespace

Db::Db(std::unique_ptr<pg::Db> db, std::string school_id) : pg_(std::move(db)), school_(std::move(school_id)) {
  if (school_.empty()) throw pg::Error("", "store: a PostgreSQL connection needs its school");
  // The outermost Transaction's BEGIN, the school's lock (its writers one at
  // a time: versions in commit order, one audit chain), the school for the
  // policies, and the commit counter read under the lock (Db::data_version):
  // three statements, one round trip. Each takes its own snapshot, so the
  // counter read follows the lock. The counter's bump goes with COMMIT.
  pg_begin_ = "BEGIN; SELECT pg_advisory_xact_lock(hashtext(" + literal("sodiem.school:" + school_) +
              ")), set_config('sodiem.school', " + literal(school_) +
              ", true); SELECT value FROM meta WHERE key = 'commits'";
  pg_bump_ = "INSERT INTO meta(key, value) VALUES('commits', '1') ON CONFLICT(school_id, key) "
             "DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)";
  pg_->set_key_prefix("school_id");
  pg_->on_connect([this](pg::Db& pg) {
    // Outside a transaction too (reads), the session is this school's.
    auto set = pg.prepare("SELECT set_config('sodiem.school', ?, false)");
    set.bind(1, school_);
    set.step();
    // A new connection after a lost one: whatever the callers hold from the
    // database may be stale (a COMMIT cut off may have been applied), as if
    // another process had committed: data_version() moves.
    if (pg.reconnects() > 0) {
      ++pg_others_;
      forget_memo();
    }
  });
}

void Db::exec(std::string_view sql) {
  // A rollback (to a savepoint) undoes writes the memo may hold.
  struct Forget {
    Db& db;
    bool on;
    ~Forget() {
      if (on) db.forget_memo();
    }
  } forget{*this, sql_begins(sql, {"rollback"})};
  if (lite_) return lite_->exec(sql);
  pg_->exec(sql);
}

std::optional<std::optional<std::string>> Db::recall(const std::string& key) const {
  if (!memo_live_) return std::nullopt;
  auto it = memo_.find(key);
  if (it == memo_.end()) return std::nullopt;
  return it->second;
}
void Db::remember(const std::string& key, std::optional<std::string> value) {
  if (!memo_live_) return;  // outside a transaction another process may write at any moment
  if (memo_.size() >= 4096) forget_memo();  // bounded: the audit tree's nodes grow with the trail
  memo_.insert_or_assign(key, std::move(value));
}
void Db::forget_memo() {
  memo_.clear();
  ++memo_epoch_;
}
namespace {
bool is_write(std::string_view sql) {
  return sql_begins(sql, {"insert"}) || sql_begins(sql, {"update"}) || sql_begins(sql, {"delete"});
}
}  // namespace

Stmt Db::prepare(std::string_view sql) {
  if (lite_) return Stmt(*this, lite_->prepare(sql));
  return Stmt(*this, pg_->prepare(sql), is_write(sql));
}
CachedStmt Db::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) it = cache_.emplace(std::string(sql), std::make_unique<Cached>(Cached{prepare(sql)})).first;
  Cached& c = *it->second;
  if (c.in_use) throw std::logic_error("cached statement already in use: " + std::string(sql.substr(0, 60)));
  c.in_use = true;
  return CachedStmt(c.stmt, c.in_use);
}
std::int64_t Db::last_insert_rowid() {
  if (lite_) return lite_->last_insert_rowid();
  // Left by the schema's triggers (server/src/pg/pg_schema.cpp): the id of
  // the last row inserted into a table with a rowid, on this connection.
  auto s = cached("SELECT CAST(NULLIF(current_setting('sodiem.last_rowid', true), '') AS BIGINT)");
  if (!s->step() || s->is_null(0)) throw pg::Error("", "store: no row inserted on this connection");
  return s->int64(0);
}
std::int64_t Db::changes() { return lite_ ? lite_->changes() : pg_->changes(); }

std::int64_t Db::data_version() {
  if (lite_) {
    auto s = lite_->cached("PRAGMA data_version");
    s->step();
    return s->int64(0);
  }
  // Inside an outermost Transaction the counter was read under the school's
  // lock: nobody else can have committed since.
  if (pg_counted_) return pg_others_;
  auto s = cached("SELECT value FROM meta WHERE key = 'commits'");
  const std::int64_t n = s->step() ? std::stoll(s->text(0)) : 0;
  if (n != pg_seen_) {
    pg_seen_ = n;
    ++pg_others_;
    forget_memo();  // the next Transaction compares with n: what changed before is forgotten now
  }
  return pg_others_;
}

// ---- Transaction

Transaction::Transaction(Db& db, sqlite::Durability durability) : db_(&db) {
  if (db.lite_) {
    const bool outer = sqlite3_get_autocommit(db.lite_->handle()) != 0;
    lite_.emplace(*db.lite_, durability);
    if (outer) {
      // BEGIN IMMEDIATE holds the write lock: nobody commits until we end.
      auto s = db.lite_->cached("PRAGMA data_version");
      s->step();
      const std::int64_t v = s->int64(0);
      if (v != db.memo_lite_version_) db.forget_memo();
      db.memo_lite_version_ = v;
      db.memo_live_ = outer_ = true;
    }
    ++db.tx_depth_;
    return;
  }
  if (db.pg_->in_transaction()) {
    pg_.emplace(*db.pg_);
    ++db.tx_depth_;
    return;
  }
  pg_outer_ = true;
  pg_.emplace(*db.pg_, db.pg_begin_);
  const auto& v = pg_->begin_value();
  const std::int64_t n = v ? std::stoll(*v) : 0;
  if (n != db.pg_seen_) {
    db.pg_seen_ = n;
    ++db.pg_others_;
    db.forget_memo();
  }
  db.pg_counted_ = db.memo_live_ = outer_ = true;
  ++db.tx_depth_;
}
Transaction::~Transaction() {
  if (pg_outer_) db_->pg_counted_ = false;
  if (outer_) db_->memo_live_ = false;
  if (!committed_) db_->forget_memo();  // rolled back: what it wrote is gone
  --db_->tx_depth_;
}
void Transaction::commit() {
  if (lite_) {
    lite_->commit();
  } else if (pg_outer_) {
    // The school's commit counter (Db::data_version): other processes see
    // that this one committed. Under the school's lock, read when it began:
    // counted in order, with no round trip of its own.
    pg_->commit(db_->pg_bump_);
    ++db_->pg_seen_;
  } else {
    pg_->commit();
  }
  committed_ = true;
}

}  // namespace sodiem::store
