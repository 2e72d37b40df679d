// In-process end-to-end sync: real LocalStores and a real SyncService on real
// SQLite files, joined by the loopback transport (with cut injection).
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "loopback_transport.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "sodiem/protocol/codec.hpp"
#include "sodiem/server/corrections.hpp"
#include "sodiem/server/history.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/sync_service.hpp"
#include "server_store.hpp"
#include "test_school.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using client::LocalStore;
using client::SyncEngine;

namespace {

struct Fixture {
  TempDir tmp;
  DemoServer demo = make_demo_server(tmp / "server");
  std::unique_ptr<server::SyncService> service =
      std::make_unique<server::SyncService>(server::DataPaths{demo.dir}.db(), SystemClock::instance());

  std::unique_ptr<LocalStore> enroll(const std::string& name, const std::string& user) {
    auto store = std::make_unique<LocalStore>(tmp / name);
    LoopbackTransport t(*service);
    client::Endpoint ep{"wss://loopback", demo.fingerprint};
    auto st = client::enroll(*store, t, ep, user, demo.password_of(user), name);
    REQUIRE(st.is_ok());
    return store;
  }

  client::SyncOptions fast_options() {
    client::SyncOptions o;
    o.backoff_initial = std::chrono::milliseconds(1);
    o.backoff_max = std::chrono::milliseconds(5);
    o.reply_timeout = std::chrono::milliseconds(5000);
    return o;
  }

  client::SyncReport sync(LocalStore& store) {
    SyncEngine engine(store, [this] { return std::make_unique<LoopbackTransport>(*service); }, fast_options());
    auto r = engine.sync();
    REQUIRE(r.is_ok());
    return *r;
  }

  // A second connection to the server's database, for checking what is stored.
  std::unique_ptr<store::Db> server_db() { return server::open_server_db(server::DataPaths{demo.dir}.db()); }
};

// A device's session spoken one message at a time (hello already sent), for
// tests that look at single pushes and their acks.
struct RawSession {
  LoopbackTransport t;
  RawSession(server::SyncService& service, LocalStore& store) : t(service) {
    REQUIRE(t.connect().is_ok());
    auto e = store.enrollment();
    REQUIRE(e.has_value());
    request(protocol::Hello{protocol::kProtocolVersion, protocol::kSchemaVersion, e->device_id, e->token});
  }
  protocol::Message request(const protocol::Message& m) {
    REQUIRE(t.send(protocol::encode(m)).is_ok());
    auto bytes = t.receive(std::chrono::seconds(5));
    REQUIRE(bytes.is_ok());
    auto d = protocol::decode(*bytes);
    REQUIRE(d.message.has_value());
    return *d.message;
  }
};

std::int64_t scalar(store::Db& db, const std::string& sql) {
  auto s = db.prepare(sql);
  REQUIRE(s.step());
  return s.int64(0);
}

void record_ok(LocalStore& s, const std::string& cls, const std::string& subj, const std::string& st,
               const std::string& col, const std::string& value) {
  auto r = s.record({cls, subj, st, col}, value);
  INFO(r.status().message());
  REQUIRE(r.is_ok());
}

// "CODE.COLUMN=VALUE;" for every cell, in code order (show lists by name).
std::string cells_of(LocalStore& s, const std::string& cls, const std::string& subj) {
  std::map<std::string, std::string> cells;
  for (const auto& st : s.show(cls, subj))
    for (const auto& [col, v] : st.cells) cells[st.code + "." + col] = v;
  std::string out;
  for (const auto& [key, v] : cells) out += key + "=" + v + ";";
  return out;
}

}  // namespace

TEST_CASE("two devices edit offline, sync and converge, a concurrent edit is kept as a conflict", "[e2e]") {
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  auto b = f.enroll("home-pc", "gv.toan.1");

  for (int i = 1; i <= 5; ++i) record_ok(*a, "6A", "Toán", "HS6A0" + std::to_string(i), "HK1.TX1", "7");
  for (int i = 6; i <= 9; ++i) record_ok(*b, "6A", "Toán", "HS6A0" + std::to_string(i), "HK1.TX1", "8.5");
  record_ok(*a, "6A", "Toán", "HS6A01", "HK1.GK", "9");  // concurrent, different values
  record_ok(*b, "6A", "Toán", "HS6A01", "HK1.GK", "6");
  record_ok(*a, "6A", "Toán", "HS6A02", "HK1.CK", "5");  // concurrent, same value
  record_ok(*b, "6A", "Toán", "HS6A02", "HK1.CK", "5");
  record_ok(*a, "6A", "Toán", "HS6A03", "HK1.CK", "4");  // typed twice offline: last one stands
  record_ok(*a, "6A", "Toán", "HS6A03", "HK1.CK", "4.5");

  auto ra = f.sync(*a);
  CHECK(ra.pushed == 9);
  CHECK(ra.conflicts == 0);
  auto rb = f.sync(*b);
  CHECK(rb.pushed == 6);
  CHECK(rb.conflicts == 1);
  f.sync(*a);

  CHECK(cells_of(*a, "6A", "Toán") == cells_of(*b, "6A", "Toán"));
  CHECK_THAT(cells_of(*a, "6A", "Toán"), Catch::Contains("HS6A01.HK1.GK=9;"));
  CHECK_THAT(cells_of(*a, "6A", "Toán"), Catch::Contains("HS6A03.HK1.CK=4.5;"));
  // Both sides report the conflict; the losing value is kept, not lost.
  CHECK(a->status().conflicts == 1);
  CHECK(b->status().conflicts == 1);
  auto conflicts = b->conflicts("6A", "Toán");
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0].mine == "6");
  CHECK(conflicts[0].current == "9");
  auto db = f.server_db();
  CHECK(scalar(*db, "SELECT COUNT(*) FROM changes WHERE kind = 1 AND value = '6'") == 1);
  CHECK(a->status().pending == 0);
  CHECK(b->status().pending == 0);
}

TEST_CASE("pending ops are cut into batches by count and by bytes, never empty, in seq order", "[client]") {
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  for (int i = 1; i <= 9; ++i) record_ok(*a, "6A", "Toán", "HS6A0" + std::to_string(i), "HK1.TX1", "7");
  const auto all = a->pending_ops(0, 100, 1 << 20);
  REQUIRE(all.size() == 9);
  const auto size_of = [](const protocol::Op& op) {
    return 32 + op.note.size() + op.cell.class_name.size() + op.cell.subject.size() + op.cell.student_code.size() +
           op.cell.column.size() + op.value.size();
  };
  // A budget of three ops and a half: three come back, the fourth starts the next batch.
  const std::size_t budget = size_of(all[0]) * 7 / 2;
  const auto first = a->pending_ops(0, 100, budget);
  REQUIRE(first.size() == 3);
  const auto next = a->pending_ops(first.back().seq, 100, budget);
  REQUIRE(next.size() == 3);
  CHECK(next.front().seq == all[3].seq);
  CHECK(next.front().cell.student_code == "HS6A04");
  CHECK(next.front().value == "7");
  // One op over the budget still goes alone; the count limit holds too.
  CHECK(a->pending_ops(0, 100, 1).size() == 1);
  CHECK(a->pending_ops(0, 4, 1 << 20).size() == 4);
  CHECK(a->pending_ops(all.back().seq, 100, 1 << 20).empty());
}

TEST_CASE("a push read straight from the outbox decodes to the same ops as pending_ops, batch by batch", "[client]") {
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  for (int i = 1; i <= 9; ++i) record_ok(*a, "6A", "Toán", "HS6A0" + std::to_string(i), "HK1.TX1", i % 2 ? "7" : "");
  REQUIRE(a->request_correction({"6A", "Toán", "HS6A01", "HK1.TX1"}, "9", "nhập nhầm cột").is_ok());
  record_ok(*a, "6A", "Toán", "HS6A02", "HK1.GK", "8.5");
  const auto all = a->pending_ops(0, 100, 1 << 20);
  REQUIRE(all.size() == 11);
  REQUIRE(all[9].kind == protocol::OpKind::kCorrectionRequest);
  // Cut by count, by bytes, and all at once: the same batches either way.
  for (auto [max_ops, max_bytes] : {std::pair<std::size_t, std::size_t>{100, 1 << 20}, {4, 1 << 20}, {100, 150}, {100, 1}}) {
    std::uint64_t after = 0, batch = 7;
    std::size_t seen = 0;
    for (;;) {
      const auto ops = a->pending_ops(after, max_ops, max_bytes);
      const auto push = a->pending_push(batch, after, max_ops, max_bytes);
      REQUIRE(push.ops == ops.size());
      if (ops.empty()) {
        CHECK(push.message.empty());
        break;
      }
      CHECK(push.last_seq == ops.back().seq);
      CHECK(push.message == protocol::encode(protocol::Push{batch, ops}));
      const auto decoded = protocol::decode(push.message);
      REQUIRE(decoded.message.has_value());
      const auto* p = std::get_if<protocol::Push>(&*decoded.message);
      REQUIRE(p != nullptr);
      CHECK(p->batch_id == batch);
      CHECK(p->ops == ops);
      seen += ops.size();
      after = push.last_seq;
      ++batch;
    }
    CHECK(seen == all.size());
  }
}

TEST_CASE("a push mixing accepted ops and a conflict gives every op its own version in the log", "[e2e]") {
  // Accepted ops' log rows are written many to a statement with versions
  // given in advance; the conflict's row in between must not take one of them.
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  auto b = f.enroll("home-pc", "gv.toan.1");
  record_ok(*a, "6A", "Toán", "HS6A01", "HK1.GK", "9");
  f.sync(*a);
  const char* cols[] = {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4", "HK1.CK"};
  for (int i = 0; i < 40; ++i)  // more than one statement's worth, before the conflict
    record_ok(*b, "6A", "Toán", "HS6A" + std::string(i / 5 < 9 ? "0" : "") + std::to_string(i / 5 + 1), cols[i % 5],
              std::to_string(i % 10));
  record_ok(*b, "6A", "Toán", "HS6A01", "HK1.GK", "6");  // concurrent with a's 9
  for (int i = 0; i < 5; ++i) record_ok(*b, "6A", "Toán", "HS6A10", cols[i], "5");
  auto ops = b->pending_ops(0, 100, 1 << 20);
  REQUIRE(ops.size() == 46);

  RawSession session(*f.service, *b);
  auto reply = session.request(protocol::Push{1, ops});
  REQUIRE(std::holds_alternative<protocol::Ack>(reply));
  const auto& ack = std::get<protocol::Ack>(reply);
  REQUIRE(ack.outcomes.size() == 1);
  CHECK(ack.outcomes[0].code == ErrorCode::kConflict);
  CHECK(ack.outcomes[0].seq == ops[40].seq);

  // Each accepted op's version is the log row holding that op's seq and value.
  auto db = f.server_db();
  std::map<std::uint64_t, std::string> value_of;
  for (const auto& op : ops) value_of[op.seq] = op.value;
  std::set<std::uint64_t> versions;
  for (const auto& run : ack.accepted)
    for (std::uint64_t k = 0; k < run.count; ++k) {
      auto row = db->prepare("SELECT seq, value, kind FROM changes WHERE version = ?");
      row.bind(1, run.first_version + k);
      REQUIRE(row.step());
      CHECK(static_cast<std::uint64_t>(row.int64(0)) == run.first_seq + k);
      CHECK(row.text(1) == value_of[run.first_seq + k]);
      CHECK(row.int64(2) == 0);
      versions.insert(run.first_version + k);
    }
  CHECK(versions.size() == 45);
  CHECK(scalar(*db, "SELECT COUNT(*) FROM changes WHERE kind = 1 AND value = '6'") == 1);
  CHECK(scalar(*db, "SELECT COUNT(*) FROM changes") == 47);  // a's one, b's 45 and the conflict
}

TEST_CASE("a cell written several times in one push keeps its last value and version, new or not", "[e2e]") {
  // On PostgreSQL the push's cells go in one upsert, which may not touch a
  // row twice: each cell is written once there, with its last write.
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  record_ok(*a, "6A", "Toán", "HS6A03", "HK1.TX2", "4");
  f.sync(*a);  // HS6A03 exists before the push, HS6A02 does not
  const char* first[] = {"5", "6", "7.5"};
  const char* second[] = {"8", "9", "2.5"};
  for (int i = 0; i < 3; ++i) {
    record_ok(*a, "6A", "Toán", "HS6A02", "HK1.TX1", first[i]);
    record_ok(*a, "6A", "Toán", "HS6A03", "HK1.TX2", second[i]);
    record_ok(*a, "6A", "Toán", "HS6A04", "HK1.GK", first[i]);
  }
  auto ops = a->pending_ops(0, 100, 1 << 20);
  REQUIRE(ops.size() == 9);
  RawSession session(*f.service, *a);
  auto reply = session.request(protocol::Push{1, ops});
  REQUIRE(std::holds_alternative<protocol::Ack>(reply));
  REQUIRE(std::get<protocol::Ack>(reply).outcomes.empty());
  auto db = f.server_db();
  auto cell = [&](const char* student, const char* col) {
    auto q = db->prepare("SELECT c.value, c.version, (SELECT MAX(version) FROM changes) FROM cells c "
                         "JOIN students s ON s.id = c.student_id WHERE s.code = ? AND c.col = ?");
    q.bind(1, student).bind(2, col);
    REQUIRE(q.step());
    std::string v = q.text(0) + "@" + std::to_string(q.int64(1));
    const std::int64_t last = q.int64(2);
    CHECK_FALSE(q.step());
    return std::make_pair(v, last);
  };
  const auto [v2, last] = cell("HS6A02", "HK1.TX1");
  CHECK(v2 == "7.5@" + std::to_string(last - 2));
  CHECK(cell("HS6A03", "HK1.TX2").first == "2.5@" + std::to_string(last - 1));
  CHECK(cell("HS6A04", "HK1.GK").first == "7.5@" + std::to_string(last));
  CHECK(scalar(*db, "SELECT COUNT(*) FROM changes") == 10);
  CHECK(scalar(*db, "SELECT MIN(version) FROM changes") == last - 9);
}

TEST_CASE("a cell deleted behind the ingest's memory takes the next write again, never loses it", "[e2e]") {
  // The ingest remembers the cells it has read; on PostgreSQL a remembered
  // cell is updated by its id. A row deleted by an outsider (a commit the
  // server does not count) must not swallow the next write: that push is
  // refused, and its resend, with the memory dropped, inserts the cell.
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  record_ok(*a, "6A", "Toán", "HS6A05", "HK1.TX1", "4");
  f.sync(*a);
  record_ok(*a, "6A", "Toán", "HS6A05", "HK1.TX1", "9");
  auto ops = a->pending_ops(0, 100, 1 << 20);
  REQUIRE(ops.size() == 1);
  const char* stored = "SELECT COUNT(*) FROM cells c JOIN students s ON s.id = c.student_id "
                       "WHERE s.code = 'HS6A05' AND c.col = 'HK1.TX1' AND c.value = '9'";
  {
    auto db = f.server_db();
    db->exec("DELETE FROM cells WHERE col = 'HK1.TX1' AND student_id = (SELECT id FROM students WHERE code = 'HS6A05')");
  }
  RawSession session(*f.service, *a);
  auto reply = session.request(protocol::Push{1, ops});
  if (!pg_owner_url().empty()) {
    // PostgreSQL: the update found no row; nothing of the push is kept.
    REQUIRE(std::holds_alternative<protocol::Error>(reply));
    CHECK(scalar(*f.server_db(), stored) == 0);
    RawSession again(*f.service, *a);  // the server closed that connection
    reply = again.request(protocol::Push{1, ops});
  }
  REQUIRE(std::holds_alternative<protocol::Ack>(reply));
  CHECK(std::get<protocol::Ack>(reply).outcomes.empty());
  CHECK(scalar(*f.server_db(), stored) == 1);
}

TEST_CASE("a push over several classes stores every op under its own class, student and column", "[e2e]") {
  // The full-size statements keep their bindings between runs and class and
  // subject are bound only when they change: a class change at any row of a
  // statement must still reach that row.
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  std::vector<std::string> classes;
  {
    auto s = a->db().prepare("SELECT class_name FROM assignments WHERE subject = 'Toán' ORDER BY class_name");
    while (s.step()) classes.push_back(s.text(0));
  }
  REQUIRE(classes.size() >= 3);
  const char* cols[] = {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.GK", "HK1.CK"};
  for (int i = 0; i < 230; ++i) {  // a class change every 23 ops: at a different row of each statement
    const std::string& cls = classes[(i / 23) % classes.size()];
    const int student = 1 + i % 23;
    record_ok(*a, cls, "Toán", "HS" + cls + (student < 10 ? "0" : "") + std::to_string(student), cols[i % 5],
              std::to_string(i % 11));
  }
  auto ops = a->pending_ops(0, 1000, 1 << 20);
  REQUIRE(ops.size() == 230);
  auto report = f.sync(*a);
  CHECK(report.pushed == 230);
  CHECK(report.rejected == 0);
  auto db = f.server_db();
  auto row = db->prepare(
      "SELECT c.name, s.name, st.code, ch.col, ch.value FROM changes ch JOIN classes c ON c.id = ch.class_id "
      "JOIN subjects s ON s.id = ch.subject_id JOIN students st ON st.id = ch.student_id WHERE ch.seq = ?");
  for (const auto& op : ops) {
    row.bind(1, static_cast<std::int64_t>(op.seq));
    REQUIRE(row.step());
    CHECK(row.text(0) == op.cell.class_name);
    CHECK(row.text(1) == op.cell.subject);
    CHECK(row.text(2) == op.cell.student_code);
    CHECK(row.text(3) == op.cell.column);
    CHECK(row.text(4) == op.value);
    row.reset();
  }
  // Every cell holds its last op's value, under its own key.
  CHECK(scalar(*db, "SELECT COUNT(*) FROM cells") == 230);
  CHECK(scalar(*db, "SELECT COUNT(*) FROM cells c JOIN changes ch ON ch.version = c.version WHERE "
                    "ch.class_id = c.class_id AND ch.subject_id = c.subject_id AND ch.student_id = c.student_id AND "
                    "ch.col = c.col AND ch.value = c.value") == 230);
}

TEST_CASE("a cell another process changes while the server runs is read again before the next push", "[e2e]") {
  // The server remembers cells between pushes; an approval by the server CLI
  // (another connection) must not be overwritten by an edit based on the old
  // version.
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  record_ok(*a, "6A", "Toán", "HS6A01", "HK1.TX1", "7");
  REQUIRE(a->request_correction({"6A", "Toán", "HS6A01", "HK1.TX1"}, "9", "nhập nhầm").is_ok());
  f.sync(*a);
  record_ok(*a, "6A", "Toán", "HS6A01", "HK1.TX1", "8");  // offline, based on the version of "7"
  {
    auto db = f.server_db();
    const auto id = scalar(*db, "SELECT MAX(id) FROM corrections");
    auto approved = server::approve_correction(*db, id, "hieutruong", "đồng ý", SystemClock::instance().now_unix_seconds());
    INFO(approved.status().message());
    REQUIRE(approved.is_ok());
  }
  auto r = f.sync(*a);
  CHECK(r.conflicts == 1);
  auto db = f.server_db();
  auto s = db->prepare("SELECT value FROM cells c JOIN students st ON st.id = c.student_id "
                       "WHERE st.code = 'HS6A01' AND c.col = 'HK1.TX1'");
  REQUIRE(s.step());
  CHECK(s.text(0) == "9");
  CHECK(scalar(*db, "SELECT COUNT(*) FROM changes WHERE kind = 1 AND value = '8'") == 1);
}

TEST_CASE("the same batch replayed changes nothing and returns the stored outcomes", "[e2e]") {
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  for (int i = 1; i <= 9; ++i) record_ok(*a, "6A", "Toán", "HS6A0" + std::to_string(i), "HK1.TX2", "6");
  auto ops = a->pending_ops(0, 100, 1 << 20);
  // Ops the server must refuse: unknown class, a class not taught, mark 11.
  std::uint64_t seq = ops.back().seq;
  ops.push_back({++seq, {"7Z", "Toán", "HS6A01", "HK1.TX1"}, "8", 0, 0});
  ops.push_back({++seq, {"6A", "Ngữ văn", "HS6A01", "HK1.TX1"}, "8", 0, 0});
  ops.push_back({++seq, {"6A", "Toán", "HS6A01", "HK1.TX1"}, "11", 0, 0});
  ops.push_back({++seq, {"6A", "Toán", "HS6A02", "HK1.TX1"}, "9", 0, 0});  // after refusals: still applied

  RawSession session(*f.service, *a);
  auto first = std::get<protocol::Ack>(session.request(protocol::Push{1, ops}));
  auto db = f.server_db();
  const auto changes_before = scalar(*db, "SELECT COUNT(*) FROM changes");
  auto again = std::get<protocol::Ack>(session.request(protocol::Push{2, ops}));

  CHECK(scalar(*db, "SELECT COUNT(*) FROM changes") == changes_before);
  CHECK(again.accepted == first.accepted);
  CHECK(again.outcomes.size() == first.outcomes.size());
  REQUIRE(first.outcomes.size() == 3);
  CHECK(first.outcomes[0].code == ErrorCode::kInvalidValue);
  CHECK(first.outcomes[1].code == ErrorCode::kForbidden);
  CHECK_THAT(first.outcomes[1].reason, Catch::Contains("không được phân công"));
  CHECK(first.outcomes[2].code == ErrorCode::kInvalidValue);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(again.outcomes[i].code == first.outcomes[i].code);
    CHECK(again.outcomes[i].reason == first.outcomes[i].reason);
  }
  std::uint64_t accepted = 0;
  for (const auto& r : first.accepted) accepted += r.count;
  CHECK(accepted == 10);  // 9 recorded + the one behind the refusals
}

TEST_CASE("connections cut at random points mid-batch resume with nothing lost or duplicated", "[e2e][fault]") {
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  std::mt19937 rng(1234);
  const char* cols[] = {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4", "HK1.GK", "HK1.CK"};
  const int kOps = 3000;
  for (int i = 0; i < kOps; ++i) {
    char code[16];
    std::snprintf(code, sizeof code, "HS6A%02d", 1 + static_cast<int>(rng() % 40));
    record_ok(*a, "6A", "Toán", code, cols[rng() % 6], std::to_string(rng() % 11));
  }
  auto options = f.fast_options();
  options.batch_ops = 13;  // many batches, so most cuts land mid-push
  options.window = 3;
  options.reply_timeout = std::chrono::milliseconds(3000);
  SyncEngine engine(*a, nullptr, options);
  int cuts = 0;
  bool done = false;
  for (int round = 0; round < 300 && !done; ++round) {
    CutPlan plan;
    if (round < 60) {
      if (rng() % 2) plan.before_send = 1 + static_cast<int>(rng() % 12);
      else plan.after_receive = static_cast<int>(rng() % 12);
    }
    LoopbackTransport t(*f.service, plan);
    client::SyncReport report;
    auto st = engine.sync_round(t, report);
    if (t.was_cut()) ++cuts;
    done = st.is_ok();
  }
  REQUIRE(done);
  CHECK(cuts > 20);
  CHECK(a->status().pending == 0);

  auto db = f.server_db();
  // Every op has exactly one outcome: a version or a stored refusal/no-op.
  CHECK(scalar(*db, "SELECT COUNT(*) FROM changes") == scalar(*db, "SELECT COUNT(DISTINCT seq) FROM changes"));
  CHECK(scalar(*db, "SELECT COUNT(*) FROM (SELECT seq FROM changes UNION SELECT seq FROM op_outcomes) AS applied") == kOps);
  CHECK(scalar(*db, "SELECT MAX(high_seq) FROM devices") == kOps);
  // What the server holds is what the teacher sees.
  std::string server_cells;
  auto s = db->prepare(
      "SELECT st.code, c.col, c.value FROM cells c JOIN students st ON st.id = c.student_id ORDER BY st.code, c.col");
  while (s.step()) server_cells += s.text(0) + "." + s.text(1) + "=" + s.text(2) + ";";
  CHECK(server_cells == cells_of(*a, "6A", "Toán"));
}

TEST_CASE("a server restored from an older backup gets back what it lost", "[e2e][fault][sqlite]") {
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  record_ok(*a, "6A", "Toán", "HS6A01", "HK1.TX1", "5");
  f.sync(*a);
  const auto db_path = server::DataPaths{f.demo.dir}.db();
  f.service.reset();
  std::filesystem::copy_file(db_path, f.tmp / "backup.db");
  f.service = std::make_unique<server::SyncService>(db_path, SystemClock::instance());
  record_ok(*a, "6A", "Toán", "HS6A02", "HK1.TX1", "6");
  record_ok(*a, "6A", "Toán", "HS6A03", "HK1.TX1", "7");
  f.sync(*a);
  // Disaster: the server goes back to the backup, losing the last two ops.
  f.service.reset();
  std::filesystem::remove(db_path + "-wal");
  std::filesystem::remove(db_path + "-shm");
  std::filesystem::copy_file(f.tmp / "backup.db", db_path, std::filesystem::copy_options::overwrite_existing);
  f.service = std::make_unique<server::SyncService>(db_path, SystemClock::instance());
  f.sync(*a);
  auto db = f.server_db();
  CHECK(scalar(*db, "SELECT COUNT(*) FROM cells") == 3);
  CHECK(scalar(*db, "SELECT high_seq FROM devices") == 3);
}

TEST_CASE("a client that lost its acks (relaxed commits) gets the same outcomes again, nothing twice", "[e2e][fault]") {
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  auto b = f.enroll("home", "gv.toan.1");
  record_ok(*b, "6A", "Toán", "HS6A05", "HK1.GK", "9");
  f.sync(*b);
  for (int i = 1; i <= 9; ++i) record_ok(*a, "6A", "Toán", "HS6A0" + std::to_string(i), "HK1.TX1", "7");
  record_ok(*a, "6A", "Toán", "HS6A05", "HK1.GK", "6");  // concurrent with the other device: a conflict
  // Snapshot of the client as it was before this sync: as if the acks'
  // commits never reached the disk (the power failed right after).
  a->db().exec("VACUUM INTO '" + (f.tmp / "before-acks.db") + "'");
  f.sync(*a);
  auto db = f.server_db();
  const auto changes = scalar(*db, "SELECT COUNT(*) FROM changes");
  const auto conflicts_before = a->status().conflicts;
  REQUIRE(conflicts_before == 1);
  a.reset();
  const std::string dir = f.tmp / "laptop";
  std::filesystem::remove(dir + "/client.db-wal");
  std::filesystem::remove(dir + "/client.db-shm");
  std::filesystem::copy_file(f.tmp / "before-acks.db", dir + "/client.db", std::filesystem::copy_options::overwrite_existing);
  a = std::make_unique<LocalStore>(dir);
  REQUIRE(a->status().pending == 10);
  auto again = f.sync(*a);
  CHECK(again.pushed == 10);  // resent, answered from what the server stored
  CHECK(scalar(*db, "SELECT COUNT(*) FROM changes") == changes);
  CHECK(a->status().pending == 0);
  CHECK(a->status().conflicts == conflicts_before);
  f.sync(*b);
  CHECK(cells_of(*a, "6A", "Toán") == cells_of(*b, "6A", "Toán"));
}

TEST_CASE("bad frames get a clear error and leave stored data untouched", "[e2e][fault]") {
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  record_ok(*a, "6A", "Toán", "HS6A01", "HK1.TX1", "5");
  f.sync(*a);
  auto db = f.server_db();
  const auto before = scalar(*db, "SELECT COUNT(*) FROM changes");
  auto error_for = [&](const std::vector<std::string>& frames) {
    LoopbackTransport t(*f.service);
    REQUIRE(t.connect().is_ok());
    for (const auto& fr : frames) REQUIRE(t.send(fr).is_ok());
    protocol::Error last{};
    for (;;) {
      auto bytes = t.receive(std::chrono::seconds(5));
      if (!bytes) break;
      auto d = protocol::decode(*bytes);
      REQUIRE(d.message.has_value());
      if (auto* e = std::get_if<protocol::Error>(&*d.message)) last = *e;
    }
    return last;
  };
  CHECK(error_for({std::string("\x01\x02garbage")}).code == ErrorCode::kMalformed);
  auto e = a->enrollment();
  protocol::Push push{1, {{1, {"6A", "Toán", "HS6A09", "HK1.TX1"}, "8", 0, 0}}};
  CHECK(error_for({protocol::encode(push)}).code == ErrorCode::kUnauthenticated);  // push before hello
  protocol::Hello wrong{protocol::kProtocolVersion, protocol::kSchemaVersion, e->device_id, "not-the-token"};
  CHECK(error_for({protocol::encode(wrong)}).code == ErrorCode::kUnauthenticated);
  protocol::Hello hello{protocol::kProtocolVersion, protocol::kSchemaVersion, e->device_id, e->token};
  protocol::Push gap{2, {{5, {"6A", "Toán", "HS6A09", "HK1.TX1"}, "8", 0, 0}}};  // high_seq is 1: gap
  auto gap_error = error_for({protocol::encode(hello), protocol::encode(gap)});
  CHECK(gap_error.code == ErrorCode::kMalformed);
  CHECK_THAT(gap_error.message, Catch::Contains("gap"));
  protocol::Hello old{protocol::kProtocolVersion + 1, protocol::kSchemaVersion, e->device_id, e->token};
  CHECK(error_for({protocol::encode(old)}).code == ErrorCode::kVersionMismatch);
  CHECK(scalar(*db, "SELECT COUNT(*) FROM changes") == before);
  CHECK(scalar(*db, "SELECT high_seq FROM devices") == 1);
}

TEST_CASE("a conflict is listed to both authors and resolved with a new version that names it", "[e2e]") {
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  auto b = f.enroll("home-pc", "gv.toan.1");
  record_ok(*a, "6A", "Toán", "HS6A04", "HK1.GK", "9");
  record_ok(*b, "6A", "Toán", "HS6A04", "HK1.GK", "6");
  f.sync(*a);
  f.sync(*b);
  f.sync(*a);
  REQUIRE(a->my_conflicts().size() == 1);
  REQUIRE(b->my_conflicts().size() == 1);
  CHECK(a->my_conflicts()[0].other == "6");
  CHECK_FALSE(a->resolve_conflict({"6A", "Toán", "HS6A05", "HK1.GK"}, "7", "").is_ok());  // no conflict there

  auto r = b->resolve_conflict({"6A", "Toán", "HS6A04", "HK1.GK"}, "7.5", "Đã đối chiếu bài kiểm tra");
  REQUIRE(r.is_ok());
  auto rb = f.sync(*b);
  CHECK(rb.rejected == 0);
  CHECK(rb.conflicts == 0);
  CHECK(b->my_conflicts().empty());
  f.sync(*a);
  CHECK(a->my_conflicts().empty());
  CHECK(cells_of(*a, "6A", "Toán") == cells_of(*b, "6A", "Toán"));
  CHECK_THAT(cells_of(*a, "6A", "Toán"), Catch::Contains("HS6A04.HK1.GK=7.5;"));
  auto db = f.server_db();
  CHECK(scalar(*db, "SELECT COUNT(*) FROM changes WHERE kind = 1 AND resolved_by_version IS NULL") == 0);
  CHECK(scalar(*db, "SELECT COUNT(*) FROM changes WHERE kind = 2") == 1);
  // The cell's history: 9, then 6 kept aside as a conflict, then 7.5 that resolved it.
  auto history = server::cell_history(*db, "6A", "Toán", "HS6A04", "HK1.GK");
  REQUIRE(history.is_ok());
  std::string story;
  for (const auto& e : *history) story += e.outcome + ":" + e.old_value + ">" + e.new_value + ";";
  CHECK(story == "OK:>9;CONFLICT:9>6;OK:9>7.5;RESOLVED:7.5>7.5;");
  // A second resolution of the same (now closed) conflict is refused by the server.
  auto& raw = b->db();
  raw.prepare("INSERT INTO conflicts(class_name, subject, student_code, col, mine, current_value, current_author, "
              "other_value, other_author, at, mine_involved) VALUES('6A', 'Toán', 'HS6A04', 'HK1.GK', '', '', '', '', '', 0, 1)")
      .run();
  REQUIRE(b->resolve_conflict({"6A", "Toán", "HS6A04", "HK1.GK"}, "8", "").is_ok());
  CHECK(f.sync(*b).rejected == 1);
}

TEST_CASE("a push's audit entry is valid JSON listing every op with its outcome", "[e2e]") {
  Fixture f;
  auto a = f.enroll("laptop", "gv.toan.1");
  record_ok(*a, "6A", "Toán", "HS6A01", "HK1.TX1", "8");
  record_ok(*a, "6A", "Toán", "HS6A02", "HK1.NX", "Cần cố gắng \"hơn\"\nnữa");
  const std::string long_comment(600, 'a');  // longer than the one-append row
  record_ok(*a, "6A", "Toán", "HS6A04", "HK1.NX", long_comment);
  auto& raw = a->db();
  raw.prepare("INSERT INTO outbox(seq, class_name, subject, student_code, col, value, base_version, recorded_at) "
              "VALUES(4, '6A', 'Toán', 'HS6A03', 'HK1.TX1', '11', 0, 0)").run();
  f.sync(*a);
  auto db = f.server_db();
  auto q = db->prepare("SELECT detail FROM audit_log WHERE kind = 'push'");
  REQUIRE(q.step());
  auto detail = nlohmann::json::parse(q.text(0));
  // The three accepted ops are one run (consecutive seqs and versions in 6A · Toán).
  REQUIRE(detail["runs"].size() == 1);
  const auto& run = detail["runs"][0];
  REQUIRE(run.size() == 5);
  CHECK(run[0] == "6A");
  CHECK(run[1] == "Toán");
  CHECK(run[2] == 1);
  const auto first_version = run[3].get<std::int64_t>();
  CHECK(scalar(*db, "SELECT version FROM changes WHERE seq = 1") == first_version);
  REQUIRE(run[4].size() == 3);
  CHECK(run[4][0] == nlohmann::json::array({"HS6A01", "HK1.TX1", "8"}));
  CHECK(run[4][1] == nlohmann::json::array({"HS6A02", "HK1.NX", "Cần cố gắng \"hơn\"\nnữa"}));
  CHECK(run[4][2] == nlohmann::json::array({"HS6A04", "HK1.NX", long_comment}));
  // The refused one is a row of its own, with its code.
  REQUIRE(detail["ops"].size() == 1);
  CHECK(detail["ops"][0] == nlohmann::json::array({4, "INVALID_VALUE", 0, "6A", "Toán", "HS6A03", "HK1.TX1", "11"}));
}
