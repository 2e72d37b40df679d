// Lock periods (khóa sổ), their exceptions, and the decision for one op.
// LockBook is a snapshot of the active locks and exceptions, loaded from the
// database at the start of each push batch (a CLI process may change them
// while the server runs). Management functions take the open database and
// append to the audit trail in the same transaction. Not thread-safe.
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sodiem/core/status.hpp"
#include "sodiem/protocol/messages.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct Lock {
  std::int64_t id = 0;
  std::string term;  // "HK1", "HK2", "" = any term
  std::optional<int> grade;
  std::string class_name, subject, column_kind;  // "" = any; column kinds: TX GK CK NX RL NXCN CC KT PC NL
  std::string kind;                              // "entry_closed" | "frozen"
  std::int64_t starts_at = 0, ends_at = 0;       // unix seconds; ends_at 0 = until removed
  std::string reason, set_by;
  std::int64_t set_at = 0;
};

struct LockException {
  std::int64_t id = 0;
  std::string username, class_name, subject, column;  // "" = any; column is exact ("HK1.GK")
  std::int64_t expires_at = 0;
  std::string reason, created_by;
  std::int64_t created_at = 0;
};

// The cell an op targets, as the lock rules see it.
struct LockTarget {
  std::string username;
  int grade = 0;
  std::string class_name, subject, column;
  bool cell_has_value = false;  // entry_closed still allows editing an existing value
};

struct LockDecision {
  ErrorCode code = ErrorCode::kOk;  // kOk, kEntryClosed, kTermLocked or kApprovedReadOnly
  std::string reason;               // Vietnamese: which lock, who, until when, what to do
  bool by_grace = false;            // accepted only thanks to the offline grace window
  bool by_exception = false;
};

class LockBook {
 public:
  // Reads the book from the database as it stands at `now`.
  void load(store::Db& db, std::int64_t now);
  // The book read by load() at a later `now`, without reading again: what
  // load(now) would give if nothing was written since. False (nothing done)
  // when `now` is before the last load's: then load again.
  bool advance(std::int64_t now);
  // effective_recorded_at: the device's claimed time, already bounded.
  LockDecision check(const LockTarget& target, std::int64_t effective_recorded_at, std::int64_t now) const;
  // False when nothing is locked or approved: no check needed.
  bool active() const { return !locks_.empty() || !approved_.empty(); }
  // What check() would refuse now in each of the roster's assignments: one
  // notice per class, subject, term and column kind (sent with the roster so
  // that the client greys those columns before anyone types).
  std::vector<protocol::LockNotice> notices(const std::string& username, const protocol::Roster& roster,
                                            std::int64_t now) const;

 private:
  std::string term_of(const std::string& column) const;
  std::vector<Lock> locks_;                 // in force at the last load / advance
  std::vector<LockException> exceptions_;   // likewise
  std::vector<Lock> read_locks_;            // as the last load read them
  std::vector<LockException> read_exceptions_;
  std::int64_t read_at_ = 0;
  std::set<std::pair<std::string, std::string>> approved_;  // (class, term) approved by the HT: read-only
  std::vector<protocol::TermDates> terms_;  // the current year's
  std::int64_t grace_seconds_ = 72 * 3600;
};

// "2027-01-16T17:00" or "2027-01-16" in Vietnam time (UTC+7, no DST) → unix.


// Management (HT, or ADMIN on the HT's decision). Each is audited.
Result<std::int64_t> add_lock(store::Db& db, Lock lock, std::int64_t now);
Status remove_lock(store::Db& db, std::int64_t id, const std::string& by, const std::string& reason, std::int64_t now);
std::vector<Lock> list_locks(store::Db& db, bool include_removed);
Result<std::int64_t> add_exception(store::Db& db, LockException e, std::int64_t now);
Status remove_exception(store::Db& db, std::int64_t id, const std::string& by, std::int64_t now);
std::vector<LockException> list_exceptions(store::Db& db, std::int64_t now);
// Sets a term's entry window (dates, Vietnam time) of the current school
// year; outside it new values are refused as ENTRY_CLOSED.
Status set_entry_window(store::Db& db, const std::string& term, const std::string& opens, const std::string& closes,
                        const std::string& by, std::int64_t now);
// What was set, as `term set` and the console say it, dates as principals
// read them: "Đã đặt thời gian nhập điểm HK1: từ 05/09/2026 đến hết 23/01/2027".
std::string entry_window_text(const std::string& term, const std::string& opens, const std::string& closes);
// Each term of the current school year with its dates and entry window
// (YYYY-MM-DD), HK1 then HK2: what `term list` and the console show.
struct EntryWindow {
  std::string term, starts_on, ends_on, opens, closes;
};
std::vector<EntryWindow> entry_windows(store::Db& db);
// The school's offline grace window: a value typed before a lock began is
// still accepted if it arrives within this many hours (0–720; default 72).
Status set_offline_grace_hours(store::Db& db, int hours, const std::string& by, std::int64_t now);
int offline_grace_hours(store::Db& db);
// The user must exist and hold HT or ADMIN.
Status check_lock_authority(store::Db& db, const std::string& username);

}  // namespace sodiem::server
