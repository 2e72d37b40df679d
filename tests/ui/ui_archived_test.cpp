// `sodiem ui` on a closed school year's copy (DATA/years/<year>, read-only:
// LocalStore::archived_year): the background agent never tries to sync —
// not on start, not periodically, not when asked — so the page has no
// refusal to repeat; the session names the year once, "sync now" is
// refused calmly. The agent alone with fast timing, then the real binaries.
#include <atomic>
#include <optional>

#include "loopback_school.hpp"
#include "sodiem/client/local_store.hpp"
#include "sync_agent.hpp"
#include "ui_harness.hpp"

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
