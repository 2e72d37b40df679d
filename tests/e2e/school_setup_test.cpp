// A school set up from a curriculum (sodiem-server setup, here on the demo
// school, whose subjects are the THCS programme's): each grade's settings
// reach the server's checks and the teachers' devices; a re-run changes
// nothing; a change that would strand marks is refused whole; an exempt
// student's cells count as complete for progress and signing.
#include <catch2/catch.hpp>
#include <filesystem>

#include "schema_rewind.hpp"
#include "loopback_school.hpp"
#include "sodiem/client/actions.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/curriculum.hpp"
#include "sodiem/server/exemptions.hpp"
#include "sodiem/server/progress.hpp"
#include "sodiem/server/records_check.hpp"
#include "sodiem/server/school_setup.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

server::Curriculum thcs() {
  auto parsed = server::parse_curriculum(*server::shipped_curriculum("thcs"));
  REQUIRE(parsed.curriculum);
  return *parsed.curriculum;
}

Result<server::SetupReport> setup(LoopbackSchool& school, const server::Curriculum& c) {
  auto db = school.server_db();
  return server::apply_curriculum(*db, c, std::nullopt, school.clock, "quantri");
}

server::ProgressRow progress_of(LoopbackSchool& school, const std::string& cls, const std::string& subject) {
  auto db = school.server_db();
  auto rows = server::entry_progress(*db, "HK1");
  REQUIRE(rows.is_ok());
  for (const auto& r : *rows)
    if (r.class_name == cls && r.subject == subject) return r;
  FAIL("no progress row for " << cls << " " << subject);
  return {};
}

}  // namespace

TEST_CASE("set up from the THCS defaults, Công nghệ 8 has three regular assessments on server and devices",
          "[e2e][curriculum]") {
  LoopbackSchool school;
  auto report = setup(school, thcs());
  REQUIRE(report.is_ok());
  CHECK(report->changed);
  CHECK(report->levels == std::vector<std::string>{"THCS"});

  // Grades 8–9 (52 periods): TX3 accepted on the device and by the server.
  auto& grade8 = school.device("gv.congnghe.2");
  school.sync("gv.congnghe.2");
  REQUIRE(grade8.record({"8A", "Công nghệ", "HS8A01", "HK1.TX3"}, "8.5").is_ok());
  school.sync("gv.congnghe.2");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells c JOIN classes k ON k.id = c.class_id "
                             "WHERE k.name = '8A' AND c.col = 'HK1.TX3' AND c.value = '8.5'") == 1);
  // The device's grid and required cells follow the grade too.
  const auto cn8 = grade8.subject("Công nghệ", "8A");
  REQUIRE(cn8);
  CHECK(regular_assessments(*cn8) == 3);

  // Grades 6–7 (35 periods): two, on the device and, for a device that skips
  // its own check, on the server.
  auto& grade6 = school.device("gv.congnghe.1");
  school.sync("gv.congnghe.1");
  CHECK_FALSE(grade6.record({"6A", "Công nghệ", "HS6A01", "HK1.TX3"}, "8").is_ok());
  protocol::Op op;
  op.cell = {"6A", "Công nghệ", "HS6A01", "HK1.TX3"};
  op.value = std::string("8");  // not = "8": GCC 12's false -Wrestrict on assigning a literal
  const auto seq = grade6.queue_op(op);
  school.sync("gv.congnghe.1");
  CHECK(grade6.outcome(seq).first == "INVALID_VALUE");

  // Progress counts three TX per term in 8A: 40 students × (3 + GK + CK).
  CHECK(progress_of(school, "8A", "Công nghệ").required == 200);
  CHECK(progress_of(school, "6A", "Công nghệ").required == 160);
}

TEST_CASE("setup again with the same curriculum changes nothing — stranding marks is refused whole", "[e2e][curriculum]") {
  LoopbackSchool school;
  REQUIRE(setup(school, thcs()).is_ok());
  const auto audit_before = school.server_scalar("SELECT COUNT(*) FROM audit_log");
  const auto roster_before = school.server_scalar("SELECT value FROM meta WHERE key = 'roster_version'");
  auto again = setup(school, thcs());
  REQUIRE(again.is_ok());
  CHECK_FALSE(again->changed);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM audit_log") == audit_before);
  CHECK(school.server_scalar("SELECT value FROM meta WHERE key = 'roster_version'") == roster_before);

  // A mark in Công nghệ 8A TX3, then a curriculum giving grade 8 only 35 periods (2 TX).
  auto& store = school.device("gv.congnghe.2");
  school.sync("gv.congnghe.2");
  REQUIRE(store.record({"8A", "Công nghệ", "HS8A02", "HK1.TX3"}, "7").is_ok());
  school.sync("gv.congnghe.2");
  const auto audit_marked = school.server_scalar("SELECT COUNT(*) FROM audit_log");
  auto fewer = thcs();
  for (auto& s : fewer.subjects)
    if (s.name == "Công nghệ")
      for (auto& g : s.grades) g.periods = 35;
  auto refused = setup(school, fewer);
  REQUIRE_FALSE(refused.is_ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("lớp 8A, môn Công nghệ"));
  CHECK_THAT(refused.status().message(), Catch::Contains("HK1.TX3"));
  CHECK(school.server_scalar("SELECT g.periods_per_year FROM grade_subjects g JOIN subjects s ON s.id = g.subject_id "
                             "WHERE g.grade = 8 AND s.name = 'Công nghệ'") == 52);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM audit_log") == audit_marked);

  // Only the administrator or the HT sets a school up.
  auto db = school.server_db();
  auto forbidden = server::apply_curriculum(*db, fewer, std::nullopt, school.clock, "gv.toan.1");
  REQUIRE_FALSE(forbidden.is_ok());
  CHECK(forbidden.status().code() == ErrorCode::kForbidden);
}

TEST_CASE("an exempt student's cells count as complete for progress and the subject signature", "[e2e][curriculum]") {
  LoopbackSchool school;
  REQUIRE(setup(school, thcs()).is_ok());
  const std::string teacher = "gv.theduc.1";  // Giáo dục thể chất, 6A–7B
  auto& store = school.device(teacher);
  school.sync(teacher);
  // Every required HK1 cell of 6A except HS6A01's.
  for (int i = 2; i <= 40; ++i) {
    char code[16];
    std::snprintf(code, sizeof code, "HS6A%02d", i);
    for (const char* col : {"HK1.TX1", "HK1.TX2", "HK1.GK", "HK1.CK"})
      REQUIRE(store.record({"6A", "Giáo dục thể chất", code, col}, "Đ").is_ok());
  }
  school.sync(teacher);
  auto before = progress_of(school, "6A", "Giáo dục thể chất");
  CHECK(before.filled == before.required - 4);

  // A teacher cannot write the exemption into the book.
  CHECK_FALSE(store.record({"6A", "Giáo dục thể chất", "HS6A01", "HK1.MIEN"}, "ốm").is_ok());
  {
    auto db = school.server_db();
    // Only the HT (or ADMIN for the HT).
    auto no = server::set_exemption(*db, {"6A", "Giáo dục thể chất", "HS6A01", "HK1", "giấy khám sức khỏe"}, teacher, 0);
    CHECK(no.status().code() == ErrorCode::kForbidden);
    auto yes = server::set_exemption(*db, {"6A", "Giáo dục thể chất", "HS6A01", "HK1", "giấy khám sức khỏe"},
                                     "hieutruong", school.clock.now_unix_seconds());
    REQUIRE(yes.is_ok());
    CHECK(yes->size() == 1);
  }
  auto after = progress_of(school, "6A", "Giáo dục thể chất");
  CHECK(after.filled == after.required);

  // The device pulls the exemption; the subject signs with HS6A01 exempt.
  const std::string keys = school.tmp / "keys";
  std::filesystem::create_directories(keys);
  REQUIRE(client::create_signing_key(store, keys, "mật khẩu ký").is_ok());
  school.sync(teacher);
  // Typed as people type: class, term and subject in lower case (the server signs the roster's names).
  auto signed_ = client::sign_step(store, keys, "subject", "6a", "hk1", "giáo dục thể chất", "mật khẩu ký",
                                   [&] { return school.try_sync(store).status(); });
  INFO((signed_.is_ok() ? "" : signed_.status().message()));
  REQUIRE(signed_.is_ok());
  school.sync(teacher);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM confirmations WHERE revoked_at IS NULL") == 1);
  // Its result is "Miễn" on the board, left out of the learning level.
  const auto lines = board::summary_board("HK1", store.class_book("6A"));
  bool shown = false;
  for (const auto& l : lines)
    if (l.student == "HS6A01" && l.column == "Giáo dục thể chất") shown = l.value == board::kExempt;
  CHECK(shown);
  // The exemption is audited and vouched for.
  auto db = school.server_db();
  CHECK(server::verify_records(*db).intact);
  CHECK(server::verify_audit(*db).intact);
}

TEST_CASE("a database from before grade subjects migrates, keeps its school as it was, and can be set up",
          "[e2e][curriculum][sqlite]") {
  LoopbackSchool school;
  auto& store = school.device("gv.congnghe.2");
  school.sync("gv.congnghe.2");
  REQUIRE(store.record({"8A", "Công nghệ", "HS8A01", "HK1.TX2"}, "9").is_ok());
  school.sync("gv.congnghe.2");
  // As a server of the previous release left it: schema 18, no grade_subjects.
  {
    auto db = school.server_db();
    rewind_access_seal(*db);
    db->exec("DROP TABLE grade_subjects; PRAGMA user_version=18");
  }
  school.restart();  // opens (and migrates) the database again
  CHECK(school.server_scalar("PRAGMA user_version") >= 19);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM grade_subjects") == 0);
  // Every subject as before: Công nghệ 8 has two TX.
  school.sync("gv.congnghe.2");
  CHECK_FALSE(store.record({"8A", "Công nghệ", "HS8A01", "HK1.TX3"}, "9").is_ok());
  CHECK(progress_of(school, "8A", "Công nghệ").required == 160);
  REQUIRE(setup(school, thcs()).is_ok());
  school.sync("gv.congnghe.2");
  CHECK(store.record({"8A", "Công nghệ", "HS8A01", "HK1.TX3"}, "9").is_ok());
  CHECK(progress_of(school, "8A", "Công nghệ").required == 200);
}
