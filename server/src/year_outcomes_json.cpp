// The year-end lists as JSON (year_outcomes_json.hpp), as
// `sodiem-server outcomes --json` prints them and the console shows them.
#include "sodiem/server/year_outcomes_json.hpp"

#include "sodiem/core/primary_board.hpp"

namespace sodiem::server {
namespace {

using nlohmann::json;

json level_or_null(const std::optional<grading::Level>& l) { return l ? json(grading::level_name(*l)) : json(nullptr); }
json text_or_null(const std::optional<std::string>& t) { return t ? json(*t) : json(nullptr); }

// The lists of one class or the school: each list's name → its students.
json empty_lists() {
  json outcome = json::object(), final = json::object();
  for (auto o : {grading::Outcome::kLenLop, grading::Outcome::kKiemTraLai, grading::Outcome::kRenLuyenHe,
                 grading::Outcome::kKiemTraLaiVaRenLuyenHe, grading::Outcome::kOLaiLop})
    outcome[std::string(grading::outcome_name(o))] = json::array();
  for (auto f : {board::Final::kPromoted, board::Final::kRetained, board::Final::kPending, board::Final::kIncomplete})
    final[std::string(board::final_name(f))] = json::array();
  json result = json::object();
  for (auto r : {grading::YearResult::kHoanThanhXuatSac, grading::YearResult::kHoanThanhTot,
                 grading::YearResult::kHoanThanh, grading::YearResult::kChuaHoanThanh})
    result[std::string(grading::year_result_name(r))] = json::array();
  return {{"outcome", outcome},
          {"final", final},
          {"award",
           {{"Học sinh Xuất sắc", json::array()},
            {"Học sinh Giỏi", json::array()},
            {std::string(board::kAwardExemplary), json::array()}}},
          {"result", result}};
}

void add_to_lists(json& lists, const json& who, const board::StudentOutcome& s) {
  if (s.outcome) lists["outcome"][std::string(grading::outcome_name(*s.outcome))].push_back(who);
  lists["final"][std::string(board::final_name(s.final))].push_back(who);
  if (s.award) lists["award"][*s.award].push_back(who);
  if (s.primary_result) lists["result"][std::string(grading::year_result_name(*s.primary_result))].push_back(who);
}

json student_json(const board::StudentOutcome& s, const std::string& name) {
  json retests = json::array();
  for (const auto& r : s.retests)
    retests.push_back({{"subject", r.subject}, {"year_result", r.year_result}, {"result", text_or_null(r.result)}});
  return {{"student", s.student},
          {"name", name},
          {"learning", level_or_null(s.learning)},
          {"conduct", level_or_null(s.conduct)},
          {"absent_sessions", s.absent_sessions},
          {"outcome", s.outcome ? json(grading::outcome_name(*s.outcome)) : json(nullptr)},
          {"retests", retests},
          {"summer_training", s.summer_training},
          {"summer_result", text_or_null(s.summer_result)},
          {"final_learning", level_or_null(s.final_learning)},
          {"final_conduct", level_or_null(s.final_conduct)},
          {"final", board::final_name(s.final)},
          {"award", text_or_null(s.award)},
          {"result", s.primary_result ? json(grading::year_result_name(*s.primary_result)) : json(nullptr)},
          {"completion", s.completion.empty() ? json(nullptr) : json(s.completion)},
          {"awaiting", s.awaiting}};
}

}  // namespace

// The --json contract (README, "sodiem-server outcomes --json").
json outcomes_json(const std::string& year, const std::vector<ClassOutcomes>& classes) {
  json out{{"year", year}, {"classes", json::array()}, {"school", {{"lists", empty_lists()}}}};
  for (const auto& c : classes) {
    json cls{{"class", c.class_name}, {"grade", c.grade},       {"approved", c.approved}, {"assessed", true},
             {"primary", c.primary},   {"students", json::array()}, {"lists", empty_lists()}};
    for (const auto& s : c.students) {
      const auto it = c.names.find(s.student);
      const std::string name = it == c.names.end() ? "" : it->second;
      cls["students"].push_back(student_json(s, name));
      const json who{{"class", c.class_name}, {"student", s.student}, {"name", name}};
      add_to_lists(cls["lists"], who, s);
      if (c.approved) add_to_lists(out["school"]["lists"], who, s);
    }
    out["classes"].push_back(std::move(cls));
  }
  return out;
}

}  // namespace sodiem::server
