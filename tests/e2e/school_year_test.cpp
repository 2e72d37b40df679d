// The school year's life on the demo school over real sync: a student who
// changes class mid-year takes their marks along (and the audit trail
// vouches for the copies; the old class's teachers are told); `year new` archives the old year as a checked,
// read-only data directory, promotes classes, carries students forward
// (promoted, retained, graduated), lifts the old year's locks; a device
// that was offline across the rollover has its old-year edits refused and
// kept, never written into the new year, and forgets the old year's cells
// after keeping a copy.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "audited_write.hpp"
#include "schema_rewind.hpp"
#include "loopback_school.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/confirmations.hpp"
#include "sodiem/server/records_check.hpp"
#include "sodiem/server/roster_io.hpp"
#include "sodiem/server/school_year.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/transfer.hpp"

using namespace sodiem;
using namespace sodiem::testing;
namespace fs = std::filesystem;

namespace {

std::string shown(client::LocalStore& store, const std::string& cls, const std::string& subject,
                  const std::string& student, const std::string& column) {
  for (const auto& row : store.show(cls, subject))
    if (row.code == student)
      for (const auto& [col, value] : row.cells)
        if (col == column) return value;
  return "";
}

bool in_roster(client::LocalStore& store, const std::string& cls, const std::string& subject, const std::string& student) {
  for (const auto& row : store.show(cls, subject))
    if (row.code == student) return true;
  return false;
}

server::ImportReport move_to(LoopbackSchool& school, const std::string& code, const std::string& name,
                             const std::string& cls) {
  auto db = school.server_db();
  std::istringstream csv("Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n" + code + "," + name + ",01/09/2014,Nam," +
                         cls + "\n");
  return server::import_students(*db, csv, "quantri");
}

std::string next_year_name(store::Db& db) {
  const std::string now = server::current_year_name(db);
  const int y = std::stoi(now.substr(0, 4)) + 1;
  return std::to_string(y) + "-" + std::to_string(y + 1);
}

Result<server::NewYearReport> new_year(LoopbackSchool& school, std::map<std::string, server::YearOutcome> outcomes,
                                       bool force = true) {
  auto db = school.server_db();
  server::NewYearRequest r{*server::default_year(next_year_name(*db)), std::move(outcomes), school.demo.dir, force};
  return server::start_new_year(*db, r, school.clock, "quantri");
}

}  // namespace

TEST_CASE("a student who changes class mid-year takes their marks along", "[e2e][school_year]") {
  LoopbackSchool school;
  auto& teacher = school.device("gv.toan.1");  // Toán 6A, 6B, 7A, 7B; homeroom of 6B
  auto& homeroom_6a = school.device("gv.van.1");
  school.sync("gv.toan.1");
  school.sync("gv.van.1");
  REQUIRE(teacher.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "8.5").is_ok());
  REQUIRE(teacher.record({"6A", "Toán", "HS6A01", "HK1.GK"}, "7").is_ok());
  REQUIRE(homeroom_6a.record({"6A", "Chủ nhiệm", "HS6A01", "HK1.RL"}, "Tốt").is_ok());  // conduct
  school.sync("gv.toan.1");
  school.sync("gv.van.1");

  std::string full_name;
  {
    auto db = school.server_db();
    auto s = db->prepare("SELECT full_name FROM students WHERE code = 'HS6A01'");
    REQUIRE(s.step());
    full_name = s.text(0);
  }
  auto report = move_to(school, "HS6A01", full_name, "6B");
  REQUIRE(report.ok);
  REQUIRE(report.moves.size() == 1);
  CHECK_THAT(report.moves[0], Catch::Contains("6A → 6B") && Catch::Contains("3 ô điểm"));

  // Server: the marks are in 6B now, still in 6A's history; the trail vouches for both.
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells c JOIN classes k ON k.id = c.class_id JOIN students s "
                             "ON s.id = c.student_id WHERE k.name = '6B' AND s.code = 'HS6A01' AND c.value != ''") == 3);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells c JOIN classes k ON k.id = c.class_id JOIN students s "
                             "ON s.id = c.student_id WHERE k.name = '6A' AND s.code = 'HS6A01' AND c.value != ''") == 3);
  {
    auto db = school.server_db();
    CHECK(server::verify_records(*db).intact);
    CHECK(server::verify_audit(*db).intact);
  }

  // The teacher's device: HS6A01 is in 6B with its marks, no longer in 6A.
  school.sync("gv.toan.1");
  CHECK(shown(teacher, "6B", "Toán", "HS6A01", "HK1.TX1") == "8.5");
  CHECK(shown(teacher, "6B", "Toán", "HS6A01", "HK1.GK") == "7");
  CHECK_FALSE(in_roster(teacher, "6A", "Toán", "HS6A01"));
  // As homeroom teacher of 6B they see the conduct that came along.
  CHECK(shown(teacher, "6B", "Chủ nhiệm", "HS6A01", "HK1.RL") == "Tốt");
  // The old class's teachers are told, on their next sync (the inbox): its
  // subject teacher and its homeroom teacher; a teacher of other classes not.
  const auto told = teacher.move_notices();
  REQUIRE(told.size() == 1);
  CHECK(told[0].student_code == "HS6A01");
  CHECK(told[0].student_name == full_name);
  CHECK(told[0].from_class == "6A");
  CHECK(told[0].to_class == "6B");
  CHECK(told[0].at <= school.clock.now_unix_seconds());
  CHECK(told[0].at > school.clock.now_unix_seconds() - 3600);
  school.sync("gv.van.1");
  CHECK(homeroom_6a.move_notices().size() == 1);
  auto& elsewhere = school.device("gv.toan.2");  // Toán 8A–9B
  school.sync("gv.toan.2");
  CHECK(elsewhere.move_notices().empty());

  // A later mark goes to 6B; a mark still aimed at 6A is refused and kept.
  REQUIRE(teacher.record({"6B", "Toán", "HS6A01", "HK1.TX2"}, "9").is_ok());
  const auto stale = queue_unchecked(teacher, {"6A", "Toán", "HS6A01", "HK1.TX3"}, "6");
  school.sync("gv.toan.1");
  CHECK(outcome_of(teacher, stale) == "INVALID_VALUE");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM op_outcomes WHERE value = '6' AND col = 'HK1.TX3'") == 1);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells c JOIN classes k ON k.id = c.class_id WHERE k.name = '6B' "
                             "AND c.col = 'HK1.TX2' AND c.value = '9'") == 1);
}

TEST_CASE("year new: the old year archived read-only, classes promoted, students carried forward",
          "[e2e][school_year]") {
  LoopbackSchool school;
  auto& teacher = school.device("gv.toan.1");
  school.sync("gv.toan.1");
  REQUIRE(teacher.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "8").is_ok());
  school.sync("gv.toan.1");
  school.freeze("hieutruong", "HK1");
  // Offline across the rollover: typed in the old year, sent after it.
  REQUIRE(teacher.record({"6A", "Toán", "HS6A03", "HK2.TX1"}, "9").is_ok());

  // Not every class's year result is approved: refused unless forced.
  auto refused = new_year(school, {}, /*force=*/false);
  REQUIRE_FALSE(refused.is_ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("chưa phê duyệt") && Catch::Contains("6A"));
  const std::string old_year = server::current_year_name(*school.server_db());

  auto report = new_year(school, {{"HS6A02", server::YearOutcome::kRetained}, {"HS7B05", server::YearOutcome::kLeft}});
  REQUIRE(report.is_ok());
  CHECK(report->old_year == old_year);
  CHECK(report->retained == 1);
  CHECK(report->left == 1);
  CHECK(report->graduated == 80);  // 9A and 9B
  CHECK(report->promoted == 320 - 80 - 2);

  // Classes: this year's are 7A–9B plus 6A for the retained student; each student where expected.
  auto db = school.server_db();
  auto class_of = [&](const std::string& code) {
    auto s = db->prepare("SELECT c.name FROM students s JOIN current_classes c ON c.id = s.class_id WHERE s.code = ? "
                         "AND s.status = 'active'");
    s.bind(1, code);
    return s.step() ? s.text(0) : std::string("-");
  };
  CHECK(class_of("HS6A01") == "7A");
  CHECK(class_of("HS6A02") == "6A");
  CHECK(class_of("HS8B10") == "9B");
  CHECK(class_of("HS9A01") == "-");
  CHECK(class_of("HS7B05") == "-");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM students WHERE status = 'graduated'") == 80);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM current_classes") == 7);
  // The old year's marks stay where they were, vouched for; its locks are lifted.
  CHECK(server::verify_records(*db).intact);
  CHECK(server::verify_audit(*db).intact);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM locks WHERE removed_at IS NULL") == 0);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'year_new'") == 1);

  // The archive: a checked copy, marked, refusing a second rollover.
  const std::string archive = school.demo.dir + "/years/" + old_year;
  REQUIRE(report->archive_dir == archive);
  {
    auto old = server::open_server_db(server::DataPaths{archive}.db());
    CHECK(server::archived_year(*old) == old_year);
    auto s = old->prepare("SELECT COUNT(*) FROM students s JOIN current_classes c ON c.id = s.class_id "
                          "WHERE c.name = '6A' AND s.status = 'active'");
    REQUIRE(s.step());
    CHECK(s.int64(0) == 40);
    server::NewYearRequest again{*server::default_year("2099-2100"), {}, archive, true};
    auto second = server::start_new_year(*old, again, school.clock, "quantri");
    REQUIRE_FALSE(second.is_ok());
    CHECK_THAT(second.status().message(), Catch::Contains("lưu trữ"));
  }

  // The offline device: its old-year mark is refused and kept, not written
  // into the new year's 6A (where HS6A03 is not, but HS6A02 is).
  school.sync("gv.toan.1");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM op_outcomes WHERE code = 'TERM_LOCKED' AND value = '9' "
                             "AND col = 'HK2.TX1'") == 1);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells WHERE col = 'HK2.TX1' AND value = '9'") == 0);
  CHECK(teacher.school_year() == report->new_year);
  // The old year's cells left the device, a copy of them kept.
  {
    auto s = teacher.db().prepare("SELECT COUNT(*) FROM cells WHERE class_name = '6A' AND student_code = 'HS6A01'");
    REQUIRE(s.step());
    CHECK(s.int64(0) == 0);
  }
  CHECK(fs::exists(fs::path(school.tmp / "device-gv.toan.1") / "years" / old_year / "client.db"));
  // The new year's roster: HS6A01 in 7A (the teacher heads the department,
  // so sees it), and no teaching assignment of the new year yet.
  CHECK(in_roster(teacher, "7A", "Toán", "HS6A01"));
  {
    auto s = teacher.db().prepare("SELECT COUNT(*) FROM assignments");
    REQUIRE(s.step());
    CHECK(s.int64(0) == 0);
  }

  // Next sync: a mark typed now is of the new year — refused only for the
  // missing assignment, never for the year.
  const auto now_seq = queue_unchecked(teacher, {"7A", "Toán", "HS6A01", "HK1.TX1"}, "7");
  school.sync("gv.toan.1");
  CHECK(outcome_of(teacher, now_seq) == "FORBIDDEN");
}

TEST_CASE("promoted class names follow the grade", "[unit][school_year]") {
  CHECK(server::promoted_class_name("6A", 6) == "7A");
  CHECK(server::promoted_class_name("10A2", 10) == "11A2");
  CHECK(server::promoted_class_name("1A", 1) == "2A");
  CHECK(server::promoted_class_name("12A", 1).empty());
  CHECK(server::promoted_class_name("A6", 6).empty());
  CHECK(server::promoted_class_name("6", 6).empty());
  CHECK(server::parse_year_outcome("Ở lại lớp") == server::YearOutcome::kRetained);
  CHECK(server::parse_year_outcome("  o-lai ") == server::YearOutcome::kRetained);
  CHECK(server::parse_year_outcome("NGHỈ HỌC") == server::YearOutcome::kLeft);
  CHECK_FALSE(server::parse_year_outcome("lên"));
}

TEST_CASE("a database from before school years migrates: its classes join the current year, nothing else changes",
          "[e2e][school_year][sqlite]") {
  LoopbackSchool school;
  auto& teacher = school.device("gv.toan.1");
  school.sync("gv.toan.1");
  REQUIRE(teacher.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "8").is_ok());
  school.sync("gv.toan.1");
  {
    // As the previous release left it: schema 19, classes UNIQUE(name), no year.
    auto db = school.server_db();
    rewind_access_seal(*db);
    db->exec("PRAGMA foreign_keys=OFF; BEGIN; DROP VIEW current_classes; "
             "CREATE TABLE old_classes(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, grade INTEGER NOT NULL, "
             "sessions_per_day INTEGER NOT NULL DEFAULT 1); "
             "INSERT INTO old_classes SELECT id, name, grade, sessions_per_day FROM classes; DROP TABLE classes; "
             "ALTER TABLE old_classes RENAME TO classes; PRAGMA user_version=19; COMMIT; PRAGMA foreign_keys=ON;");
  }
  const auto cells = school.server_scalar("SELECT COUNT(*) FROM cells");
  school.restart();
  CHECK(school.server_scalar("PRAGMA user_version") >= 20);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM classes WHERE school_year_id = "
                             "(SELECT id FROM school_years WHERE current = 1)") == 8);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM pragma_foreign_key_check") == 0);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells") == cells);
  REQUIRE(teacher.record({"6A", "Toán", "HS6A01", "HK1.TX2"}, "9").is_ok());
  school.sync("gv.toan.1");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells c JOIN current_classes k ON k.id = c.class_id "
                             "WHERE k.name = '6A' AND c.col = 'HK1.TX2' AND c.value = '9'") == 1);
  auto db = school.server_db();
  CHECK(server::verify_records(*db).intact);
}

TEST_CASE("a transfer packet carries a student's year to another school, signed — tampering and another year refused",
          "[e2e][school_year]") {
  LoopbackSchool from;
  auto& teacher = from.device("gv.toan.1");
  from.sync("gv.toan.1");
  REQUIRE(teacher.record({"6A", "Toán", "HS6A05", "HK1.TX1"}, "8.5").is_ok());
  REQUIRE(teacher.record({"6A", "Toán", "HS6A05", "HK1.NX"}, "Chăm chỉ, tiến bộ").is_ok());
  from.sync("gv.toan.1");
  const std::string packet = from.tmp / "HS6A05.json";
  {
    auto db = from.server_db();
    auto out = server::transfer_out(*db, from.demo.dir, "HS6A05", "Trường THCS Bình Minh", packet, from.clock, "quantri");
    REQUIRE(out.is_ok());
    CHECK(out->cells == 2);
    CHECK(server::verify_records(*db).intact);
    CHECK(server::verify_audit(*db).intact);
  }
  CHECK(from.server_scalar("SELECT status = 'transferred' FROM students WHERE code = 'HS6A05'") == 1);
  // The teacher's roster no longer lists the student; the marks stay in the class's records.
  from.sync("gv.toan.1");
  CHECK_FALSE(in_roster(teacher, "6A", "Toán", "HS6A05"));
  CHECK(from.server_scalar("SELECT COUNT(*) FROM cells c JOIN students s ON s.id = c.student_id "
                           "WHERE s.code = 'HS6A05' AND c.value != ''") == 2);
  // What the 6A Toán teacher signs is the same on the server, on the device
  // that holds the student's old cells and on a new device that never saw them.
  {
    auto db = from.server_db();
    auto ids = db->prepare("SELECT (SELECT id FROM current_classes WHERE name = '6A'), (SELECT id FROM subjects WHERE name = 'Toán')");
    REQUIRE(ids.step());
    const std::string on_server = server::server_document(*db, ids.int64(0), ids.int64(1), "HK1", "subject");
    auto& fresh = from.device("gv.toan.1", "may-moi");
    REQUIRE(from.try_sync(fresh).is_ok());
    CHECK(*teacher.confirmation_document("6A", "Toán", "HK1", "subject") == on_server);
    CHECK(*fresh.confirmation_document("6A", "Toán", "HK1", "subject") == on_server);
    CHECK(on_server.find("HS6A05") == std::string::npos);
  }

  LoopbackSchool to;
  auto admit = [&](const std::string& path) {
    auto db = to.server_db();
    return server::transfer_in(*db, path, "6B", to.clock, "quantri");
  };
  // The demo school has its own HS6A05: a code clash is refused, nothing changes.
  const auto students = to.server_scalar("SELECT COUNT(*) FROM students");
  auto clash = admit(packet);
  REQUIRE_FALSE(clash.is_ok());
  CHECK_THAT(clash.status().message(), Catch::Contains("đã có học sinh mã HS6A05"));
  CHECK(to.server_scalar("SELECT COUNT(*) FROM students") == students);
  {
    auto db = to.server_db();
    audited_write(*db, [&] { db->exec("UPDATE students SET code = 'HS6A05-CU' WHERE code = 'HS6A05'"); });
  }

  // A packet changed after signing is refused.
  std::string text;
  {
    std::ifstream in(packet);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  {
    std::string forged = text;
    const auto at = forged.find("\"8.5\"");
    REQUIRE(at != std::string::npos);
    forged.replace(at, 5, "\"9.5\"");
    std::ofstream(to.tmp / "forged.json") << forged;
    auto r = admit(to.tmp / "forged.json");
    REQUIRE_FALSE(r.is_ok());
    CHECK_THAT(r.status().message(), Catch::Contains("chữ ký số không hợp lệ"));
  }
  for (const std::string& bad : {std::string(2 << 20, ' '), std::string(50, '[') + std::string(50, ']'), std::string("\xff")}) {
    std::ofstream(to.tmp / "bad.json", std::ios::binary) << bad;
    auto r = admit(to.tmp / "bad.json");
    CHECK_FALSE(r.is_ok());
  }
  CHECK(to.server_scalar("SELECT COUNT(*) FROM students") == students);

  auto admitted = admit(packet);
  REQUIRE(admitted.is_ok());
  CHECK(admitted->versions.size() == 2);
  CHECK(admitted->left_behind.empty());
  CHECK(to.server_scalar("SELECT COUNT(*) FROM cells c JOIN students s ON s.id = c.student_id JOIN classes k ON "
                         "k.id = c.class_id WHERE s.code = 'HS6A05' AND k.name = '6B' AND c.col = 'HK1.TX1' AND "
                         "c.value = '8.5'") == 1);
  {
    auto db = to.server_db();
    CHECK(server::verify_records(*db).intact);
    CHECK(server::verify_audit(*db).intact);
  }
  // The 6B teacher pulls the admitted marks.
  auto& receiving = to.device("gv.toan.1");
  to.sync("gv.toan.1");
  CHECK(shown(receiving, "6B", "Toán", "HS6A05", "HK1.TX1") == "8.5");

  // After the next school year began, the packet is refused: its marks are the old school's record.
  {
    auto db = from.server_db();
    REQUIRE(server::start_new_year(*db, {*server::default_year(next_year_name(*db)), {}, from.demo.dir, true},
                                   from.clock, "quantri")
                .is_ok());
    REQUIRE(server::transfer_out(*db, from.demo.dir, "HS7A01", "Trường X", from.tmp / "next.json", from.clock, "quantri")
                .is_ok());
  }
  auto other_year = admit(from.tmp / "next.json");
  REQUIRE_FALSE(other_year.is_ok());
  CHECK_THAT(other_year.status().message(), Catch::Contains("năm học"));
}
