// LocalStore: the teacher's local SQLite database: enrollment, the part of
// the roster this user may see, cells, the outbox of recorded ops, their
// outcomes and conflicts. record() writes the cell and its outbox op in one
// durable transaction. Not thread-safe: one per thread (`sodiem ui` has
// one for its page and one in its sync agent, each its own connection).
// Sources: local_store.cpp (opening, enrollment, roster reads, checks),
// outbox.cpp (recording, pending ops, acks), pulled_state.cpp (roster,
// changes, corrections from the server), reports.cpp (status, show,
// conflicts, refusals, signed documents), cell_key.cpp (typed keys),
// board_scope.cpp (whole class or own subjects, archived copies).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/client/outbox_mark.hpp"
#include "sodiem/core/status.hpp"
#include "sodiem/protocol/messages.hpp"
#include "sodiem/sqlite/db.hpp"

namespace sodiem::client {

struct Enrollment {
  std::string server_url;
  std::string fingerprint;
  std::string device_id;
  std::string token;
  std::string username;
};

struct StatusReport {
  std::int64_t pending = 0;
  std::int64_t rejected = 0;
  std::int64_t conflicts = 0;
  std::optional<std::int64_t> last_sync;
};

struct ConflictInfo {
  protocol::CellKey cell;
  std::string mine;          // this user's value ("" if theirs lost)
  std::string current;       // the value that stayed current
  std::string current_author;
  std::string other;         // the value kept aside
  std::string other_author;
};

// A refused op, as the teacher's inbox shows it.
struct RefusedOp {
  std::uint64_t seq = 0;
  protocol::CellKey cell;
  std::string value;          // what the teacher typed
  std::string code, reason;   // why the server refused it
  std::string server_value;   // what stands on the server now
  std::int64_t recorded_at = 0;
  protocol::OpKind kind = protocol::OpKind::kSet;
  std::uint64_t base_version = 0;  // for a decision: the correction request's id
  // A write to a cell (set, correction request, conflict resolution), as
  // opposed to a signature, key registration or decision.
  bool writes_cell() const {
    return kind == protocol::OpKind::kSet || kind == protocol::OpKind::kCorrectionRequest ||
           kind == protocol::OpKind::kResolveConflict;
  }
};

// Thrown when the store opens without ops it had committed (a damaged WAL):
// nothing more is recorded or sent until a person looks. what() says so in
// Vietnamese, with the way back.
struct OutboxDamaged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct StudentCells {
  std::string code;
  std::string name;
  std::vector<std::pair<std::string, std::string>> cells;  // column → value
  std::vector<std::string> pending_columns;
};

class LocalStore {
 public:
  explicit LocalStore(const std::string& data_dir, const Clock& clock = SystemClock::instance());
  ~LocalStore();

  static bool exists(const std::string& data_dir);

  // ---- enrollment and roster
  std::optional<Enrollment> enrollment();
  void save_enrollment(const Enrollment& e, const std::string& epoch);
  void apply_roster(const protocol::Roster& roster);
  // The school year of the last roster ("" before a server that says).
  std::string school_year();
  // The school's name and the user's full name of the last roster ("" before a server that says).
  std::string school_name();
  std::string user_full_name();
  // The server is in school year `year` (its welcome or roster said so).
  // From another year than the one known here: a copy of this store goes to
  // DATA/years/<old year>/client.db, then the old year's server state is
  // forgotten (cells, conflicts), keeping undelivered edits — the server
  // refuses and keeps those, as they belong to the old year. Idempotent.
  void enter_school_year(const std::string& year);
  std::uint64_t roster_version();
  // A subject's settings; with `class_name`, as that class's grade has them
  // (a school set up from a curriculum), nullopt if the grade lacks it.
  std::optional<protocol::SubjectInfo> subject(const std::string& name, const std::string& class_name = "");
  bool has_class(const std::string& name);
  // The class's grade as the roster says; 0 when unknown.
  int class_grade(const std::string& name);
  // Attendance days and sessions, as the last roster said (attendance.hpp).
  protocol::SchoolCalendar calendar();
  // Students who moved out of the user's classes this school year, as the
  // last roster said (oldest first): the inbox tells the teacher.
  std::vector<protocol::MoveNotice> move_notices();
  std::optional<std::string> student_class(const std::string& code);
  bool assigned(const std::string& class_name, const std::string& subject);
  // Whether this device holds every cell of the class, the homeroom's and
  // every subject's (the server sends the rest only to whom may read them):
  // the roster's `wc`, the server's own rule. Before a server that says: the
  // homeroom classes, and a class the user teaches nothing in (seen by role).
  bool sees_whole_class(const std::string& class_name);
  // All a user who does not see the class whole reads of it, homeroom aside:
  // the roster's `rs` (the server's may_read: a department head's department
  // subjects too, cells or none yet). Before a server that says: the
  // subjects this device is assigned or holds cells of.
  std::vector<std::string> own_subjects(const std::string& class_name);
  // The school year this store is a closed copy of (DATA/years/NAME, kept
  // when the server moved on to a new year); "" for a device's live store.
  std::string archived_year();
  // Ok for a live store; for a closed year's copy (archived_year(), the one
  // rule) the refusal that every exchange with the server and every write
  // gives there, in Vietnamese: the copy is read-only. Callers: SyncEngine
  // (sync, history, password, enroll), enroll_device, create_signing_key and
  // the outbox's writes.
  Status closed_year_refusal();

  // ---- recording (works offline)
  // The cell key in the roster's own spelling, whatever Unicode form and
  // letter case it was typed in (cell_key.cpp); unknown names stay as typed
  // (NFC) for the checks to name them.
  Result<protocol::CellKey> canonical_cell(const protocol::CellKey& typed);
  // Validates against the local roster, the user's assignments and the
  // grading rules, then writes cell + outbox op in one transaction.
  Result<protocol::Op> record(const protocol::CellKey& cell, const std::string& value,
                              protocol::OpKind kind = protocol::OpKind::kSet, const std::string& note = "");
  // Records several cells (a paste, a grid's batch) in one durable
  // transaction: each edit checked as record() does and answered on its own
  // (a bad one does not stop the rest); after a crash, all of the batch's
  // accepted edits are there or none.
  std::vector<Result<protocol::Op>> record_batch(const std::vector<std::pair<protocol::CellKey, std::string>>& edits);
  // Resolves the cell's conflicts with a chosen value (a new version).
  Result<protocol::Op> resolve_conflict(const protocol::CellKey& cell, const std::string& value, const std::string& note);
  // Files a request to change a (locked) cell; the cell stays as it is until
  // the HT/PHT approves. Same checks as record(), plus a reason.
  Result<protocol::Op> request_correction(const protocol::CellKey& cell, const std::string& value,
                                          const std::string& reason);

  // Queues an op that does not change a cell (key registration, signed
  // confirmation); returns its seq.
  std::uint64_t queue_op(protocol::Op op);
  // The canonical document of a confirmation step from the local cells.
  // Refused while the class has undelivered changes.
  Result<std::string> confirmation_document(const std::string& class_name, const std::string& subject,
                                            const std::string& term, const std::string& step);
  // Every non-empty cell of the class (all subjects, the whole year), as
  // the class-level documents and the summary board take them.
  std::vector<signing::CellLine> class_cells(const std::string& class_name);
  // The class as its board and class-level signatures take it
  // (board::ClassBook, as the server's load_class_book gathers it): the
  // class's subjects (its grade's, as the roster's gs says, or every
  // subject), its students as of the last roster, its cells, its sessions.
  board::ClassBook class_book(const std::string& class_name);
  // The stored outcome of an op: code ("" while pending) and reason.
  std::pair<std::string, std::string> outcome(std::uint64_t seq);

  // ---- sync support
  // Up to max_ops pending ops above after_seq, in seq order, within about
  // max_bytes (at least one op).
  std::vector<protocol::Op> pending_ops(std::uint64_t after_seq, std::size_t max_ops, std::size_t max_bytes);
  // The same ops as pending_ops(), read straight into an encoded Push.
  struct PendingPush {
    std::string message;  // empty when nothing is pending
    std::size_t ops = 0;
    std::uint64_t last_seq = 0;
  };
  PendingPush pending_push(std::uint64_t batch_id, std::uint64_t after_seq, std::size_t max_ops,
                           std::size_t max_bytes);
  std::uint64_t max_acked_seq();
  // Every op at or below this seq has its answer from the server recorded.
  std::uint64_t acked_through();
  // The server has nothing above high_seq (restored backup): resend the rest.
  void requeue_after(std::uint64_t high_seq);
  // Stores an ack durably; `ops` are the ops of that batch.
  void apply_ack(const protocol::Ack& ack);
  // Applies pulled changes and advances the cursor in one transaction. A
  // new server epoch (a server restored from a backup) first drops the
  // server state known here, keeping undelivered local edits.
  void apply_changes(const protocol::Changes& changes);
  protocol::Cursor cursor();
  void set_last_sync(std::int64_t when);
  // Whether a sync should fetch the correction requests: the user leads the
  // school (HT, PHT), or has requests whose decision is not known here yet.
  bool wants_corrections();
  // Replaces the known correction requests with the server's list.
  void apply_corrections(const protocol::CorrectionList& list);

  // ---- correction requests (as of the last sync)
  std::vector<protocol::CorrectionInfo> corrections();
  bool has_role(const std::string& role);
  std::vector<std::string> roles();
  // Queues the HT/PHT's decision on a known pending request.
  Result<std::uint64_t> decide_correction(std::uint64_t id, bool approve, const std::string& comment);

  // ---- reports
  StatusReport status();
  std::vector<StudentCells> show(const std::string& class_name, const std::string& subject);
  std::vector<ConflictInfo> conflicts(const std::string& class_name, const std::string& subject);
  std::vector<RefusedOp> refused();
  std::vector<ConflictInfo> my_conflicts();

  sqlite::Db& db() { return *db_; }

 private:
  // The op record() would write for a typed cell and value, checked; and
  // its insertion (seq, base version, outbox row, cell) inside a transaction.
  Result<protocol::Op> checked_op(const protocol::CellKey& typed, const std::string& value, protocol::OpKind kind,
                                  const std::string& note);
  void insert_recorded(protocol::Op& op);
  // Checks a cell and value against the roster, assignments and rules.
  Result<std::string> validate(const protocol::CellKey& cell, const std::string& value);
  std::vector<ConflictInfo> conflict_rows(const std::string& class_name, const std::string& subject, bool mine_only);
  std::string meta(const std::string& key, const std::string& fallback = "");
  void set_meta(const std::string& key, const std::string& value);
  // Calls visit(const protocol::OpView&) for each op pending_ops() returns.
  template <class Visit>
  void visit_pending(std::uint64_t after_seq, std::size_t max_ops, std::size_t max_bytes, Visit&& visit);

  // Checks the outbox against its mark (throws OutboxDamaged) and brings a
  // missing or lower mark up to date.
  void check_outbox_mark(const std::string& data_dir);
  std::uint64_t max_outbox_seq();

  std::unique_ptr<sqlite::Db> db_;
  const Clock& clock_;
  std::string data_dir_;
  std::unique_ptr<OutboxMark> mark_;
};

}  // namespace sodiem::client
