// `sodiem ui` on a closed school year's copy (DATA/years/<year>, read-only:
// LocalStore::archived_year): the background agent never tries to sync —
// not on start, not periodically, not when asked — so the page has no
// refusal to repeat; the session names the year once, "sync now" is
// refused calmly. The agent alone with fast timing, then the real binaries.
// The server's refusals and lock notices, read on the copy, say that it is a
// read-only copy instead of asking for a correction it cannot send; its sign
// view lists no cells to fill.
#include <atomic>
#include <optional>

#include "loopback_school.hpp"
#include "sodiem/client/cell_states.hpp"
#include "sodiem/client/local_store.hpp"
#include "sodiem/server/locks.hpp"
#include "sync_agent.hpp"
#include "ui_harness.hpp"
#include "ui_views.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::ui_harness;
using nlohmann::json;

namespace {

client::ui::AgentTiming fast() {
  client::ui::AgentTiming t;
  t.debounce = t.debounce_max = t.period = t.backoff_initial = t.backoff_max = std::chrono::milliseconds(20);
  return t;
}

// Asks `agent` to sync, again and again, for about a second; its snapshot then.
client::ui::SyncAgent::Snapshot pressed(client::ui::SyncAgent& agent) {
  for (int i = 0; i < 20; ++i) {
    agent.sync_now();
    agent.local_change();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return agent.snapshot();
}

}  // namespace

TEST_CASE("ui agent: on a closed year's copy it never syncs, however often asked", "[ui]") {
  LoopbackSchool school;
  school.sync("gv.toan.1");
  auto& live = school.device("gv.toan.1");
  const std::string year = live.school_year();
  REQUIRE_FALSE(year.empty());
  live.enter_school_year("2099-2100");
  const std::string copy = school.tmp / ("device-gv.toan.1/years/" + year);
  {
    client::ui::SyncAgent agent(copy, fast());
    agent.start();
    const auto snap = pressed(agent);
    CHECK(snap.archived_year == year);
    CHECK_FALSE(snap.online.has_value());  // no attempt, hence no refusal to show
    CHECK(snap.last_error.empty());
    CHECK_FALSE(snap.syncing);
    // A job's sync (sign, password) is refused before anything is tried.
    std::optional<Status> job;
    std::atomic<bool> done{false};
    agent.post([&](client::LocalStore&, const std::function<Status()>& sync_now) {
      job = sync_now();
      done = true;
    });
    for (int i = 0; i < 100 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(done);
    CHECK(job->code() == ErrorCode::kForbidden);
    CHECK_THAT(job->message(), Catch::Contains("bản lưu của năm học " + year));
    CHECK_FALSE(agent.snapshot().online.has_value());
  }
  // The live store's agent, with the same timing, does try (the test can fail).
  client::ui::SyncAgent agent(school.tmp / "device-gv.toan.1", fast());
  agent.start();
  const auto snap = pressed(agent);
  CHECK(snap.archived_year.empty());
  CHECK(snap.online.has_value());
}

TEST_CASE("ui: a closed year's copy says its year once, never syncs, and refuses 'sync now' calmly", "[ui][e2e]") {
  School school;
  const auto dir = school.enroll("gv.toan.1");
  REQUIRE(run_command({kClient, "sync", "--data", dir}).exit_code == 0);
  std::string year;
  {
    client::LocalStore live(dir);
    year = live.school_year();
    REQUIRE_FALSE(year.empty());
    live.enter_school_year("2099-2100");
  }
  const std::string copy = dir + "/years/" + year;
  Ui ui(copy, school.tmp / "ui.log");
  CHECK(ui.get("/api/session").data()["archived_year"] == year);
  // Two seconds after the start (when a live store's first sync is done) and after "sync now": no attempt.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const auto sync = ui.post("/api/sync", "{}");
  CHECK(sync.status == 409);
  CHECK(sync.data()["code"] == "ARCHIVED");
  CHECK_THAT(sync.data()["error"].get<std::string>(), Catch::Contains("bản lưu của năm học " + year));
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const json status = ui.get("/api/status").data();
  INFO(status.dump());
  CHECK(status["online"].is_null());
  CHECK(status["last_error"] == "");
  CHECK(status["syncing"] == false);
  // The grid of that year is still there to read.
  CHECK(ui.get("/api/grid?class=6A&subject=To%C3%A1n").status == 200);
  // What would be signed, to read; never ready, the copy's refusal as the reason.
  const json sign = ui.get("/api/sign?class=6A&subject=To%C3%A1n&term=HK1").data();
  CHECK(sign["ready"] == false);
  CHECK(sign["read_only"] == true);
  CHECK_THAT(sign["error"].get<std::string>(), Catch::StartsWith("đây là bản lưu của năm học " + year));
}

TEST_CASE("ui: on a closed year's copy a refusal or a lock says it is a read-only copy, not 'ask for a correction'",
          "[ui]") {
  LoopbackSchool school;
  school.sync("gv.toan.1");
  auto& live = school.device("gv.toan.1");
  // The principal freezes HK1's CK and closes the entry of new HK1 GK marks (the server's own words follow).
  auto db = school.server_db();
  const auto now = school.clock.now_unix_seconds();
  for (const auto& [kind, column] : {std::pair{"frozen", "CK"}, std::pair{"entry_closed", "GK"}}) {
    server::Lock lock;
    lock.term = "HK1";
    lock.class_name = "6A";
    lock.column_kind = column;
    lock.kind = kind;
    lock.starts_at = now - 60;
    lock.reason = std::string("Chốt điểm ") + column;
    lock.set_by = "hieutruong";
    REQUIRE(server::add_lock(*db, lock, now).is_ok());
  }
  for (const char* column : {"HK1.CK", "HK1.GK"}) REQUIRE(live.record({"6A", "Toán", "HS6A05", column}, "9").is_ok());
  school.sync("gv.toan.1");
  const auto refused = live.refused();
  REQUIRE(refused.size() == 2);
  // On the live store the words are the server's, the correction request offered (the test can fail).
  for (const auto& r : refused) {
    CHECK_THAT(r.reason, Catch::Contains("hãy gửi yêu cầu điều chỉnh"));
    CHECK(client::reason_here(r.reason, live.closed_year_refusal()) == r.reason);
  }
  const auto subject = live.subject("Toán", "6A");
  REQUIRE(subject);
  CHECK_FALSE(client::ui::sign_view(live, "6A", *subject, "HK1", false)["missing"].empty());
  const std::string year = live.school_year();
  live.enter_school_year("2099-2100");
  client::LocalStore copy(school.tmp / ("device-gv.toan.1/years/" + year));
  const auto here = copy.closed_year_refusal();
  REQUIRE_FALSE(here.is_ok());
  // Each reason: what the server said up to its advice, then the copy's refusal.
  const auto said_on_copy = [&](const std::string& reason, const std::string& lock_reason) {
    INFO(reason);
    CHECK_THAT(reason, Catch::Contains(lock_reason));
    CHECK_THAT(reason, Catch::EndsWith(". Đ" + here.message().substr(std::string("đ").size()) + "."));
    CHECK_THAT(reason, Catch::Contains("Đây là bản lưu của năm học " + year));
    for (const char* action : {"điều chỉnh", "vẫn sửa được", ". ."})
      CHECK_THAT(reason, !Catch::Contains(action));
  };
  for (const auto& r : copy.refused()) {
    const auto shown = client::reason_here(r.reason, here);
    said_on_copy(shown, r.cell.column == "HK1.CK" ? "Chốt điểm CK" : "Chốt điểm GK");
    CHECK_THAT(shown, Catch::StartsWith(r.cell.column == "HK1.CK" ? "Sổ điểm đã khóa, không được thay đổi: khóa #"
                                                                : "Đã hết thời hạn nhập điểm mới: khóa #"));
  }
  // The grid of the copy: the refused cells and the locked columns' notices (every empty cell under them).
  const auto grid = client::ui::grid_view(copy, "6A", *subject);
  int locked = 0;
  for (const auto& column : grid["columns"])
    if (column.contains("lock")) {
      said_on_copy(column["lock"]["reason"].get<std::string>(), "Chốt điểm");
      ++locked;
    }
  CHECK(locked == 2);
  int cells = 0;
  for (const auto& st : grid["students"])
    for (const auto& [col, cell] : st["cells"].items())
      if (cell.contains("reason")) {
        said_on_copy(cell["reason"].get<std::string>(), "Chốt điểm");
        ++cells;
      }
  CHECK(cells > 2);
  // Nothing to type on a copy: its sign view lists no cells to fill, only why it signs nothing.
  const auto sign = client::ui::sign_view(copy, "6A", *subject, "HK1", false);
  CHECK(sign["missing"].empty());
  CHECK(sign["read_only"] == true);
  CHECK(sign["error"] == here.message());
}
