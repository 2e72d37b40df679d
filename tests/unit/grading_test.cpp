// The grading engine: table-driven tests of every rule, a property test
// against exact rational arithmetic, and the JSON face.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

#include "sodiem/core/grading.hpp"
#include "sodiem/core/grading_eval.hpp"

using namespace sodiem;
using namespace sodiem::grading;

namespace {
Mark m(const char* s) { return *Mark::parse(s); }
std::vector<Mark> marks(std::initializer_list<const char*> l) {
  std::vector<Mark> v;
  for (auto s : l) v.push_back(m(s));
  return v;
}
constexpr auto D = CommentResult::kDat;
constexpr auto CD = CommentResult::kChuaDat;
std::string eval(const std::string& req) { return eval_json(req).json; }
}  // namespace

TEST_CASE("term and year averages, including the float traps", "[unit]") {
  struct Row {
    std::vector<Mark> tx;
    const char* gk;
    const char* ck;
    const char* want;
  };
  for (const auto& r : std::vector<Row>{
           {marks({"8", "8", "8"}), "9", "8", "8.3"},       // 66/8 = 8.25
           {marks({"7", "7", "6"}), "8.9", "8.6", "8.0"},   // 63.6/8 = 7.95
           {marks({"10", "10"}), "10", "10", "10.0"},
           {marks({"0", "0", "0", "0"}), "0", "0", "0.0"},
           {marks({"6.5", "6.5"}), "6.5", "6.5", "6.5"},
           {marks({"5", "4"}), "5", "5", "4.9"},            // 34/7 = 4.857
           {marks({"3.5", "3.4", "3.6", "3.5"}), "3.5", "3.5", "3.5"},
       }) {
    INFO(r.want);
    CHECK(term_average(r.tx, m(r.gk), m(r.ck))->to_fixed1() == r.want);
  }
  CHECK(year_average(m("6.5"), m("7")).to_fixed1() == "6.8");  // 20.5/3 = 6.833
  CHECK(year_average(m("8.2"), m("8.5")).to_fixed1() == "8.4");  // 25.2/3 = 8.4
  CHECK(year_average(m("4.9"), m("5")).to_fixed1() == "5.0");   // 14.9/3 = 4.967
}

TEST_CASE("property: averages equal exact rational arithmetic for random mark sets", "[unit]") {
  std::mt19937 rng(42);
  // Reference: value = p/q exactly; the answer k (tenths) is the nearest
  // multiple of 1/10, ties upward: |p/q - k/10| compared by cross-multiplying.
  auto reference = [](std::int64_t p, std::int64_t q) {
    const std::int64_t g = std::gcd(p, q);
    p /= g;
    q /= g;
    std::int64_t best = 0;
    for (std::int64_t k = 0; k <= 100; ++k) {
      // distance(k) = |10p - kq| / 10q; prefer the smaller, on a tie the larger k
      const auto dk = std::llabs(10 * p - k * q), db = std::llabs(10 * p - best * q);
      if (dk < db || (dk == db && k > best)) best = k;
    }
    return best;
  };
  for (int trial = 0; trial < 5000; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 4);
    std::vector<Mark> tx;
    std::int64_t sum = 0;
    for (int i = 0; i < n; ++i) {
      tx.push_back(Mark::from_tenths(static_cast<int>(rng() % 101)));
      sum += tx.back().tenths();
    }
    const Mark gk = Mark::from_tenths(static_cast<int>(rng() % 101));
    const Mark ck = Mark::from_tenths(static_cast<int>(rng() % 101));
    sum += 2 * gk.tenths() + 3 * ck.tenths();
    // sum is in tenths: the average is sum / (10 (n + 5)).
    REQUIRE(term_average(tx, gk, ck)->tenths() == reference(sum, 10 * (n + 5)));
    const Mark h1 = Mark::from_tenths(static_cast<int>(rng() % 101));
    const Mark h2 = Mark::from_tenths(static_cast<int>(rng() % 101));
    REQUIRE(year_average(h1, h2).tenths() == reference(h1.tenths() + 2 * h2.tenths(), 30));
  }
}

TEST_CASE("learning level: thresholds and boundaries (Điều 9.2)", "[unit]") {
  struct Row {
    std::vector<Mark> scored;
    std::vector<CommentResult> comment;
    Level want;
    bool adjusted;
  };
  for (const auto& r : std::vector<Row>{
           // exactly six subjects ≥ 8.0 and the rest ≥ 6.5 → Tốt
           {marks({"8", "8", "8", "8", "8", "8", "6.5", "6.5"}), {D, D}, Level::kTot, false},
           // only five ≥ 8.0 → Khá
           {marks({"8", "8", "8", "8", "8", "7.9", "6.5", "6.5"}), {D}, Level::kKha, false},
           // one subject 6.4 blocks Tốt → Khá (one level only: no adjustment)
           {marks({"9", "9", "9", "9", "9", "9", "6.4", "7"}), {D}, Level::kKha, false},
           // six ≥ 6.5, all ≥ 5.0 → Khá
           {marks({"6.5", "6.5", "6.5", "6.5", "6.5", "6.5", "5", "5"}), {D}, Level::kKha, false},
           // six ≥ 5.0, none < 3.5 → Đạt
           {marks({"5", "5", "5", "5", "5", "5", "3.5", "4"}), {D}, Level::kDat, false},
           // one comment subject Chưa đạt, otherwise Khá-level marks → Đạt, adjusted? best with exemption is Khá:
           // Khá − Đạt = 1 level: no adjustment
           {marks({"7", "7", "7", "7", "7", "7", "7", "7"}), {CD, D}, Level::kDat, false},
           // two comment subjects Chưa đạt → Chưa đạt
           {marks({"7", "7", "7", "7", "7", "7", "7", "7"}), {CD, CD}, Level::kChuaDat, false},
           // only five ≥ 5.0 → Chưa đạt
           {marks({"5", "5", "5", "5", "5", "4.9", "4", "4"}), {D}, Level::kChuaDat, false},
       }) {
    auto res = learning_level(r.scored, r.comment);
    CHECK(res.level == r.want);
    CHECK(res.adjusted == r.adjusted);
  }
}

TEST_CASE("learning level: one subject pulling two levels down is raised one (Điều 9.4)", "[unit]") {
  // Tốt except one scored subject at 3.0 (< 3.5 → Chưa đạt): raised to Đạt.
  auto r = learning_level(marks({"9", "9", "9", "9", "9", "9", "3"}), std::vector{D});
  CHECK(r.before_adjustment == Level::kChuaDat);
  CHECK(r.level == Level::kDat);
  CHECK(r.adjusted);
  // Tốt except one comment subject Chưa đạt (→ Đạt): raised to Khá.
  r = learning_level(marks({"9", "9", "9", "9", "9", "9", "8"}), std::vector{CD, D});
  CHECK(r.before_adjustment == Level::kDat);
  CHECK(r.level == Level::kKha);
  // Khá except one subject at 3.4 (→ Chưa đạt): Khá − Chưa đạt = 2: raised to Đạt.
  r = learning_level(marks({"7", "7", "7", "7", "7", "7", "3.4"}), std::vector{D});
  CHECK(r.level == Level::kDat);
  CHECK(r.adjusted);
  // Two bad subjects: not "only one subject" → no adjustment.
  r = learning_level(marks({"9", "9", "9", "9", "9", "9", "3", "3"}), std::vector{D});
  CHECK(r.level == Level::kChuaDat);
  CHECK_FALSE(r.adjusted);
  // The exempted subject still counts at its real value towards "six ≥ 8.0":
  // five ≥ 8.0 plus a 3.0 is at best Khá; Khá − Chưa đạt = 2 → Đạt.
  r = learning_level(marks({"9", "9", "9", "9", "9", "7", "3"}), std::vector{D});
  CHECK(r.level == Level::kDat);
}

TEST_CASE("year conduct follows the HKII × HKI table (Điều 8.2)", "[unit]") {
  using L = Level;
  const L T = L::kTot, K = L::kKha, Dt = L::kDat, C = L::kChuaDat;
  // rows: HKII; columns: HKI = Tốt, Khá, Đạt, Chưa đạt
  const L table[4][4] = {
      /* HKII Tốt */ {T, T, K, K},
      /* HKII Khá */ {K, K, K, Dt},
      /* HKII Đạt */ {K, Dt, Dt, Dt},
      /* HKII CĐ  */ {C, C, C, C},
  };
  const L order[4] = {T, K, Dt, C};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      INFO("HKII " << level_name(order[i]) << ", HKI " << level_name(order[j]));
      CHECK(year_conduct(order[j], order[i]) == table[i][j]);
    }
}

TEST_CASE("promotion, awards and comment-subject results", "[unit]") {
  CHECK(promotion(Level::kDat, Level::kDat, 45).promoted);
  auto p = promotion(Level::kDat, Level::kDat, 46);
  CHECK_FALSE(p.promoted);
  CHECK_THAT(p.reasons[0], Catch::Contains("45"));
  CHECK(promotion(Level::kChuaDat, Level::kTot, 0).reasons.size() == 1);
  CHECK(award(Level::kTot, Level::kTot, marks({"9", "9", "9", "9", "9", "9"})) == "Học sinh Xuất sắc");
  CHECK(award(Level::kTot, Level::kTot, marks({"9", "9", "9", "9", "9", "8.9"})) == "Học sinh Giỏi");
  CHECK_FALSE(award(Level::kKha, Level::kTot, marks({"10", "10", "10", "10", "10", "10"})).has_value());
  CHECK(comment_subject_result(std::vector{D, D, D, D}, 4) == D);
  CHECK(comment_subject_result(std::vector{D, D, D}, 4) == CD);  // a missing assessment
  CHECK(comment_subject_result(std::vector{D, CD, D, D}, 4) == CD);
}

TEST_CASE("year outcomes: re-tests, summer conduct training, more than 45 sessions", "[unit]") {
  const struct {
    Level conduct, learning;
    int absent;
    const char* outcome;
  } rows[] = {
      {Level::kTot, Level::kTot, 0, "Lên lớp"},
      {Level::kDat, Level::kDat, 45, "Lên lớp"},
      {Level::kTot, Level::kTot, 46, "Ở lại lớp"},  // directly, whatever the results
      {Level::kChuaDat, Level::kChuaDat, 46, "Ở lại lớp"},
      {Level::kTot, Level::kChuaDat, 3, "Kiểm tra lại"},
      {Level::kChuaDat, Level::kKha, 3, "Rèn luyện trong hè"},
      {Level::kChuaDat, Level::kChuaDat, 45, "Kiểm tra lại và rèn luyện trong hè"},
  };
  for (const auto& r : rows) {
    INFO(r.outcome << " " << r.absent);
    CHECK(outcome_name(year_outcome(r.conduct, r.learning, r.absent)) == r.outcome);
  }
  CHECK(eval(R"({"rule":"TT22","op":"promotion","absent_sessions":2,"conduct":"Khá","learning":"Chưa đạt",)"
             R"("subjects":{"Toán":"4.9","Ngữ văn":"5.0","Âm nhạc":"CĐ","Mĩ thuật":"Đ"}})") ==
        R"({"outcome":"Kiểm tra lại","promoted":false,"reasons":["kết quả học tập cả năm mức Chưa đạt: kiểm tra lại trong hè"],)"
        R"("retest_subjects":["Toán","Âm nhạc"]})");
  CHECK(eval(R"({"rule":"TT22","op":"promotion","absent_sessions":50,"conduct":"Tốt","learning":"Tốt","subjects":{"Toán":"4.0"}})") ==
        R"({"outcome":"Ở lại lớp","promoted":false,"reasons":["nghỉ học 50 buổi, quá 45 buổi trong năm học"],"retest_subjects":[]})");
  CHECK(eval(R"({"rule":"TT22","op":"promotion","absent_sessions":0,"conduct":"Tốt","learning":"Tốt"})") ==
        R"({"outcome":"Lên lớp","promoted":true,"reasons":[]})");
  CHECK_FALSE(eval_json(R"({"rule":"TT22","op":"promotion","absent_sessions":0,"conduct":"Tốt","learning":"Chưa đạt","subjects":{"Toán":"x"}})").ok);
}

TEST_CASE("TT27 primary year result", "[unit]") {
  using S = SubjectRating;
  using Q = QualityRating;
  const std::vector<S> all_htt = {S::kHoanThanhTot, S::kHoanThanhTot};
  const std::vector<Q> all_tot = {Q::kTot, Q::kTot};
  CHECK(primary_year_result(all_htt, all_tot, std::vector{9, 10}) == YearResult::kHoanThanhXuatSac);
  CHECK(primary_year_result(all_htt, all_tot, std::vector{8, 10}) == YearResult::kHoanThanhTot);
  CHECK(primary_year_result(all_htt, all_tot, std::vector{6, 10}) == YearResult::kHoanThanh);
  CHECK(primary_year_result(std::vector{S::kHoanThanh}, all_tot, std::vector{10}) == YearResult::kHoanThanh);
  CHECK(primary_year_result(all_htt, std::vector{Q::kCanCoGang}, std::vector{10}) == YearResult::kChuaHoanThanh);
  CHECK(primary_year_result(all_htt, all_tot, std::vector{4}) == YearResult::kChuaHoanThanh);
  // Nothing rated or tested is not "Hoàn thành xuất sắc" (issue 15).
  CHECK(primary_year_result({}, {}, {}) == YearResult::kChuaHoanThanh);
  CHECK(primary_year_result(all_htt, all_tot, {}) == YearResult::kChuaHoanThanh);
}

TEST_CASE("grading eval TT27: year result and award by the shared engine, tests 1–10, none missing", "[unit][tt27]") {
  const std::string subjects = R"("subjects":{"Tiếng Việt":"Hoàn thành tốt","Toán":"T","Đạo đức":"Hoàn thành tốt"})";
  const std::string qualities = R"("qualities":{"Yêu nước":"Tốt","Tự chủ và tự học":"T"})";
  struct Row {
    std::string tests, extra, answer;  // answer: the JSON, or "!" + the field named in the error
  };
  const std::vector<Row> rows = {
      {R"({"Tiếng Việt":"9","Toán":"10"})", "", R"({"award":"Học sinh Xuất sắc","result":"Hoàn thành xuất sắc"})"},
      {R"({"Tiếng Việt":"9","Toán":"10"})", R"(,"recognised":true)", R"({"award":"Học sinh Xuất sắc","result":"Hoàn thành xuất sắc"})"},
      {R"({"Tiếng Việt":"8","Toán":"10"})", "", R"({"award":null,"result":"Hoàn thành tốt"})"},
      {R"({"Tiếng Việt":"8","Toán":" 10 "})", R"(,"recognised":true)",
       R"({"award":"Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện","result":"Hoàn thành tốt"})"},
      {R"({"Tiếng Việt":"6","Toán":"10"})", R"(,"recognised":true)", R"({"award":null,"result":"Hoàn thành"})"},
      {R"({"Tiếng Việt":"4","Toán":"10"})", "", R"({"award":null,"result":"Chưa hoàn thành"})"},
      // Empty or missing tests are an error, never "Hoàn thành xuất sắc" (issue 15).
      {"", "", "!tests"},
      {"{}", "", "!tests"},
      {R"({"Tiếng Việt":"9"})", "", "!tests.Toán"},
      {R"({"Toán":"9"})", "", "!tests.Tiếng Việt"},
      {R"({"Tiếng Việt":"9","Toán":""})", "", "!tests.Toán"},
      {R"({"Tiếng Việt":"9","Toán":"0"})", "", "!tests.Toán"},
      {R"({"Tiếng Việt":"9","Toán":"9.5"})", "", "!tests.Toán"},
      {R"({"Tiếng Việt":"9","Toán":"9,0"})", "", "!tests.Toán"},
      {R"({"Tiếng Việt":"9","Toán":"9","Khoa học":"9"})", "", "!tests.Khoa học"},
      {R"({"Tiếng Việt":"9","Toán":"9"})", R"(,"recognised":"có")", "!recognised"},
  };
  for (const auto& row : rows) {
    const std::string body = subjects + "," + qualities + (row.tests.empty() ? "" : R"(,"tests":)" + row.tests) + row.extra;
    const auto award = eval_json(R"({"rule":"TT27","op":"award",)" + body + "}");
    const auto result = eval_json(R"({"rule":"TT27","op":"year_result",)" + body + "}");
    INFO(body << " → " << award.json);
    if (row.answer[0] == '!') {
      CHECK_FALSE(award.ok);
      CHECK_THAT(award.json, Catch::Contains("error") && Catch::Contains("'" + row.answer.substr(1)));
      if (row.answer != "!recognised") CHECK_FALSE(result.ok);  // year_result does not read "recognised"
    } else {
      CHECK(award.ok);
      CHECK(award.json == row.answer);
      // year_result answers the same result.
      CHECK(result.ok);
      CHECK(nlohmann::json::parse(result.json)["result"] == nlohmann::json::parse(award.json)["result"]);
    }
  }
  // The one reading of a test score, as the grade book's cells read it.
  CHECK(parse_periodic_test("10") == 10);
  CHECK(parse_periodic_test(" 7 ") == 7);
  for (const char* bad : {"0", "11", "7.0", "7,5", "", "07", "-1", "một"}) CHECK_FALSE(parse_periodic_test(bad));
}

TEST_CASE("grading eval answers the INTERFACES.md requests and names bad fields", "[unit]") {
  CHECK(eval(R"({"rule":"TT22","op":"term_average","tx":["8","8","8"],"gk":"9","ck":"8"})") == R"({"value":"8.3"})");
  CHECK(eval(R"({"rule":"TT22","op":"year_average","hk1":"6.5","hk2":"7.0"})") == R"({"value":"6.8"})");
  CHECK(eval(R"({"rule":"TT22","op":"year_conduct","hk1":"Khá","hk2":"Tốt"})") == R"({"level":"Tốt"})");
  CHECK(eval(R"({"rule":"TT22","op":"learning_level","scored":{"Toán":"8.0","Ngữ văn":"7.2"},"comment":{"Giáo dục thể chất":"Đạt"}})") ==
        R"({"adjusted":false,"before_adjustment":"Chưa đạt","level":"Chưa đạt"})");
  CHECK(eval(R"({"rule":"TT27","op":"year_result","subjects":{"Toán":"Hoàn thành tốt"},"qualities":{"Chăm chỉ":"Tốt"},"tests":{"Toán":"7"}})") ==
        R"({"result":"Hoàn thành tốt"})");
  for (auto [req, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"rule":"TT22","op":"term_average","tx":["11"],"gk":"9","ck":"8"})", "tx[0]"},
           {R"({"rule":"TT22","op":"term_average","tx":["8"],"gk":"abc","ck":"8"})", "gk"},
           {R"({"rule":"TT22","op":"term_average","tx":["8"],"gk":"8"})", "ck"},
           {R"({"rule":"TT22","op":"year_conduct","hk1":"Giỏi","hk2":"Tốt"})", "hk1"},
           {R"({"rule":"TT22","op":"learning_level","scored":{"Toán":"8"},"comment":{"Nhạc":"A"}})", "comment.Nhạc"},
           {R"({"rule":"TT27","op":"year_result","subjects":{},"qualities":{},"tests":{"Toán":"11"}})", "tests.Toán"},
           {R"({"rule":"TT27","op":"year_result","subjects":{},"qualities":{"Chăm chỉ":"Tốt"},"tests":{"Toán":"9"}})",
            "subjects"},
           {R"({"rule":"TT27","op":"year_result","subjects":{"Toán":"Hoàn thành tốt"},"qualities":{"Chăm chỉ":"Tốt"}})",
            "tests"},
           {R"({"rule":"TT27","op":"year_result","subjects":{"Toán":"Hoàn thành tốt"},"qualities":{},"tests":{"Toán":"9"}})",
            "qualities"},
           {R"({"op":"term_average"})", "rule"},
           // 2^32 + 5 absences once read as 5 (get<int> wrapped), and promoted.
           {R"({"rule":"TT22","op":"promotion","absent_sessions":4294967301,"conduct":"Tốt","learning":"Tốt"})",
            "absent_sessions"},
           {R"(not json)", "JSON"},
       }) {
    auto a = eval_json(req);
    INFO(req);
    CHECK_FALSE(a.ok);
    CHECK_THAT(a.json, Catch::Contains("error") && Catch::Contains(field));
  }
}
