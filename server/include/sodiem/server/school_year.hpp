// School years (migration 20): each class belongs to one year, and every
// lookup of a class by name goes through the view `current_classes`. Here:
// the current year, adding a class to it, and `start_new_year` — the
// rollover `sodiem-server year new` runs: the old year copied aside as a
// checked, read-only data directory (years/<name>/, queryable with --data),
// classes promoted (6A → 7A), students carried forward (promoted, retained,
// graduated from the school's top grade, left) as their approved year
// boards decide (year_outcomes.hpp) or a file overrides, locks of the old year
// lifted, the new year current — one transaction, audited, all or nothing.
// The old year's rows stay in the live database (the audit trail vouches
// for them) but no longer in the roster, so nothing can be written to them.
// Called by the CLI on its own connection; not thread-safe.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/status.hpp"
#include "sodiem/server/curriculum.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

// The current school year's id; 0 when there is none yet.
std::int64_t current_year_id(store::Db& db);
// The current school year's name; "" when there is none yet.
std::string current_year_name(store::Db& db);

// A class name as schools write it on their records: a code typed in lower
// case ("10a1") in upper case ("10A1"); a name with Vietnamese letters is kept
// as typed.
std::string class_name_as_written(const std::string& typed);
// A new class in the current school year (named class_name_as_written); its id.
std::int64_t add_class(store::Db& db, const std::string& name, int grade);

// Classes made before any school year existed join `year_id` (the first year set up).
void adopt_yearless_classes(store::Db& db, std::int64_t year_id);

// The class a class named `name` of grade `grade` becomes a year later
// ("6A" → "7A", "10A2" → "11A2"); "" when the name does not begin with its grade.
std::string promoted_class_name(const std::string& name, int grade);

// What happens to one student at the rollover, when not simply promoted.
enum class YearOutcome { kPromoted, kRetained, kLeft, kTransferred };
// "len-lop" | "o-lai" | "nghi-hoc" | "chuyen-truong", or the Vietnamese
// words ("Lên lớp", "Ở lại lớp", "Nghỉ học", "Chuyển trường"), any case.
std::optional<YearOutcome> parse_year_outcome(const std::string& text);

struct NewYearRequest {
  YearPlan plan;                                  // the new year: name, dates, terms
  // Student code → outcome, overriding the computed one; a student of an
  // approved THCS/THPT class not listed goes where their final outcome says
  // (year_outcomes.hpp), any other student is promoted.
  std::map<std::string, YearOutcome> outcomes;
  std::string data_dir;                           // the archive goes to data_dir/years/<old name>
  // Go on although some class boards are not approved (their students are
  // promoted unless listed) or re-tests / summer training are not recorded
  // (those students are retained unless listed).
  bool force = false;
};

struct NewYearReport {
  std::string old_year, new_year, archive_dir;
  int classes = 0;  // classes of the new year made by the rollover
  int promoted = 0, retained = 0, graduated = 0, left = 0;
  std::vector<std::string> class_moves;  // "6A → 7A"
  int from_boards = 0;  // students whose outcome came from their class's approved year board
  // Forced on while their re-tests or summer training were not recorded:
  // "6A HS6A02 (kiểm tra lại môn Toán)", retained (TT22 Điều 13).
  std::vector<std::string> pending_retained;
};

Result<NewYearReport> start_new_year(store::Db& db, const NewYearRequest& request, const Clock& clock,
                                     const std::string& by);

// The school year an archived data directory holds ("" for a live one).
std::string archived_year(store::Db& db);

}  // namespace sodiem::server
