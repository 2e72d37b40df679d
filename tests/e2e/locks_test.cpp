// Lock periods through the real sync path, on a manual clock shared by the
// server and the teachers' devices.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>

#include "loopback_school.hpp"
#include "sodiem/core/attendance.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/server/corrections.hpp"
#include "sodiem/server/locks.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using client::LocalStore;

namespace {

// The moment locks start in these tests: now, inside the demo school year's
// entry windows (which are built around today).
const std::int64_t kT0 = SystemClock::instance().now_unix_seconds();

// The shared school on a manual clock, with the principal's CLI connection
// and the lock helpers these tests share.
struct School {
  ManualClock clock{kT0 - 86400};
  LoopbackSchool school{clock};
  std::unique_ptr<store::Db> admin = server::open_server_db(school.db_path());

  LocalStore& device(const std::string& user) { return school.device(user); }
  void sync(const std::string& user) { school.sync(user); }
  std::int64_t lock(server::Lock l) {
    if (l.set_by.empty()) l.set_by = "hieutruong";
    if (l.reason.empty()) l.reason = "Chốt điểm học kì";
    auto id = server::add_lock(*admin, l, clock.now_unix_seconds());
    INFO(id.status().message());
    REQUIRE(id.is_ok());
    return *id;
  }
  // Records, syncs, and returns the outcome code of that op.
  std::string write(const std::string& user, const protocol::CellKey& cell, const std::string& value) {
    auto op = device(user).record(cell, value);
    INFO(op.status().message());
    REQUIRE(op.is_ok());
    sync(user);
    return outcome(user, op->seq);
  }
  std::string outcome(const std::string& user, std::uint64_t seq) {
    const std::string code = device(user).outcome(seq).first;
    return code.empty() ? "PENDING" : code;
  }
  std::string last_reason(const std::string& user) {
    auto s = device(user).db().prepare("SELECT reason FROM outbox ORDER BY seq DESC LIMIT 1");
    REQUIRE(s.step());
    return s.text(0);
  }
};

server::Lock frozen(std::int64_t from = kT0) {
  server::Lock l;
  l.kind = "frozen";
  l.starts_at = from;
  return l;
}

}  // namespace

TEST_CASE("locks at every scope refuse only the cells they cover", "[e2e]") {
  struct Scope {
    const char* name;
    server::Lock lock;
  };
  std::vector<Scope> scopes;
  auto base = frozen();
  scopes.push_back({"school", base});
  auto grade = base;
  grade.grade = 6;
  scopes.push_back({"grade", grade});
  auto cls = base;
  cls.class_name = "6A";
  scopes.push_back({"class", cls});
  auto subj = base;
  subj.subject = "Toán";
  scopes.push_back({"subject", subj});
  auto col = base;
  col.column_kind = "GK";
  col.term = "HK1";
  scopes.push_back({"column kind", col});
  for (const auto& scope : scopes) {
    DYNAMIC_SECTION(scope.name) {
      School s;
      s.device("gv.toan.1");
      s.device("gv.toan.2");
      s.clock = ManualClock(kT0 - 10);
      s.lock(scope.lock);
      s.clock.advance(100);  // the lock is in force
      const std::string covered = s.write("gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.GK"}, "8");
      CHECK(covered == "TERM_LOCKED");
      CHECK_THAT(s.last_reason("gv.toan.1"), Catch::Contains("hieutruong") && Catch::Contains("khóa #"));
      // The server's value is restored on the teacher's machine.
      CHECK(s.device("gv.toan.1").show("6A", "Toán")[0].cells.empty());
      // Outside the scope: grade 8 is not grade 6 / class 6A; column CK is not GK.
      const std::string outside = s.write("gv.toan.2", {"8A", "Toán", "HS8A01", "HK1.CK"}, "8");
      const bool covers_outside = std::string(scope.name) == "school" || std::string(scope.name) == "subject";
      CHECK(outside == (covers_outside ? "TERM_LOCKED" : "OK"));
    }
  }
}

TEST_CASE("entry closed refuses new marks but allows editing existing ones, frozen allows nothing", "[e2e]") {
  School s;
  REQUIRE(s.write("gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.TX1"}, "5") == "OK");
  s.clock = ManualClock(kT0 - 10);
  auto closed = frozen();
  closed.kind = "entry_closed";
  closed.term = "HK1";
  const auto id = s.lock(closed);
  s.clock.advance(3600);
  CHECK(s.write("gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.TX1"}, "6") == "OK");             // edit
  CHECK(s.write("gv.toan.1", {"6A", "Toán", "HS6A02", "HK1.TX1"}, "6") == "ENTRY_CLOSED");   // new
  CHECK_THAT(s.last_reason("gv.toan.1"), Catch::Contains("hết thời hạn nhập điểm mới"));
  CHECK(s.write("gv.toan.1", {"6A", "Toán", "HS6A02", "HK2.TX1"}, "6") == "OK");             // HK2 is open
  REQUIRE(server::remove_lock(*s.admin, id, "hieutruong", "mở lại", s.clock.now_unix_seconds()).is_ok());
  s.lock(frozen(s.clock.now_unix_seconds()));
  s.clock.advance(10);
  CHECK(s.write("gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.TX1"}, "7") == "TERM_LOCKED");    // no edits either
}

TEST_CASE("exceptions unlock narrowly until they expire, locks expire too", "[e2e]") {
  School s;
  s.device("gv.toan.1");
  s.clock = ManualClock(kT0);
  s.lock(frozen());
  server::LockException e;
  e.username = "gv.toan.1";
  e.class_name = "6A";
  e.column = "HK1.GK";
  e.expires_at = kT0 + 1000;
  e.reason = "Học sinh ốm, kiểm tra bù";
  e.created_by = "hieutruong";
  REQUIRE(server::add_exception(*s.admin, e, kT0).is_ok());
  s.clock.advance(100);
  CHECK(s.write("gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.GK"}, "8") == "OK");
  CHECK(s.write("gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.CK"}, "8") == "TERM_LOCKED");  // other column
  CHECK(s.write("gv.toan.2", {"8A", "Toán", "HS8A01", "HK1.GK"}, "8") == "TERM_LOCKED");  // other teacher
  s.clock.advance(2000);  // the exception has expired
  CHECK(s.write("gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.GK"}, "9") == "TERM_LOCKED");
  CHECK(server::list_exceptions(*s.admin, s.clock.now_unix_seconds()).empty());

  // A lock with an end stops applying at its end.
  School t;
  t.device("gv.toan.1");
  t.clock = ManualClock(kT0);
  auto until = frozen();
  until.ends_at = kT0 + 500;
  t.lock(until);
  t.clock.advance(100);
  CHECK(t.write("gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.GK"}, "8") == "TERM_LOCKED");
  t.clock.advance(500);
  CHECK(t.write("gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.GK"}, "8") == "OK");
  // Only the HT (or an ADMIN) may lock.
  auto l = frozen();
  l.set_by = "gv.toan.1";
  l.reason = "x";
  CHECK(server::add_lock(*t.admin, l, kT0).status().code() == ErrorCode::kForbidden);
}

TEST_CASE("a lock set while a teacher is offline: marks typed before it arrive within the grace window", "[e2e]") {
  School s;
  auto& laptop = s.device("gv.toan.1");  // enrolled (and last in touch) a day before the lock
  s.clock = ManualClock(kT0 - 600);
  auto before = laptop.record({"6A", "Toán", "HS6A01", "HK1.GK"}, "8");  // typed offline, before the lock
  REQUIRE(before.is_ok());
  s.clock = ManualClock(kT0);
  s.lock(frozen());  // set while the laptop is offline
  s.clock.advance(600);
  auto after = laptop.record({"6A", "Toán", "HS6A02", "HK1.GK"}, "8");  // typed after the lock began
  REQUIRE(after.is_ok());
  s.clock.advance(3600);  // an hour later the laptop finds a network
  s.sync("gv.toan.1");
  CHECK(s.outcome("gv.toan.1", before->seq) == "OK");
  CHECK(s.outcome("gv.toan.1", after->seq) == "TERM_LOCKED");
  CHECK(laptop.status().rejected == 1);
}

TEST_CASE("the grace window closes, and a device cannot claim a time before its previous sync", "[e2e][fault]") {
  School s;
  auto& laptop = s.device("gv.toan.1");
  s.clock = ManualClock(kT0 - 600);
  auto late = laptop.record({"6A", "Toán", "HS6A01", "HK1.GK"}, "8");
  REQUIRE(late.is_ok());
  s.clock = ManualClock(kT0);
  s.lock(frozen());
  s.clock.advance(73 * 3600);  // beyond the 72 h grace window
  s.sync("gv.toan.1");
  CHECK(s.outcome("gv.toan.1", late->seq) == "TERM_LOCKED");

  // A device whose clock is set back claims its mark was typed before the
  // lock; but it synced after the lock began, so the claim is bounded.
  auto& other = s.device("gv.toan.2");
  s.clock = ManualClock(kT0 + 60);
  s.sync("gv.toan.2");  // in touch after the lock started
  s.clock = ManualClock(kT0 - 3600);  // the teacher's clock says "before the lock"
  auto forged = other.record({"8A", "Toán", "HS8A01", "HK1.GK"}, "9");
  REQUIRE(forged.is_ok());
  s.clock = ManualClock(kT0 + 120);
  s.sync("gv.toan.2");
  CHECK(s.outcome("gv.toan.2", forged->seq) == "TERM_LOCKED");
}

TEST_CASE("the principal widens the grace window and a late mark typed before the lock is accepted", "[e2e]") {
  School s;
  auto& laptop = s.device("gv.toan.1");
  s.clock = ManualClock(kT0 - 600);
  auto late = laptop.record({"6A", "Toán", "HS6A01", "HK1.GK"}, "8");
  REQUIRE(late.is_ok());
  s.clock = ManualClock(kT0);
  s.lock(frozen());
  s.clock.advance(90 * 3600);  // 90 h later: outside the default 72 h
  CHECK(server::set_offline_grace_hours(*s.admin, 96, "gv.toan.1", s.clock.now_unix_seconds()).code() ==
        ErrorCode::kForbidden);
  CHECK_FALSE(server::set_offline_grace_hours(*s.admin, 100000, "hieutruong", s.clock.now_unix_seconds()).is_ok());
  REQUIRE(server::set_offline_grace_hours(*s.admin, 96, "hieutruong", s.clock.now_unix_seconds()).is_ok());
  CHECK(server::offline_grace_hours(*s.admin) == 96);
  s.sync("gv.toan.1");
  CHECK(s.outcome("gv.toan.1", late->seq) == "OK");
  auto audit = s.admin->prepare("SELECT detail FROM audit_log WHERE kind = 'setting_changed'");
  REQUIRE(audit.step());
  CHECK_THAT(audit.text(0), Catch::Contains("\"old\":72") && Catch::Contains("\"new\":96"));
}

TEST_CASE("a grace window of 0 hours is none: a mark typed before the lock is refused even in the lock's first second",
          "[e2e]") {
  School s;
  auto& laptop = s.device("gv.toan.1");
  s.clock = ManualClock(kT0 - 600);
  auto late = laptop.record({"6A", "Toán", "HS6A01", "HK1.GK"}, "8");
  REQUIRE(late.is_ok());
  s.clock = ManualClock(kT0);
  REQUIRE(server::set_offline_grace_hours(*s.admin, 0, "hieutruong", s.clock.now_unix_seconds()).is_ok());
  s.lock(frozen());
  s.sync("gv.toan.1");  // in the same second the lock began
  CHECK(s.outcome("gv.toan.1", late->seq) == "TERM_LOCKED");
}

TEST_CASE("a vice principal decides corrections only while the principal's delegation lasts", "[e2e]") {
  School s;
  const auto now = s.clock.now_unix_seconds();
  // The approver is checked before the request is looked up: FORBIDDEN
  // without the power, "no such request" with it.
  auto decide = [&](std::int64_t at) { return server::refuse_correction(*s.admin, 999, "phohieutruong", "Không", at).code(); };
  CHECK(decide(now) == ErrorCode::kForbidden);
  auto id = server::delegate_corrections(*s.admin, "phohieutruong", "hieutruong", now + 3600, "Đi công tác", now);
  REQUIRE(id.is_ok());
  CHECK(decide(now) == ErrorCode::kInvalidValue);
  CHECK(decide(now + 3601) == ErrorCode::kForbidden);  // expired
  CHECK(server::active_delegations(*s.admin, now).size() == 1);
  CHECK(server::active_delegations(*s.admin, now + 3601).empty());
  REQUIRE(server::revoke_delegation(*s.admin, *id, "hieutruong", now + 60).is_ok());
  CHECK(decide(now + 120) == ErrorCode::kForbidden);  // revoked
  CHECK(server::delegate_corrections(*s.admin, "phohieutruong", "hieutruong", now - 1, "", now).status().code() ==
        ErrorCode::kInvalidValue);  // an expiry in the past
  CHECK(server::refuse_correction(*s.admin, 999, "hieutruong", "Không", now).code() == ErrorCode::kInvalidValue);
}

TEST_CASE("local times parse and print in Vietnam time", "[unit]") {
  auto t = sodiem::parse_local_time("2027-01-16T17:00");
  REQUIRE(t.has_value());
  CHECK(*t == 1800093600);  // 2027-01-16 10:00 UTC
  CHECK(sodiem::format_local_time(*t) == "16/01/2027 17:00");
  CHECK(sodiem::parse_local_time("2027-01-16").has_value());
  CHECK_FALSE(sodiem::parse_local_time("2027-02-30").has_value());
  CHECK_FALSE(sodiem::parse_local_time("16/01/2027").has_value());
}

TEST_CASE("a term's entry window: closed before it opens and after it closes, edits and grace as for locks", "[e2e]") {
  School s;
  s.device("gv.toan.1");
  REQUIRE(s.write("gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.TX1"}, "5") == "OK");
  // Entry of HK1 closed yesterday.
  const std::string yesterday = sodiem::format_local_time(kT0 - 86400);
  const std::string iso = yesterday.substr(6, 4) + "-" + yesterday.substr(3, 2) + "-" + yesterday.substr(0, 2);
  REQUIRE(server::set_entry_window(*s.admin, "HK1", "2000-01-01", iso, "hieutruong", kT0).is_ok());
  CHECK_FALSE(server::set_entry_window(*s.admin, "HK1", "2000-01-01", iso, "gv.toan.1", kT0).is_ok());
  s.clock = ManualClock(kT0);
  CHECK(s.write("gv.toan.1", {"6A", "Toán", "HS6A02", "HK1.TX1"}, "6") == "ENTRY_CLOSED");
  CHECK_THAT(s.last_reason("gv.toan.1"), Catch::Contains("hết thời hạn nhập điểm HK1"));
  CHECK(s.write("gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.TX1"}, "6") == "OK");  // editing an existing mark
  CHECK(s.write("gv.toan.1", {"6A", "Toán", "HS6A02", "HK2.TX1"}, "6") == "OK");  // HK2 is open
  // Not open yet: HK2 opens tomorrow.
  const std::string tomorrow = sodiem::format_local_time(kT0 + 2 * 86400);
  const std::string iso2 = tomorrow.substr(6, 4) + "-" + tomorrow.substr(3, 2) + "-" + tomorrow.substr(0, 2);
  REQUIRE(server::set_entry_window(*s.admin, "HK2", iso2, "2100-01-01", "hieutruong", kT0).is_ok());
  CHECK(s.write("gv.toan.1", {"6A", "Toán", "HS6A03", "HK2.TX1"}, "6") == "ENTRY_CLOSED");
  CHECK_THAT(s.last_reason("gv.toan.1"), Catch::Contains("chưa đến thời gian nhập điểm HK2"));
}

TEST_CASE("lock notices cover attendance: a locked term's days, by the school's terms", "[e2e]") {
  School s;
  s.device("gv.van.1");  // homeroom teacher of 6A
  s.sync("gv.van.1");
  server::Lock l = frozen();
  l.term = "HK1";
  l.class_name = "6A";
  l.reason = "Chốt sổ học kì I";
  s.lock(l);
  s.clock = ManualClock(kT0);
  std::string hk1_first, hk2_first;
  for (const auto& w : server::entry_windows(*s.admin)) (w.term == "HK1" ? hk1_first : hk2_first) = w.starts_on;
  REQUIRE(valid_iso_date(hk1_first));
  REQUIRE(valid_iso_date(hk2_first));

  server::LockBook book;
  book.load(*s.admin, kT0);
  protocol::Roster r;
  r.classes = {{"6A", 6}};
  r.assignments = {{"6A", std::string(protocol::kHomeroomSubject)}};
  const auto notices = book.notices("gv.van.1", r, kT0);
  auto find = [&](const std::string& term, const std::string& kind) -> const protocol::LockNotice* {
    for (const auto& n : notices)
      if (n.term == term && n.column_kind == kind) return &n;
    return nullptr;
  };
  const auto* cc = find("HK1", "CC");
  REQUIRE(cc);
  CHECK(cc->class_name == "6A");
  CHECK(cc->code == ErrorCode::kTermLocked);
  CHECK_THAT(cc->reason, Catch::Contains("Chốt sổ học kì I"));
  CHECK(find("HK1", "RL"));
  CHECK_FALSE(find("HK2", "CC"));  // HK2's days are open

  // The device gets the notice with its roster and the terms' days with its
  // calendar; the server refuses a day of HK1 with the notice's words.
  s.sync("gv.van.1");
  const auto calendar = s.device("gv.van.1").calendar();
  CHECK(attendance::term_of(calendar.terms, hk1_first) == "HK1");
  CHECK(attendance::term_of(calendar.terms, hk2_first) == "HK2");
  using namespace std::chrono;
  sys_days day{year_month_day{year(std::stoi(hk1_first.substr(0, 4))),
                              month(static_cast<unsigned>(std::stoi(hk1_first.substr(5, 2)))),
                              std::chrono::day(static_cast<unsigned>(std::stoi(hk1_first.substr(8, 2))))}};
  while (weekday(day) == Sunday) day += days(1);
  const year_month_day ymd{day};
  char iso[16];
  std::snprintf(iso, sizeof iso, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  CHECK(s.write("gv.van.1", {"6A", std::string(protocol::kHomeroomSubject), "HS6A01", std::string("CC.") + iso}, "P") ==
        "TERM_LOCKED");
  CHECK_THAT(s.last_reason("gv.van.1"), Catch::Contains("Chốt sổ học kì I"));

  // An exception for one day of HK1 (any day but the first): no CC notice
  // greys the whole term for this teacher (the server decides each day);
  // the other kinds are still noticed.
  server::LockException ex;
  ex.username = "gv.van.1";
  ex.class_name = "6A";
  ex.subject = std::string(protocol::kHomeroomSubject);
  // A day after the term's first (the day the notice is computed on).
  sys_days later = day + days(1);
  while (weekday(later) == Sunday) later += days(1);
  const year_month_day lymd{later};
  char later_iso[16];
  std::snprintf(later_iso, sizeof later_iso, "%04d-%02u-%02u", static_cast<int>(lymd.year()),
                static_cast<unsigned>(lymd.month()), static_cast<unsigned>(lymd.day()));
  ex.column = std::string("CC.") + later_iso;
  ex.reason = "Bổ sung điểm danh";
  ex.created_by = "hieutruong";
  ex.expires_at = kT0 + 3600;
  ex.created_at = kT0;
  REQUIRE(server::add_exception(*s.admin, ex, kT0).is_ok());
  server::LockBook excepted;
  excepted.load(*s.admin, kT0);
  const auto after = excepted.notices("gv.van.1", r, kT0);
  bool cc_after = false, rl_after = false;
  for (const auto& n : after) {
    cc_after = cc_after || (n.term == "HK1" && n.column_kind == "CC");
    rl_after = rl_after || (n.term == "HK1" && n.column_kind == "RL");
  }
  CHECK_FALSE(cc_after);
  CHECK(rl_after);
}
