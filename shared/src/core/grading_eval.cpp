#include "sodiem/core/grading_eval.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "sodiem/core/grading.hpp"
#include "sodiem/core/primary_board.hpp"
#include "sodiem/core/unicode_text.hpp"

namespace sodiem::grading {
namespace {

using nlohmann::json;

struct BadField : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const json& need(const json& req, const char* key) {
  auto it = req.find(key);
  if (it == req.end()) throw BadField(std::string("missing field '") + key + "'");
  return *it;
}

std::string text_of(const json& v, const std::string& field) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  throw BadField("field '" + field + "' must be a decimal string");
}

Mark mark_of(const json& v, const std::string& field) {
  const std::string s = text_of(v, field);
  auto m = Mark::parse(s);
  if (!m) throw BadField("field '" + field + "' is not a mark from 0 to 10 with at most one decimal: \"" + s + "\"");
  return *m;
}

Level level_of(const json& v, const std::string& field) {
  auto l = parse_level(text_of(v, field));
  if (!l) throw BadField("field '" + field + "' must be Tốt, Khá, Đạt or Chưa đạt");
  return *l;
}

const json& object_of(const json& req, const char* key) {
  const json& v = need(req, key);
  if (!v.is_object()) throw BadField(std::string("field '") + key + "' must be an object");
  return v;
}

json term_average_op(const json& req) {
  const json& tx = need(req, "tx");
  if (!tx.is_array() || tx.empty() || tx.size() > 4) throw BadField("field 'tx' must be an array of 1 to 4 marks");
  std::vector<Mark> regular;
  for (std::size_t i = 0; i < tx.size(); ++i) regular.push_back(mark_of(tx[i], "tx[" + std::to_string(i) + "]"));
  const Mark gk = mark_of(need(req, "gk"), "gk");
  const Mark ck = mark_of(need(req, "ck"), "ck");
  auto avg = term_average(regular, gk, ck);
  return {{"value", avg->to_fixed1()}};
}

json year_average_op(const json& req) {
  const Mark hk1 = mark_of(need(req, "hk1"), "hk1");
  const Mark hk2 = mark_of(need(req, "hk2"), "hk2");
  return {{"value", year_average(hk1, hk2).to_fixed1()}};
}

json learning_level_op(const json& req) {
  std::vector<Mark> scored;
  for (const auto& [name, v] : object_of(req, "scored").items()) scored.push_back(mark_of(v, "scored." + name));
  std::vector<CommentResult> comment;
  if (req.contains("comment")) {
    for (const auto& [name, v] : object_of(req, "comment").items()) {
      const std::string s = text_of(v, "comment." + name);
      if (s == "Đ" || s == "Đạt") comment.push_back(CommentResult::kDat);
      else if (s == "CĐ" || s == "Chưa đạt") comment.push_back(CommentResult::kChuaDat);
      else throw BadField("field 'comment." + name + "' must be Đ or CĐ (Đạt / Chưa đạt)");
    }
  }
  auto r = learning_level(scored, comment);
  return {{"level", level_name(r.level)}, {"adjusted", r.adjusted}, {"before_adjustment", level_name(r.before_adjustment)}};
}

json year_conduct_op(const json& req) {
  const Level hk1 = level_of(need(req, "hk1"), "hk1");
  const Level hk2 = level_of(need(req, "hk2"), "hk2");
  return {{"level", level_name(year_conduct(hk1, hk2))}};
}

json promotion_op(const json& req) {
  const json& abs = need(req, "absent_sessions");
  // Read wide: get<int> wraps 2^32 + 5 to 5.
  if (!abs.is_number_integer() || abs.get<std::int64_t>() < 0 || abs.get<std::int64_t>() > 100000)
    throw BadField("field 'absent_sessions' must be an integer from 0 to 100000");
  const Level conduct = level_of(need(req, "conduct"), "conduct");
  const Level learning = level_of(need(req, "learning"), "learning");
  auto p = promotion(conduct, learning, abs.get<int>());
  const Outcome outcome = year_outcome(conduct, learning, abs.get<int>());
  json out{{"promoted", p.promoted}, {"reasons", p.reasons}, {"outcome", outcome_name(outcome)}};
  if (req.contains("subjects")) {
    // Re-tests: the subjects with a year average below 5.0 or Chưa đạt, when
    // learning calls for them (Điều 12.2).
    const bool retest = outcome == Outcome::kKiemTraLai || outcome == Outcome::kKiemTraLaiVaRenLuyenHe;
    json subjects = json::array();
    for (const auto& [name, v] : object_of(req, "subjects").items()) {
      std::string result = text_of(v, "subjects." + name);
      if (result != "Đ" && result != "Đạt" && result != "CĐ" && result != "Chưa đạt")
        result = mark_of(v, "subjects." + name).to_fixed1();
      if (retest && needs_retest(result)) subjects.push_back(name);
    }
    out["retest_subjects"] = std::move(subjects);
  }
  return out;
}

json award_op(const json& req) {
  std::vector<Mark> averages;
  if (req.contains("year_averages"))
    for (const auto& [name, v] : object_of(req, "year_averages").items())
      averages.push_back(mark_of(v, "year_averages." + name));
  const Level conduct = level_of(need(req, "conduct"), "conduct");
  const Level learning = level_of(need(req, "learning"), "learning");
  auto a = award(conduct, learning, averages);
  return {{"award", a ? json(*a) : json(nullptr)}};
}

// TT27 Điều 9, 13: a pupil's year result from its inputs, by the one engine
// (primary_year_result; a test score read by parse_periodic_test, as a
// cell is). Every subject, quality and competence rated, the end-of-year
// tests scored: nothing rated or tested is an error, not "Hoàn thành xuất
// sắc"; so is a rated Tiếng Việt or Toán without its end-of-year test
// (Điều 7.2: every grade sits them) and a test of a subject not rated.
YearResult primary_result_of(const json& req) {
  std::vector<SubjectRating> subjects;
  std::vector<std::string> rated;
  for (const auto& [name, v] : object_of(req, "subjects").items()) {
    auto r = parse_subject_rating(text_of(v, "subjects." + name));
    if (!r) throw BadField("field 'subjects." + name + "' must be Hoàn thành tốt, Hoàn thành or Chưa hoàn thành");
    subjects.push_back(*r);
    rated.push_back(to_nfc(name).value_or(name));
  }
  std::vector<QualityRating> qualities;
  for (const auto& [name, v] : object_of(req, "qualities").items()) {
    auto r = parse_quality_rating(text_of(v, "qualities." + name));
    if (!r) throw BadField("field 'qualities." + name + "' must be Tốt, Đạt or Cần cố gắng");
    qualities.push_back(*r);
  }
  std::vector<int> tests;
  std::vector<std::string> tested;
  if (req.contains("tests"))
    for (const auto& [name, v] : object_of(req, "tests").items()) {
      auto t = parse_periodic_test(text_of(v, "tests." + name));
      if (!t) throw BadField("field 'tests." + name + "' must be an integer score from 1 to 10 (no 0, no decimals)");
      tests.push_back(*t);
      tested.push_back(to_nfc(name).value_or(name));
    }
  if (subjects.empty()) throw BadField("field 'subjects' must rate at least one subject");
  if (qualities.empty()) throw BadField("field 'qualities' must rate the qualities and competences");
  if (tests.empty()) throw BadField("field 'tests' must give the end-of-year periodic test scores (1 to 10)");
  auto has = [](const std::vector<std::string>& names, const std::string& n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  for (const std::string core : {"Tiếng Việt", "Toán"})
    if (has(rated, core) && !has(tested, core))
      throw BadField("field 'tests." + core + "' is missing: every grade sits the end-of-year test of " + core);
  for (const auto& name : tested)
    if (!has(rated, name)) throw BadField("field 'tests." + name + "' names a subject not rated in 'subjects'");
  return primary_year_result(subjects, qualities, tests);
}

json primary_year_result_op(const json& req) {
  return {{"result", year_result_name(primary_result_of(req))}};
}

// Điều 13.1.a: the award from the same inputs (board::primary_award);
// "recognised": the class recognised the pupil's achievement or progress
// (Học sinh Tiêu biểu, for Hoàn thành tốt).
json primary_award_op(const json& req) {
  bool recognised = false;
  if (auto it = req.find("recognised"); it != req.end()) {
    if (!it->is_boolean()) throw BadField("field 'recognised' must be true or false");
    recognised = it->get<bool>();
  }
  const YearResult result = primary_result_of(req);
  const auto award = board::primary_award(result, recognised);
  return {{"result", year_result_name(result)}, {"award", award ? json(*award) : json(nullptr)}};
}

}  // namespace

EvalAnswer eval_json(std::string_view request) {
  EvalAnswer out;
  json req = json::parse(request, nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded() || !req.is_object()) {
    out.json = json{{"error", "request must be one JSON object"}}.dump();
    return out;
  }
  try {
    const std::string rule = text_of(need(req, "rule"), "rule");
    const std::string op = text_of(need(req, "op"), "op");
    json answer;
    if (rule == "TT22" && op == "term_average") answer = term_average_op(req);
    else if (rule == "TT22" && op == "year_average") answer = year_average_op(req);
    else if (rule == "TT22" && op == "learning_level") answer = learning_level_op(req);
    else if (rule == "TT22" && op == "year_conduct") answer = year_conduct_op(req);
    else if (rule == "TT22" && op == "promotion") answer = promotion_op(req);
    else if (rule == "TT22" && op == "award") answer = award_op(req);
    else if (rule == "TT27" && op == "year_result") answer = primary_year_result_op(req);
    else if (rule == "TT27" && op == "award") answer = primary_award_op(req);
    else throw BadField("unknown rule/op '" + rule + "/" + op + "'");
    out.ok = true;
    out.json = answer.dump();
  } catch (const BadField& e) {
    out.json = json{{"error", e.what()}}.dump();
  } catch (const json::exception& e) {
    out.json = json{{"error", e.what()}}.dump();
  }
  return out;
}

}  // namespace sodiem::grading
