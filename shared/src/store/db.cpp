// store::Db over SQLite or PostgreSQL (see store/db.hpp).
#include "sodiem/store/db.hpp"

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
  if (!alone()) return std::visit([](auto& s) { s.run_keeping_bindings(); }, s_);
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
  if (auto* p = std::get_if<pg::Stmt>(&s_)) {
    if (p->changes() >= 0) db_->pg_changes_ = p->changes();
    executed_ = true;
  }
}

// ---- Db

Db::Db(std::unique_ptr<pg::Db> db, std::string school_id) : pg_(std::move(db)), school_(std::move(school_id)) {
  if (school_.empty()) throw pg::Error("", "store: a PostgreSQL connection needs its school");
  pg_->set_key_prefix("school_id");
  pg_->on_connect([this](pg::Db& pg) {
    // Outside a transaction too (reads), the session is this school's.
    auto set = pg.prepare("SELECT set_config('sodiem.school', ?, false)");
    set.bind(1, school_);
    set.step();
    // A new connection after a lost one: whatever the callers hold from the
    // database may be stale (a COMMIT cut off may have been applied), as if
    // another process had committed: data_version() moves.
    if (pg.reconnects() > 0) ++pg_others_;
  });
}

void Db::exec(std::string_view sql) {
  if (lite_) return lite_->exec(sql);
  pg_->exec(sql);
}
namespace {
bool is_write(std::string_view sql) {
  while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n' || sql.front() == '\t')) sql.remove_prefix(1);
  auto starts = [&](std::string_view word) {
    if (sql.size() < word.size()) return false;
    for (std::size_t i = 0; i < word.size(); ++i)
      if ((sql[i] | 0x20) != (word[i] | 0x20)) return false;
    return true;
  };
  return starts("insert") || starts("update") || starts("delete");
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
std::int64_t Db::changes() const { return lite_ ? lite_->changes() : pg_changes_; }

std::int64_t Db::data_version() {
  if (lite_) {
    auto s = lite_->cached("PRAGMA data_version");
    s->step();
    return s->int64(0);
  }
  auto s = cached("SELECT value FROM meta WHERE key = 'commits'");
  const std::int64_t n = s->step() ? std::stoll(s->text(0)) : 0;
  if (n != pg_seen_) {
    pg_seen_ = n;
    ++pg_others_;
  }
  return pg_others_;
}

// ---- Transaction

Transaction::Transaction(Db& db, sqlite::Durability durability) : db_(&db) {
  if (db.lite_) {
    lite_.emplace(*db.lite_, durability);
    return;
  }
  const bool outer = !db.pg_->in_transaction();
  pg_.emplace(*db.pg_);
  if (!outer) return;
  pg_outer_ = true;
  // This school's writers one at a time (versions in commit order, one audit
  // chain); the school for the policies, for this transaction.
  auto lock = db.cached("SELECT pg_advisory_xact_lock(hashtext(?)), set_config('sodiem.school', ?, true)");
  lock->bind(1, "sodiem.school:" + db.school_).bind(2, db.school_);
  lock->step();
}
void Transaction::commit() {
  if (lite_) return lite_->commit();
  if (pg_outer_) {
    // The school's commit counter (Db::data_version): other processes see
    // that this one committed. Under the school's lock, so counted in order.
    std::int64_t n = 0;
    {
      auto s = db_->cached("INSERT INTO meta(key, value) VALUES('commits', '1') ON CONFLICT(key) "
                           "DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT) RETURNING value");
      s->step();
      n = std::stoll(s->text(0));
    }
    if (n != db_->pg_seen_ + 1) ++db_->pg_others_;  // others committed since we last looked
    db_->pg_seen_ = n;
  }
  pg_->commit();
}

}  // namespace sodiem::store
