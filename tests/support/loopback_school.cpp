// See loopback_school.hpp.
#include "loopback_school.hpp"

#include <catch2/catch.hpp>

#include "sodiem/server/locks.hpp"

namespace sodiem::testing {

LoopbackSchool::LoopbackSchool(const Clock& c)
    : demo(make_demo_server(tmp / "server")),
      clock(c),
      service(std::make_unique<server::SyncService>(server::DataPaths{demo.dir}.db(), clock)) {}

LoopbackSchool::LoopbackSchool(const PlainInit& plain, const Clock& c)
    : demo(make_plain_server(tmp / "server", plain.school_name)),
      clock(c),
      service(std::make_unique<server::SyncService>(server::DataPaths{demo.dir}.db(), clock)) {}

client::LocalStore& LoopbackSchool::device(const std::string& user, const std::string& name) {
  const std::string key = name.empty() ? user : name;
  auto& d = devices_[key];
  if (!d) {
    d = std::make_unique<client::LocalStore>(tmp / ("device-" + key), clock);
    LoopbackTransport t(*service);
    const auto st = client::enroll(*d, t, {"wss://loopback", demo.fingerprint}, user, demo.password_of(user), key,
                                   demo.new_password_of(user));
    INFO(st.message());
    REQUIRE(st.is_ok());
  }
  return *d;
}

Result<client::SyncReport> LoopbackSchool::try_sync(const std::string& user) { return try_sync(device(user)); }

Result<client::SyncReport> LoopbackSchool::try_sync(client::LocalStore& store) {
  client::SyncOptions o;
  o.backoff_initial = std::chrono::milliseconds(1);
  o.backoff_max = std::chrono::milliseconds(5);
  o.reply_timeout = std::chrono::milliseconds(5000);
  client::SyncEngine engine(store, [this] { return std::make_unique<LoopbackTransport>(*service); }, o);
  return engine.sync();
}

bool LoopbackSchool::session(client::LocalStore& store, CutPlan plan) {
  client::SyncEngine engine(store, nullptr, {});
  LoopbackTransport t(*service, plan);
  client::SyncReport report;
  return engine.sync_round(t, report).is_ok();
}

client::SyncReport LoopbackSchool::sync(const std::string& user) {
  auto r = try_sync(user);
  INFO(r.status().message());
  REQUIRE(r.is_ok());
  return *r;
}

std::unique_ptr<store::Db> LoopbackSchool::server_db() const { return server::open_server_db(db_path()); }

std::int64_t LoopbackSchool::server_scalar(const std::string& sql) const {
  auto db = server_db();
  auto s = db->prepare(sql);
  REQUIRE(s.step());
  return s.int64(0);
}

std::int64_t LoopbackSchool::freeze(const std::string& by, const std::string& term, const std::string& column_kind) {
  server::Lock lock;
  lock.term = term;
  lock.column_kind = column_kind;
  lock.kind = "frozen";
  lock.starts_at = clock.now_unix_seconds();
  lock.reason = "khóa sổ " + term;
  lock.set_by = by;
  auto db = server_db();
  auto id = server::add_lock(*db, lock, clock.now_unix_seconds());
  REQUIRE(id.is_ok());
  return *id;
}

void LoopbackSchool::restart() {
  service.reset();
  service = std::make_unique<server::SyncService>(db_path(), clock);
}

std::int64_t queue_unchecked(client::LocalStore& store, const protocol::CellKey& cell, const std::string& value) {
  auto& db = store.db();
  auto s = db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox");
  s.step();
  const std::int64_t seq = s.int64(0);
  db.prepare("INSERT INTO outbox(seq, class_name, subject, student_code, col, value, base_version, recorded_at) "
             "VALUES(?, ?, ?, ?, ?, ?, 0, 0)")
      .bind(1, seq).bind(2, cell.class_name).bind(3, cell.subject).bind(4, cell.student_code).bind(5, cell.column)
      .bind(6, value).run();
  return seq;
}

std::string outcome_of(client::LocalStore& store, std::int64_t seq) {
  const std::string code = store.outcome(static_cast<std::uint64_t>(seq)).first;
  return code.empty() ? "PENDING" : code;
}

}  // namespace sodiem::testing
