// Server-side permissions through the real sync path: every role × every kind
// of write, allowed and refused; and partial sync (a user's local database
// holds only what that user may read).
#include <catch2/catch.hpp>
#include <set>

#include "audited_write.hpp"
#include "loopback_school.hpp"
#include "sodiem/server/history.hpp"
#include "sodiem/server/progress.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using client::LocalStore;

namespace {

std::int64_t count(LocalStore& store, const std::string& sql) {
  auto s = store.db().prepare(sql);
  REQUIRE(s.step());
  return s.int64(0);
}

const std::string kCN(protocol::kHomeroomSubject);

}  // namespace

TEST_CASE("permission matrix: every role × every kind of write, through sync", "[e2e]") {
  LoopbackSchool school;
  struct Row {
    std::string user;
    protocol::CellKey cell;
    std::string value;
    std::string expect;
  };
  const std::vector<Row> rows = {
      // subject teacher (GVBM) of Toán 6A–7B, homeroom (GVCN) of 6B, head of the maths department (TTCM)
      {"gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.TX1"}, "8", "OK"},
      {"gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.NX"}, "Tính toán cẩn thận", "OK"},
      {"gv.toan.1", {"8A", "Toán", "HS8A01", "HK1.TX1"}, "8", "FORBIDDEN"},          // not assigned to 8A
      {"gv.toan.1", {"6A", "Ngữ văn", "HS6A01", "HK1.TX1"}, "8", "FORBIDDEN"},       // not their subject
      {"gv.toan.1", {"6A", "Khoa học tự nhiên", "HS6A01", "HK1.TX1"}, "8", "FORBIDDEN"},  // TTCM reads, does not write
      {"gv.toan.1", {"6B", kCN, "HS6B01", "HK1.RL"}, "Tốt", "OK"},                   // homeroom: conduct
      {"gv.toan.1", {"6B", kCN, "HS6B01", "CC.2026-11-23"}, "P", "OK"},              // homeroom: attendance
      {"gv.toan.1", {"6B", kCN, "HS6B01", "HK1.NXCN"}, "Ngoan, chăm học", "OK"},     // homeroom: comment
      {"gv.toan.1", {"6A", kCN, "HS6A01", "HK1.RL"}, "Tốt", "FORBIDDEN"},            // not homeroom of 6A
      {"gv.toan.1", {"6A", "Toán", "HS6B01", "HK1.TX1"}, "8", "INVALID_VALUE"},      // student of another class
      {"gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.TX2"}, "11", "INVALID_VALUE"},
      {"gv.toan.1", {"6Z", "Toán", "HS6A01", "HK1.TX2"}, "8", "INVALID_VALUE"},
      // comment-only subject
      {"gv.theduc.1", {"6A", "Giáo dục thể chất", "HS6A01", "HK1.TX1"}, "Đ", "OK"},
      {"gv.theduc.1", {"6A", "Giáo dục thể chất", "HS6A01", "HK1.TX2"}, "8", "INVALID_VALUE"},
      // leadership, administration and clerks read; they do not write marks or homeroom data
      {"hieutruong", {"6A", "Toán", "HS6A02", "HK1.TX1"}, "8", "FORBIDDEN"},
      {"hieutruong", {"6A", kCN, "HS6A02", "HK1.RL"}, "Tốt", "FORBIDDEN"},
      {"phohieutruong", {"6A", "Toán", "HS6A02", "HK1.TX1"}, "8", "FORBIDDEN"},
      {"quantri", {"6A", "Toán", "HS6A02", "HK1.TX1"}, "8", "FORBIDDEN"},
      {"quantri", {"6A", kCN, "HS6A02", "CC.2026-11-23"}, "K", "FORBIDDEN"},
      {"vanthu", {"6A", "Toán", "HS6A02", "HK1.TX1"}, "8", "FORBIDDEN"},
      {"gv.van.1", {"6A", "Toán", "HS6A03", "HK1.TX1"}, "8", "FORBIDDEN"},           // homeroom of 6A reads Toán only
      {"gv.van.1", {"6A", kCN, "HS6A03", "HK1.RL"}, "Khá", "OK"},
  };
  std::vector<std::int64_t> seqs;
  std::set<std::string> users;
  for (const auto& r : rows) {
    seqs.push_back(queue_unchecked(school.device(r.user), r.cell, r.value));
    users.insert(r.user);
  }
  // A refusal never blocks the ops behind it: each device also sends a last op it may write, or none.
  const auto tail = queue_unchecked(school.device("gv.toan.1"), {"7A", "Toán", "HS7A05", "HK2.CK"}, "9.5");
  for (const auto& user : users) school.sync(user);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO(rows[i].user << " " << rows[i].cell.class_name << " " << rows[i].cell.subject << " " << rows[i].cell.column);
    CHECK(outcome_of(school.device(rows[i].user), seqs[i]) == rows[i].expect);
  }
  CHECK(outcome_of(school.device("gv.toan.1"), tail) == "OK");
  // Refusals carry a reason the teacher can read.
  auto s = school.device("hieutruong").db().prepare("SELECT reason FROM outbox WHERE code = 'FORBIDDEN'");
  REQUIRE(s.step());
  CHECK_THAT(s.text(0), Catch::Contains("không được phân công"));
}

TEST_CASE("partial sync: each user's local database holds only what they may read", "[e2e]") {
  LoopbackSchool school;
  auto write = [&](const std::string& user, const protocol::CellKey& cell, const std::string& value) {
    auto r = school.device(user).record(cell, value);
    INFO(r.status().message());
    REQUIRE(r.is_ok());
  };
  write("gv.toan.1", {"6A", "Toán", "HS6A01", "HK1.TX1"}, "8");
  write("gv.van.1", {"6A", "Ngữ văn", "HS6A01", "HK1.TX1"}, "7");
  write("gv.toan.2", {"8A", "Toán", "HS8A01", "HK1.TX1"}, "6");
  write("gv.toan.1", {"6B", kCN, "HS6B01", "HK1.RL"}, "Tốt");
  write("gv.anh.2", {"9A", "Ngoại ngữ 1", "HS9A01", "HK1.GK"}, "9");
  for (const char* u : {"gv.toan.1", "gv.van.1", "gv.toan.2", "gv.anh.2"}) school.sync(u);
  for (const char* u : {"hieutruong", "gv.gdcd.2", "gv.toan.1", "gv.van.1", "gv.anh.2"}) school.sync(u);

  auto cells = [&](const std::string& user) {
    std::set<std::string> out;
    auto s = school.device(user).db().prepare("SELECT class_name || ' ' || subject FROM cells");
    while (s.step()) out.insert(s.text(0));
    return out;
  };
  using Set = std::set<std::string>;
  // The principal reads everything.
  CHECK(cells("hieutruong") == Set{"6A Toán", "6A Ngữ văn", "8A Toán", "6B " + kCN, "9A Ngoại ngữ 1"});
  // A subject teacher of GDCD 8A–9B, homeroom of 9B: nothing of the above.
  CHECK(cells("gv.gdcd.2").empty());
  CHECK(count(school.device("gv.gdcd.2"), "SELECT COUNT(*) FROM students WHERE class_name NOT IN ('8A','8B','9A','9B')") == 0);
  // Toán 6A–7B, homeroom 6B, head of the maths department (reads Toán in every class).
  CHECK(cells("gv.toan.1") == Set{"6A Toán", "8A Toán", "6B " + kCN});
  // Ngữ văn 6A–7B, homeroom of 6A (reads every subject of 6A, not 6B's homeroom cells).
  CHECK(cells("gv.van.1") == Set{"6A Toán", "6A Ngữ văn"});
  // English 8A–9B, homeroom of 9A.
  CHECK(cells("gv.anh.2") == Set{"9A Ngoại ngữ 1"});
}

TEST_CASE("a cell's history shows every version, refusal and author", "[e2e]") {
  LoopbackSchool school;
  auto& laptop = school.device("gv.toan.1");
  REQUIRE(laptop.record({"6A", "Toán", "HS6A01", "HK1.GK"}, "6").is_ok());
  school.sync("gv.toan.1");
  REQUIRE(laptop.record({"6A", "Toán", "HS6A01", "HK1.GK"}, "7,5").is_ok());
  queue_unchecked(laptop, {"6A", "Toán", "HS6A01", "HK1.GK"}, "12");  // refused by the server
  REQUIRE(laptop.record({"6A", "Toán", "HS6A01", "HK1.GK"}, "8").is_ok());  // typed after it, same second
  school.sync("gv.toan.1");
  auto db = school.server_db();
  auto h = server::cell_history(*db, "6A", "Toán", "HS6A01", "HK1.GK");
  REQUIRE(h.is_ok());
  REQUIRE(h->size() == 4);
  CHECK((*h)[0].old_value == "");
  CHECK((*h)[0].new_value == "6");
  CHECK((*h)[1].old_value == "6");
  CHECK((*h)[1].new_value == "7.5");
  CHECK((*h)[1].author == "gv.toan.1");
  CHECK_THAT((*h)[1].device, Catch::Contains("gv.toan.1"));  // the device name given at enrollment
  CHECK((*h)[2].outcome == "INVALID_VALUE");
  CHECK((*h)[2].new_value == "12");
  CHECK_THAT((*h)[2].reason, Catch::Contains("0 đến 10"));
  CHECK((*h)[3].old_value == "7.5");  // in the order typed, the refusal between
  CHECK((*h)[3].new_value == "8");
  CHECK_FALSE(server::cell_history(*db, "6A", "Toán", "HS9Z99", "HK1.GK").is_ok());
}

TEST_CASE("progress counts the required cells filled per class and subject", "[e2e]") {
  LoopbackSchool school;
  auto& laptop = school.device("gv.toan.1");
  for (const char* col : {"HK1.TX1", "HK1.TX2", "HK1.GK", "HK1.NX", "HK2.TX1"})
    REQUIRE(laptop.record({"6A", "Toán", "HS6A01", col}, std::string(col) == "HK1.NX" ? "Chăm" : "8").is_ok());
  REQUIRE(laptop.record({"6A", "Toán", "HS6A02", "HK1.CK"}, "").is_ok());  // cleared: not filled
  school.sync("gv.toan.1");
  auto db = school.server_db();
  auto rows = server::entry_progress(*db, "HK1");
  REQUIRE(rows.is_ok());
  const server::ProgressRow* toan = nullptr;
  const server::ProgressRow* gdcd = nullptr;
  for (const auto& r : *rows) {
    if (r.class_name == "6A" && r.subject == "Toán") toan = &r;
    if (r.class_name == "6A" && r.subject == "Giáo dục công dân") gdcd = &r;
  }
  REQUIRE(toan);
  CHECK(toan->required == 40 * 6);  // 4 regular (140 periods) + mid-term + end-term
  CHECK(toan->filled == 3);         // the comment, HK2 and the cleared cell do not count
  CHECK(toan->teachers == "gv.toan.1");
  {
    auto t = db->prepare("SELECT entry_closes_on FROM terms WHERE code = 'HK1'");
    REQUIRE(t.step());
    CHECK(toan->deadline == t.text(0));
  }
  REQUIRE(gdcd);
  CHECK(gdcd->required == 40 * 4);  // 35 periods: 2 regular
  CHECK_FALSE(server::entry_progress(*db, "HK3").is_ok());

  // A student who moved to 6B: their 6A marks are no longer 6A's progress,
  // and 6A needs one student's cells fewer (never over 100 %).
  audited_write(*db, [&] {
    db->prepare("UPDATE students SET class_id = (SELECT id FROM classes WHERE name = '6B') WHERE code = 'HS6A01'").run();
  });
  auto moved = server::entry_progress(*db, "HK1");
  REQUIRE(moved.is_ok());
  for (const auto& r : *moved)
    if (r.class_name == "6A" && r.subject == "Toán") {
      CHECK(r.required == 39 * 6);
      CHECK(r.filled == 0);
    }

  // A student who left the school (still listed in 6A, status left) is not
  // counted either; a subject of 6A that nobody teaches is still required
  // of 6A: a row without a teacher, nothing filled.
  audited_write(*db, [&] {
    db->prepare("UPDATE students SET status = 'left' WHERE code = 'HS6A02'").run();
    db->prepare("DELETE FROM teaching_assignments WHERE class_id = (SELECT id FROM classes WHERE name = '6A') "
                "AND subject_id = (SELECT id FROM subjects WHERE name = 'Tin học')").run();
  });
  auto left = server::entry_progress(*db, "HK1");
  REQUIRE(left.is_ok());
  const server::ProgressRow* tin = nullptr;
  for (const auto& r : *left) {
    if (r.class_name == "6A" && r.subject == "Toán") CHECK(r.required == 38 * 6);
    if (r.class_name == "6A" && r.subject == "Tin học") tin = &r;
  }
  REQUIRE(tin);
  CHECK(tin->required == 38 * 4);
  CHECK(tin->filled == 0);
  CHECK(tin->teachers.empty());
}
