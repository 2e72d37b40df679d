// A whole year of a new primary school (issue 15, Thông tư 27/2020), not the
// demo: a plain init set up from the shipped Tiểu học defaults, staff and
// pupils imported, every rating, periodic test, quality and competence typed
// on the teachers' real clients and synced, HK1 locked, HK2, the year board
// refused while a cell is empty and signed once complete (subject teacher,
// homeroom teacher, vice principal, principal), then the year end: the
// class board's results, award and totals; a pupil recognised as Học sinh
// Tiêu biểu (sodiem-server recognise); a pupil of grade 4 and one of
// grade 5 not completing the year, helped over the summer and assessed
// again (sodiem-server summer); `year new` refused while that is pending,
// then grade 5 completes primary school and leaves, grade 4 goes up but the
// pupil still not completing stays. Real client, sync, SQLite, signatures
// and the real sodiem-server binary.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "school_year_script.hpp"
#include "sodiem/client/board_report.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/district_export.hpp"
#include "sodiem/server/records_check.hpp"
#include "sodiem/server/year_outcomes.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using nlohmann::json;

namespace {

struct Pupil {
  std::string code, class_name;
  std::string rating = "Hoàn thành tốt", test = "9", quality = "Tốt";
  std::map<std::string, std::string> special{};  // "Toán HK2.KTCK" → value
};

}  // namespace

TEST_CASE("a new primary school runs a whole year into the next: results, awards, summer help, grade 5 completes",
          "[e2e][school_year][outcomes][tt27]") {
  ManualClock clock(local_time("2025-10-01T08:00"));
  LoopbackSchool school(LoopbackSchool::PlainInit{"Trường PTDTBT Tiểu học Bản Mù"}, clock);
  setup_from_defaults(school, "tieu-hoc", "2025-2026");
  import_students(school, "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                          "HS401,Giàng A Páo,05/09/2016,Nam,4A\n"
                          "HS402,Sùng Thị Mai,12/03/2016,Nữ,4A\n"
                          "HS501,Lò Văn Sơn,01/01/2015,Nam,5A\n"
                          "HS502,Hờ Thị Dua,20/11/2015,Nữ,5A\n");
  std::map<std::string, std::vector<protocol::SubjectInfo>> subjects;  // class → its subjects
  std::map<std::string, std::string> assigned;
  for (const char* cls : {"4A", "5A"}) assigned[cls] = assign_all_subjects(school, cls, subjects[cls]);
  REQUIRE(subjects["4A"].size() == 11);
  REQUIRE(subjects["5A"].size() == 11);
  import_staff(school, "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                       "gv.lan,Vàng Thị Lan,GVBM;GVCN,,4A,\"" + assigned["4A"] + "\"\n"
                       "gv.hoa,Lý Văn Hòa,GVBM;GVCN,,5A,\"" + assigned["5A"] + "\"\n"
                       "pho.hieutruong,Đỗ Văn Phó,PHT,,,\n"
                       "hieu.truong,Vũ Thị Hiệu,HT,,,\n");
  const std::map<std::string, std::string> teacher = {{"4A", "gv.lan"}, {"5A", "gv.hoa"}};
  auto put = [&](const std::string& cls, const std::string& subject, const std::string& student,
                 const std::string& column, const std::string& value) {
    auto r = school.device(teacher.at(cls)).record({cls, subject, student, column}, value);
    INFO(cls << " " << subject << " " << student << " " << column << " = " << value << ": " << r.status().message());
    REQUIRE(r.is_ok());
  };
  // HS401 excels; HS402 scores 4 in the year-end Toán test and HS502 is
  // Cần cố gắng in one competence at the end of the year: Chưa hoàn thành.
  // HS501 Hoàn thành tốt (tests of 7). Typed as teachers type: T, H, t, tot.
  const std::vector<Pupil> pupils = {
      {"HS401", "4A"},
      {"HS402", "4A", "H", "6", "Đ", {{"Toán HK2.KTCK", "4"}}},
      {"HS501", "5A", "t", "7", "tot"},
      {"HS502", "5A", "T", "8", "T", {{"Chủ nhiệm HK2.NL5", "C"}}},
  };
  auto fill = [&](const std::string& term, const Pupil& p, const std::string& skip = "") {
    for (const auto& subject : subjects[p.class_name])
      for (const auto& column : board::required_columns(subject, term)) {
        const auto special = p.special.find(subject.name + " " + column);
        const std::string value = special != p.special.end()       ? special->second
                                  : column.find(".KT") != std::string::npos ? p.test
                                                                            : p.rating;
        if (subject.name + " " + column != skip) put(p.class_name, subject.name, p.code, column, value);
      }
    for (const auto& column : board::homeroom_required_columns(true, term)) {
      const auto special = p.special.find("Chủ nhiệm " + column);
      put(p.class_name, "Chủ nhiệm", p.code, column, special != p.special.end() ? special->second : p.quality);
    }
  };

  // ---- HK1, then its lock.
  for (const auto& p : pupils) fill("HK1", p);
  school.sync("gv.lan");
  school.sync("gv.hoa");
  clock.advance(local_time("2026-01-20T08:00") - clock.now_unix_seconds());
  school.freeze("hieu.truong", "HK1");
  clock.advance(4 * 24 * 3600);  // past the offline grace window
  school.sync("gv.lan");
  const auto late = queue_unchecked(school.device("gv.lan"), {"4A", "Toán", "HS401", "HK1.KTCK"}, "10");
  school.sync("gv.lan");
  CHECK(outcome_of(school.device("gv.lan"), late) == "TERM_LOCKED");

  // ---- HK2: every cell but one year-end test.
  clock.advance(local_time("2026-05-20T08:00") - clock.now_unix_seconds());
  for (const auto& p : pupils) fill("HK2", p, p.code == "HS401" ? "Toán HK2.KTCK" : "");
  school.sync("gv.lan");
  school.sync("gv.hoa");

  Signers signers(school);
  for (const char* who : {"gv.lan", "gv.hoa", "pho.hieutruong", "hieu.truong"}) signers.add(who);
  auto sign = [&](const std::string& who, const std::string& step, const std::string& cls, const std::string& subject) {
    return signers.sign(who, step, cls, "HK2", subject);
  };

  // The board shows what is missing; the subject and the class are refused, naming the cell.
  auto report = client::board_report(school.device("gv.lan"), "4A", "CN");
  CHECK_FALSE(report.complete());
  REQUIRE(report.missing.size() == 1);
  CHECK(report.missing[0].student == "HS401");
  CHECK(report.missing[0].column == "HK2.KTCK");
  CHECK(report.primary);
  auto toan = sign("gv.lan", "subject", "4A", "Toán");
  REQUIRE_FALSE(toan.is_ok());
  CHECK_THAT(toan.status().message(), Catch::Contains("HS401 HK2.KTCK"));
  auto cls = sign("gv.lan", "class", "4A", "");
  REQUIRE_FALSE(cls.is_ok());
  CHECK_THAT(cls.status().message(), Catch::Contains("HS401 Toán HK2.KTCK"));
  {
    // The server refuses the same, whatever a device says (the authority).
    auto db = school.server_db();
    const auto id = school.server_scalar("SELECT id FROM current_classes WHERE name = '4A'");
    CHECK(board::missing_cells(server::load_class_book(*db, id), "HK2").size() == 1);
  }

  // Complete, then the whole chain in both classes.
  put("4A", "Toán", "HS401", "HK2.KTCK", "10");
  school.sync("gv.lan");
  for (const auto& [c, who] : teacher) {
    for (const auto& subject : subjects[c]) {
      auto r = sign(who, "subject", c, subject.name);
      INFO(c << " " << subject.name << ": " << r.status().message());
      REQUIRE(r.is_ok());
    }
    for (const auto& [signer, step] :
         {std::pair{who, std::string("class")}, std::pair{std::string("pho.hieutruong"), std::string("review")},
          std::pair{std::string("hieu.truong"), std::string("approve")}}) {
      auto r = sign(signer, step, c, "");
      INFO(c << " " << step << ": " << r.status().message());
      REQUIRE(r.is_ok());
    }
  }

  // ---- The class board as signed: results, award, totals.
  report = client::board_report(school.device("gv.hoa"), "5A", "CN");
  CHECK(report.complete());
  REQUIRE(report.students.size() == 2);
  std::map<std::string, std::map<std::string, std::string>> results;
  for (const auto& st : report.students)
    for (const auto& [column, value] : st.results) results[st.code][column] = value;
  CHECK(results["HS501"]["Kết quả giáo dục"] == "Hoàn thành tốt");
  CHECK_FALSE(results["HS501"].contains("Khen thưởng"));  // Tiêu biểu is the class's recognition, recorded later
  CHECK(results["HS501"]["Hoàn thành chương trình"] == "Hoàn thành chương trình tiểu học");
  CHECK(results["HS502"]["Kết quả giáo dục"] == "Chưa hoàn thành");
  CHECK(results["HS502"]["Năng lực Tính toán"] == "Cần cố gắng");
  CHECK(results["HS502"]["Toán (KTĐK)"] == "8");
  CHECK(report.totals.at("Kết quả giáo dục") == std::map<std::string, int>{{"Hoàn thành tốt", 1}, {"Chưa hoàn thành", 1}});
  report = client::board_report(school.device("gv.lan"), "4A", "CN");
  for (const auto& st : report.students)
    for (const auto& [column, value] : st.results) results[st.code][column] = value;
  CHECK(results["HS401"]["Kết quả giáo dục"] == "Hoàn thành xuất sắc");
  CHECK(results["HS401"]["Khen thưởng"] == "Học sinh Xuất sắc");
  CHECK(results["HS402"]["Kết quả giáo dục"] == "Chưa hoàn thành");
  CHECK(report.totals.at("Khen thưởng") == std::map<std::string, int>{{"Học sinh Xuất sắc", 1}});

  // ---- The year's outcomes.
  auto outcomes = [&] {
    auto db = school.server_db();
    auto classes = server::load_year_outcomes(*db);
    REQUIRE(classes.is_ok());
    std::map<std::string, board::StudentOutcome> out;
    for (const auto& c : *classes) {
      CHECK(c.primary);
      CHECK(c.approved);
      for (const auto& s : c.students) out[s.student] = s;
    }
    return out;
  };
  auto before = outcomes();
  CHECK(before["HS401"].final == board::Final::kPromoted);
  CHECK(before["HS401"].award == "Học sinh Xuất sắc");
  CHECK(before["HS402"].outcome == grading::Outcome::kRenLuyenHe);
  CHECK(before["HS402"].final == board::Final::kPending);
  CHECK(before["HS501"].completion == "Hoàn thành chương trình tiểu học");
  CHECK(before["HS502"].final == board::Final::kPending);

  // ---- The district export (CSDL ngành) of a primary school: the TT27
  // fields from the approved boards, read back by Python's xml.etree.
  {
    auto db = school.server_db();
    const std::string xml = school.tmp / "csdl.xml";
    auto r = server::export_district(*db, "", xml);
    INFO((r.problems.empty() ? "" : r.problems[0]));
    REQUIRE(r.ok);
    CHECK(r.classes == 2);
    CHECK(r.students == 4);
    auto read = run_command({"python3", "-c", R"PY(
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
c = root.find("class[@name='4A']")
s = c.find("student[@code='HS401']")
t = c.find("student[@code='HS402']")
print("|".join([c.get("level"), s.findtext("education-result"), s.findtext("award"), s.find("subject[@name='Toán']").text,
                s.find("test[@subject='Toán']").text, s.find("quality[@name='Yêu nước']").text,
                s.find("competence[@name='Tính toán']").text, s.findtext("completion"), s.findtext("outcome"),
                t.findtext("decision"), t.findtext("outcome")]))
)PY", xml});
    INFO(read.err);
    REQUIRE(read.exit_code == 0);
    // Ratings in the circular's symbols (T: Hoàn thành tốt, a quality's or competence's Tốt).
    CHECK(read.out == "Tiểu học|Hoàn thành xuất sắc|Học sinh Xuất sắc|T|10|T|T|"
                      "Hoàn thành chương trình lớp 4|Lên lớp|Rèn luyện trong hè|Chờ kiểm tra lại / rèn luyện trong hè\n");
  }

  auto server_cmd = [&](std::vector<std::string> args) { return leadership(school, std::move(args)); };
  auto pending = server_cmd({"year", "new", "--name", "2026-2027"});
  CHECK(pending.exit_code == 2);
  CHECK_THAT(pending.err, Catch::Contains("còn 2 học sinh chờ") && Catch::Contains("4A HS402 (rèn luyện trong hè") &&
                              Catch::Contains("5A HS502"));
  auto not_due = server_cmd({"summer", "--class", "4A", "--student", "HS401", "--result", "Đạt"});
  CHECK(not_due.exit_code == 2);
  CHECK_THAT(not_due.err, Catch::Contains("không phải rèn luyện trong hè"));
  // After the summer's help: HS402 still does not complete grade 4, HS502 completes grade 5.
  for (const auto& [c, who, result] : {std::tuple{"4a", "hs402", "chua dat"}, std::tuple{"5A", "HS502", "Đạt"}}) {
    auto r = server_cmd({"summer", "--class", c, "--student", who, "--result", result});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  // The class recognises HS501's progress: Học sinh Tiêu biểu (TT27 Điều 13); not HS401, already Xuất sắc.
  auto excellent = server_cmd({"recognise", "--class", "4A", "--student", "HS401", "--reason", "Giỏi Toán"});
  CHECK(excellent.exit_code == 2);
  CHECK_THAT(excellent.err, Catch::Contains("không được xét Học sinh Tiêu biểu: kết quả giáo dục Hoàn thành xuất sắc"));
  auto recognised = server_cmd({"recognise", "--class", "5a", "--student", "hs501", "--reason",
                                "Tiến bộ vượt bậc về năng lực ngôn ngữ"});
  INFO(recognised.err);
  REQUIRE(recognised.exit_code == 0);
  auto after = outcomes();
  CHECK(after["HS501"].award == "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện");
  CHECK(after["HS402"].final == board::Final::kRetained);
  CHECK(after["HS402"].completion == "Chưa hoàn thành chương trình lớp 4");
  CHECK(after["HS502"].final == board::Final::kPromoted);
  CHECK(after["HS502"].completion == "Hoàn thành chương trình tiểu học");

  // The lists, as the README's contract has them.
  auto listed = server_cmd({"outcomes", "--json"});
  REQUIRE(listed.exit_code == 0);
  const json j = json::parse(listed.out);
  REQUIRE(j["classes"].size() == 2);
  const json& c4 = j["classes"][0];
  CHECK(c4["class"] == "4A");
  CHECK(c4["assessed"] == true);
  CHECK(c4["primary"] == true);
  CHECK(c4["students"][0]["result"] == "Hoàn thành xuất sắc");
  CHECK(c4["students"][0]["award"] == "Học sinh Xuất sắc");
  CHECK(c4["students"][0]["learning"].is_null());
  CHECK(c4["students"][1]["summer_result"] == "Chưa đạt");
  CHECK(c4["students"][1]["final"] == "Ở lại lớp");
  auto codes = [](const json& people) {
    std::vector<std::string> out;
    for (const auto& p : people) out.push_back(p["student"]);
    return out;
  };
  CHECK(codes(j["school"]["lists"]["result"]["Chưa hoàn thành"]) == std::vector<std::string>{"HS402", "HS502"});
  CHECK(codes(j["school"]["lists"]["award"]["Học sinh Xuất sắc"]) == std::vector<std::string>{"HS401"});
  CHECK(codes(j["school"]["lists"]["award"]["Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện"]) ==
        std::vector<std::string>{"HS501"});
  CHECK(codes(j["school"]["lists"]["final"]["Lên lớp"]) == std::vector<std::string>{"HS401", "HS501", "HS502"});
  CHECK(codes(j["school"]["lists"]["final"]["Ở lại lớp"]) == std::vector<std::string>{"HS402"});
  auto text = server_cmd({"outcomes", "--class", "5A"});
  CHECK_THAT(text.out, Catch::Contains("HS501 Lò Văn Sơn: kết quả giáo dục Hoàn thành tốt — Hoàn thành chương trình tiểu "
                                       "học; Học sinh Tiêu biểu"));
  {
    auto db = school.server_db();
    CHECK(server::verify_records(*db).intact);
  }

  // ---- Into the next year: grade 5 completes primary school, 4A goes up but HS402.
  auto next = server_cmd({"year", "new", "--name", "2026-2027"});
  INFO(next.err);
  REQUIRE(next.exit_code == 0);
  CHECK_THAT(next.out, Catch::Contains("4 theo kết quả cả năm đã phê duyệt"));
  auto db = school.server_db();
  auto s = db->prepare("SELECT st.code, st.status, COALESCE(c.name, '-') FROM students st "
                       "LEFT JOIN current_classes c ON c.id = st.class_id ORDER BY st.code");
  std::vector<std::string> rows;
  while (s.step()) rows.push_back(s.text(0) + " " + s.text(1) + " " + s.text(2));
  CHECK(rows == std::vector<std::string>{"HS401 active 5A", "HS402 active 4A", "HS501 graduated -", "HS502 graduated -"});
  CHECK(server::verify_audit(*db).intact);
}
