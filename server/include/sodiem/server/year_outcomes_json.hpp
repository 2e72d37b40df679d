// The year-end lists as JSON (the README's `sodiem-server outcomes --json`
// contract): each class's students with their outcome, re-tests, summer
// training, final result and award, the class's lists of each outcome and
// award, and the school's lists (approved classes only). One builder for
// the CLI (outcomes_cmds.cpp) and the console's Cuối năm page
// (console_year_end.cpp). Pure; any thread.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sodiem/server/year_outcomes.hpp"

namespace sodiem::server {

// {"year", "classes": [{"class", "grade", "approved", "assessed", "primary",
// "students": […], "lists": {…}}], "school": {"lists": {…}}}.
nlohmann::json outcomes_json(const std::string& year, const std::vector<ClassOutcomes>& classes);

}  // namespace sodiem::server
