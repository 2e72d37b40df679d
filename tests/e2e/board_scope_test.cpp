// How much of a class the teacher's device holds, and so what its board may
// claim: the roster's `wc` (the server's UserAccess::reads_whole_class) tells
// a homeroom teacher's or a principal's device it holds the whole class, a
// subject teacher's that it holds only their subjects; the board of those
// then lists only their missing cells and is never complete or signable.
// An older server's roster (no `wc`): homeroom classes whole, as before. An
// archived year's copy (DATA/years/NAME) signs nothing. Real SQLite (or the
// pg fixture's PostgreSQL), real sync, real clients.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "loopback_school.hpp"
#include "loopback_transport.hpp"
#include "sodiem/client/actions.hpp"
#include "sodiem/client/board_report.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "sodiem/core/required_cells.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

// Every required HK1 cell of `subject` in `cls` on the user's device.
void fill(LoopbackSchool& school, const std::string& user, const std::string& cls, const std::string& subject) {
  auto& store = school.device(user);
  const auto info = store.subject(subject, cls);
  REQUIRE(info);
  std::vector<std::pair<protocol::CellKey, std::string>> edits;
  for (const auto& st : store.show(cls, subject))
    for (const auto& col : board::required_columns(*info, "HK1")) edits.push_back({{cls, subject, st.code, col}, "8"});
  for (const auto& r : store.record_batch(edits)) REQUIRE(r.is_ok());
}

bool has_subject(const std::vector<board::MissingCell>& missing, const std::string& subject) {
  return std::any_of(missing.begin(), missing.end(), [&](const auto& m) { return m.subject == subject; });
}

}  // namespace

TEST_CASE("a subject teacher's board of a class they do not head shows their subjects only, never signable",
          "[e2e][board]") {
  LoopbackSchool school;
  // gv.toan.2 teaches Toán in 8A–9B and heads 8B; gv.van.2 heads 8A.
  fill(school, "gv.toan.2", "8A", "Toán");
  fill(school, "gv.van.2", "8A", "Ngữ văn");
  school.sync("gv.toan.2");
  school.sync("gv.van.2");
  school.sync("gv.toan.2");
  auto& toan = school.device("gv.toan.2");

  // The server's own rule, through the roster: the class they head, not the others.
  CHECK(toan.sees_whole_class("8B"));
  CHECK_FALSE(toan.sees_whole_class("8A"));
  CHECK_FALSE(toan.sees_whole_class("9A"));
  const auto partial = client::board_report(toan, "8A", "HK1");
  CHECK_FALSE(partial.whole_class);
  CHECK(partial.subjects == std::vector<std::string>{"Toán"});
  CHECK(partial.missing.empty());  // Toán is all there; Ngữ văn and the conduct are not this device's
  CHECK_FALSE(partial.complete());
  CHECK_FALSE(partial.signable());
  REQUIRE(partial.students.size() == 40);
  for (const auto& st : partial.students) {
    REQUIRE(st.results.size() == 1);
    CHECK(st.results[0] == std::pair<std::string, std::string>{"Toán", "8.0"});
  }
  const auto json = client::board_json(partial);
  CHECK(json["complete"] == false);
  CHECK(json["signable"] == false);
  CHECK(json["whole_class"] == false);
  CHECK(json["subjects"] == nlohmann::json::array({"Toán"}));
  CHECK(json["missing"].empty());
  const auto text = client::board_text(partial);
  CHECK_THAT(text, Catch::Contains("Bảng này chỉ gồm các môn của bạn (Toán), không phải cả lớp 8A") &&
                       Catch::Contains("Các môn của bạn đã đủ điểm và đánh giá bắt buộc.") &&
                       Catch::Contains("Toán: 8,0") && !Catch::Contains("có thể được ký") &&
                       !Catch::Contains("Ngữ văn"));
  // A cell of their own subject emptied: named; still nobody else's.
  REQUIRE(toan.record({"8A", "Toán", partial.students[0].code, "HK1.GK"}, "").is_ok());
  const auto one_missing = client::board_report(toan, "8A", "HK1");
  REQUIRE(one_missing.missing.size() == 1);
  CHECK(one_missing.missing[0].subject == "Toán");
  CHECK_THAT(client::board_text(one_missing), Catch::Contains("Các môn của bạn còn 1 ô bắt buộc") &&
                                                  !Catch::Contains("Chưa thể ký xác nhận"));

  // The class they head: the whole board as before (every subject, the conduct).
  const auto head = client::board_report(toan, "8B", "HK1");
  CHECK(head.whole_class);
  CHECK(head.subjects.empty());
  CHECK(has_subject(head.missing, "Ngữ văn"));
  CHECK(has_subject(head.missing, std::string(protocol::kHomeroomSubject)));
  CHECK_FALSE(client::board_json(head).contains("subjects"));
  // 8A's homeroom teacher and the principal see 8A whole: Toán and Ngữ văn
  // there, the other subjects and the conduct missing.
  for (const char* user : {"gv.van.2", "hieutruong"}) {
    school.sync(user);
    auto& store = school.device(user);
    INFO(user);
    CHECK(store.sees_whole_class("8A"));
    const auto whole = client::board_report(store, "8A", "HK1");
    CHECK(whole.whole_class);
    CHECK_FALSE(has_subject(whole.missing, "Ngữ văn"));
    CHECK(has_subject(whole.missing, "Tin học"));
    CHECK(has_subject(whole.missing, std::string(protocol::kHomeroomSubject)));
  }
  CHECK(school.device("hieutruong").sees_whole_class("9B"));
  // A department head (TTCM) reads the department's subjects in every class: not whole.
  school.sync("gv.toan.1");
  CHECK(school.device("gv.toan.1").sees_whole_class("6B"));  // heads it
  CHECK_FALSE(school.device("gv.toan.1").sees_whole_class("8A"));
  CHECK_FALSE(client::board_report(school.device("gv.toan.1"), "8A", "HK1").signable());
}

TEST_CASE("a roster without wc (an older server): homeroom classes whole, a class seen by role as before",
          "[e2e][board]") {
  LoopbackSchool school;
  school.sync("gv.toan.2");
  school.sync("hieutruong");
  for (const char* user : {"gv.toan.2", "hieutruong"})
    school.device(user).db().exec("UPDATE meta SET value = '0' WHERE key = 'whole_classes_said'");
  auto& toan = school.device("gv.toan.2");
  CHECK(toan.sees_whole_class("8B"));
  CHECK_FALSE(toan.sees_whole_class("8A"));  // teaches Toán there, heads it not
  CHECK(school.device("hieutruong").sees_whole_class("8A"));
  // A roster kept by a client older than `wc` is asked for again at the next sync.
  toan.db().exec("DELETE FROM meta WHERE key = 'whole_classes_said'");
  CHECK(toan.roster_version() == 0);
  school.sync("gv.toan.2");
  CHECK(toan.roster_version() > 0);
  CHECK_FALSE(toan.sees_whole_class("8A"));
  CHECK(toan.sees_whole_class("8B"));
}

TEST_CASE("an archived year's copy of the device shows its board but signs nothing", "[e2e][board][school_year]") {
  LoopbackSchool school;
  fill(school, "gv.toan.2", "8B", "Toán");
  school.sync("gv.toan.2");
  auto& toan = school.device("gv.toan.2");
  const std::string old_year = toan.school_year();
  REQUIRE_FALSE(old_year.empty());
  CHECK(toan.archived_year().empty());
  toan.enter_school_year("2099-2100");  // the server moved on: the old year kept aside
  CHECK(toan.archived_year().empty());  // the live store is not the archive
  const std::string archive = school.tmp / ("device-gv.toan.2/years/" + old_year);
  for (bool marked : {true, false}) {
    INFO((marked ? "marked copy" : "copy made before copies were marked"));
    client::LocalStore copy(archive);
    if (!marked) copy.db().exec("DELETE FROM meta WHERE key = 'archived_for'");
    CHECK(copy.archived_year() == old_year);
    const auto report = client::board_report(copy, "8B", "HK1");
    CHECK(report.archived_year == old_year);
    CHECK_FALSE(report.signable());
    CHECK_FALSE(report.missing.empty());
    const auto json = client::board_json(report);
    CHECK(json["archived_year"] == old_year);
    CHECK(json["signable"] == false);
    CHECK_THAT(client::board_text(report),
               Catch::Contains("Đây là bản lưu của năm học " + old_year + ": năm học đã kết thúc") &&
                   Catch::Contains("không thể ký xác nhận gì ở đây") && !Catch::Contains("Chưa thể ký xác nhận") &&
                   !Catch::Contains("có thể được ký"));
    // Nothing to sign there, before any key or sync is tried.
    auto signed_ = client::sign_step(copy, archive, "class", "8B", "HK1", "", "x", [] { return Status::ok(); });
    REQUIRE_FALSE(signed_.is_ok());
    CHECK_THAT(signed_.status().message(), Catch::Contains("bản lưu của năm học " + old_year));
  }
}

namespace {
// Every row of every table of the store, in order: what "nothing changed" means.
std::string dump(client::LocalStore& store) {
  std::string out;
  std::vector<std::string> tables;
  auto t = store.db().prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  while (t.step()) tables.push_back(t.text(0));
  for (const auto& table : tables) {
    std::string row = "''";
    auto c = store.db().prepare("SELECT name FROM pragma_table_info(?)");
    c.bind(1, table);
    while (c.step()) row += " || quote(\"" + c.text(0) + "\") || '|'";
    out += "## " + table + "\n";
    auto s = store.db().prepare("SELECT " + row + " AS r FROM \"" + table + "\" ORDER BY r");
    while (s.step()) out += s.text(0) + "\n";
  }
  return out;
}
}  // namespace

TEST_CASE("an archived year's copy is read-only: no sync, enrollment, history, password, key or write from it",
          "[e2e][board][school_year]") {
  LoopbackSchool school;
  fill(school, "gv.toan.2", "8B", "Toán");
  school.sync("gv.toan.2");
  auto& toan = school.device("gv.toan.2");
  const std::string old_year = toan.school_year();
  const auto student = toan.show("8B", "Toán").at(0).code;
  // An edit not yet delivered when the server moved on: kept in the copy, never pushed from it.
  REQUIRE(toan.record({"8B", "Toán", student, "HK1.TX1"}, "3").is_ok());
  toan.enter_school_year("2099-2100");
  const auto archive = school.tmp / ("device-gv.toan.2/years/" + old_year);
  const std::string server_seen = "SELECT (SELECT COUNT(*) FROM changes) + (SELECT COUNT(*) FROM op_outcomes)";
  const std::int64_t server_before = school.server_scalar(server_seen);
  for (bool marked : {true, false}) {
    INFO((marked ? "marked copy" : "copy made before copies were marked"));
    client::LocalStore copy(archive);
    if (!marked) copy.db().exec("DELETE FROM meta WHERE key = 'archived_for'");
    REQUIRE(copy.status().pending == 1);
    const std::string before = dump(copy);
    const auto said = [&](const Status& st) {
      INFO(st.message());
      CHECK(st.code() == ErrorCode::kForbidden);
      CHECK_THAT(st.message(), Catch::Contains("bản lưu của năm học " + old_year) &&
                                   Catch::Contains("năm học đã kết thúc") && Catch::Contains("chỉ để xem") &&
                                   Catch::Contains("không đồng bộ"));
    };
    said(copy.closed_year_refusal());
    const auto synced = school.try_sync(copy);
    REQUIRE_FALSE(synced.is_ok());
    said(synced.status());
    {
      LoopbackTransport t(*school.service);
      auto history = client::fetch_history(copy, t, {"8B", "Toán", student, "HK1.TX1"});
      REQUIRE_FALSE(history.is_ok());
      said(history.status());
    }
    {
      LoopbackTransport t(*school.service);
      said(client::change_password(copy, t, school.demo.password_of("gv.toan.2"), "mat-khau-moi-123"));
    }
    {
      LoopbackTransport t(*school.service);
      said(client::enroll(copy, t, {}, "gv.toan.2", school.demo.password_of("gv.toan.2"), "may-2"));
    }
    said(client::enroll_device(copy, "wss://127.0.0.1:1", "", "gv.toan.2", "x", "may-2", ""));
    const auto key = client::create_signing_key(copy, archive, "mat-khau-khoa");
    REQUIRE_FALSE(key.is_ok());
    said(key.status());
    CHECK_FALSE(client::has_signing_key(archive));
    auto set = copy.record({"8B", "Toán", student, "HK1.TX2"}, "9");
    REQUIRE_FALSE(set.is_ok());
    said(set.status());
    for (const auto& r : copy.record_batch({{{"8B", "Toán", student, "HK1.TX2"}, "9"}})) said(r.status());
    auto correction = copy.request_correction({"8B", "Toán", student, "HK1.TX2"}, "9", "nhập nhầm");
    REQUIRE_FALSE(correction.is_ok());
    said(correction.status());
    // Nothing in the copy changed, nothing of it reached the server.
    CHECK(dump(copy) == before);
    CHECK_FALSE(std::filesystem::exists(archive + "/years"));
  }
  CHECK(school.server_scalar(server_seen) == server_before);
  CHECK(toan.closed_year_refusal().is_ok());  // the live store is not the copy
}

TEST_CASE("a department head's board lists the department's subjects the server lets them read, before any cell",
          "[e2e][board]") {
  LoopbackSchool school;
  // gv.toan.1 heads Tổ Toán - Tin - Khoa học tự nhiên (TTCM), teaches Toán in
  // 6A–7B, heads 6B; nobody has recorded anything yet.
  school.sync("gv.toan.1");
  auto& ttcm = school.device("gv.toan.1");
  const std::vector<std::string> department = {"Toán", "Khoa học tự nhiên", "Công nghệ", "Tin học"};
  const auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  for (const char* cls : {"8A", "6A"}) {
    INFO(cls);
    REQUIRE_FALSE(ttcm.sees_whole_class(cls));
    CHECK(sorted(ttcm.own_subjects(cls)) == sorted(department));
    const auto report = client::board_report(ttcm, cls, "HK1");
    CHECK(sorted(report.subjects) == sorted(department));
    for (const auto& subject : department) CHECK(has_subject(report.missing, subject));
    CHECK_FALSE(has_subject(report.missing, "Ngữ văn"));
    CHECK_FALSE(report.signable());
  }
  // A subject teacher reads their own subject only, cells or not.
  school.sync("gv.toan.2");
  CHECK(school.device("gv.toan.2").own_subjects("8A") == std::vector<std::string>{"Toán"});
  // An older server (no `rs`): the subjects assigned or held, as before.
  ttcm.db().exec("UPDATE meta SET value = '0' WHERE key = 'read_subjects_said'");
  CHECK(ttcm.own_subjects("8A").empty());
  CHECK(ttcm.own_subjects("6A") == std::vector<std::string>{"Toán"});
  // A roster kept by a client older than `rs` is asked for again at the next sync.
  ttcm.db().exec("DELETE FROM meta WHERE key = 'read_subjects_said'");
  CHECK(ttcm.roster_version() == 0);
  school.sync("gv.toan.1");
  CHECK(sorted(ttcm.own_subjects("8A")) == sorted(department));
}
