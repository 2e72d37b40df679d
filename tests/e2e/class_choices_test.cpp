// A THPT class's choice of electives and study topics (class_choices.hpp,
// Chương trình GDPT 2018 / TT32/2018 as amended by TT13/2022): the check,
// table-driven against the shipped THPT curriculum; then on a real school set
// up from it: a class with a choice has its compulsory subjects and exactly
// its 4 electives, the extra regular assessment (TX5 of a 105-period subject,
// TX4 of a 70-period one) only in its 3 study-topic subjects, on the server and
// on the teacher's device (the roster's `cs`); the same choice again changes
// nothing; a change that would drop marks already entered is refused, naming
// them; only the HT or the administrator chooses. Real SQLite (or the pg
// fixture's PostgreSQL), real sync, real clients.
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "school_year_script.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/server/class_choices.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/curriculum.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

std::vector<server::GradeOffer> thpt_grade(int grade) {
  auto parsed = server::parse_curriculum(*server::shipped_curriculum("thpt"));
  REQUIRE(parsed.curriculum);
  std::vector<server::GradeOffer> out;
  for (const auto& s : parsed.curriculum->subjects)
    for (const auto& g : s.grades)
      if (g.grade == grade) out.push_back({s.name, server::is_elective(s.name), g.topic_periods > 0});
  return out;
}

std::int64_t class_id(store::Db& db, const std::string& name) {
  auto s = db.prepare("SELECT id FROM current_classes WHERE name = ?");
  s.bind(1, name);
  REQUIRE(s.step());
  return s.int64(0);
}

// "Toán*" for a subject with study topics.
std::vector<std::string> server_subjects(LoopbackSchool& school, const std::string& cls) {
  auto db = school.server_db();
  std::vector<std::string> out;
  for (const auto& cs : server::class_subjects_of(*db, class_id(*db, cls)))
    out.push_back(cs.info.name + (cs.info.study_topics ? "*" : ""));
  return out;
}

}  // namespace

TEST_CASE("a THPT class's choice: exactly 4 electives and 3 study-topic subjects, refusals naming what is wrong",
          "[unit][curriculum]") {
  const auto grade10 = thpt_grade(10);
  REQUIRE(grade10.size() == 17);
  CHECK(std::count_if(grade10.begin(), grade10.end(), [](auto& g) { return g.elective; }) == 9);
  struct Row {
    std::vector<std::string> electives, topics;
    std::string error;  // "" = accepted
  };
  const std::vector<Row> rows = {
      {{"Vật lí", "Hóa học", "Sinh học", "Tin học"}, {"Toán", "Vật lí", "Hóa học"}, ""},
      {{"vật lí", "hoá học", "SINH HỌC", "Tin học"}, {"toán", "Vật lí", "Hoá học"}, ""},  // as people type
      {{"Địa lí", "Giáo dục kinh tế và pháp luật", "Âm nhạc", "Mĩ thuật"}, {"Ngữ văn", "Lịch sử", "Địa lí"}, ""},
      {{"Vật lí", "Hóa học", "Sinh học"}, {"Toán", "Vật lí", "Hóa học"}, "cần đúng 4 môn lựa chọn, đã nêu 3"},
      {{"Vật lí", "Hóa học", "Sinh học", "Tin học", "Công nghệ"}, {"Toán", "Vật lí", "Hóa học"}, "đã nêu 5"},
      {{"Toán", "Hóa học", "Sinh học", "Tin học"}, {"Ngữ văn", "Sinh học", "Hóa học"},
       "«Toán» là môn bắt buộc, không phải môn lựa chọn"},
      {{"Thiên văn", "Hóa học", "Sinh học", "Tin học"}, {"Toán", "Sinh học", "Hóa học"},
       "môn lựa chọn «Thiên văn» không có trong chương trình của khối"},
      {{"Vật lí", "Vật lí", "Sinh học", "Tin học"}, {"Toán", "Vật lí", "Sinh học"}, "môn lựa chọn «Vật lí» nêu hai lần"},
      {{"Vật lí", "Hóa học", "Sinh học", "Tin học"}, {"Toán", "Vật lí"}, "cần đúng 3 môn có chuyên đề học tập, đã nêu 2"},
      {{"Vật lí", "Hóa học", "Sinh học", "Tin học"}, {"Toán", "Vật lí", "Hóa học", "Tin học"}, "đã nêu 4"},
      {{"Vật lí", "Hóa học", "Sinh học", "Tin học"}, {"Ngoại ngữ 1", "Vật lí", "Hóa học"},
       "môn «Ngoại ngữ 1» không có chuyên đề học tập ở khối này"},
      {{"Vật lí", "Hóa học", "Sinh học", "Tin học"}, {"Giáo dục thể chất", "Vật lí", "Hóa học"},
       "môn «Giáo dục thể chất» không có chuyên đề học tập"},
      {{"Vật lí", "Hóa học", "Sinh học", "Tin học"}, {"Địa lí", "Vật lí", "Hóa học"},
       "chuyên đề môn «Địa lí»: lớp không học môn này"},
      {{"Vật lí", "Hóa học", "Sinh học", "Tin học"}, {"Toán", "Toán", "Hóa học"}, "chuyên đề môn «Toán» nêu hai lần"},
  };
  for (const auto& row : rows) {
    const auto checked = server::check_class_choice(grade10, row.electives, row.topics);
    std::string errors;
    for (const auto& e : checked.errors) errors += e + "\n";
    INFO(errors);
    if (row.error.empty()) {
      CHECK(checked.errors.empty());
      REQUIRE(checked.electives.size() == 4);
      REQUIRE(checked.topics.size() == 3);
      for (const auto& name : checked.electives)  // the grade's spelling, whatever was typed
        CHECK(std::any_of(grade10.begin(), grade10.end(), [&](auto& g) { return g.name == name && g.elective; }));
    } else {
      CHECK_THAT(errors, Catch::Contains(row.error));
      CHECK(checked.electives.empty());
      CHECK(checked.topics.empty());
    }
  }
  CHECK(server::split_subject_list(" Vật lí, Hóa học;Sinh học ;; Tin học ") ==
        std::vector<std::string>{"Vật lí", "Hóa học", "Sinh học", "Tin học"});
}

TEST_CASE("a THPT class with a choice has its compulsory subjects and its 4 electives, one more TX in its 3 topics, on devices too",
          "[e2e][curriculum][thpt]") {
  ManualClock clock(local_time("2025-10-01T08:00"));
  LoopbackSchool school(LoopbackSchool::PlainInit{"Trường THPT Chu Văn An"}, clock);
  setup_from_defaults(school, "thpt", "2025-2026");
  import_students(school, "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                          "HS1001,Nguyễn Văn An,05/09/2010,Nam,10A1\n"
                          "HS1002,Trần Thị Bình,12/03/2010,Nữ,10A2\n");
  std::vector<protocol::SubjectInfo> all1, all2;
  const std::string staff = "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                            "gv.mot,Giáo viên Một,GVBM;GVCN,,10A1,\"" + assign_all_subjects(school, "10A1", all1) + "\"\n"
                            "gv.hai,Giáo viên Hai,GVBM;GVCN,,10A2,\"" + assign_all_subjects(school, "10A2", all2) + "\"\n"
                            "hieu.truong,Vũ Thị Hiệu,HT,,,\n";
  import_staff(school, staff);
  REQUIRE(all1.size() == 17);  // no choice yet: every subject of the grade

  const server::ClassChoice khtn{"10A1", {"Vật lí", "Hóa học", "Sinh học", "Tin học"}, {"Toán", "Vật lí", "Hóa học"}};
  {
    auto db = school.server_db();
    auto forbidden = server::set_class_choice(*db, khtn, "gv.mot", clock.now_unix_seconds());
    REQUIRE_FALSE(forbidden.is_ok());
    CHECK(forbidden.status().code() == ErrorCode::kForbidden);
    auto missing = server::set_class_choice(*db, {"10A9", khtn.electives, khtn.topics}, "hieu.truong", 0);
    REQUIRE_FALSE(missing.is_ok());
    CHECK_THAT(missing.status().message(), Catch::Contains("không có lớp 10A9"));
  }
  const auto audit_before = school.server_scalar("SELECT COUNT(*) FROM audit_log");
  const auto roster_before = school.server_scalar("SELECT value FROM meta WHERE key = 'roster_version'");
  {
    auto db = school.server_db();
    auto set = server::set_class_choice(*db, khtn, "hieu.truong", clock.now_unix_seconds());
    INFO((set.is_ok() ? "" : set.status().message()));
    REQUIRE(set.is_ok());
    CHECK(*set);
  }
  CHECK(school.server_scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'class_subjects'") == 1);
  CHECK(school.server_scalar("SELECT value FROM meta WHERE key = 'roster_version'") > roster_before);
  const std::vector<std::string> compulsory = {"Ngữ văn", "Toán*", "Ngoại ngữ 1", "Lịch sử", "Giáo dục thể chất",
                                               "Giáo dục quốc phòng và an ninh", "Hoạt động trải nghiệm, hướng nghiệp",
                                               "Nội dung giáo dục của địa phương"};
  std::vector<std::string> want = compulsory;
  for (const char* e : {"Vật lí*", "Hóa học*", "Sinh học", "Tin học"}) want.push_back(e);
  CHECK(server_subjects(school, "10A1") == want);
  CHECK(server_subjects(school, "10A2").size() == 17);  // a class without a choice: as before

  // The same choice again: nothing recorded.
  const auto audit_set = school.server_scalar("SELECT COUNT(*) FROM audit_log");
  CHECK(audit_set == audit_before + 1);
  {
    auto db = school.server_db();
    auto again = server::set_class_choice(*db, {"10A1", {"tin học", "Sinh học", "hoá học", "Vật lí"}, {"Hóa học", "Toán", "Vật lí"}},
                                          "hieu.truong", clock.now_unix_seconds());
    REQUIRE(again.is_ok());
    CHECK_FALSE(*again);
  }
  CHECK(school.server_scalar("SELECT COUNT(*) FROM audit_log") == audit_set);

  // The teacher's device: the class's subjects and columns follow the choice.
  auto& mot = school.device("gv.mot");
  school.sync("gv.mot");
  CHECK_FALSE(mot.subject("Địa lí", "10A1").has_value());
  REQUIRE(mot.subject("Ngữ văn", "10A1"));
  CHECK(board::required_columns(*mot.subject("Ngữ văn", "10A1"), "HK1") ==
        std::vector<std::string>{"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4", "HK1.GK", "HK1.CK"});
  CHECK(mot.subject("Vật lí", "10A1")->study_topics);
  CHECK_FALSE(mot.subject("Sinh học", "10A1")->study_topics);
  CHECK(mot.class_book("10A1").subjects.size() == 12);
  auto& hai = school.device("gv.hai");
  school.sync("gv.hai");
  CHECK(hai.subject("Ngữ văn", "10A2")->study_topics);  // 10A2 has no choice: every study topic
  CHECK(hai.class_book("10A2").subjects.size() == 17);
  auto no_tx5 = mot.record({"10A1", "Ngữ văn", "HS1001", "HK1.TX5"}, "8");
  REQUIRE_FALSE(no_tx5.is_ok());
  CHECK_THAT(no_tx5.status().message(), Catch::Contains("TX5"));
  // Vật lí (70 periods: TX1–TX3) has TX4 for its study topics, Sinh học not.
  auto no_tx4 = mot.record({"10A1", "Sinh học", "HS1001", "HK1.TX4"}, "8");
  REQUIRE_FALSE(no_tx4.is_ok());
  CHECK_THAT(no_tx4.status().message(), Catch::Contains("chỉ có 3 cột"));
  for (const auto& [subject, column] : {std::pair{"Vật lí", "HK1.TX4"}, std::pair{"Hóa học", "HK1.TX1"}}) {
    auto r = mot.record({"10A1", subject, "HS1001", column}, subject == std::string("Vật lí") ? "8" : "7");
    INFO(subject << " " << column << ": " << r.status().message());
    REQUIRE(r.is_ok());
  }
  school.sync("gv.mot");
  // The server refuses what the device would not send: Ngữ văn TX5 from a device that skips its check.
  protocol::Op op;
  op.cell = {"10A1", "Ngữ văn", "HS1001", "HK1.TX5"};
  op.value = "8";
  const auto seq = mot.queue_op(op);
  school.sync("gv.mot");
  CHECK(mot.outcome(seq).first == "INVALID_VALUE");

  // A change that would drop marks is refused whole, naming them; one that drops none goes through.
  {
    auto db = school.server_db();
    auto drop = server::set_class_choice(*db, {"10A1", {"Địa lí", "Vật lí", "Sinh học", "Tin học"}, {"Toán", "Vật lí", "Địa lí"}},
                                         "hieu.truong", clock.now_unix_seconds());
    REQUIRE_FALSE(drop.is_ok());
    CHECK_THAT(drop.status().message(), Catch::Contains("lớp 10A1, môn Hóa học: đã có điểm, không thể bỏ môn này khỏi lớp"));
    auto topics = server::set_class_choice(*db, {"10A1", khtn.electives, {"Toán", "Hóa học", "Sinh học"}}, "hieu.truong",
                                           clock.now_unix_seconds());
    REQUIRE_FALSE(topics.is_ok());
    CHECK_THAT(topics.status().message(), Catch::Contains("lớp 10A1, môn Vật lí: đã có điểm, không thể chỉ còn 3 cột") &&
                                              Catch::Contains("HK1.TX4"));
  }
  CHECK(server_subjects(school, "10A1") == want);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'class_subjects'") == 1);
  {
    auto db = school.server_db();
    auto swap = server::set_class_choice(*db, {"10A1", {"Vật lí", "Hóa học", "Địa lí", "Tin học"}, khtn.topics},
                                         "hieu.truong", clock.now_unix_seconds());
    INFO((swap.is_ok() ? "" : swap.status().message()));
    REQUIRE(swap.is_ok());
    CHECK(*swap);
  }
  CHECK(school.server_scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'class_subjects'") == 2);
  school.sync("gv.mot");
  CHECK(mot.subject("Địa lí", "10A1").has_value());
  CHECK_FALSE(mot.subject("Sinh học", "10A1").has_value());
}

TEST_CASE("a class below THPT has no electives to choose", "[e2e][curriculum]") {
  LoopbackSchool school;  // the demo school: THCS
  auto db = school.server_db();
  auto refused = server::set_class_choice(*db, {"8A", {"Vật lí", "Hóa học", "Sinh học", "Tin học"}, {"Toán", "Vật lí", "Hóa học"}},
                                          "hieutruong", 0);
  REQUIRE_FALSE(refused.is_ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("lớp 8A (khối 8): khối này không có môn lựa chọn"));
}

TEST_CASE("a choices file (Lớp, Môn lựa chọn, Chuyên đề, with a BOM and semicolons) is taken whole or not at all", "[e2e][curriculum][thpt]") {
  ManualClock clock(local_time("2025-10-01T08:00"));
  LoopbackSchool school(LoopbackSchool::PlainInit{"Trường THPT Lê Lợi"}, clock);
  setup_from_defaults(school, "thpt", "2025-2026");
  import_students(school, "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                          "HS1001,Nguyễn Văn An,05/09/2010,Nam,10A1\n"
                          "HS1101,Trần Thị Bình,12/03/2009,Nữ,11A1\n");
  auto read = [](const std::string& text) {
    std::istringstream in(text);
    return server::read_choices_csv(in);
  };
  const std::string bom = "\xEF\xBB\xBF";
  auto bad = read(bom + "Lớp;Môn lựa chọn;Chuyên đề\r\n"
                        "10A1;Vật lí, Hóa học, Sinh học, Tin học;Toán, Vật lí, Hóa học\r\n"
                        "11A1;Địa lí, Vật lí, Toán, Âm nhạc;Ngữ văn, Lịch sử, Địa lí\r\n");
  REQUIRE(bad.errors.empty());
  REQUIRE(bad.choices.size() == 2);
  CHECK(bad.choices[0].electives == std::vector<std::string>{"Vật lí", "Hóa học", "Sinh học", "Tin học"});
  {
    auto db = school.server_db();
    auto refused = server::set_class_choices(*db, bad.choices, "admin", clock.now_unix_seconds());
    REQUIRE_FALSE(refused.is_ok());
    CHECK_THAT(refused.status().message(), Catch::Contains("dòng 3: lớp 11A1 (khối 11): «Toán» là môn bắt buộc"));
  }
  CHECK(school.server_scalar("SELECT COUNT(*) FROM class_subject_choices") == 0);  // 10A1's row was not kept either
  auto good = read("Lớp,Môn lựa chọn,Chuyên đề\n"
                   "10A1,\"Vật lí,Hóa học,Sinh học,Tin học\",\"Toán,Vật lí,Hóa học\"\n"
                   "11a1,\"Địa lí;Giáo dục kinh tế và pháp luật;Công nghệ;Âm nhạc\",\"Ngữ văn;Lịch sử;Địa lí\"\n");
  REQUIRE(good.errors.empty());
  good.choices[1].class_name = "11A1";  // the CLI's canonical_class does this for a class typed "11a1"
  {
    auto db = school.server_db();
    auto n = server::set_class_choices(*db, good.choices, "admin", clock.now_unix_seconds());
    INFO((n.is_ok() ? "" : n.status().message()));
    REQUIRE(n.is_ok());
    CHECK(*n == 2);
  }
  CHECK(server_subjects(school, "11A1").size() == 12);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'class_subjects'") == 2);
  CHECK_FALSE(read("Lớp;Môn\n10A1;Vật lí\n").errors.empty());  // a column missing
}
