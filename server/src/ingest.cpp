#include "sodiem/server/ingest.hpp"

#include "sodiem/core/column.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>
#include <nlohmann/json.hpp>

#include "sodiem/server/audit.hpp"
#include "sodiem/server/confirmations.hpp"
#include "sodiem/server/corrections.hpp"

namespace sodiem::server {

namespace {
// About a school's cells for a term; beyond it the memory is started afresh.
constexpr std::size_t kMaxRememberedCells = 200'000;

// Whether `s` has a character a JSON string literal must escape.
bool needs_json_escape(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c == '"' || c == '\\' || c < 0x20; });
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// Appends `s` as a JSON string literal.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  if (!needs_json_escape(s)) {
    out.append(s);  // the usual case: nothing to escape
    out += '"';
    return;
  }
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}
// Appends the strings as JSON literals separated by commas; in one append
// when none needs escaping (the usual case). Always inlined: once it also
// wrote outcome rows, GCC made it a call on the accepted ops' path too, 12 M
// more instructions per 20,000 ops (callgrind, ingest_core).
[[gnu::always_inline]] inline void append_json_strings(std::string& out, std::initializer_list<std::string_view> texts) {
  std::size_t size = 0;
  bool plain = true;
  for (std::string_view t : texts) {
    size += t.size() + 3;
    plain = plain && !needs_json_escape(t);
  }
  if (!plain) {
    bool first = true;
    for (std::string_view t : texts) {
      if (!std::exchange(first, false)) out += ',';
      append_json_string(out, t);
    }
    return;
  }
  const std::size_t at = out.size();
  out.resize(at + size - 1);
  char* p = out.data() + at;
  for (std::string_view t : texts) {
    if (p != out.data() + at) *p++ = ',';
    *p++ = '"';
    std::memcpy(p, t.data(), t.size());
    p += t.size();
    *p++ = '"';
  }
}
}  // namespace

using protocol::Ack;
using protocol::Op;
using protocol::OpOutcome;

Ingestor::Ingestor(sqlite::Db& db, const Directory& directory, const Clock& clock)
    : db_(db),
      directory_(directory),
      clock_(clock),
      select_cell_(db.prepare("SELECT value, version, device_id, user_id, id FROM cells "
                              "WHERE class_id = ? AND subject_id = ? AND student_id = ? AND col = ?")),
      insert_change_(db.prepare("INSERT INTO changes(kind, class_id, subject_id, student_id, col, value, device_id, "
                                "seq, user_id, recorded_at, received_at, current_version) "
                                "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")),
      select_next_version_(db.prepare("SELECT COALESCE(MAX(version), 0) + 1 FROM changes")),
      select_next_cell_id_(db.prepare("SELECT COALESCE(MAX(id), 0) + 1 FROM cells")),
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
                                    "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")),
      select_data_version_(db.prepare("PRAGMA data_version")) {
  cells_.reserve(4096);
  insert_changes_.resize(kRowsPerStatement + 1);
  upsert_cells_.resize(kRowsPerStatement + 1);
  pending_.reserve(kRowsPerStatement);
  kept_log_.fill(kNotBound);
  kept_cells_.fill(kNotBound);
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

sqlite::Stmt& Ingestor::insert_changes(int n) {
  auto& stmt = insert_changes_[n];
  if (!stmt)
    stmt = std::make_unique<sqlite::Stmt>(db_.prepare(
        "INSERT INTO changes(kind, class_id, subject_id, student_id, col, value, device_id, seq, user_id, "
        "recorded_at, received_at, current_version) VALUES" +
        values_rows(n, 4, {0, 1, 1, 1, 1, 1, -1, 1, -2, 1, -3, 0})));
  return *stmt;
}

sqlite::Stmt& Ingestor::upsert_cells(int n) {
  auto& stmt = upsert_cells_[n];
  if (!stmt)
    stmt = std::make_unique<sqlite::Stmt>(db_.prepare(
        "INSERT INTO cells(id, class_id, subject_id, student_id, col, value, version, device_id, user_id) VALUES" +
        values_rows(n, 3, {1, 1, 1, 1, 1, 1, 1, -1, -2}) +
        " ON CONFLICT(id) DO UPDATE SET value = excluded.value, version = excluded.version, "
        "device_id = excluded.device_id, user_id = excluded.user_id"));
  return *stmt;
}

namespace {
// The next number of a counter kept in memory (0 = not known: `select_next`
// reads it from its table), counted on.
std::int64_t take_next(std::int64_t& next, sqlite::Stmt& select_next) {
  if (next == 0) {
    select_next.step();
    next = select_next.int64(0);
    select_next.reset();
  }
  return next++;
}
}  // namespace

void Ingestor::bind_class_subject(sqlite::Stmt& stmt, std::int64_t* kept, int param, const PendingWrite& w) {
  if (!kept) {
    stmt.bind(param, w.class_id).bind(param + 1, w.subject_id);
    return;
  }
  if (kept[0] != w.class_id) stmt.bind(param, kept[0] = w.class_id);
  if (kept[1] != w.subject_id) stmt.bind(param + 1, kept[1] = w.subject_id);
}

void Ingestor::write_pending() {
  for (std::size_t at = 0; at < pending_.size(); at += kRowsPerStatement) {
    const int n = static_cast<int>(std::min<std::size_t>(kRowsPerStatement, pending_.size() - at));
    sqlite::Stmt& log = insert_changes(n);
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
    // In op order, so a cell written twice ends with its last value.
    sqlite::Stmt& cells = upsert_cells(n);
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
  pending_.clear();
}

Ingestor::Current& Ingestor::current_cell(std::int64_t class_id, std::int64_t subject_id, std::int64_t student_id,
                                         const std::string& col) {
  CellId id{class_id, subject_id, student_id, col};
  if (auto it = cells_.find(id); it != cells_.end()) return it->second;
  if (cells_.size() >= kMaxRememberedCells) {
    write_pending();  // what is forgotten must be in the table to be read again
    cells_.clear();
  }
  Current c;
  select_cell_.bind(1, class_id).bind(2, subject_id).bind(3, student_id).bind_ref(4, col);
  if (select_cell_.step()) {
    c.exists = true;
    c.value = select_cell_.text(0);
    c.version = static_cast<std::uint64_t>(select_cell_.int64(1));
    c.device_id = select_cell_.int64(2);
    c.user_id = select_cell_.int64(3);
    c.rowid = select_cell_.int64(4);
  }
  select_cell_.reset();
  return cells_.emplace(std::move(id), std::move(c)).first->second;
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

  // Runs of consecutive seqs and versions: what the ack carries, and (for
  // the ops new in this push) what accepted_runs keeps for replays.
  auto extend = [](std::vector<protocol::AcceptedRun>& runs, std::uint64_t seq, std::uint64_t version) {
    if (!runs.empty()) {
      auto& run = runs.back();
      if (run.first_seq + run.count == seq && run.first_version + run.count == version) {
        ++run.count;
        return;
      }
    }
    runs.push_back({seq, version, 1});
  };
  std::vector<protocol::AcceptedRun> new_runs;
  auto add_accepted = [&](std::uint64_t seq, std::uint64_t version, bool fresh) {
    extend(ack.accepted, seq, version);
    if (fresh) extend(new_runs, seq, version);
  };
  // The audit entry of this batch: every new op with its outcome, as JSON
  // written straight into strings (a JSON tree per op cost a tenth of the
  // ingest time). An op with an outcome (refused, conflicting, unchanged, a
  // decision) is a row [seq, code, version, class, subject, student, column,
  // value] of "ops". Accepted ops, most of a push, are runs of consecutive
  // seqs and versions in one class and subject, [class, subject, first seq,
  // first version, [[student, column, value], …]] in "runs": half the bytes
  // of a row each (writing the audit had cost a sixth of the ingest time).
  std::string audit_ops, audit_runs;
  audit_runs.reserve(push.ops.size() * 32);
  struct {
    const std::string* class_name = nullptr;
    const std::string* subject = nullptr;
    std::uint64_t next_seq = 0, next_version = 0;
  } run;
  auto audit_accepted = [&](const Op& op, std::uint64_t version, const std::string& value) {
    if (run.class_name && *run.class_name == op.cell.class_name && *run.subject == op.cell.subject &&
        run.next_seq == op.seq && run.next_version == version) {
      audit_runs += ",[";
    } else {
      audit_runs += audit_runs.empty() ? "[" : "]],[";
      append_json_string(audit_runs, op.cell.class_name);
      audit_runs += ',';
      append_json_string(audit_runs, op.cell.subject);
      audit_runs += ',';
      append_number(audit_runs, op.seq);
      audit_runs += ',';
      append_number(audit_runs, version);
      audit_runs += ",[[";
    }
    append_json_strings(audit_runs, {op.cell.student_code, op.cell.column, value});
    audit_runs += ']';
    run = {&op.cell.class_name, &op.cell.subject, op.seq + 1, version + 1};
  };
  auto audit = [&](const Op& op, const OpOutcome& out, std::uint64_t version, const std::string& value) {
    audit_ops += audit_ops.empty() ? "[" : ",[";
    append_number(audit_ops, op.seq);
    audit_ops += ",\"";
    audit_ops += protocol::to_string(out.code);
    audit_ops += "\",";
    append_number(audit_ops, version);
    audit_ops += ',';
    append_json_strings(audit_ops, {op.cell.class_name, op.cell.subject, op.cell.student_code, op.cell.column, value});
    audit_ops += ']';
  };
  // Cell ids of the op being handled, stored with a refusal for the cell's history.
  std::int64_t cur_class = 0, cur_subject = 0, cur_student = 0;
  // The audit row names the version the outcome is about (0 = none) and the
  // value as stored; `audit verify` checks OK rows against the changes log.
  auto record_outcome = [&](const Op& op, const OpOutcome& out, std::uint64_t audit_version,
                            const std::string& audit_value) {
    insert_outcome_.bind(1, device.row_id).bind(2, out.seq).bind(3, protocol::to_string(out.code)).bind(4, out.reason);
    if (cur_class) insert_outcome_.bind(5, cur_class); else insert_outcome_.bind_null(5);
    if (cur_student) insert_outcome_.bind(6, cur_subject).bind(7, cur_student); else insert_outcome_.bind_null(6).bind_null(7);
    insert_outcome_.bind(8, op.cell.column).bind(9, op.value).bind(10, now);
    insert_outcome_.run();
    ack.outcomes.push_back(out);
    audit(op, out, audit_version, audit_value);
  };
  // A refusal carries the cell's current server state (when the cell is
  // known) so the client can put the server's value back.
  const Current* known = nullptr;
  auto refuse = [&](const Op& op, ErrorCode code, std::string reason) {
    OpOutcome out;
    out.seq = op.seq;
    out.code = code;
    out.reason = std::move(reason);
    if (known && known->exists) {
      out.current_value = known->value;
      out.current_version = known->version;
      out.current_author = directory_.username_of(known->user_id);
    }
    record_outcome(op, out, out.current_version, op.value);
  };
  locks_.load(db_, now);
  pending_.clear();   // what a failed push left is rolled back
  forget_next_ids();  // the tables may have grown since the last push
  push_device_ = device.row_id;
  push_user_ = device.user_id;
  push_now_ = now;
  // A push mostly stays in one class and subject (and a student's row): the
  // previous op's names are compared before the directory's maps are asked.
  const ClassRow* last_class = nullptr;
  const SubjectRow* last_subject = nullptr;
  const StudentRow* last_student = nullptr;
  auto find_class = [&](const std::string& name) {
    if (!last_class || last_class->name != name) last_class = directory_.class_by_name(name);
    return last_class;
  };
  auto find_subject = [&](const std::string& name) {
    if (!last_subject || last_subject->info.name != name) last_subject = directory_.subject_by_name(name);
    return last_subject;
  };
  auto find_student = [&](const std::string& code) {
    if (!last_student || last_student->code != code) last_student = directory_.student_by_code(code);
    return last_student;
  };
  // Another process (the server CLI: corrections, restore, …) committed since
  // the cells were remembered: read them again. The caller's transaction is
  // BEGIN IMMEDIATE, so no other commit can come between this and our writes.
  select_data_version_.step();
  const std::int64_t data_version = select_data_version_.int64(0);
  select_data_version_.reset();
  if (data_version != data_version_) {
    cells_.clear();
    data_version_ = data_version;
  }

  for (const Op& op : push.ops) {
    if (op.seq <= device.high_seq) {
      bool accepted = false;
      std::uint64_t version = 0;
      OpOutcome out = replayed_outcome(device, op, accepted, version);
      if (accepted) add_accepted(op.seq, version, false);
      else ack.outcomes.push_back(std::move(out));
      continue;
    }
    device.high_seq = op.seq;
    cur_class = cur_subject = cur_student = 0;
    known = nullptr;
    if (op.kind == protocol::OpKind::kRegisterKey || op.kind == protocol::OpKind::kConfirm ||
        op.kind == protocol::OpKind::kDecideCorrection) {
      write_pending();  // a decision reads and writes cells and the log
      const Status st = op.kind == protocol::OpKind::kRegisterKey ? register_key(db_, *user, device.row_id, op, now)
                        : op.kind == protocol::OpKind::kConfirm   ? confirm_step(db_, directory_, *user, op, now)
                                                                  : decide_correction(db_, user->username, op, now);
      if (op.kind == protocol::OpKind::kDecideCorrection) cells_.clear();  // an approval writes a cell
      forget_next_ids();
      OpOutcome out;
      out.seq = op.seq;
      out.code = st.code();
      out.reason = st.message();
      record_outcome(op, out, 0, op.value);
      continue;
    }

    const ClassRow* cls = find_class(op.cell.class_name);
    if (!cls) {
      refuse(op, ErrorCode::kInvalidValue, "Lớp \"" + op.cell.class_name + "\" không có trong danh sách lớp của trường");
      continue;
    }
    const bool homeroom = op.cell.subject == protocol::kHomeroomSubject;
    const SubjectRow* subj = homeroom ? nullptr : find_subject(op.cell.subject);
    if (!homeroom && !subj) {
      refuse(op, ErrorCode::kInvalidValue, "Môn \"" + op.cell.subject + "\" không có trong danh sách môn của trường");
      continue;
    }
    const std::int64_t subject_id = homeroom ? kHomeroomSubjectId : subj->id;
    cur_class = cls->id;
    cur_subject = subject_id;
    const StudentRow* st = find_student(op.cell.student_code);
    if (st && st->class_id == cls->id) cur_student = st->id;
    if (!st || st->class_id != cls->id) {
      refuse(op, ErrorCode::kInvalidValue,
             "Học sinh mã \"" + op.cell.student_code + "\" không thuộc lớp " + cls->name);
      continue;
    }
    Current& cur = current_cell(cls->id, subject_id, st->id, op.cell.column);
    known = &cur;
    if (homeroom && !user->may_write_homeroom(cls->id)) {
      refuse(op, ErrorCode::kForbidden, "Tài khoản " + user->username + " không phải giáo viên chủ nhiệm lớp " + cls->name +
                                            " nên không được ghi chuyên cần, rèn luyện, nhận xét chủ nhiệm");
      continue;
    }
    // The device's claimed time is not trusted blindly: it is bounded below by
    // the start of its previous session with the server (anything typed
    // earlier would have been sent then) and above by now. The bounded time
    // is what the change log stores.
    const std::int64_t recorded = std::clamp(op.recorded_at, std::min(device.session_floor, now), now);
    if (!homeroom && !user->may_write_marks(cls->id, subject_id, recorded)) {
      refuse(op, ErrorCode::kForbidden, "Tài khoản " + user->username + " không được phân công dạy môn " +
                                            subj->info.name + " lớp " + cls->name + " nên không được nhập điểm");
      continue;
    }
    auto value = normalize_cell_value(homeroom ? nullptr : &subj->info, op.cell.column, op.value);
    if (!value) {
      refuse(op, ErrorCode::kInvalidValue, value.status().message());
      continue;
    }
    if (op.kind == protocol::OpKind::kCorrectionRequest) {
      // Filed for the leadership to decide; locks do not apply to asking.
      if (op.note.empty()) {
        refuse(op, ErrorCode::kInvalidValue, "Yêu cầu điều chỉnh cần ghi lý do");
        continue;
      }
      insert_correction_.bind(1, cls->id).bind(2, subject_id).bind(3, st->id).bind(4, op.cell.column)
          .bind(5, cur.exists ? cur.value : std::string()).bind(6, *value).bind(7, op.note).bind(8, device.user_id)
          .bind(9, device.row_id).bind(10, op.seq).bind(11, now);
      insert_correction_.run();
      OpOutcome out;
      out.seq = op.seq;
      out.code = ErrorCode::kOk;
      out.reason = "Đã gửi yêu cầu điều chỉnh #" + std::to_string(db_.last_insert_rowid()) + " (\"" +
                   (cur.exists ? cur.value : std::string()) + "\" → \"" + *value + "\"), chờ Ban giám hiệu duyệt";
      if (cur.exists) {
        out.current_value = cur.value;
        out.current_version = cur.version;
        out.current_author = directory_.username_of(cur.user_id);
      }
      record_outcome(op, out, 0, *value);
      continue;
    }
    // Lock periods, with the offline grace window for ops typed before a lock.
    if (locks_.active()) {
      const LockDecision decision =
          locks_.check({user->username, cls->grade, cls->name, op.cell.subject, op.cell.column,
                        cur.exists && !cur.value.empty()},
                       recorded, now);
      if (decision.code != ErrorCode::kOk) {
        refuse(op, decision.code, decision.reason);
        continue;
      }
    }
    // Sequential if the author saw the current version, or if the current
    // version is this device's own earlier edit (typed twice offline).
    const bool resolving = op.kind == protocol::OpKind::kResolveConflict;
    if (resolving) {
      select_open_conflicts_.bind(1, cls->id).bind(2, subject_id).bind(3, st->id).bind(4, op.cell.column);
      select_open_conflicts_.step();
      const bool any = select_open_conflicts_.int64(0) > 0;
      select_open_conflicts_.reset();
      if (!any) {
        refuse(op, ErrorCode::kInvalidValue, "Ô này không còn xung đột nào chưa xử lý");
        continue;
      }
    }
    // An explicit resolution was made knowing both values: never a new conflict.
    const bool sequential = resolving || !cur.exists || cur.version == op.base_version || cur.device_id == device.row_id;
    if (cur.exists && cur.value == *value && !resolving) {
      // Same value: nothing changes and it is never a conflict.
      OpOutcome out;
      out.seq = op.seq;
      out.code = ErrorCode::kOk;
      out.current_value = cur.value;
      out.current_version = cur.version;
      out.current_author = directory_.username_of(cur.user_id);
      record_outcome(op, out, cur.version, *value);
      continue;
    }
    if (!sequential) {
      // Concurrent edit: the value committed first stays current; this one is
      // kept in the change feed as a conflict both authors will see.
      write_pending();
      insert_change_.bind(1, 1).bind(2, cls->id).bind(3, subject_id).bind(4, st->id).bind(5, op.cell.column)
          .bind(6, *value).bind(7, device.row_id).bind(8, op.seq).bind(9, device.user_id).bind(10, recorded)
          .bind(11, now).bind(12, cur.version);
      insert_change_.run();
      forget_next_ids();
      OpOutcome out;
      out.seq = op.seq;
      out.code = ErrorCode::kConflict;
      out.reason = "Ô điểm này đã được " + directory_.username_of(cur.user_id) + " sửa thành \"" + cur.value +
                   "\" trong lúc bạn ngoại tuyến; giá trị \"" + *value + "\" của bạn được lưu lại như một xung đột chờ xử lý";
      out.current_value = cur.value;
      out.current_version = cur.version;
      out.current_author = directory_.username_of(cur.user_id);
      record_outcome(op, out, cur.version, *value);
      continue;
    }
    // The hot path: the log row and the cell wait for the next multi-row
    // statements. The remembered cells are exact (see cells_): a cell known
    // to exist keeps its id, a new one gets the next.
    const std::int64_t new_version = take_next(next_version_, select_next_version_);
    const auto version = static_cast<std::uint64_t>(new_version);
    const std::int64_t rowid = cur.exists ? cur.rowid : take_next(next_cell_id_, select_next_cell_id_);
    pending_.push_back(
        {new_version, rowid, cls->id, subject_id, st->id, &op.cell.column, *value, op.seq, recorded});
    if (pending_.size() == kRowsPerStatement) write_pending();
    cur.exists = true;  // the remembered cell follows the write
    cur.value = *value;
    cur.version = version;
    cur.device_id = device.row_id;
    cur.user_id = device.user_id;
    cur.rowid = rowid;
    add_accepted(op.seq, version, true);
    audit_accepted(op, version, *value);
    if (resolving) {
      // Close the cell's open conflicts; the feed tells every party.
      resolve_conflicts_.bind(1, version).bind(2, cls->id).bind(3, subject_id).bind(4, st->id).bind(5, op.cell.column);
      resolve_conflicts_.run();
      write_pending();
      insert_change_.bind(1, 2).bind(2, cls->id).bind(3, subject_id).bind(4, st->id).bind(5, op.cell.column)
          .bind(6, *value).bind(7, device.row_id).bind(8, op.seq).bind(9, device.user_id).bind(10, recorded)
          .bind(11, now).bind(12, version);
      insert_change_.run();
      forget_next_ids();
    }
  }
  write_pending();
  for (const auto& run : new_runs)
    insert_run_.bind(1, device.row_id).bind(2, run.first_seq).bind(3, run.count).bind(4, run.first_version).run();
  update_high_seq_.bind(1, device.high_seq).bind(2, now).bind(3, device.row_id);
  update_high_seq_.run();
  if (!audit_ops.empty() || !audit_runs.empty()) {
    if (!audit_runs.empty()) audit_runs += "]]";
    append_audit(db_, {now, user->username, device.public_id, "push",
                       "{\"batch\":" + std::to_string(push.batch_id) + ",\"ops\":[" + audit_ops + "],\"runs\":[" +
                           audit_runs + "]}"});
  }
  return ack;
}

}  // namespace sodiem::server
