// A whole year of a new THPT school (issue 15, Thông tư 22/2021, grades
// 10–12), not the demo: a plain init set up from the shipped THPT defaults,
// staff and students imported, every mark typed on the teachers' real
// clients and synced — each class's tổ hợp set by the principal's command
// (10A1 and 11A1: 4 electives, 3 study topics; 12A1 everything), the
// study-topic subjects (chuyên đề học tập) with their fifth regular
// assessment TX5, the others without — HK1 locked, HK2,
// the year board refused while a TX5 is empty (naming it) and signed once
// complete, then the year end: a grade 10 student re-tested who fails again
// (and misses one re-test) and stays in grade 10, a grade 11 student sent
// to summer training who goes up, a grade 12 student re-tested who passes
// and one absent more than 45 sessions; `year new`: 10A1 → 11A1, 11A1 →
// 12A1 (each keeping its tổ hợp), no grade 13: grade 12 finishes school
// (graduated), the retained grade 12 student in next year's 12A1. Real client, sync, SQLite,
// signatures and the real sodiem-server binary.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "school_year_script.hpp"
#include "sodiem/client/board_report.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/district_export.hpp"
#include "sodiem/server/records_check.hpp"
#include "sodiem/server/records_print.hpp"
#include "sodiem/server/year_outcomes.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using nlohmann::json;

namespace {

struct Student {
  std::string code, class_name;
  std::map<std::string, std::string> special{};  // subject → every mark of it
  std::string conduct = "Tốt";
  std::string mark = "7";
};

std::vector<std::string> columns_of(const std::vector<protocol::SubjectInfo>& subjects, const std::string& name) {
  for (const auto& s : subjects)
    if (s.name == name) return board::required_columns(s, "HK1");
  return {};
}

}  // namespace

TEST_CASE("a new THPT school runs a whole year into the next: TX5 of the study topics, re-tests, grade 12 finishes",
          "[e2e][school_year][outcomes][thpt]") {
  ManualClock clock(local_time("2025-10-01T08:00"));
  LoopbackSchool school(LoopbackSchool::PlainInit{"Trường THPT Nguyễn Trãi"}, clock);
  setup_from_defaults(school, "thpt", "2025-2026");
  import_students(school, "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                          "HS1001,Nguyễn Văn An,05/09/2010,Nam,10A1\n"
                          "HS1002,Trần Thị Bình,12/03/2010,Nữ,10A1\n"
                          "HS1101,Lê Văn Cường,01/01/2009,Nam,11A1\n"
                          "HS1102,Phạm Thị Dung,20/11/2009,Nữ,11A1\n"
                          "HS1201,Hoàng Văn Em,02/02/2008,Nam,12A1\n"
                          "HS1202,Vũ Thị Giang,15/06/2008,Nữ,12A1\n"
                          "HS1203,Đặng Văn Hải,30/04/2008,Nam,12A1\n");
  const std::map<std::string, std::string> teacher = {{"10A1", "gv.muoi"}, {"11A1", "gv.muoimot"}, {"12A1", "gv.muoihai"}};
  // Each class's tổ hợp (TT32/2018, TT13/2022): 10A1 natural sciences,
  // 11A1 social sciences, by the principal's command; 12A1 chooses nothing
  // and keeps every subject of its grade (as a school from before).
  const std::map<std::string, std::pair<std::string, std::string>> choice = {
      {"10A1", {"Vật lí,Hóa học,Sinh học,Tin học", "Toán,Vật lí,Hóa học"}},
      {"11A1", {"Địa lí;Giáo dục kinh tế và pháp luật;Công nghệ;Âm nhạc", "Ngữ văn;Lịch sử;Địa lí"}}};
  for (const auto& [cls, chosen] : choice) {
    auto r = leadership(school, {"class", "subjects", cls, chosen.first, "--topics", chosen.second});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("Đã ghi lựa chọn của lớp " + cls));
  }
  auto wrong = leadership(school, {"class", "subjects", "12A1", "Vật lí,Toán,Sinh học,Tin học,Công nghệ", "--topics", "Toán,Vật lí,Hóa học"});
  CHECK(wrong.exit_code == 2);
  CHECK_THAT(wrong.err, Catch::Contains("«Toán» là môn bắt buộc") && Catch::Contains("cần đúng 4 môn lựa chọn, đã nêu 5") &&
                            Catch::Contains("chuyên đề môn «Hóa học»: lớp không học môn này"));
  std::map<std::string, std::vector<protocol::SubjectInfo>> subjects;  // class → its subjects
  std::string staff = "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n";
  for (const auto& [cls, who] : teacher)
    staff += who + ",Giáo viên " + cls + ",GVBM;GVCN,," + cls + ",\"" + assign_all_subjects(school, cls, subjects[cls]) + "\"\n";
  import_staff(school, staff + "pho.hieutruong,Đỗ Văn Phó,PHT,,,\nhieu.truong,Vũ Thị Hiệu,HT,,,\n");

  // The shipped defaults: 8 compulsory subjects and 9 electives. A class
  // with a choice learns the compulsory ones and its 4 electives, with one
  // more regular assessment (TX5 of a 105-period subject, TX4 of a 70-period
  // one) exactly in its 3 study-topic subjects; 12A1 every subject, every study topic.
  const std::vector<std::string> tx4 = {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4", "HK1.GK", "HK1.CK"};
  const std::vector<std::string> tx5 = {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.TX4", "HK1.TX5", "HK1.GK", "HK1.CK"};
  CHECK(subjects["10A1"].size() == 12);
  CHECK(subjects["11A1"].size() == 12);
  CHECK(subjects["12A1"].size() == 17);
  for (const auto& [cls, with_topics] : std::map<std::string, std::set<std::string>>{
           {"10A1", {"Toán", "Vật lí", "Hóa học"}},
           {"11A1", {"Ngữ văn", "Lịch sử", "Địa lí"}},
           {"12A1", {"Ngữ văn", "Toán", "Lịch sử", "Địa lí", "Giáo dục kinh tế và pháp luật", "Vật lí", "Hóa học",
                     "Sinh học", "Công nghệ", "Tin học", "Âm nhạc", "Mĩ thuật"}}})
    for (const auto& subject : subjects[cls]) {
      INFO(cls << " " << subject.name);
      CHECK(subject.study_topics == with_topics.contains(subject.name));
    }
  const std::vector<std::string> tx3 = {"HK1.TX1", "HK1.TX2", "HK1.TX3", "HK1.GK", "HK1.CK"};
  CHECK(columns_of(subjects["10A1"], "Toán") == tx5);
  CHECK(columns_of(subjects["10A1"], "Ngữ văn") == tx4);
  CHECK(columns_of(subjects["10A1"], "Vật lí") == tx4);  // 70 periods: 3 TX, and one for the study topics
  CHECK(columns_of(subjects["10A1"], "Sinh học") == tx3);
  CHECK(columns_of(subjects["10A1"], "Lịch sử") == tx3);
  CHECK(columns_of(subjects["10A1"], "Địa lí").empty());  // not learnt in 10A1
  CHECK(columns_of(subjects["11A1"], "Toán") == tx4);
  CHECK(columns_of(subjects["11A1"], "Ngữ văn") == tx5);
  CHECK(columns_of(subjects["11A1"], "Lịch sử") == tx4);
  CHECK(columns_of(subjects["12A1"], "Lịch sử") == tx4);
  for (const auto& [cls, list] : subjects) {
    INFO(cls);
    CHECK(columns_of(list, "Ngoại ngữ 1") == tx4);
    CHECK(columns_of(list, "Giáo dục quốc phòng và an ninh") ==
          std::vector<std::string>{"HK1.TX1", "HK1.TX2", "HK1.GK", "HK1.CK"});
  }

  auto put = [&](const std::string& cls, const std::string& subject, const std::string& student,
                 const std::string& column, const std::string& value) {
    auto r = school.device(teacher.at(cls)).record({cls, subject, student, column}, value);
    INFO(cls << " " << subject << " " << student << " " << column << " = " << value << ": " << r.status().message());
    REQUIRE(r.is_ok());
  };
  // HS1002 fails Toán and Ngữ văn (3.0 for the year): re-tests. HS1102's
  // conduct is Chưa đạt: summer training. HS1202 will be absent 46
  // sessions. HS1203 fails Vật lí and Hóa học: re-tests.
  const std::vector<Student> students = {
      {"HS1001", "10A1"},
      {"HS1002", "10A1", {{"Ngữ văn", "3"}, {"Toán", "3"}}},
      {"HS1101", "11A1", {}, "Tốt", "8"},
      {"HS1102", "11A1", {}, "Chưa đạt"},
      {"HS1201", "12A1"},
      {"HS1202", "12A1"},
      {"HS1203", "12A1", {{"Vật lí", "3"}, {"Hóa học", "3"}}},
  };
  auto fill = [&](const std::string& term, const Student& s, const std::string& skip_column = "") {
    for (const auto& subject : subjects[s.class_name]) {
      auto special = s.special.find(subject.name);
      const std::string value = special != s.special.end() ? special->second : subject.scored ? s.mark : "Đ";
      for (const auto& column : board::required_columns(subject, term))
        if (subject.name + " " + column != skip_column) put(s.class_name, subject.name, s.code, column, value);
    }
    put(s.class_name, "Chủ nhiệm", s.code, term + ".RL", s.conduct);
  };
  auto sync_all = [&] {
    for (const auto& [cls, who] : teacher) school.sync(who);
  };

  // ---- HK1; a subject without study topics has no TX5, nor one whose
  // study topics the class did not choose (the client says so).
  for (const auto& s : students) fill("HK1", s);
  for (const auto& [cls, who, subject] : {std::tuple{"10A1", "gv.muoi", "Ngoại ngữ 1"}, std::tuple{"10A1", "gv.muoi", "Ngữ văn"},
                                          std::tuple{"11A1", "gv.muoimot", "Toán"}}) {
    auto no_topics = school.device(who).record({cls, subject, cls == std::string("10A1") ? "HS1001" : "HS1101", "HK1.TX5"}, "8");
    INFO(cls << " " << subject);
    REQUIRE_FALSE(no_topics.is_ok());
    CHECK_THAT(no_topics.status().message(), Catch::Contains("TX5"));
  }
  // The teachers' devices have each class's subjects as the server does.
  for (const auto& [cls, who] : teacher) {
    const auto book = school.device(who).class_book(cls);
    REQUIRE(book.subjects.size() == subjects[cls].size());
    for (std::size_t i = 0; i < book.subjects.size(); ++i) CHECK(book.subjects[i] == subjects[cls][i]);
  }
  CHECK_FALSE(school.device("gv.muoi").subject("Địa lí", "10A1").has_value());
  sync_all();
  clock.advance(local_time("2026-01-20T08:00") - clock.now_unix_seconds());
  school.freeze("hieu.truong", "HK1");
  clock.advance(4 * 24 * 3600);  // past the offline grace window
  school.sync("gv.muoi");
  const auto late = queue_unchecked(school.device("gv.muoi"), {"10A1", "Toán", "HS1001", "HK1.TX5"}, "10");
  school.sync("gv.muoi");
  CHECK(outcome_of(school.device("gv.muoi"), late) == "TERM_LOCKED");

  // ---- HK2: every mark but one study-topic TX5; HS1202 absent 46 school days.
  clock.advance(local_time("2026-05-20T08:00") - clock.now_unix_seconds());
  for (const auto& s : students) fill("HK2", s, s.code == "HS1001" ? "Toán HK2.TX5" : "");
  for (const auto& day : school_days(46)) put("12A1", "Chủ nhiệm", "HS1202", day, "K");
  sync_all();

  Signers signers(school);
  for (const auto& [cls, who] : teacher) signers.add(who);
  signers.add("pho.hieutruong");
  signers.add("hieu.truong");

  // The board shows the missing TX5; the subject and the class are refused, naming it.
  auto report = client::board_report(school.device("gv.muoi"), "10A1", "CN");
  REQUIRE(report.missing.size() == 1);
  CHECK(report.missing[0].student == "HS1001");
  CHECK(report.missing[0].subject == "Toán");
  CHECK(report.missing[0].column == "HK2.TX5");
  auto toan = signers.sign("gv.muoi", "subject", "10A1", "HK2", "Toán");
  REQUIRE_FALSE(toan.is_ok());
  CHECK_THAT(toan.status().message(), Catch::Contains("HS1001 HK2.TX5"));
  auto cls = signers.sign("gv.muoi", "class", "10A1", "HK2");
  REQUIRE_FALSE(cls.is_ok());
  CHECK_THAT(cls.status().message(), Catch::Contains("HS1001 Toán HK2.TX5"));

  // Complete, then the whole chain in every class.
  put("10A1", "Toán", "HS1001", "HK2.TX5", "7");
  school.sync("gv.muoi");
  for (const auto& [c, who] : teacher) {
    for (const auto& subject : subjects[c]) {
      auto r = signers.sign(who, "subject", c, "HK2", subject.name);
      INFO(c << " " << subject.name << ": " << r.status().message());
      REQUIRE(r.is_ok());
    }
    for (const auto& [signer, step] :
         {std::pair{who, std::string("class")}, std::pair{std::string("pho.hieutruong"), std::string("review")},
          std::pair{std::string("hieu.truong"), std::string("approve")}}) {
      auto r = signers.sign(signer, step, c, "HK2");
      INFO(c << " " << step << ": " << r.status().message());
      REQUIRE(r.is_ok());
    }
  }

  // ---- The year's outcomes, from the approved boards.
  auto outcomes = [&] {
    auto db = school.server_db();
    auto classes = server::load_year_outcomes(*db);
    REQUIRE(classes.is_ok());
    REQUIRE(classes->size() == 3);
    std::map<std::string, board::StudentOutcome> out;
    for (const auto& c : *classes) {
      CHECK_FALSE(c.primary);
      CHECK(c.approved);
      for (const auto& s : c.students) out[s.student] = s;
    }
    return out;
  };
  auto before = outcomes();
  CHECK(before["HS1001"].final == board::Final::kPromoted);
  CHECK(before["HS1001"].learning == grading::Level::kKha);
  CHECK(before["HS1002"].outcome == grading::Outcome::kKiemTraLai);
  REQUIRE(before["HS1002"].retests.size() == 2);
  CHECK(before["HS1002"].retests[0].subject == "Ngữ văn");
  CHECK(before["HS1002"].retests[1].subject == "Toán");
  CHECK(before["HS1101"].learning == grading::Level::kTot);
  CHECK(before["HS1101"].award == "Học sinh Giỏi");
  CHECK(before["HS1102"].outcome == grading::Outcome::kRenLuyenHe);
  CHECK(before["HS1201"].final == board::Final::kPromoted);
  CHECK(before["HS1202"].outcome == grading::Outcome::kOLaiLop);
  CHECK(before["HS1202"].absent_sessions == 46);
  CHECK(before["HS1203"].outcome == grading::Outcome::kKiemTraLai);
  REQUIRE(before["HS1203"].retests.size() == 2);
  CHECK(before["HS1203"].retests[0].subject == "Vật lí");
  CHECK(before["HS1203"].retests[1].subject == "Hóa học");

  {
    // The printed grade book has the TX5 column; the transcript every subject (pdftotext).
    auto db = school.server_db();
    const std::string book = school.tmp / "so-diem.pdf", transcript = school.tmp / "hoc-ba.pdf";
    REQUIRE(server::print_gradebook(*db, "10A1", "Toán", "HK2", book).is_ok());
    REQUIRE(server::print_transcript(*db, "12A1", "HS1201", transcript).is_ok());
    auto text = run_command({"pdftotext", "-layout", book, "-"});
    REQUIRE(text.exit_code == 0);
    CHECK_THAT(text.out, Catch::Contains("TX5"));
    CHECK_THAT(text.out, !Catch::Contains("Bản nháp"));
    text = run_command({"pdftotext", "-layout", transcript, "-"});
    REQUIRE(text.exit_code == 0);
    for (const auto& subject : subjects["12A1"]) CHECK_THAT(text.out, Catch::Contains(subject.name.substr(0, 12)));
  }

  auto pending = leadership(school, {"year", "new", "--name", "2026-2027"});
  CHECK(pending.exit_code == 2);
  CHECK_THAT(pending.err, Catch::Contains("còn 3 học sinh chờ kiểm tra lại hoặc rèn luyện trong hè") &&
                              Catch::Contains("10A1 HS1002") && Catch::Contains("11A1 HS1102") &&
                              Catch::Contains("12A1 HS1203"));

  // The summer: HS1002 fails Toán again and misses the Ngữ văn re-test;
  // HS1102 passes the training; HS1203 passes both re-tests (typed as
  // people type: lower case, "hoá" with the tone on the a).
  for (const auto& [c, who, subject, result] :
       {std::tuple{"10a1", "hs1002", "toán", "3"}, std::tuple{"10A1", "HS1002", "Ngữ văn", "Vắng"},
        std::tuple{"12A1", "HS1203", "Vật lí", "6"}, std::tuple{"12A1", "HS1203", "hoá học", "5,5"}}) {
    auto r = leadership(school, {"retest", "--class", c, "--student", who, "--subject", subject, "--result", result});
    INFO(c << " " << who << " " << subject << ": " << r.err);
    REQUIRE(r.exit_code == 0);
  }
  auto summer = leadership(school, {"summer", "--class", "11A1", "--student", "HS1102", "--result", "Đạt"});
  INFO(summer.err);
  REQUIRE(summer.exit_code == 0);
  {
    auto db = school.server_db();
    CHECK(server::verify_records(*db).intact);
  }
  auto after = outcomes();
  CHECK(after["HS1002"].final == board::Final::kRetained);
  CHECK(after["HS1002"].final_learning == grading::Level::kChuaDat);
  CHECK(after["HS1102"].final == board::Final::kPromoted);
  CHECK(after["HS1203"].final == board::Final::kPromoted);
  CHECK(after["HS1203"].final_learning == grading::Level::kKha);  // 6.0 and 5.5 replace the 3.0s

  {
    // The district export (CSDL ngành) of the THPT classes, read back by Python's xml.etree.
    auto db = school.server_db();
    const std::string xml = school.tmp / "csdl.xml";
    auto r = server::export_district(*db, "", xml);
    INFO((r.problems.empty() ? "" : r.problems[0]));
    REQUIRE(r.ok);
    CHECK(r.classes == 3);
    CHECK(r.students == 7);
    auto read = run_command({"python3", "-c", R"PY(
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
c = root.find("class[@name='12A1']")
s = c.find("student[@code='HS1203']")
k = s.find("retest[@subject='Hóa học']")
print("|".join([c.get("level"), s.find("subject[@name='Hóa học']").text, s.findtext("decision"), k.get("year-result"),
                k.get("result"), s.findtext("outcome")]))
)PY", xml});
    INFO(read.err);
    REQUIRE(read.exit_code == 0);
    CHECK(read.out == "THPT|3,0|Kiểm tra lại|3,0|5,5|Lên lớp\n");
  }

  auto listed = leadership(school, {"outcomes", "--json"});
  REQUIRE(listed.exit_code == 0);
  const json j = json::parse(listed.out);
  auto codes = [](const json& people) {
    std::vector<std::string> out;
    for (const auto& p : people) out.push_back(p["student"]);
    return out;
  };
  CHECK(codes(j["school"]["lists"]["final"]["Ở lại lớp"]) == std::vector<std::string>{"HS1002", "HS1202"});
  CHECK(codes(j["school"]["lists"]["outcome"]["Kiểm tra lại"]) == std::vector<std::string>{"HS1002", "HS1203"});

  // ---- Into the next year: 10A1 → 11A1, 11A1 → 12A1; grade 12 finishes
  // school (no 13A1), the retained stay in their grade.
  auto next = leadership(school, {"year", "new", "--name", "2026-2027"});
  INFO(next.err);
  REQUIRE(next.exit_code == 0);
  CHECK_THAT(next.out, Catch::Contains("Lớp lên: 10A1 → 11A1, 11A1 → 12A1.") &&
                           Catch::Contains("3 lên lớp, 2 ở lại lớp, 2 ra trường") &&
                           Catch::Contains("7 theo kết quả cả năm đã phê duyệt"));
  auto db = school.server_db();
  {
    auto s = db->prepare("SELECT st.code, st.status, COALESCE(c.name, '-') FROM students st "
                         "LEFT JOIN current_classes c ON c.id = st.class_id ORDER BY st.code");
    std::vector<std::string> rows;
    while (s.step()) rows.push_back(s.text(0) + " " + s.text(1) + " " + s.text(2));
    CHECK(rows == std::vector<std::string>{"HS1001 active 11A1", "HS1002 active 10A1", "HS1101 active 12A1",
                                           "HS1102 active 12A1", "HS1201 graduated -", "HS1202 active 12A1",
                                           "HS1203 graduated -"});
  }
  {
    auto s = db->prepare("SELECT name || ' ' || grade FROM current_classes ORDER BY grade, name");
    std::vector<std::string> classes;
    while (s.step()) classes.push_back(s.text(0));
    CHECK(classes == std::vector<std::string>{"10A1 10", "11A1 11", "12A1 12"});
  }
  // A promoted class keeps its tổ hợp: 11A1 is last year's 10A1, 12A1 last year's 11A1.
  auto names_of = [&](const std::string& cls) {
    auto id = db->prepare("SELECT id FROM current_classes WHERE name = ?");
    id.bind(1, cls);
    REQUIRE(id.step());
    std::vector<std::string> out;
    for (const auto& cs : server::class_subjects_of(*db, id.int64(0))) out.push_back(cs.info.name + (cs.info.study_topics ? "*" : ""));
    return out;
  };
  auto names_then = [&](const std::vector<protocol::SubjectInfo>& list) {
    std::vector<std::string> out;
    for (const auto& s : list) out.push_back(s.name + (s.study_topics ? "*" : ""));
    return out;
  };
  CHECK(names_of("11A1") == names_then(subjects["10A1"]));
  CHECK(names_of("12A1") == names_then(subjects["11A1"]));
  CHECK(names_of("10A1").size() == 17);  // the retained students' new 10A1 chose nothing yet
  CHECK(server::verify_audit(*db).intact);
}
