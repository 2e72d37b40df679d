// The grid's cell states through the real sync path (LoopbackSchool): an
// edit is local until delivered, then synced; a refusal shows why and what
// stands on the server; a lock shows as locked; a concurrent edit as a
// conflict until resolved.
#include <catch2/catch.hpp>
#include <map>

#include "loopback_school.hpp"
#include "sodiem/client/cell_states.hpp"
#include "sodiem/client/grade_book.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/locks.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using client::CellState;

namespace {

std::map<std::string, CellState> states(client::LocalStore& store, const std::string& subject = "Toán") {
  std::map<std::string, CellState> out;
  for (auto& c : client::cell_states(store.db(), "6A", subject)) out[c.student + "." + c.column] = c;
  return out;
}

void record(client::LocalStore& store, const std::string& student, const std::string& column, const std::string& value) {
  auto op = store.record({"6A", "Toán", student, column}, value);
  INFO(op.status().message());
  REQUIRE(op.is_ok());
}

void sync(LoopbackSchool& school, client::LocalStore& store) {
  auto r = school.try_sync(store);
  INFO(r.status().message());
  REQUIRE(r.is_ok());
}

}  // namespace

TEST_CASE("a cell is local until the server has it, then synced", "[ui][e2e]") {
  LoopbackSchool school;
  auto& laptop = school.device("gv.toan.1");
  record(laptop, "HS6A01", "HK1.TX1", "8,5");
  auto before = states(laptop);
  REQUIRE(before.count("HS6A01.HK1.TX1"));
  CHECK(before["HS6A01.HK1.TX1"].state == "local");
  CHECK(before["HS6A01.HK1.TX1"].value == "8.5");
  school.sync("gv.toan.1");
  CHECK(states(laptop)["HS6A01.HK1.TX1"].state == "synced");
  // Pulled onto another device of the same teacher: synced there too.
  auto& home = school.device("gv.toan.1", "home");
  sync(school, home);
  CHECK(states(home)["HS6A01.HK1.TX1"].state == "synced");
  CHECK(states(home)["HS6A01.HK1.TX1"].value == "8.5");
}

TEST_CASE("a cell refused because its term is locked shows locked, with the lock's reason and what was typed", "[ui][e2e]") {
  LoopbackSchool school;
  auto& laptop = school.device("gv.toan.1");
  record(laptop, "HS6A02", "HK1.GK", "7");
  school.sync("gv.toan.1");
  {
    server::Lock lock;
    lock.kind = "frozen";
    lock.term = "HK1";
    lock.class_name = "6A";
    lock.starts_at = school.clock.now_unix_seconds() - 60;
    lock.reason = "Chốt điểm học kì I";
    lock.set_by = "hieutruong";
    auto db = school.server_db();
    REQUIRE(server::add_lock(*db, lock, school.clock.now_unix_seconds()).is_ok());
  }
  record(laptop, "HS6A02", "HK1.GK", "9");
  school.sync("gv.toan.1");
  auto s = states(laptop)["HS6A02.HK1.GK"];
  CHECK(s.state == "locked");
  CHECK(s.code == "TERM_LOCKED");
  CHECK_THAT(s.reason, Catch::Contains("Chốt điểm học kì I"));
  CHECK(s.mine == "9");
  CHECK(s.value == "7");  // what stands on the server
  CHECK(s.server_value == "7");
  CHECK(client::is_lock_refusal("ENTRY_CLOSED"));
  CHECK_FALSE(client::is_lock_refusal("FORBIDDEN"));
}

TEST_CASE("a concurrent edit shows as a conflict with both values until a choice is made and delivered", "[ui][e2e]") {
  LoopbackSchool school;
  auto& laptop = school.device("gv.toan.1");
  auto& home = school.device("gv.toan.1", "home");
  record(laptop, "HS6A03", "HK1.CK", "9");
  record(home, "HS6A03", "HK1.CK", "6");
  sync(school, laptop);
  sync(school, home);
  auto c = states(home)["HS6A03.HK1.CK"];
  CHECK(c.state == "conflict");
  CHECK(c.current == "9");
  CHECK(c.other == "6");
  CHECK_FALSE(c.current_author.empty());
  auto op = home.resolve_conflict({"6A", "Toán", "HS6A03", "HK1.CK"}, "6", "bài làm lại");
  REQUIRE(op.is_ok());
  CHECK(states(home)["HS6A03.HK1.CK"].state == "local");
  sync(school, home);
  CHECK(states(home)["HS6A03.HK1.CK"].state == "synced");
  CHECK(states(home)["HS6A03.HK1.CK"].value == "6");
}

TEST_CASE("the grid's columns follow the book: TX by periods, GK, CK, the term's result, comments, then the year", "[ui]") {
  auto ids = [](const protocol::SubjectInfo& s) {
    std::string out;
    for (const auto& c : client::grid_columns(s)) out += (c.id.empty() ? "avg:" + c.average : c.id) + " ";
    return out;
  };
  CHECK(ids({"Toán", true, 140}) ==
        "HK1.TX1 HK1.TX2 HK1.TX3 HK1.TX4 HK1.GK HK1.CK avg:HK1 HK1.NX "
        "HK2.TX1 HK2.TX2 HK2.TX3 HK2.TX4 HK2.GK HK2.CK avg:HK2 HK2.NX avg:CN ");
  CHECK(ids({"Lịch sử", true, 35}).starts_with("HK1.TX1 HK1.TX2 HK1.GK"));
  CHECK(ids({"Âm nhạc", false, 35}).starts_with("HK1.TX1 HK1.TX2 HK1.GK HK1.CK avg:HK1"));
  CHECK(client::grid_columns({"Âm nhạc", false, 35})[0].type == "grade");
  CHECK(ids({std::string(protocol::kHomeroomSubject), false, 0}) == "HK1.RL HK1.NXCN HK2.RL HK2.NXCN ");
  CHECK(board::required_columns({"Lịch sử", true, 52}, "HK2") ==
        std::vector<std::string>{"HK2.TX1", "HK2.TX2", "HK2.TX3", "HK2.GK", "HK2.CK"});
}

TEST_CASE("a column the principal has locked shows locked before anyone types, and unlocked once the lock is lifted",
          "[ui][e2e]") {
  LoopbackSchool school;
  auto& laptop = school.device("gv.toan.1");
  record(laptop, "HS6A04", "HK1.TX1", "8");
  record(laptop, "HS6A04", "HK2.GK", "6");
  school.sync("gv.toan.1");
  const auto now = school.clock.now_unix_seconds();
  std::int64_t frozen_id = 0;
  {
    auto db = school.server_db();
    server::Lock frozen;
    frozen.kind = "frozen";
    frozen.term = "HK1";
    frozen.class_name = "6A";
    frozen.column_kind = "TX";
    frozen.starts_at = now - 60;
    frozen.reason = "Chốt điểm thường xuyên HK1";
    frozen.set_by = "hieutruong";
    auto id = server::add_lock(*db, frozen, now);
    REQUIRE(id.is_ok());
    frozen_id = *id;
    server::Lock closed = frozen;
    closed.kind = "entry_closed";
    closed.term = "HK2";
    closed.column_kind = "GK";
    closed.reason = "Hết hạn nhập điểm giữa kì";
    REQUIRE(server::add_lock(*db, closed, now).is_ok());
  }
  school.sync("gv.toan.1");  // nothing to push: the new roster brings the notices
  auto locks = client::lock_notices(laptop.db(), "6A", "Toán");
  REQUIRE(locks.locks.size() == 2);
  const auto* tx = client::lock_for(locks, "HK1.TX3");
  REQUIRE(tx);
  CHECK(tx->code == "TERM_LOCKED");
  CHECK_FALSE(tx->new_values_only);
  CHECK_THAT(tx->reason, Catch::Contains("Chốt điểm thường xuyên HK1"));
  const auto* gk = client::lock_for(locks, "HK2.GK");
  REQUIRE(gk);
  CHECK(gk->code == "ENTRY_CLOSED");
  CHECK(gk->new_values_only);
  CHECK_FALSE(client::lock_for(locks, "HK1.GK"));
  CHECK_FALSE(client::lock_for(locks, "HK2.TX1"));
  CHECK(client::lock_notices(laptop.db(), "6B", "Toán").locks.empty());

  auto s = states(laptop);
  CHECK(s["HS6A04.HK1.TX1"].state == "locked");
  CHECK_THAT(s["HS6A04.HK1.TX1"].reason, Catch::Contains("Chốt điểm thường xuyên HK1"));
  CHECK(s["HS6A04.HK2.GK"].state == "synced");  // entry closed: an existing value may still change

  {
    auto db = school.server_db();
    REQUIRE(server::remove_lock(*db, frozen_id, "hieutruong", "mở lại để nhập bù", now).is_ok());
  }
  school.sync("gv.toan.1");
  CHECK(states(laptop)["HS6A04.HK1.TX1"].state == "synced");
  CHECK(client::lock_notices(laptop.db(), "6A", "Toán").locks.size() == 1);
}

TEST_CASE("attendance in a locked term shows locked by the same lock_for as marks, the term by the calendar's days",
          "[ui][e2e]") {
  LoopbackSchool school;
  auto& laptop = school.device("gv.van.1");  // homeroom teacher of 6A
  school.sync("gv.van.1");
  const auto terms = laptop.calendar().terms;
  REQUIRE(terms.size() == 2);
  const auto& hk1 = terms[0].code == "HK1" ? terms[0] : terms[1];
  const auto& hk2 = terms[0].code == "HK1" ? terms[1] : terms[0];
  const std::string homeroom(protocol::kHomeroomSubject);
  {
    auto db = school.server_db();
    server::Lock l;
    l.kind = "frozen";
    l.term = "HK1";
    l.class_name = "6A";
    l.starts_at = school.clock.now_unix_seconds() - 60;
    l.reason = "Chốt sổ học kì I";
    l.set_by = "hieutruong";
    REQUIRE(server::add_lock(*db, l, school.clock.now_unix_seconds()).is_ok());
  }
  school.sync("gv.van.1");
  const auto notices = client::lock_notices(laptop.db(), "6A", homeroom);
  const auto* day = client::lock_for(notices, "CC." + hk1.first_day);
  REQUIRE(day);
  CHECK(day->code == "TERM_LOCKED");
  CHECK_THAT(day->reason, Catch::Contains("Chốt sổ học kì I"));
  CHECK(client::lock_for(notices, "CC." + hk1.last_day + ".S"));  // a session of the term's last day
  CHECK(client::lock_for(notices, "HK1.RL"));
  CHECK_FALSE(client::lock_for(notices, "CC." + hk2.first_day));  // HK2 is open
  CHECK_FALSE(client::lock_for(notices, "HK2.RL"));
  // Without the calendar's terms (an older server) no day is placed in a term.
  CHECK_FALSE(client::lock_for(client::LockNotices{notices.locks, {}}, "CC." + hk1.first_day));
}
