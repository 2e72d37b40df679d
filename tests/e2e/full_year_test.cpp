// A whole year of a new THCS school (issue 15), not the demo: a plain init
// set up from the shipped THCS defaults, staff and students imported, every
// mark typed on the teacher's real client and synced, HK1 locked, HK2, the
// year board refused while a cell is empty and signed once complete (subject
// teacher, homeroom teacher, vice principal, principal), then the year-end
// outcomes: a student with a re-test, one sent to summer training, one
// absent more than 45 sessions; `year new` refused while their results are
// pending, the leadership records them (sodiem-server retest / summer), the
// lists (outcomes --json), and the next year holds the retained student in
// the same grade and the promoted ones a grade up. Real client, sync,
// SQLite, signatures and the real sodiem-server binary.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "school_year_script.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/backup.hpp"
#include "sodiem/server/confirmations.hpp"
#include "sodiem/server/records_check.hpp"
#include "sodiem/server/year_outcomes.hpp"
#include "server_store.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using nlohmann::json;

namespace {

struct Student {
  std::string code;
  std::map<std::string, std::string> special;  // subject → every mark of it
  std::string conduct = "Tốt";
};

}  // namespace

TEST_CASE("a new THCS school runs a whole year into the next: re-test, summer training, more than 45 sessions",
          "[e2e][school_year][outcomes]") {
  ManualClock clock(local_time("2025-10-01T08:00"));
  LoopbackSchool school(LoopbackSchool::PlainInit{"Trường THCS Hòa Bình"}, clock);
  setup_from_defaults(school, "thcs", "2025-2026");
  import_students(school, "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                          "HS01,Nguyễn Văn An,05/09/2014,Nam,6A\n"
                          "HS02,Trần Thị Bình,12/03/2014,Nữ,6A\n"
                          "HS03,Lê Văn Cường,01/01/2014,Nam,6A\n"
                          "HS04,Phạm Thị Dung,20/11/2014,Nữ,6A\n");
  const std::int64_t class_id = school.server_scalar("SELECT id FROM current_classes WHERE name = '6A'");
  std::vector<protocol::SubjectInfo> subjects;  // every subject of grade 6, as the shipped default has it
  const std::string all = assign_all_subjects(school, "6A", subjects);
  REQUIRE(subjects.size() == 13);
  import_staff(school, "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                       "gv.an,Lê Thị An,GVBM;GVCN,,6A,\"" + all + "\"\n"
                       "pho.hieutruong,Đỗ Văn Phó,PHT,,,\n"
                       "hieu.truong,Vũ Thị Hiệu,HT,,,\n");
  auto& gv = school.device("gv.an");
  auto put = [&](const std::string& subject, const std::string& student, const std::string& column,
                 const std::string& value) {
    auto r = gv.record({"6A", subject, student, column}, value);
    INFO(subject << " " << student << " " << column << " = " << value << ": " << r.status().message());
    REQUIRE(r.is_ok());
  };
  // HS02 fails Ngữ văn and Toán (3.0 for the year; with one alone Điều 9.4
  // would raise the level to Đạt): re-tests. HS03's conduct is Chưa đạt:
  // summer training. HS04 will be absent 46 sessions.
  const std::vector<Student> students = {
      {"HS01", {}}, {"HS02", {{"Ngữ văn", "3"}, {"Toán", "3"}}}, {"HS03", {}, "Chưa đạt"}, {"HS04", {}}};
  auto fill = [&](const std::string& term, const Student& s, const std::string& skip_column = "") {
    for (const auto& subject : subjects) {
      auto special = s.special.find(subject.name);
      const std::string value = special != s.special.end() ? special->second : subject.scored ? "7" : "Đ";
      for (const auto& column : board::required_columns(subject, term))
        if (subject.name + " " + column != skip_column) put(subject.name, s.code, column, value);
    }
    put("Chủ nhiệm", s.code, term + ".RL", s.conduct);
  };

  // ---- HK1, then its lock.
  for (const auto& s : students) fill("HK1", s);
  school.sync("gv.an");
  clock.advance(local_time("2026-01-20T08:00") - clock.now_unix_seconds());
  school.freeze("hieu.truong", "HK1");
  clock.advance(4 * 24 * 3600);  // past the offline grace window
  school.sync("gv.an");
  const auto late = queue_unchecked(gv, {"6A", "Toán", "HS01", "HK1.TX1"}, "10");
  school.sync("gv.an");
  CHECK(outcome_of(gv, late) == "TERM_LOCKED");  // and the server refuses it

  // ---- HK2: every mark but one; HS04 absent 46 school days.
  clock.advance(local_time("2026-05-20T08:00") - clock.now_unix_seconds());
  for (const auto& s : students) fill("HK2", s, s.code == "HS01" ? "Toán HK2.CK" : "");
  for (const auto& day : school_days(46)) put("Chủ nhiệm", "HS04", day, "K");
  school.sync("gv.an");

  // Keys of the signers.
  Signers signers(school);
  for (const char* who : {"gv.an", "pho.hieutruong", "hieu.truong"}) signers.add(who);
  auto sign = [&](const std::string& who, const std::string& step, const std::string& subject) {
    return signers.sign(who, step, "6A", "HK2", subject);
  };

  // The board is incomplete: the subject and the class are refused, naming the cell.
  auto toan = sign("gv.an", "subject", "Toán");
  REQUIRE_FALSE(toan.is_ok());
  CHECK_THAT(toan.status().message(), Catch::Contains("HS01 HK2.CK"));
  auto cls = sign("gv.an", "class", "");
  REQUIRE_FALSE(cls.is_ok());
  CHECK_THAT(cls.status().message(), Catch::Contains("HS01 Toán HK2.CK"));

  // Complete, then the whole chain.
  put("Toán", "HS01", "HK2.CK", "7");
  school.sync("gv.an");
  for (const auto& subject : subjects) {
    auto r = sign("gv.an", "subject", subject.name);
    INFO(subject.name << ": " << r.status().message());
    REQUIRE(r.is_ok());
  }
  for (const auto& [who, step] : {std::pair{"gv.an", "class"}, std::pair{"pho.hieutruong", "review"},
                                  std::pair{"hieu.truong", "approve"}}) {
    auto r = sign(who, step, "");
    INFO(step << ": " << r.status().message());
    REQUIRE(r.is_ok());
  }

  // ---- The year's outcomes, from the approved board.
  auto outcome_by_code = [&] {
    auto db = school.server_db();
    auto classes = server::load_year_outcomes(*db, "6A");
    REQUIRE(classes.is_ok());
    REQUIRE(classes->size() == 1);
    CHECK((*classes)[0].approved);
    std::map<std::string, board::StudentOutcome> out;
    for (const auto& s : (*classes)[0].students) out[s.student] = s;
    return out;
  };
  auto before = outcome_by_code();
  CHECK(before["HS01"].outcome == grading::Outcome::kLenLop);
  CHECK(before["HS01"].final == board::Final::kPromoted);
  CHECK(before["HS02"].outcome == grading::Outcome::kKiemTraLai);
  REQUIRE(before["HS02"].retests.size() == 2);
  CHECK(before["HS02"].retests[0].subject == "Ngữ văn");
  CHECK(before["HS02"].retests[1].subject == "Toán");
  CHECK(before["HS02"].retests[1].year_result == "3.0");
  CHECK(before["HS02"].final == board::Final::kPending);
  CHECK(before["HS03"].outcome == grading::Outcome::kRenLuyenHe);
  CHECK(before["HS03"].final == board::Final::kPending);
  CHECK(before["HS04"].outcome == grading::Outcome::kOLaiLop);
  CHECK(before["HS04"].absent_sessions == 46);
  CHECK(before["HS04"].final == board::Final::kRetained);

  // From here the leadership works on the server with the real binary.
  auto server_cmd = [&](std::vector<std::string> args, const std::string& dir = "") {
    return leadership(school, std::move(args), dir);
  };
  auto classes_now = [](store::Db& db) {
    auto s = db.prepare("SELECT st.code, c.name, c.grade FROM students st JOIN current_classes c ON c.id = st.class_id "
                        "ORDER BY st.code");
    std::vector<std::string> rows;
    while (s.step()) rows.push_back(s.text(0) + " " + s.text(1) + " " + std::to_string(s.int64(2)));
    return rows;
  };
  auto pending = server_cmd({"year", "new", "--name", "2026-2027"});
  CHECK(pending.exit_code == 2);
  CHECK_THAT(pending.err, Catch::Contains("còn 2 học sinh chờ kiểm tra lại hoặc rèn luyện trong hè") &&
                              Catch::Contains("6A HS02 (kiểm tra lại môn Ngữ văn, kiểm tra lại môn Toán)") &&
                              Catch::Contains("6A HS03 (rèn luyện trong hè)"));
  {
    // A school that goes on anyway (a copy of it): the pending students are
    // retained unless its file says otherwise.
    const std::string copy = school.tmp / "forced";
    REQUIRE(server::backup_data_dir(school.demo.dir, copy).is_ok());
    const std::string file = school.tmp / "quyet-dinh.csv";
    std::ofstream(file) << "Mã học sinh,Kết quả\nHS02,Lên lớp\n";
    auto forced = server_cmd({"year", "new", "--name", "2026-2027", "--force", "--outcomes", file}, copy);
    INFO(forced.err);
    REQUIRE(forced.exit_code == 0);
    CHECK_THAT(forced.out, Catch::Contains("(--force):\n  6A HS03 (rèn luyện trong hè)\n"));
    testing::ServerDb db(server::DataPaths{copy}.db());
    CHECK(classes_now(db) == std::vector<std::string>{"HS01 7A 7", "HS02 7A 7", "HS03 6A 6", "HS04 6A 6"});
  }

  // Refusals name what is wrong; a teacher may not record.
  auto not_retested = server_cmd({"retest", "--class", "6A", "--student", "HS01", "--subject", "Toán", "--result", "8"});
  CHECK(not_retested.exit_code == 2);
  CHECK_THAT(not_retested.err, Catch::Contains("học sinh HS01 không phải kiểm tra lại (kết quả cả năm: Lên lớp)"));
  auto other_subject =
      server_cmd({"retest", "--class", "6A", "--student", "HS02", "--subject", "Tin học", "--result", "8"});
  CHECK(other_subject.exit_code == 2);
  CHECK_THAT(other_subject.err, Catch::Contains("các môn kiểm tra lại: Ngữ văn (3.0), Toán (3.0)"));
  auto no_summer = server_cmd({"summer", "--class", "6A", "--student", "HS02", "--result", "Đạt"});
  CHECK(no_summer.exit_code == 2);
  CHECK_THAT(no_summer.err, Catch::Contains("không phải rèn luyện trong hè"));
  {
    auto db = school.server_db();
    auto teacher = server::record_retest(*db, {"6A", "HS02", "Toán", "9"}, "gv.an", clock.now_unix_seconds());
    REQUIRE_FALSE(teacher.is_ok());
    CHECK(teacher.status().code() == ErrorCode::kForbidden);
  }

  const std::string approved_digest = [&] {
    auto db = school.server_db();
    auto s = db->prepare("SELECT digest FROM confirmations WHERE step = 'approve' AND term = 'HK2' AND revoked_at IS NULL");
    REQUIRE(s.step());
    return s.text(0);
  }();
  // Typed as people type: lower case, "toán" decomposed (NFD).
  auto retest = server_cmd({"retest", "--class", "6a", "--student", "hs02", "--subject", "toa\xCC\x81n", "--result", "6,5"});
  INFO(retest.err);
  REQUIRE(retest.exit_code == 0);
  CHECK(outcome_by_code()["HS02"].final == board::Final::kPending);  // Ngữ văn still to come
  // Still below 5.0, but the recomputed level is Đạt (every other subject ≥ 5.0, none < 3.5).
  auto van = server_cmd({"retest", "--class", "6A", "--student", "HS02", "--subject", "Ngữ văn", "--result", "4"});
  INFO(van.err);
  REQUIRE(van.exit_code == 0);
  auto summer = server_cmd({"summer", "--class", "6A", "--student", "HS03", "--result", "dat"});
  INFO(summer.err);
  REQUIRE(summer.exit_code == 0);
  CHECK_THAT(server_cmd({"summer", "--class", "6A", "--student", "HS03", "--result", "Đạt"}).out,
             Catch::Contains("Không có gì thay đổi"));
  {
    // What was approved is untouched; the trail vouches for the new cells.
    auto db = school.server_db();
    CHECK(signing::digest_hex(server::server_document(*db, class_id, -1, "HK2", "approve")) == approved_digest);
    CHECK(server::verify_records(*db).intact);
    CHECK(server::verify_audit(*db).intact);
  }
  school.sync("gv.an");  // a device takes the server-written year-end cells in its stride

  auto after = outcome_by_code();
  CHECK(after["HS02"].final == board::Final::kPromoted);
  CHECK(after["HS02"].final_learning == grading::Level::kDat);
  CHECK(after["HS03"].final == board::Final::kPromoted);
  CHECK(after["HS03"].final_conduct == grading::Level::kDat);

  // The lists, as the README's contract has them.
  auto listed = server_cmd({"outcomes", "--class", "6a", "--json"});
  REQUIRE(listed.exit_code == 0);
  const json j = json::parse(listed.out);
  CHECK(j["year"] == "2025-2026");
  const json& c = j["classes"][0];
  CHECK(c["class"] == "6A");
  CHECK(c["approved"] == true);
  CHECK(c["students"][1]["retests"][1] == json{{"subject", "Toán"}, {"year_result", "3.0"}, {"result", "6.5"}});
  CHECK(c["students"][1]["final_learning"] == "Đạt");
  CHECK(c["students"][1]["outcome"] == "Kiểm tra lại");
  CHECK(c["students"][1]["final"] == "Lên lớp");
  CHECK(c["students"][2]["summer_result"] == "Đạt");
  auto codes = [](const json& people) {
    std::vector<std::string> out;
    for (const auto& p : people) out.push_back(p["student"]);
    return out;
  };
  CHECK(codes(c["lists"]["outcome"]["Kiểm tra lại"]) == std::vector<std::string>{"HS02"});
  CHECK(codes(c["lists"]["outcome"]["Rèn luyện trong hè"]) == std::vector<std::string>{"HS03"});
  CHECK(codes(c["lists"]["final"]["Lên lớp"]) == std::vector<std::string>{"HS01", "HS02", "HS03"});
  CHECK(codes(c["lists"]["final"]["Ở lại lớp"]) == std::vector<std::string>{"HS04"});
  CHECK(codes(j["school"]["lists"]["final"]["Ở lại lớp"]) == std::vector<std::string>{"HS04"});
  auto text = server_cmd({"outcomes"});
  CHECK_THAT(text.out, Catch::Contains("HS02 Trần Thị Bình: học tập Chưa đạt") &&
                           Catch::Contains("Toán 3.0 → 6.5") && Catch::Contains("nghỉ 46 buổi — Ở lại lớp"));

  // ---- Into the next year: the outcomes decide, no file needed.
  auto next = server_cmd({"year", "new", "--name", "2026-2027"});
  INFO(next.err);
  REQUIRE(next.exit_code == 0);
  CHECK_THAT(next.out, Catch::Contains("3 lên lớp, 1 ở lại lớp") && Catch::Contains("4 theo kết quả cả năm đã phê duyệt"));
  auto db = school.server_db();
  CHECK(classes_now(*db) == std::vector<std::string>{"HS01 7A 7", "HS02 7A 7", "HS03 7A 7", "HS04 6A 6"});
  CHECK(server::verify_audit(*db).intact);
}
