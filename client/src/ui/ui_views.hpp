// The read-only JSON views of the ui (see client/ui/API.md): the grade grid,
// the attendance month, what a confirmation step would sign, the class
// summary board. Built from the LocalStore with the same grading engine and layout
// as `sodiem show`; called by UiApi on the io thread.
#pragma once
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "sodiem/client/local_store.hpp"

namespace sodiem::client::ui {

// {"class", "subject", "scored", "homeroom", "columns", "students"}.
nlohmann::json grid_view(LocalStore& store, const std::string& class_name, const protocol::SubjectInfo& subject);
// The averages of each listed student of the class in this subject.
nlohmann::json averages_view(LocalStore& store, const std::string& class_name, const protocol::SubjectInfo& subject,
                             const std::vector<std::string>& students);
// month "YYYY-MM"; Monday–Saturday of that month.
nlohmann::json attendance_view(LocalStore& store, const std::string& class_name, int year, int month);
nlohmann::json sign_view(LocalStore& store, const std::string& class_name, const protocol::SubjectInfo& subject,
                         const std::string& term, bool has_key);
// Both sign views: on a closed year's copy "ready" false, "read_only" true,
// "error" the copy's refusal (closed_year_refusal), whatever the cells hold,
// and "missing" empty (nothing is typed there: no cells to list).
// term HK1, HK2 or CN (the year): board_json(board_report(…)), as `sodiem board --json`.
nlohmann::json board_view(LocalStore& store, const std::string& class_name, const std::string& term);
// What a class-level step (class | review | approve) would sign: the board
// (board_view) and the digest of the step's document from the cells here
// (what `sodiem sign` signs once synced), {"step", "digest", "ready",
// "has_key", "error"} added.
nlohmann::json class_sign_view(LocalStore& store, const std::string& class_name, const std::string& term,
                               const std::string& step, bool has_key);

}  // namespace sodiem::client::ui
