// Sets a school up from a curriculum (curriculum.hpp): its level(s), subjects,
// each grade's subject settings (grade_subjects, read back through
// class_subjects.hpp) and the current school year with its terms and entry
// windows — in one transaction, audited in the actor's name, all or nothing.
// Re-applying the same curriculum changes nothing (no audit entry, no roster
// version bump). A change that would strand recorded marks (a subject taken
// out of a grade, a kind changed, fewer regular assessments than columns
// already filled) is refused, naming the class and subject. Used by
// `sodiem-server setup` on its own database connection.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/status.hpp"
#include "sodiem/server/curriculum.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct SetupReport {
  bool changed = false;
  int subjects_added = 0, subjects_updated = 0;
  int grade_settings_changed = 0;  // grade × subject rows added, changed or removed
  std::string year;                // the current school year's name
  bool year_changed = false;
  std::vector<std::string> levels;
};

// `year`: the school year to set (its name and dates); nullopt = the
// curriculum's, else the current one is kept, else the usual calendar's
// for the year around today (default_year).
Result<SetupReport> apply_curriculum(store::Db& db, const Curriculum& curriculum, std::optional<YearPlan> year,
                                     const Clock& clock, const std::string& by);

// "2026-2027": the school year around `unix_seconds` (Vietnam time; from
// September on the year that starts then, before it the one that began the
// September before).
std::string school_year_around(std::int64_t unix_seconds);

}  // namespace sodiem::server
