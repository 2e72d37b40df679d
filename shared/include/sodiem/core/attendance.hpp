// Attendance (chuyên cần): on which days and in which sessions (buổi) a
// class may be marked absent, and how many sessions a student's absences
// make (the promotion rule counts sessions: more than 45 in the year →
// ở lại lớp). Pure functions; thread-safe. Called by the server's ingest and
// the client's LocalStore (the same check on both sides), and by the summary
// board and the ui's attendance sheet (the same count).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sodiem/core/column.hpp"
#include "sodiem/protocol/messages.hpp"

namespace sodiem::attendance {

// The class studies in two sessions a day (morning and afternoon).
bool two_sessions(const protocol::SchoolCalendar& calendar, std::string_view class_name);

// Why an absence may not be recorded in attendance column `col` of the
// class (a day outside the school year, a Sunday where the school does not
// teach on Sundays, a session of a class with one session a day), in
// Vietnamese; nullopt when it may. Clearing a value is always allowed: the
// callers check only non-empty values.
std::optional<std::string> fault(const Column& col, const protocol::SchoolCalendar& calendar,
                                 std::string_view class_name);

// The term ("HK1", "HK2") whose days hold the attendance day `date`
// ("YYYY-MM-DD"), "" when none does: where a lock on a term reaches
// attendance. The server's LockBook and the client's lock notices
// (cell_states.hpp lock_for) both ask it.
std::string term_of(const std::vector<protocol::TermDates>& terms, std::string_view date);

struct Sessions {
  int excused = 0, unexcused = 0;  // có phép (P), không phép (K)
  int total() const { return excused + unexcused; }
};

// Sessions missed, from one student's homeroom cells (column → value; other
// columns are ignored): a whole day's absence counts every session of that
// day (2 for a two-session class), a session's absence one; where a day has
// both, the whole day's counts and its sessions do not.
Sessions count(const std::map<std::string, std::string>& homeroom_cells, bool two_sessions);

// "30/11/2026" for "2026-11-30".
std::string date_vn(std::string_view iso);

}  // namespace sodiem::attendance
