// What each cell of a class and subject is on this device, as the teacher's
// grid shows it: its value and state (local: saved here, not yet delivered;
// synced; refused / locked: the server refused this device's latest edit,
// with why; conflict: kept beside a concurrent edit). A read-only report over
// the LocalStore's tables; same thread as that store.
#pragma once
#include <string>
#include <vector>

#include "sodiem/core/status.hpp"
#include "sodiem/protocol/messages.hpp"
#include "sodiem/sqlite/db.hpp"

namespace sodiem::client {

struct CellState {
  std::string student, column;
  std::string value;         // what stands on this device now
  std::string state;         // local | synced | refused | locked | conflict
  std::string code, reason;  // refused / locked: the server's answer
  std::string mine;          // refused / locked: what was typed
  std::string server_value;  // the last server value known
  // conflict: the value that stayed current and the one kept aside
  std::string current, current_author, other, other_author;
};

// A lock in force when the roster came, over one term's columns of a kind.
struct LockShown {
  std::string term, column_kind, code, reason;
  bool new_values_only = false;  // entry closed: existing values may change
};
// The notices of a class and subject, with the calendar's term dates that
// place an attendance day in its term.
struct LockNotices {
  std::vector<LockShown> locks;
  std::vector<protocol::TermDates> terms;
};
LockNotices lock_notices(sqlite::Db& db, const std::string& class_name, const std::string& subject);
// The notice covering `column` ("HK1.GK"; an attendance day "CC.2027-03-02"
// by its term, attendance::term_of, as the server's LockBook), or nullptr:
// the one decision for every grid, marks and attendance alike.
const LockShown* lock_for(const LockNotices& notices, const std::string& column);

// The calendar's term dates as the store keeps them (meta calendar_terms,
// written from the roster by term_dates_text).
std::vector<protocol::TermDates> term_dates(sqlite::Db& db);
std::string term_dates_text(const std::vector<protocol::TermDates>& terms);

// Refusals that mean the period is closed to edits (shown as `locked`).
bool is_lock_refusal(const std::string& code);

// A refusal's or a lock's reason as the store at hand shows it. `copy` is
// LocalStore::closed_year_refusal(): ok (the live store), the server's words
// unchanged; on a closed year's copy, where nothing is written nor sent, the
// server's words without what they ask the teacher to do (a correction
// request, editing the values entered), then the copy's refusal. For every
// place a reason is shown (the ui's grid and inbox, `sodiem inbox`).
std::string reason_here(const std::string& reason, const Status& copy);

// Every cell of the class and subject with a column starting with
// `column_prefix` ("" = all) that this device knows. A cell with nothing
// pending or refused in a column the server has locked shows `locked` with
// the lock's reason (an entry-closed lock: only the empty cells).
std::vector<CellState> cell_states(sqlite::Db& db, const std::string& class_name, const std::string& subject,
                                   const std::string& column_prefix = "");

}  // namespace sodiem::client
