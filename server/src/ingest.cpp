// Applying a device's push (see ingest.hpp): decide() runs one op's checks
// and returns a Decision, apply_decision() does its writes, and
// PushAuditWriter (audit_detail_writer.cpp, beside its reader) the audit entry.
#include "sodiem/server/ingest.hpp"

#include "sodiem/core/attendance.hpp"
#include "sodiem/core/column.hpp"

#include <algorithm>
#include <utility>

#include "sodiem/server/audit.hpp"
#include "sodiem/server/audit_detail_writer.hpp"
#include "sodiem/server/confirmations.hpp"
#include "sodiem/server/corrections.hpp"

namespace sodiem::server {

namespace {
// About a school's cells for a term; beyond it the memory is started afresh.
constexpr std::size_t kMaxRememberedCells = 200'000;
}  // namespace

using protocol::Ack;
using protocol::Op;
using protocol::OpOutcome;

Ingestor::Ingestor(store::Db& db, const Directory& directory, const Clock& clock)
    : db_(db),
      directory_(directory),
      clock_(clock),
      select_cell_(db.prepare("SELECT value, version, device_id, user_id, id FROM cells "
                              "WHERE class_id = ? AND subject_id = ? AND student_id = ? AND col = ?")),
      insert_change_(db.prepare("INSERT INTO changes(kind, class_id, subject_id, student_id, col, value, device_id, "
                                "seq, user_id, recorded_at, received_at, current_version) "
                                "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")),
      // Not MAX(): under row-level security PostgreSQL scans the school's
      // whole index for it; the last entry of the key is one probe on both.
      select_next_version_(db.prepare("SELECT COALESCE((SELECT version FROM changes ORDER BY version DESC LIMIT 1), 0) + 1")),
      select_next_cell_id_(db.prepare("SELECT COALESCE((SELECT id FROM cells ORDER BY id DESC LIMIT 1), 0) + 1")),
      insert_outcome_(db.prepare("INSERT INTO op_outcomes(device_id, seq, code, reason, class_id, subject_id, student_id, "
                                 "col, value, at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")),
      select_outcome_(db.prepare("SELECT code, reason FROM op_outcomes WHERE device_id = ? AND seq = ?")),
      select_run_(db.prepare("SELECT first_seq, count, first_version FROM accepted_runs WHERE device_id = ? AND "
                             "first_seq <= ? ORDER BY first_seq DESC LIMIT 1")),
      insert_run_(db.prepare("INSERT INTO accepted_runs(device_id, first_seq, count, first_version) VALUES(?, ?, ?, ?)")),
      update_high_seq_(db.prepare("UPDATE devices SET high_seq = ?, last_seen_at = ? WHERE id = ?")),
      select_open_conflicts_(db.prepare("SELECT COUNT(*) FROM changes WHERE kind = 1 AND resolved_by_version IS NULL "
                                        "AND class_id = ? AND subject_id = ? AND student_id = ? AND col = ?")),
      resolve_conflicts_(db.prepare("UPDATE changes SET resolved_by_version = ? WHERE kind = 1 AND resolved_by_version IS "
                                    "NULL AND class_id = ? AND subject_id = ? AND student_id = ? AND col = ?")),
      insert_correction_(db.prepare("INSERT INTO corrections(class_id, subject_id, student_id, col, old_value, "
                                    "new_value, reason, requested_by, device_id, seq, requested_at) "
                                    "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
  cells_.reserve(4096);
  insert_changes_.resize(kRowsPerStatement + 1);
  upsert_cells_.resize(kRowsPerStatement + 1);
  kept_log_.fill(kNotBound);
  kept_cells_.fill(kNotBound);
  if (db.backend() == store::Backend::kPostgres) {
    flush_at_ = kPgRowsPerStatement;  // write_pending_pg: one statement per table
    pg_ = true;
    return;
  }
  pending_.reserve(kRowsPerStatement);
  // The full-size statements are long to compile: ready before the first push.
  insert_changes(kRowsPerStatement);
  upsert_cells(kRowsPerStatement);
}

namespace {
// "(?a, …)" rows for a multi-row VALUES: each row's own parameters numbered
// from `first` on, 0 for a literal 0, negative for a shared ?1, ?2, ?3.
std::string values_rows(int n, int first, std::initializer_list<int> row) {
  const int own = static_cast<int>(std::count_if(row.begin(), row.end(), [](int k) { return k > 0; }));
  std::string sql;
  for (int i = 0; i < n; ++i) {
    sql += i ? ",(" : "(";
    int p = first + own * i;
    bool comma = false;
    for (int k : row) {
      sql += comma ? ", " : "";
      comma = true;
      sql += k == 0 ? std::string("0") : k < 0 ? "?" + std::to_string(-k) : "?" + std::to_string(p++);
    }
    sql += ')';
  }
  return sql;
}
}  // namespace

store::Stmt& Ingestor::insert_changes(int n) {
  auto& stmt = insert_changes_[n];
  if (!stmt)
    stmt = std::make_unique<store::Stmt>(db_.prepare(
        "INSERT INTO changes(kind, class_id, subject_id, student_id, col, value, device_id, seq, user_id, "
        "recorded_at, received_at, current_version) VALUES" +
        values_rows(n, 4, {0, 1, 1, 1, 1, 1, -1, 1, -2, 1, -3, 0})));
  return *stmt;
}

store::Stmt& Ingestor::upsert_cells(int n) {
  auto& stmt = upsert_cells_[n];
  if (!stmt)
    stmt = std::make_unique<store::Stmt>(db_.prepare(
        "INSERT INTO cells(id, class_id, subject_id, student_id, col, value, version, device_id, user_id) VALUES" +
        values_rows(n, 3, {1, 1, 1, 1, 1, 1, 1, -1, -2}) +
        " ON CONFLICT(id) DO UPDATE SET value = excluded.value, version = excluded.version, "
        "device_id = excluded.device_id, user_id = excluded.user_id"));
  return *stmt;
}

namespace {
// The next number of a counter kept in memory (0 = not known: `select_next`
// reads it from its table), counted on.
std::int64_t take_next(std::int64_t& next, store::Stmt& select_next) {
  if (next == 0) {
    select_next.step();
    next = select_next.int64(0);
    select_next.reset();
  }
  return next++;
}
}  // namespace

void Ingestor::bind_class_subject(store::Stmt& stmt, std::int64_t* kept, int param, const PendingWrite& w) {
  if (!kept) {
    stmt.bind(param, w.class_id).bind(param + 1, w.subject_id);
    return;
  }
  if (kept[0] != w.class_id) stmt.bind(param, kept[0] = w.class_id);
  if (kept[1] != w.subject_id) stmt.bind(param + 1, kept[1] = w.subject_id);
}

void Ingestor::write_pending() {
  if (pg_) return write_pending_pg();
  for (std::size_t at = 0; at < pending_.size(); at += kRowsPerStatement) {
    const int n = static_cast<int>(std::min<std::size_t>(kRowsPerStatement, pending_.size() - at));
    store::Stmt& log = insert_changes(n);
    log.bind(1, push_device_).bind(2, push_user_).bind(3, push_now_);
    const bool full = n == kRowsPerStatement;
    for (int i = 0; i < n; ++i) {
      const PendingWrite& w = pending_[at + i];
      const int p = 4 + 7 * i;
      bind_class_subject(log, full ? &kept_log_[2 * i] : nullptr, p, w);
      log.bind(p + 2, w.student_id).bind_ref(p + 3, *w.col).bind_ref(p + 4, w.value).bind(p + 5, w.seq)
          .bind(p + 6, w.recorded_at);
    }
    log.run_keeping_bindings();
    // SQLite numbers the rows as we did (the log's end + 1, in order: nothing
    // else writes to it meanwhile), and appends faster than when told the
    // rowid; a mismatch would break the acks, so it fails the push instead.
    if (db_.last_insert_rowid() != pending_[at + n - 1].version)
      throw std::runtime_error("log versions out of step: " + std::to_string(db_.last_insert_rowid()) + " ≠ " +
                               std::to_string(pending_[at + n - 1].version));
    // In op order, so a cell written twice ends with its last value. A cell
    // written twice starts a new statement at its second write: PostgreSQL
    // refuses to upsert one row twice in one statement (SQLite would not).
    int from = 0;
    for (int i = 1; i <= n; ++i) {
      bool repeat = false;
      for (int j = from; j < i && i < n; ++j) repeat = repeat || pending_[at + j].cell_id == pending_[at + i].cell_id;
      if (i < n && !repeat) continue;
      write_cells(at + from, i - from, full && from == 0 && i == n);
      from = i;
    }
  }
  pending_.clear();
}

void Ingestor::write_cells(std::size_t at, int n, bool full) {
  store::Stmt& cells = upsert_cells(n);
  cells.bind(1, push_device_).bind(2, push_user_);
  for (int i = 0; i < n; ++i) {
    const PendingWrite& w = pending_[at + i];
    const int p = 3 + 7 * i;
    bind_class_subject(cells, full ? &kept_cells_[2 * i] : nullptr, p + 1, w);
    cells.bind(p, w.cell_id).bind(p + 3, w.student_id).bind_ref(p + 4, *w.col).bind_ref(p + 5, w.value)
        .bind(p + 6, w.version);
  }
  cells.run_keeping_bindings();
}

namespace {
// A stored cell as both reads select it: value, version, device_id,
// user_id, id from column `at` on.
template <class Current>
void read_current(Current& c, store::Stmt& s, int at) {
  c.exists = true;
  c.value = s.text(at);
  c.version = static_cast<std::uint64_t>(s.int64(at + 1));
  c.device_id = s.int64(at + 2);
  c.user_id = s.int64(at + 3);
  c.rowid = s.int64(at + 4);
}
}  // namespace

Ingestor::Current& Ingestor::current_cell(std::int64_t class_id, std::int64_t subject_id, std::int64_t student_id,
                                         const std::string& col) {
  CellId id{class_id, subject_id, student_id, col};
  if (auto it = cells_.find(id); it != cells_.end()) return it->second;
  if (cells_.size() >= kMaxRememberedCells) {
    write_pending();  // what is forgotten must be in the table to be read again
    forget_cells();
  }
  if (pg_) {
    // PostgreSQL: a round trip per cell cost more than its write. The whole
    // class × subject is read at its first cell; after that, a cell of it
    // that is not remembered does not exist.
    if (read_subjects_.insert({class_id, subject_id}).second) read_subject(class_id, subject_id);
    return cells_.try_emplace(std::move(id)).first->second;
  }
  Current c;
  select_cell_.bind(1, class_id).bind(2, subject_id).bind(3, student_id).bind_ref(4, col);
  if (select_cell_.step()) read_current(c, select_cell_, 0);
  select_cell_.reset();
  return cells_.emplace(std::move(id), std::move(c)).first->second;
}

void Ingestor::read_subject(std::int64_t class_id, std::int64_t subject_id) {
  if (!select_subject_cells_)
    select_subject_cells_ = std::make_unique<store::Stmt>(db_.prepare(
        "SELECT student_id, col, value, version, device_id, user_id, id FROM cells WHERE class_id = ? AND subject_id = ?"));
  store::Stmt& s = *select_subject_cells_;
  s.bind(1, class_id).bind(2, subject_id);
  while (s.step()) {
    Current c;
    read_current(c, s, 2);
    cells_.insert_or_assign(CellId{class_id, subject_id, s.int64(0), s.text(1)}, std::move(c));
  }
  s.reset();
}

OpOutcome Ingestor::replayed_outcome(const DeviceContext& device, const Op& op, bool& accepted,
                                     std::uint64_t& version) {
  OpOutcome out;
  out.seq = op.seq;
  accepted = false;
  select_outcome_.bind(1, device.row_id).bind(2, op.seq);
  if (select_outcome_.step()) {
    out.code = protocol::parse_error_code(select_outcome_.text(0)).value_or(ErrorCode::kInternal);
    out.reason = select_outcome_.text(1);
    select_outcome_.reset();
  } else {
    select_outcome_.reset();
    select_run_.bind(1, device.row_id).bind(2, op.seq);
    if (select_run_.step() && op.seq < static_cast<std::uint64_t>(select_run_.int64(0) + select_run_.int64(1))) {
      accepted = true;
      version = static_cast<std::uint64_t>(select_run_.int64(2)) + (op.seq - select_run_.int64(0));
    } else {
      out.code = ErrorCode::kDuplicate;
      out.reason = "thao tác đã được ghi nhận trước đây";
    }
    select_run_.reset();
    return out;
  }
  // Report the cell as it stands now, so the client can show it.
  const auto* cls = directory_.class_by_name(op.cell.class_name);
  const bool homeroom = op.cell.subject == protocol::kHomeroomSubject;
  const auto* subj = homeroom ? nullptr : directory_.subject_by_name(op.cell.subject);
  const auto* st = directory_.student_by_code(op.cell.student_code);
  if (cls && (homeroom || subj) && st) {
    Current cur = current_cell(cls->id, homeroom ? kHomeroomSubjectId : subj->id, st->id, op.cell.column);
    out.current_value = cur.value;
    out.current_version = cur.version;
    if (cur.exists) out.current_author = directory_.username_of(cur.user_id);
  }
  return out;
}

namespace {
// Extends `runs` (consecutive seqs and versions) with one accepted op.
// Always inlined: twice per accepted op, GCC made it a call.
[[gnu::always_inline]] inline void extend_runs(std::vector<protocol::AcceptedRun>& runs, std::uint64_t seq, std::uint64_t version) {
  if (!runs.empty()) {
    auto& run = runs.back();
    if (run.first_seq + run.count == seq && run.first_version + run.count == version) {
      ++run.count;
      return;
    }
  }
  runs.push_back({seq, version, 1});
}
}  // namespace

// One push being applied: whose, when, what it answers and audits so far.
struct Ingestor::PushScope {
  DeviceContext& device;
  const UserAccess& user;
  const std::int64_t now;
  Ack& ack;
  // Runs of consecutive seqs and versions: ack.accepted carries them, and
  // (for the ops new in this push) accepted_runs keeps them for replays.
  std::vector<protocol::AcceptedRun> new_runs;
  PushAuditWriter audit;
  // A push mostly stays in one class and subject (and a student's row): the
  // previous op's names are compared before the directory's maps are asked.
  const ClassRow* last_class = nullptr;
  const SubjectRow* last_subject = nullptr;
  const StudentRow* last_student = nullptr;

  void add_accepted(std::uint64_t seq, std::uint64_t version, bool fresh) {
    extend_runs(ack.accepted, seq, version);
    if (fresh) extend_runs(new_runs, seq, version);
  }
};

// What decide() found for one op: the first check it fails, or what the op
// becomes. apply_decision() does the writes.
struct Ingestor::Decision {
  enum class Kind : std::uint8_t {
    kReplay,             // seq at or below the high-water mark: answered as the first time
    kDecision,           // a key, a confirmation or a correction decision: its own module checks and writes it
    kRefuse,             // refused: `code`, `reason`
    kCorrectionRequest,  // `value` filed for the leadership to decide
    kUnchanged,          // the cell already holds `value`
    kConflict,           // a concurrent edit: kept as a conflict, the cell keeps its value
    kAccept,             // `value` becomes the cell's next version
  };
  Kind kind = Kind::kAccept;
  ErrorCode code = ErrorCode::kOk;
  std::string reason;
  // The cell's ids as far as they were resolved (0 = not), stored with an
  // outcome for the cell's history: class and subject together, then the
  // student.
  std::int64_t class_id = 0, subject_id = 0, student_id = 0;
  // The cell's remembered state once looked up (a refusal carries it back
  // so the client can put the server's value back).
  Current* cell = nullptr;
  std::string value;          // as normalized
  std::int64_t recorded = 0;  // the op's time as the log stores it
  bool resolving = false;     // an explicit resolution of the cell's conflicts
};

// The checks of one op, in order: dedupe → names → permission → value rules
// → correction request → locks → conflict. Reads only (but for flushing the
// pending writes when the remembered cells are started afresh).
Ingestor::Decision Ingestor::decide(PushScope& push, const Op& op) {
  Decision d;
  auto refuse = [&d](ErrorCode code, std::string reason) {
    d.kind = Decision::Kind::kRefuse;
    d.code = code;
    d.reason = std::move(reason);
  };
  if (op.seq <= push.device.high_seq) {
    d.kind = Decision::Kind::kReplay;
    return d;
  }
  if (!push.device.stale_year.empty() && op.kind != protocol::OpKind::kRegisterKey) {
    refuse(ErrorCode::kTermLocked, "Năm học " + push.device.stale_year + " đã kết thúc (trường đã sang năm học " +
                                       directory_.school_year() + "): thay đổi này được lưu trong hồ sơ của máy chủ "
                                       "nhưng không ghi vào sổ điểm; nếu cần sửa kết quả năm cũ, hãy báo Hiệu trưởng");
    return d;
  }
  if (op.kind == protocol::OpKind::kRegisterKey || op.kind == protocol::OpKind::kConfirm ||
      op.kind == protocol::OpKind::kDecideCorrection) {
    d.kind = Decision::Kind::kDecision;
    return d;
  }

  if (!push.last_class || push.last_class->name != op.cell.class_name)
    push.last_class = directory_.class_by_name(op.cell.class_name);
  const ClassRow* cls = push.last_class;
  if (!cls) {
    refuse(ErrorCode::kInvalidValue, "Lớp \"" + op.cell.class_name + "\" không có trong danh sách lớp của trường");
    return d;
  }
  const bool homeroom = op.cell.subject == protocol::kHomeroomSubject;
  if (!homeroom && (!push.last_subject || push.last_subject->info.name != op.cell.subject))
    push.last_subject = directory_.subject_by_name(op.cell.subject);
  const SubjectRow* subj = homeroom ? nullptr : push.last_subject;
  if (!homeroom && !subj) {
    refuse(ErrorCode::kInvalidValue, "Môn \"" + op.cell.subject + "\" không có trong danh sách môn của trường");
    return d;
  }
  const std::int64_t subject_id = homeroom ? kHomeroomSubjectId : subj->id;
  d.class_id = cls->id;
  d.subject_id = subject_id;
  if (!push.last_student || push.last_student->code != op.cell.student_code)
    push.last_student = directory_.student_by_code(op.cell.student_code);
  const StudentRow* st = push.last_student;
  if (!st || st->class_id != cls->id) {
    refuse(ErrorCode::kInvalidValue, "Học sinh mã \"" + op.cell.student_code + "\" không thuộc lớp " + cls->name);
    return d;
  }
  d.student_id = st->id;
  Current& cur = current_cell(cls->id, subject_id, st->id, op.cell.column);
  d.cell = &cur;

  const UserAccess& user = push.user;
  if (homeroom && !user.may_write_homeroom(cls->id)) {
    refuse(ErrorCode::kForbidden, "Tài khoản " + user.username + " không phải giáo viên chủ nhiệm lớp " + cls->name +
                                      " nên không được ghi chuyên cần, rèn luyện, nhận xét chủ nhiệm");
    return d;
  }
  // The device's claimed time is not trusted blindly: it is bounded below by
  // the start of its previous session with the server (anything typed
  // earlier would have been sent then) and above by now. The bounded time
  // is what the change log stores.
  const std::int64_t now = push.now;
  d.recorded = std::clamp(op.recorded_at, std::min(push.device.session_floor, now), now);
  if (!homeroom && !user.may_write_marks(cls->id, subject_id, d.recorded)) {
    refuse(ErrorCode::kForbidden, "Tài khoản " + user.username + " không được phân công dạy môn " + subj->info.name +
                                      " lớp " + cls->name + " nên không được nhập điểm");
    return d;
  }

  // The subject as the class's grade has it (periods, kind, study topics: class_subjects.hpp).
  const protocol::SubjectInfo* info = homeroom ? nullptr : directory_.subject_info(cls->id, subject_id);
  if (!homeroom && !info) {
    refuse(ErrorCode::kInvalidValue, "môn " + subj->info.name + " không có trong chương trình khối " +
                                         std::to_string(cls->grade) + " nên lớp " + cls->name + " không có điểm môn này");
    return d;
  }
  auto value = normalize_cell_value(info, op.cell.column, op.value);
  if (!value) {
    refuse(ErrorCode::kInvalidValue, value.status().message());
    return d;
  }
  d.value = std::move(*value);
  if (homeroom && !d.value.empty()) {
    if (auto col = Column::parse(op.cell.column)) {
      auto why = attendance::fault(*col, directory_.calendar(), cls->name);
      if (!why) why = homeroom_column_fault(*col, cls->grade);
      if (why) {
        refuse(ErrorCode::kInvalidValue, *why);
        return d;
      }
    }
  }

  if (op.kind == protocol::OpKind::kCorrectionRequest) {
    // Filed for the leadership to decide; locks do not apply to asking.
    if (op.note.empty()) refuse(ErrorCode::kInvalidValue, "Yêu cầu điều chỉnh cần ghi lý do");
    else d.kind = Decision::Kind::kCorrectionRequest;
    return d;
  }
  // Lock periods, with the offline grace window for ops typed before a lock.
  if (locks_.active()) {
    LockDecision decision = locks_.check(
        {user.username, cls->grade, cls->name, op.cell.subject, op.cell.column, cur.exists && !cur.value.empty()},
        d.recorded, now);
    if (decision.code != ErrorCode::kOk) {
      refuse(decision.code, std::move(decision.reason));
      return d;
    }
  }

  // Sequential if the author saw the current version, or if the current
  // version is this device's own earlier edit (typed twice offline).
  d.resolving = op.kind == protocol::OpKind::kResolveConflict;
  if (d.resolving) {
    select_open_conflicts_.bind(1, cls->id).bind(2, subject_id).bind(3, st->id).bind(4, op.cell.column);
    select_open_conflicts_.step();
    const bool any = select_open_conflicts_.int64(0) > 0;
    select_open_conflicts_.reset();
    if (!any) {
      refuse(ErrorCode::kInvalidValue, "Ô này không còn xung đột nào chưa xử lý");
      return d;
    }
  }
  // An explicit resolution was made knowing both values: never a new conflict.
  const bool sequential =
      d.resolving || !cur.exists || cur.version == op.base_version || cur.device_id == push.device.row_id;
  // Same value: nothing changes and it is never a conflict.
  if (cur.exists && cur.value == d.value && !d.resolving) d.kind = Decision::Kind::kUnchanged;
  else if (!sequential) d.kind = Decision::Kind::kConflict;
  else d.kind = Decision::Kind::kAccept;
  return d;
}

// Stores `out` as the op's outcome (the row keeps the cell's ids as far as
// `d` resolved them), answers it in the ack and writes its audit row: the
// version the outcome is about (0 = none) and the value as stored.
void Ingestor::record_outcome(PushScope& push, const Op& op, const Decision& d, OpOutcome&& out,
                              std::uint64_t audit_version, const std::string& audit_value) {
  if (pg_) {  // PostgreSQL: written with the push's other rows
    pending_outcomes_.push_back({out.seq, std::string(protocol::to_string(out.code)), out.reason, op.cell.column,
                                 op.value, d.class_id, d.subject_id, d.student_id});
  } else {
    write_outcome(push, op, d, out);
  }
  push.audit.outcome(op, out.code, audit_version, audit_value);
  push.ack.outcomes.push_back(std::move(out));
}

void Ingestor::write_outcome(PushScope& push, const Op& op, const Decision& d, const OpOutcome& out) {
  insert_outcome_.bind(1, push.device.row_id).bind(2, out.seq).bind(3, protocol::to_string(out.code)).bind(4, out.reason);
  if (d.class_id) insert_outcome_.bind(5, d.class_id); else insert_outcome_.bind_null(5);
  if (d.student_id) insert_outcome_.bind(6, d.subject_id).bind(7, d.student_id); else insert_outcome_.bind_null(6).bind_null(7);
  insert_outcome_.bind(8, op.cell.column).bind(9, op.value).bind(10, push.now);
  insert_outcome_.run();
}

void Ingestor::apply_decision(PushScope& push, const Op& op, Decision& d) {
  DeviceContext& device = push.device;
  const std::int64_t now = push.now;
  using Kind = Decision::Kind;
  if (d.kind == Kind::kReplay) {
    bool accepted = false;
    std::uint64_t version = 0;
    OpOutcome out = replayed_outcome(device, op, accepted, version);
    if (accepted) push.add_accepted(op.seq, version, false);
    else push.ack.outcomes.push_back(std::move(out));
    return;
  }
  device.high_seq = op.seq;
  OpOutcome out;
  out.seq = op.seq;
  switch (d.kind) {
    case Kind::kReplay:
      break;
    case Kind::kDecision: {
      write_pending();  // a decision reads and writes cells and the log
      const Status st = op.kind == protocol::OpKind::kRegisterKey ? register_key(db_, push.user, device.row_id, op, now)
                        : op.kind == protocol::OpKind::kConfirm   ? confirm_step(db_, directory_, push.user, op, now)
                                                                  : decide_correction(db_, push.user.username, op, now);
      if (op.kind == protocol::OpKind::kDecideCorrection) forget_cells();  // an approval writes a cell
      forget_next_ids();
      out.code = st.code();
      out.reason = st.message();
      record_outcome(push, op, d, std::move(out), 0, op.value);
      break;
    }
    case Kind::kRefuse:
      out.code = d.code;
      out.reason = std::move(d.reason);
      if (d.cell && d.cell->exists) {
        out.current_value = d.cell->value;
        out.current_version = d.cell->version;
        out.current_author = directory_.username_of(d.cell->user_id);
      }
      record_outcome(push, op, d, std::move(out), out.current_version, op.value);
      break;
    case Kind::kCorrectionRequest: {
      const Current& cur = *d.cell;
      insert_correction_.bind(1, d.class_id).bind(2, d.subject_id).bind(3, d.student_id).bind(4, op.cell.column)
          .bind(5, cur.exists ? cur.value : std::string()).bind(6, d.value).bind(7, op.note).bind(8, device.user_id)
          .bind(9, device.row_id).bind(10, op.seq).bind(11, now);
      insert_correction_.run();
      out.code = ErrorCode::kOk;
      out.reason = "Đã gửi yêu cầu điều chỉnh #" + std::to_string(db_.last_insert_rowid()) + " (\"" +
                   (cur.exists ? cur.value : std::string()) + "\" → \"" + d.value + "\"), chờ Ban giám hiệu duyệt";
      if (cur.exists) {
        out.current_value = cur.value;
        out.current_version = cur.version;
        out.current_author = directory_.username_of(cur.user_id);
      }
      record_outcome(push, op, d, std::move(out), 0, d.value);
      break;
    }
    case Kind::kUnchanged: {
      const Current& cur = *d.cell;
      out.code = ErrorCode::kOk;
      out.current_value = cur.value;
      out.current_version = cur.version;
      out.current_author = directory_.username_of(cur.user_id);
      record_outcome(push, op, d, std::move(out), cur.version, d.value);
      break;
    }
    case Kind::kConflict: {
      // Concurrent edit: the value committed first stays current; this one is
      // kept in the change feed as a conflict both authors will see.
      const Current& cur = *d.cell;
      write_pending();
      insert_change_.bind(1, 1).bind(2, d.class_id).bind(3, d.subject_id).bind(4, d.student_id).bind(5, op.cell.column)
          .bind(6, d.value).bind(7, device.row_id).bind(8, op.seq).bind(9, device.user_id).bind(10, d.recorded)
          .bind(11, now).bind(12, cur.version);
      insert_change_.run();
      forget_next_ids();
      out.code = ErrorCode::kConflict;
      out.reason = "Ô điểm này đã được " + directory_.username_of(cur.user_id) + " sửa thành \"" + cur.value +
                   "\" trong lúc bạn ngoại tuyến; giá trị \"" + d.value + "\" của bạn được lưu lại như một xung đột chờ xử lý";
      out.current_value = cur.value;
      out.current_version = cur.version;
      out.current_author = directory_.username_of(cur.user_id);
      record_outcome(push, op, d, std::move(out), cur.version, d.value);
      break;
    }
    case Kind::kAccept: {
      // The hot path: the log row and the cell wait for the next multi-row
      // statements. The remembered cells are exact (see cells_): a cell known
      // to exist keeps its id, a new one gets the next.
      Current& cur = *d.cell;
      const std::int64_t new_version = take_next(next_version_, select_next_version_);
      const auto version = static_cast<std::uint64_t>(new_version);
      const std::int64_t rowid = cur.exists ? cur.rowid : take_next(next_cell_id_, select_next_cell_id_);
      pending_.push_back({new_version, rowid, d.class_id, d.subject_id, d.student_id, &op.cell.column, d.value, op.seq,
                          d.recorded, !cur.exists});
      if (pending_.size() == flush_at_) write_pending();
      cur.exists = true;  // the remembered cell follows the write
      cur.value = d.value;
      cur.version = version;
      cur.device_id = device.row_id;
      cur.user_id = device.user_id;
      cur.rowid = rowid;
      push.add_accepted(op.seq, version, true);
      push.audit.accepted(op, version, d.value);
      if (d.resolving) {
        // Close the cell's open conflicts; the feed tells every party.
        resolve_conflicts_.bind(1, version).bind(2, d.class_id).bind(3, d.subject_id).bind(4, d.student_id)
            .bind(5, op.cell.column);
        resolve_conflicts_.run();
        write_pending();
        insert_change_.bind(1, 2).bind(2, d.class_id).bind(3, d.subject_id).bind(4, d.student_id).bind(5, op.cell.column)
            .bind(6, d.value).bind(7, device.row_id).bind(8, op.seq).bind(9, device.user_id).bind(10, d.recorded)
            .bind(11, now).bind(12, version);
        insert_change_.run();
        forget_next_ids();
      }
      break;
    }
  }
}

Result<Ack> Ingestor::apply(DeviceContext& device, const protocol::Push& push) {
  Ack ack;
  ack.batch_id = push.batch_id;
  // Ops above the high-water mark must continue it without a gap, or an op
  // could be skipped for ever; a gap means the client must resend from it.
  std::uint64_t expected = device.high_seq + 1;
  for (const Op& op : push.ops) {
    if (op.seq <= device.high_seq) continue;
    if (op.seq != expected)
      return Status(ErrorCode::kMalformed, "seq gap: expected " + std::to_string(expected) + ", got " +
                                               std::to_string(op.seq) + "; resend from the high-water mark");
    ++expected;
  }

  const UserAccess* user = directory_.user(device.user_id);
  if (!user || user->disabled) return Status(ErrorCode::kUnauthenticated, "tài khoản đã bị khóa");
  const std::int64_t now = clock_.now_unix_seconds();
  PushScope scope{device, *user, now, ack, {}, PushAuditWriter(push.ops.size())};

  pending_.clear();   // what a failed push left is rolled back
  pending_outcomes_.clear();
  forget_next_ids();  // the tables may have grown since the last push
  push_device_ = device.row_id;
  push_user_ = device.user_id;
  push_now_ = now;
  // Another process (the server CLI: corrections, restore, …) committed since
  // the cells were remembered: read them again. The caller's transaction is
  // BEGIN IMMEDIATE, so no other commit can come between this and our writes.
  const std::int64_t data_version = db_.data_version();
  if (data_version != data_version_) {
    forget_cells();
    data_version_ = data_version;
  }
  if (!locks_read_ || locks_epoch_ != db_.memo_epoch() || !locks_.advance(now)) {
    locks_.load(db_, now);
    locks_read_ = true;
    locks_epoch_ = db_.memo_epoch();
  }

  for (const Op& op : push.ops) {
    // Anything but a mark may change what the lock book holds (a
    // confirmation approves a class): the next push reads it again.
    if (op.kind != protocol::OpKind::kSet && op.kind != protocol::OpKind::kResolveConflict) locks_read_ = false;
    Decision decision = decide(scope, op);
    apply_decision(scope, op, decision);
  }
  write_pending();
  if (pg_) {
    write_runs_pg(scope.new_runs);  // PostgreSQL: one statement
  } else {
    for (const auto& run : scope.new_runs)
      insert_run_.bind(1, device.row_id).bind(2, run.first_seq).bind(3, run.count).bind(4, run.first_version).run();
  }
  update_high_seq_.bind(1, device.high_seq).bind(2, now).bind(3, device.row_id);
  update_high_seq_.run();
  if (!scope.audit.empty())
    append_audit(db_, {now, user->username, device.public_id, "push", scope.audit.detail(push.batch_id)});
  return ack;
}

}  // namespace sodiem::server
