// The curriculum file (sodiem-server setup): the shipped GDPT 2018 defaults
// read back with their per-grade rules (regular assessments from periods,
// study topics, combined subjects), and hostile or mistaken files refused
// with every problem named, in Vietnamese, where it is in the file.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "sodiem/core/column.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/curriculum.hpp"

using namespace sodiem;
using namespace sodiem::server;

namespace {

Curriculum shipped(const std::string& level) {
  auto text = shipped_curriculum(level);
  REQUIRE(text);
  auto parsed = parse_curriculum(*text);
  INFO((parsed.errors.empty() ? "" : parsed.errors.front()));
  REQUIRE(parsed.curriculum);
  return *parsed.curriculum;
}

// The subject as grade `grade` has it, as the server's class_subjects gives it.
protocol::SubjectInfo info(const Curriculum& c, const std::string& name, int grade) {
  for (const auto& s : c.subjects)
    if (s.name == name)
      for (const auto& g : s.grades)
        if (g.grade == grade) {
          std::string tests;
          for (const auto& t : g.periodic_tests) tests += (tests.empty() ? "" : ",") + t;
          return {name, g.kind == SubjectKind::kScored, g.periods, g.topic_periods > 0, g.assessed_as,
                  g.kind == SubjectKind::kPrimary, tests};
        }
  FAIL("no " << name << " in grade " << grade);
  return {};
}

std::string errors_of(std::string_view text) {
  auto parsed = parse_curriculum(text);
  CHECK_FALSE(parsed.curriculum);
  std::string all;
  for (const auto& e : parsed.errors) all += e + "\n";
  return all;
}

const char* kGood = R"({"format": "sodiem-curriculum/1", "levels": ["THCS"], "subjects": [
  {"name": "Toán", "kind": "scored", "periods": {"6": 140}}]})";

}  // namespace

TEST_CASE("the shipped THCS defaults give each grade its own regular assessments", "[unit][curriculum]") {
  const Curriculum c = shipped("thcs");
  CHECK(c.levels == std::vector<std::string>{"THCS"});
  // TT22 Điều 7: ≤ 35 periods → 2, ≤ 70 → 3, more → 4.
  struct Row {
    const char* subject;
    int grade, tx;
  };
  for (const Row& r : {Row{"Công nghệ", 6, 2}, Row{"Công nghệ", 7, 2}, Row{"Công nghệ", 8, 3}, Row{"Công nghệ", 9, 3},
                       Row{"Toán", 6, 4}, Row{"Ngoại ngữ 1", 9, 4}, Row{"Giáo dục công dân", 8, 2}, Row{"Tin học", 9, 2},
                       Row{"Giáo dục thể chất", 6, 2}}) {
    INFO(r.subject << " lớp " << r.grade);
    CHECK(regular_assessments(info(c, r.subject, r.grade)) == r.tx);
  }
  // Column checks follow: TX3 exists for Công nghệ 8, not for Công nghệ 6.
  const auto cn8 = info(c, "Công nghệ", 8), cn6 = info(c, "Công nghệ", 6);
  CHECK(normalize_cell_value(&cn8, "HK1.TX3", "8").is_ok());
  CHECK_FALSE(normalize_cell_value(&cn6, "HK1.TX3", "8").is_ok());
  CHECK(board::required_columns(cn8, "HK2") == std::vector<std::string>{"HK2.TX1", "HK2.TX2", "HK2.TX3", "HK2.GK", "HK2.CK"});
  // Nghệ thuật is Âm nhạc + Mĩ thuật, comment-only.
  CHECK(info(c, "Âm nhạc", 7).assessed_as == "Nghệ thuật");
  CHECK(info(c, "Mĩ thuật", 7).assessed_as == "Nghệ thuật");
  CHECK_FALSE(info(c, "Mĩ thuật", 7).scored);
}

TEST_CASE("the shipped periods are those of the 2018 programme's tables (Thông tư 32/2018, 13/2022)",
          "[unit][curriculum]") {
  // Chương trình tổng thể, mục IV: periods per year of each grade, without
  // optional subjects (Tiếng dân tộc thiểu số, Ngoại ngữ 2; Ngoại ngữ 1 in grades 1–2).
  for (const auto& [level, totals] : std::vector<std::pair<std::string, std::map<int, int>>>{
           {"tieu-hoc", {{1, 875}, {2, 875}, {3, 980}, {4, 1050}, {5, 1050}}},
           {"thcs", {{6, 1015}, {7, 1015}, {8, 1032}, {9, 1032}}}}) {
    std::map<int, int> sum;
    for (const auto& s : shipped(level).subjects)
      for (const auto& g : s.grades) sum[g.grade] += g.periods;
    INFO(level);
    CHECK(sum == totals);
  }
  struct Row {
    const char* level;
    const char* subject;
    int grade, periods, topic_periods;
  };
  const Curriculum th = shipped("tieu-hoc"), thcs = shipped("thcs"), thpt = shipped("thpt");
  for (const Row& r : {Row{"tieu-hoc", "Tiếng Việt", 3, 245, 0}, Row{"tieu-hoc", "Toán", 1, 105, 0},
                       Row{"tieu-hoc", "Tin học và Công nghệ", 3, 70, 0}, Row{"tieu-hoc", "Âm nhạc", 5, 35, 0},
                       Row{"thcs", "Công nghệ", 8, 52, 0}, Row{"thcs", "Khoa học tự nhiên", 9, 140, 0},
                       Row{"thcs", "Nội dung giáo dục của địa phương", 6, 35, 0},
                       // THPT: compulsory, then electives; study-topic clusters of 35 periods.
                       Row{"thpt", "Ngữ văn", 10, 105, 35}, Row{"thpt", "Toán", 12, 105, 35},
                       Row{"thpt", "Ngoại ngữ 1", 11, 105, 0}, Row{"thpt", "Lịch sử", 10, 52, 35},
                       Row{"thpt", "Giáo dục thể chất", 10, 70, 0}, Row{"thpt", "Giáo dục quốc phòng và an ninh", 11, 35, 0},
                       Row{"thpt", "Hoạt động trải nghiệm, hướng nghiệp", 12, 105, 0},
                       Row{"thpt", "Nội dung giáo dục của địa phương", 10, 35, 0}, Row{"thpt", "Vật lí", 11, 70, 35},
                       Row{"thpt", "Giáo dục kinh tế và pháp luật", 12, 70, 35}, Row{"thpt", "Mĩ thuật", 10, 70, 35}}) {
    const Curriculum& c = std::string(r.level) == "tieu-hoc" ? th : std::string(r.level) == "thcs" ? thcs : thpt;
    INFO(r.level << " " << r.subject << " lớp " << r.grade);
    bool found = false;
    for (const auto& s : c.subjects)
      if (s.name == r.subject)
        for (const auto& g : s.grades)
          if (g.grade == r.grade) {
            found = true;
            CHECK(g.periods == r.periods);
            CHECK(g.topic_periods == r.topic_periods);
          }
    CHECK(found);
  }
}

TEST_CASE("THPT study topics add a fifth regular assessment — primary subjects keep their periodic tests", "[unit][curriculum]") {
  const Curriculum thpt = shipped("thpt");
  const auto toan = info(thpt, "Toán", 11);
  CHECK(toan.study_topics);
  CHECK(regular_assessments(toan) == 5);  // 105 periods → 4, + chuyên đề
  CHECK(normalize_cell_value(&toan, "HK2.TX5", "7.5").is_ok());
  CHECK(regular_assessments(info(thpt, "Lịch sử", 10)) == 4);  // 52 periods → 3, + chuyên đề
  CHECK(regular_assessments(info(thpt, "Giáo dục quốc phòng và an ninh", 12)) == 2);
  const auto no_topics = info(thpt, "Ngoại ngữ 1", 10);
  CHECK_FALSE(normalize_cell_value(&no_topics, "HK1.TX5", "7").is_ok());

  const Curriculum th = shipped("tieu-hoc");
  CHECK(th.levels == std::vector<std::string>{"TH"});
  for (const auto& s : th.subjects) CHECK(s.kind == SubjectKind::kPrimary);
  auto tests_of = [&](const std::string& name, int grade) {
    for (const auto& s : th.subjects)
      if (s.name == name)
        for (const auto& g : s.grades)
          if (g.grade == grade) return g.periodic_tests;
    return std::vector<std::string>{"?"};
  };
  // TT27 Điều 7: mid-term tests only in grades 4–5 for Tiếng Việt and Toán.
  CHECK(tests_of("Toán", 3) == std::vector<std::string>{"CK1", "CN"});
  CHECK(tests_of("Tiếng Việt", 5) == std::vector<std::string>{"GK1", "CK1", "GK2", "CN"});
  CHECK(tests_of("Đạo đức", 2).empty());
  CHECK(info(th, "Tiếng Việt", 1).periods_per_year == 420);
}

TEST_CASE("several levels merge into one school", "[unit][curriculum]") {
  auto merged = merge_curricula({shipped("thcs"), shipped("thpt")});
  REQUIRE(merged.curriculum);
  CHECK(merged.curriculum->levels == std::vector<std::string>{"THCS", "THPT"});
  const auto cn = info(*merged.curriculum, "Công nghệ", 8), cn10 = info(*merged.curriculum, "Công nghệ", 10);
  CHECK(regular_assessments(cn) == 3);
  CHECK(regular_assessments(cn10) == 4);  // 70 periods → 3, + chuyên đề
  // Âm nhạc is part of Nghệ thuật at THCS, a subject of its own at THPT.
  CHECK(info(*merged.curriculum, "Âm nhạc", 9).assessed_as == "Nghệ thuật");
  CHECK(info(*merged.curriculum, "Âm nhạc", 10).assessed_as.empty());
  // A primary and lower-secondary school (liên cấp): Toán is rated in grades 1–5, scored in 6–9.
  auto th_thcs = merge_curricula({shipped("tieu-hoc"), shipped("thcs")});
  REQUIRE(th_thcs.curriculum);
  CHECK(info(*th_thcs.curriculum, "Toán", 5).primary);
  CHECK(info(*th_thcs.curriculum, "Toán", 6).scored);
  CHECK_FALSE(info(*th_thcs.curriculum, "Âm nhạc", 5).scored);
  CHECK(info(*th_thcs.curriculum, "Âm nhạc", 7).assessed_as == "Nghệ thuật");
  // The same level twice is refused.
  CHECK_FALSE(merge_curricula({shipped("thcs"), shipped("thcs")}).curriculum);
}

TEST_CASE("a mistaken or hostile curriculum file is refused, each problem named where it is", "[unit][curriculum]") {
  REQUIRE(parse_curriculum(kGood).curriculum);
  std::string good = kGood;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  std::string e = errors_of(with("\"scored\"", "\"điểm\""));
  CHECK(e.find("subjects[0] «Toán» › kind") != std::string::npos);
  CHECK(e.find("loại môn \"điểm\" không có") != std::string::npos);

  e = errors_of(with("140", "999"));
  CHECK(e.find("subjects[0] «Toán» › periods › 6") != std::string::npos);
  CHECK(e.find("số tiết mỗi năm phải là số nguyên từ 1 đến 420, không phải 999") != std::string::npos);
  CHECK(errors_of(with("140", "0")).find("từ 1 đến 420") != std::string::npos);
  CHECK(errors_of(with("140", "35.5")).find("số nguyên") != std::string::npos);
  CHECK(errors_of(with("\"6\"", "\"13\"")).find("khối \"13\" không hợp lệ") != std::string::npos);
  CHECK(errors_of(with("\"6\"", "\"10\"")).find("không thuộc cấp học nào") != std::string::npos);
  CHECK(errors_of(with("\"periods\"", "\"perods\"")).find("khóa \"perods\" không có") != std::string::npos);
  CHECK(errors_of(with("\"THCS\"", "\"MN\"")).find("levels[0]") != std::string::npos);

  // Every problem, not only the first.
  e = errors_of(with("\"scored\", \"periods\": {\"6\": 140}", "\"x\", \"periods\": {\"6\": -1}"));
  CHECK(e.find("› kind") != std::string::npos);
  CHECK(e.find("› periods › 6") != std::string::npos);

  // Invalid UTF-8 (a lone continuation byte in a name), with its line.
  e = errors_of(with("Toán", "To\x80n"));
  CHECK(e.find("không phải UTF-8 hợp lệ") != std::string::npos);
  // Not JSON at all.
  CHECK(errors_of("{\"format\": ").find("không phải JSON hợp lệ") != std::string::npos);
  // Too deep, too big.
  std::string deep = std::string(200, '[') + std::string(200, ']');
  CHECK(errors_of(deep).find("lồng sâu quá") != std::string::npos);
  std::string big = with("\"levels\"", "\"title\": \"" + std::string(kMaxCurriculumBytes, 'a') + "\", \"levels\"");
  CHECK(errors_of(big).find("quá giới hạn") != std::string::npos);
  // A name typed twice; a combined subject of scored subjects; study topics below grade 10.
  CHECK(errors_of(with("]}", ", {\"name\": \"Toán\", \"kind\": \"scored\", \"periods\": {\"7\": 140}}]}"))
            .find("môn này đã có ở subjects[0]") != std::string::npos);
  CHECK(errors_of(with("\"kind\"", "\"assessed_as\": \"Khoa học\", \"kind\"")).find("› assessed_as") != std::string::npos);
  CHECK(errors_of(with("}}]}", "}, \"study_topics\": {\"6\": 35}}]}")).find("chỉ có ở khối 10–12") != std::string::npos);
}

TEST_CASE("names are read as NFC: a decomposed name is the same subject", "[unit][curriculum]") {
  // "Toán" with a combining acute accent (U+0301) after "a".
  std::string nfd = R"({"format": "sodiem-curriculum/1", "levels": ["THCS"], "subjects": [
    {"name": "Toa)" "\xCC\x81" R"(n", "kind": "scored", "periods": {"6": 140}}]})";
  auto parsed = parse_curriculum(nfd);
  REQUIRE(parsed.curriculum);
  CHECK(parsed.curriculum->subjects[0].name == "Toán");
}

TEST_CASE("default school year: terms and entry windows of the usual calendar", "[unit][curriculum]") {
  auto y = default_year("2026-2027");
  REQUIRE(y);
  REQUIRE(y->terms.size() == 2);
  CHECK(y->terms[0].code == "HK1");
  CHECK(y->terms[0].starts_on == "2026-09-05");
  CHECK(y->terms[1].ends_on == "2027-05-31");
  CHECK(y->terms[1].entry_closes_on > y->terms[1].ends_on);
  CHECK_FALSE(default_year("2026-2028"));
  CHECK_FALSE(default_year("26-27"));
}

TEST_CASE("primary subjects of the shipped default are rated by TT27, with the grade's periodic tests",
          "[unit][curriculum]") {
  const Curriculum th = shipped("tieu-hoc");
  const auto tv = info(th, "Tiếng Việt", 4);
  CHECK(tv.primary);
  // A score is not a rating; the rating is.
  auto refused = normalize_cell_value(&tv, "HK1.GK", "9");
  REQUIRE_FALSE(refused.is_ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("Hoàn thành tốt"));
  CHECK(*normalize_cell_value(&tv, "HK1.GK", "htt") == "Hoàn thành tốt");
  // Grade 4 sits Tiếng Việt tests at mid and end of each term; grade 1 at the end of each.
  CHECK(*normalize_cell_value(&tv, "HK1.KTGK", "9") == "9");
  const auto tv1 = info(th, "Tiếng Việt", 1);
  CHECK(*normalize_cell_value(&tv1, "HK2.KTCK", "8") == "8");
  CHECK_FALSE(normalize_cell_value(&tv1, "HK1.KTGK", "8").is_ok());
  CHECK(normalize_cell_value(&tv, "HK1.NX", "Em đọc to, rõ ràng").is_ok());
  // Required for the signatures (TT27 Điều 6): ratings at mid and end of term, the tests the grade sits.
  CHECK(board::required_columns(tv, "HK1") == std::vector<std::string>{"HK1.GK", "HK1.KTGK", "HK1.CK", "HK1.KTCK"});
  CHECK(board::required_columns(tv1, "HK1") == std::vector<std::string>{"HK1.GK", "HK1.CK", "HK1.KTCK"});
}

TEST_CASE("fuzz findings: a number too large for any type, a format that is not text", "[unit][curriculum]") {
  // Both threw out of the parser (std::terminate) before they were named.
  CHECK(errors_of(R"({"format": 111111E2026})").find("số quá lớn") != std::string::npos);
  CHECK(errors_of(R"({"format": 1, "levels": ["THCS"], "subjects": [{"name": "Toán", "kind": "scored", "periods": {"6": 140}}]})")
            .find("format: phải là \"sodiem-curriculum/1\"") != std::string::npos);
}
