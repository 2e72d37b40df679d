// The console's Nhật ký page over real TLS (console_audit.cpp): the audit
// trail searched by cell, person, kind, refusals and dates, newest first
// and in bounded pages, each row in Vietnamese with its cells' histories;
// the chain's verdict as `sodiem-server audit verify` gives it, tampering
// included; who may read it, and bad filters refused.
#include "console_school.hpp"
#include "sodiem/server/audit_search.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::console;

namespace {

// "dd/mm/yyyy HH:MM" (Vietnam time) of t → "yyyy-mm-dd".
std::string local_day(std::int64_t t) {
  const std::string s = format_local_time(t);
  return s.substr(6, 4) + "-" + s.substr(3, 2) + "-" + s.substr(0, 2);
}

bool names_cell(const json& row, const std::string& cls, const std::string& subject, const std::string& student,
                const std::string& column) {
  for (const auto& c : row["cells"])
    if (c["class"] == cls && c["subject"] == subject && c["student"] == student && (column.empty() || c["column"] == column))
      return true;
  return false;
}

}  // namespace

TEST_CASE("console: Nhật ký finds entries by cell, person, kind, refusal and date, newest first, in Vietnamese",
          "[e2e][console]") {
  ConsoleSchool c;
  c.file_correction();  // gv.toan.1: 7 in HS6A01 HK1.TX1, then asks for 9
  const auto ht = c.login("hieutruong");
  REQUIRE(c.post(ht, "/api/locks/add", {{"term", "HK1"}, {"class", "6A"}, {"subject", "Toán"}, {"kind", "frozen"},
                                        {"reason", "Chốt điểm giữa kì"}})
              .status == 200);
  // A late mark a minute after the lock: refused, and so audited.
  c.clock.advance(60);
  REQUIRE(c.school.device("gv.toan.1").record({"6A", "Toán", "HS6A01", "HK1.TX2"}, "5").is_ok());
  c.school.sync("gv.toan.1");

  const Answer all = c.get(ht, "/api/audit");
  INFO(all.body.dump());
  REQUIRE(all.status == 200);
  const auto entries = c.school.server_scalar("SELECT COUNT(*) FROM audit_log");
  CHECK(all.body["newest"] == c.school.server_scalar("SELECT MAX(seq) FROM audit_log"));
  REQUIRE(all.body["rows"].size() == static_cast<std::size_t>(std::min<std::int64_t>(entries, tuning::kAuditSearchPage)));
  CHECK(all.body["rows"][0]["seq"] == all.body["newest"]);
  for (std::size_t i = 1; i < all.body["rows"].size(); ++i)
    CHECK(all.body["rows"][i - 1]["seq"].get<std::int64_t>() > all.body["rows"][i]["seq"].get<std::int64_t>());

  // By cell: the teacher's push of HS6A01's mark, told in Vietnamese, its cell named.
  const Answer cell = c.get(ht, "/api/audit?class=6A&subject=To%C3%A1n&student=HS6A01&column=HK1.TX1");
  REQUIRE(cell.status == 200);
  REQUIRE_FALSE(cell.body["rows"].empty());
  bool push_seen = false;
  for (const auto& row : cell.body["rows"]) {
    CHECK(names_cell(row, "6A", "Toán", "HS6A01", "HK1.TX1"));
    if (row["kind"] == "push" && row["actor"] == "gv.toan.1") {
      push_seen = true;
      CHECK(row["label"] == "Gửi điểm từ máy");
      CHECK_THAT(row["text"].get<std::string>(), Catch::Contains("điểm được nhận"));
    }
  }
  CHECK(push_seen);
  // Another student's cell: not this push.
  const Answer other = c.get(ht, "/api/audit?student=HS6A02");
  REQUIRE(other.status == 200);
  for (const auto& row : other.body["rows"]) CHECK(names_cell(row, "6A", "Toán", "HS6A02", ""));

  // Refusals only: the late mark, with its code and cell.
  const Answer refused = c.get(ht, "/api/audit?refused=1");
  REQUIRE(refused.status == 200);
  REQUIRE(refused.body["rows"].size() == 1);
  CHECK(refused.body["rows"][0]["actor"] == "gv.toan.1");
  CHECK_THAT(refused.body["rows"][0]["text"].get<std::string>(),
             Catch::Contains("1 bị từ chối") && Catch::Contains("HS6A01 · HK1.TX2") && Catch::Contains("\": Sổ đã khóa"));
  // The code in words (outcome_words, as the cell history says it), never raw.
  CHECK_THAT(refused.body["rows"][0]["text"].get<std::string>(), !Catch::Contains("TERM_LOCKED"));
  CHECK(names_cell(refused.body["rows"][0], "6A", "Toán", "HS6A01", "HK1.TX2"));

  // By person and by kind: the lock, in Vietnamese.
  const Answer by_teacher = c.get(ht, "/api/audit?actor=gv.toan.1");
  REQUIRE_FALSE(by_teacher.body["rows"].empty());
  for (const auto& row : by_teacher.body["rows"]) CHECK(row["actor"] == "gv.toan.1");
  const Answer locks = c.get(ht, "/api/audit?kind=lock_set");
  REQUIRE(locks.body["rows"].size() == 1);
  CHECK(locks.body["rows"][0]["label"] == "Đặt khóa sổ");
  CHECK_THAT(locks.body["rows"][0]["text"].get<std::string>(),
             Catch::Contains("lớp: 6A") && Catch::Contains("môn: Toán") && Catch::Contains("lí do: Chốt điểm giữa kì"));
  // A lock names its class, not a cell: found by class, not by a student.
  CHECK(c.get(ht, "/api/audit?kind=lock_set&class=6A").body["rows"].size() == 1);
  const Answer lock_by_student = c.get(ht, "/api/audit?kind=lock_set&student=HS6A01");
  REQUIRE(lock_by_student.status == 200);  // a refused search has no rows either
  CHECK(lock_by_student.body["rows"].empty());

  // Dates (Vietnam days, the last one included). The cached demo school's
  // first entries may be from the day before (a run across Vietnam's
  // midnight): the first day is the oldest row's ("dd/mm/yyyy HH:MM").
  const auto now = c.clock.now_unix_seconds();
  const std::string first_day = all.body["rows"].back()["at"].get<std::string>().substr(0, 10);
  CHECK(c.get(ht, "/api/audit?from=" + first_day).body["rows"].size() == all.body["rows"].size());
  CHECK(c.get(ht, "/api/audit?until=" + local_day(now)).body["rows"].size() == all.body["rows"].size());
  const Answer tomorrow = c.get(ht, "/api/audit?from=" + local_day(now + 86400));
  REQUIRE(tomorrow.status == 200);
  CHECK(tomorrow.body["rows"].empty());
  // Before today: nothing, or (across midnight) only the school's setup,
  // never the lock and the late mark made above.
  const Answer before_today = c.get(ht, "/api/audit?until=" + local_day(now - 86400));
  REQUIRE(before_today.status == 200);
  if (first_day == format_local_time(now).substr(0, 10)) CHECK(before_today.body["rows"].empty());
  for (const auto& row : before_today.body["rows"]) {
    CHECK(row["seq"] != locks.body["rows"][0]["seq"]);
    CHECK(row["seq"] != refused.body["rows"][0]["seq"]);
    CHECK(row["kind"] != "lock_set");
  }

  // Pages: two rows, then the two before them.
  const Answer first = c.get(ht, "/api/audit?limit=2");
  REQUIRE(first.body["rows"].size() == 2);
  const auto next = first.body["next_before"].get<std::int64_t>();
  CHECK(next == first.body["rows"][1]["seq"]);
  const Answer second = c.get(ht, "/api/audit?limit=2&before=" + std::to_string(next));
  REQUIRE(second.body["rows"].size() == 2);
  CHECK(second.body["rows"][0]["seq"].get<std::int64_t>() < next);

  // A row's cell opens its history (the same cell_history as the CLI).
  const Answer story = c.get(ht, "/api/history?class=6A&subject=To%C3%A1n&student=HS6A01&column=HK1.TX2");
  REQUIRE(story.status == 200);
  REQUIRE(story.body["events"].size() == 1);
  CHECK(story.body["events"][0]["outcome"] == "TERM_LOCKED");
  CHECK(story.body["events"][0]["outcome_text"] == "Sổ đã khóa");
}

TEST_CASE("console: a search reads a bounded window of the trail and says where it stopped", "[e2e][console]") {
  ConsoleSchool c;
  c.file_correction();
  auto db = c.school.server_db();
  const auto newest = c.school.server_scalar("SELECT MAX(seq) FROM audit_log");
  REQUIRE(newest >= 3);
  server::AuditQuery q;
  q.kind = "lock_set";  // none: the window of 2 is read, no further
  q.window = 2;
  const auto page = server::search_audit(*db, q);
  CHECK(page.rows.empty());
  CHECK(page.window_ended);
  CHECK(page.next_before == newest + 1 - 2);
  q.kind.clear();
  q.before_seq = 2;
  const auto start = server::search_audit(*db, q);
  REQUIRE(start.rows.size() == 1);
  CHECK(start.rows[0].seq == 1);
  CHECK(start.next_before == 0);  // the trail's start
  CHECK_FALSE(start.window_ended);
}

TEST_CASE("console: the chain's verdict is the CLI's: intact, then an edited entry named", "[e2e][console]") {
  ConsoleSchool c;
  c.file_correction();
  const auto ht = c.login("hieutruong");
  const Answer ok = c.get(ht, "/api/audit/verify");
  INFO(ok.body.dump());
  REQUIRE(ok.status == 200);
  CHECK(ok.body["intact"] == true);
  CHECK(ok.body["problems"].empty());
  CHECK(ok.body["versions"].get<std::int64_t>() >= 1);
  const auto entries = ok.body["entries"].get<std::int64_t>();
  CHECK(entries >= c.school.server_scalar("SELECT MAX(seq) FROM audit_log") - 1);
  // Someone edits the trail in the SQLite file.
  {
    auto db = c.school.server_db();
    db->prepare("UPDATE audit_log SET actor = 'hieutruong' WHERE kind = 'push'").run();
  }
  const Answer bad = c.get(ht, "/api/audit/verify");
  REQUIRE(bad.status == 200);
  CHECK(bad.body["intact"] == false);
  REQUIRE(bad.body["problems"].size() == 1);
  CHECK_THAT(bad.body["problems"][0].get<std::string>(), Catch::Contains("KHÔNG nguyên vẹn"));
}

TEST_CASE("console: Nhật ký is for HT, PHT and ADMIN — bad filters are refused in Vietnamese", "[e2e][console]") {
  ConsoleSchool c;
  c.file_correction();
  for (const char* user : {"gv.toan.2", "gv.toan.1", "vanthu"}) {
    INFO(user);
    const auto l = c.login(user);
    CHECK(c.get(l, "/api/audit").status == 403);
    CHECK(c.get(l, "/api/audit/verify").status == 403);
    const auto pages = c.get(l, "/api/session").body["pages"];
    CHECK(std::find(pages.begin(), pages.end(), "audit") == pages.end());
  }
  CHECK(c.get(c.login("gv.toan.2"), "/api/history?class=6A&subject=To%C3%A1n&student=HS6A01&column=HK1.TX1").status ==
        403);
  for (const char* user : {"hieutruong", "phohieutruong", "quantri"}) {
    INFO(user);
    const auto l = c.login(user);
    CHECK(c.get(l, "/api/audit").status == 200);
    const auto pages = c.get(l, "/api/session").body["pages"];
    CHECK(std::find(pages.begin(), pages.end(), "audit") != pages.end());
    // An administrator reads a cell's history from the trail too.
    CHECK(c.get(l, "/api/history?class=6A&subject=To%C3%A1n&student=HS6A01&column=HK1.TX1").status == 200);
  }
  CHECK(c.request("GET", "/api/audit").status == 401);
  const auto ht = c.login("hieutruong");
  for (const char* bad : {"/api/audit?from=2026-02-31", "/api/audit?from=31/02/2026", "/api/audit?until=x",
                          "/api/audit?from=2026-02-02&until=2026-02-01", "/api/audit?class=6%E2%80%AEA",
                          "/api/audit?limit=100000", "/api/audit?before=-1", "/api/audit?before=1e9"}) {
    INFO(bad);
    const Answer a = c.get(ht, bad);
    CHECK(a.status == 400);
    CHECK_FALSE(a.body["error"].get<std::string>().empty());
  }
  const std::string long_name(65, 'a');
  CHECK(c.get(ht, "/api/audit?actor=" + long_name).status == 400);
}

TEST_CASE("console: Nhật ký names the keys of init, demo, restore and login entries in Vietnamese (a restore's "
          "folder is not a class, machine epochs are not shown)",
          "[unit][console]") {
  using server::audit_entry_text;
  CHECK(audit_entry_text("init", R"({"school_name":"Trường THCS Hòa Bình"})") == "tên trường: Trường THCS Hòa Bình");
  CHECK(audit_entry_text("demo_school", R"({"accounts":30,"classes":8})") == "số tài khoản: 30; số lớp: 8");
  CHECK(audit_entry_text("restored", R"({"from":"/backups/thcs-a","old_epoch":"1788fc","epoch":"2cedae"})") ==
        "từ bản sao lưu: /backups/thcs-a");
  CHECK(audit_entry_text("console_login", R"({"address":"10.0.0.7","session":"3e98"})") ==
        "địa chỉ: 10.0.0.7; phiên: 3e98");
  CHECK(audit_entry_text("lock_set", R"({"id":1,"class":"6A","kind":"frozen"})") == "số: 1; lớp: 6A; loại: khóa hẳn");
  CHECK(audit_entry_text("lock_set", R"({"id":2,"kind":"entry_closed"})") == "số: 2; loại: hết hạn nhập điểm");
  // A move between classes keeps its "from".
  CHECK(audit_entry_text("student_moved", R"({"from":"6A"})") == "từ lớp: 6A");
}
