// Year-end outcomes on the server (TT22 Điều 12–13; primary classes TT27
// Điều 9, 11, 13): each class's students' outcomes as the shared rule computes them from the class's book
// (core/year_outcomes.hpp), for the lists of `sodiem-server outcomes` and
// for `year new`; and the leadership's records of re-test and summer
// training results, as server-written cells (CN.KTL of the subject, CN.RLH
// of the homeroom) in one transaction with their audit entry, read back by
// the same rule. The year's results must be approved first (the HK2
// board, which carries the year, signed by the HT); recording does not
// touch what was signed. Same thread as the connection.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sodiem/core/status.hpp"
#include "sodiem/core/year_outcomes.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct ClassOutcomes {
  std::string class_name;
  int grade = 0;
  bool primary = false;   // a primary class (TT27: board::primary_class)
  bool approved = false;  // the year's results (the HK2 board) approved by the HT
  std::vector<board::StudentOutcome> students;  // computed whether approved or not
  std::map<std::string, std::string> names;     // student code → full name
};

// The current year's class named `name` as a person types it (any case,
// NFC or not: match_key): its id and stored name; nullopt when none.
std::optional<std::pair<std::int64_t, std::string>> find_current_class(store::Db& db, const std::string& name);

// The current year's classes (by grade, then name), or only `class_name`
// (find_current_class; refused when there is no such class this year).
Result<std::vector<ClassOutcomes>> load_year_outcomes(store::Db& db, const std::string& class_name = "");

// Whether the HT has approved class `class_id`'s year results (the HK2
// board, which carries the year: board_terms).
bool year_approved(store::Db& db, std::int64_t class_id);

// Class, student code and subject match as typed (any case, NFC or not).
struct YearEndRecord {
  std::string class_name, student;
  std::string subject;  // the re-tested subject; "" for summer training
  std::string value;    // the result: a mark or Đ / CĐ; summer training Đạt / Chưa đạt; recognition its reason
};

// The version written, or 0 when the cell already held that value. `by`
// must be the HT, a PHT or ADMIN. Refused (Vietnamese) for an unknown class
// or student, a class whose year results are not approved, a student or
// subject that has no re-test (or summer training) to record, a value that
// does not fit.
Result<std::uint64_t> record_retest(store::Db& db, const YearEndRecord& record, const std::string& by, std::int64_t now);
Result<std::uint64_t> record_summer_training(store::Db& db, const YearEndRecord& record, const std::string& by,
                                             std::int64_t now);
// Primary (TT27 Điều 13.1.a): the class's recognition of a Hoàn thành tốt
// pupil as Học sinh Tiêu biểu, `record.value` what they excelled or
// progressed in (homeroom CN.TB). Refused for a class not primary or a
// pupil whose year result is not Hoàn thành tốt, as above otherwise.
Result<std::uint64_t> record_recognition(store::Db& db, const YearEndRecord& record, const std::string& by,
                                         std::int64_t now);

}  // namespace sodiem::server
