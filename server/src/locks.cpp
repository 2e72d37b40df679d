#include "sodiem/server/locks.hpp"

#include <ctime>
#include <map>
#include <nlohmann/json.hpp>

#include "sodiem/core/attendance.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/protocol/messages.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {
namespace {


std::string scope_text(const Lock& l) {
  std::string s;
  auto add = [&](const std::string& part) { s += (s.empty() ? "" : ", ") + part; };
  if (!l.term.empty()) add(l.term);
  if (l.grade) add("khối " + std::to_string(*l.grade));
  if (!l.class_name.empty()) add("lớp " + l.class_name);
  if (!l.subject.empty()) add("môn " + l.subject);
  if (!l.column_kind.empty()) add("cột " + l.column_kind);
  return s.empty() ? "toàn trường" : s;
}

nlohmann::json lock_json(const Lock& l) {
  return {{"id", l.id},           {"term", l.term},         {"grade", l.grade ? nlohmann::json(*l.grade) : nullptr},
          {"class", l.class_name}, {"subject", l.subject},   {"column_kind", l.column_kind},
          {"kind", l.kind},        {"starts_at", l.starts_at}, {"ends_at", l.ends_at},
          {"reason", l.reason},    {"set_by", l.set_by}};
}

Lock lock_from(store::Stmt& s) {
  Lock l;
  l.id = s.int64(0);
  l.term = s.text(1);
  if (!s.is_null(2)) l.grade = static_cast<int>(s.int64(2));
  l.class_name = s.text(3);
  l.subject = s.text(4);
  l.column_kind = s.text(5);
  l.kind = s.text(6);
  l.starts_at = s.int64(7);
  l.ends_at = s.int64(8);
  l.reason = s.text(9);
  l.set_by = s.text(10);
  l.set_at = s.int64(11);
  return l;
}

constexpr const char* kLockColumns =
    "id, COALESCE(term, ''), grade, COALESCE(class_name, ''), COALESCE(subject, ''), COALESCE(column_kind, ''), kind, "
    "starts_at, ends_at, reason, set_by, set_at";

bool matches(const std::string& want, const std::string& have) { return want.empty() || want == have; }

}  // namespace

void LockBook::load(store::Db& db, std::int64_t now) {
  // Runs before a push (Ingestor: when another connection committed since,
  // or the last push changed approvals): the statements are prepared once
  // per connection. What is read is filtered by `now` in advance().
  locks_.clear();
  exceptions_.clear();
  terms_.clear();
  approved_.clear();
  {
    auto s = db.cached("SELECT c.name, r.term FROM confirmations r JOIN current_classes c ON c.id = r.class_id "
                        "WHERE r.step = 'approve' AND r.revoked_at IS NULL");
    while (s->step()) approved_.emplace(s->text(0), s->text(1));
  }
  {
    auto s = db.cached(std::string("SELECT ") + kLockColumns +
                        " FROM locks WHERE removed_at IS NULL AND (ends_at = 0 OR ends_at > ?)");
    s->bind(1, now);
    while (s->step()) locks_.push_back(lock_from(*s));
  }
  {
    auto s = db.cached(
        "SELECT id, COALESCE(username, ''), COALESCE(class_name, ''), COALESCE(subject, ''), COALESCE(col, ''), "
        "expires_at, reason, created_by, created_at FROM lock_exceptions WHERE removed_at IS NULL AND expires_at > ?");
    s->bind(1, now);
    while (s->step())
      exceptions_.push_back({s->int64(0), s->text(1), s->text(2), s->text(3), s->text(4), s->int64(5), s->text(6), s->text(7),
                             s->int64(8)});
  }
  {
    auto s = db.cached("SELECT t.code, t.starts_on, t.ends_on, t.entry_opens_on, t.entry_closes_on FROM terms t "
                        "JOIN school_years y ON y.id = t.school_year_id WHERE y.current = 1");
    while (s->step()) {
      terms_.push_back({s->text(0), s->text(1), s->text(2)});
      // The term's entry window, as two implicit entry-closed locks (id 0):
      // before it opens and after the day it closes.
      auto opens = parse_local_time(s->text(3));
      auto closes = parse_local_time(s->text(4));
      Lock before;
      before.term = s->text(0);
      before.kind = "entry_closed";
      before.set_by = "lịch năm học";
      Lock after = before;
      if (opens) {
        before.ends_at = *opens;
        before.reason = "chưa đến thời gian nhập điểm " + before.term + " (mở từ " + format_local_time(*opens).substr(0, 10) + ")";
        locks_.push_back(before);  // advance() keeps it while in force
      }
      if (closes) {
        after.starts_at = *closes + 24 * 3600;
        after.reason = "đã hết thời hạn nhập điểm " + after.term + " theo lịch năm học (đến hết ngày " +
                       format_local_time(*closes).substr(0, 10) + ")";
        locks_.push_back(after);
      }
    }
  }
  grace_seconds_ = std::int64_t{offline_grace_hours(db)} * 3600;
  read_locks_ = std::move(locks_);
  read_exceptions_ = std::move(exceptions_);
  read_at_ = now;
  advance(now);
}

bool LockBook::advance(std::int64_t now) {
  if (now < read_at_) return false;  // the clock went back: what was left out may be in force
  // Keep only locks in force now (a batch is checked at one `now`), so that
  // with none in force ingest skips the per-op check entirely.
  locks_.clear();
  for (const Lock& l : read_locks_)
    if (!(now < l.starts_at || (l.ends_at != 0 && now >= l.ends_at))) locks_.push_back(l);
  exceptions_.clear();
  for (const LockException& e : read_exceptions_)
    if (e.expires_at > now) exceptions_.push_back(e);
  return true;
}

std::string LockBook::term_of(const std::string& column) const {
  auto c = Column::parse(column);
  if (!c) return "";
  if (c->kind != Column::Kind::kAttendance) return "HK" + std::to_string(c->term);
  return attendance::term_of(terms_, c->date);
}

std::vector<protocol::LockNotice> LockBook::notices(const std::string& username, const protocol::Roster& roster,
                                                    std::int64_t now) const {
  std::vector<protocol::LockNotice> out;
  if (!active()) return out;
  std::map<std::string, int> grades;
  for (const auto& c : roster.classes) grades[c.name] = c.grade;
  // One column of each kind (TT27 too: periodic tests, qualities, competences);
  // attendance ("CC") by a day of the term (its first: term_of gives the
  // term back), so only for a term whose days the calendar has.
  static const std::vector<std::string> kSubjectKinds{"TX1", "GK", "CK", "NX", "KTCK"},
      kHomeroomKinds{"RL", "NXCN", "PC1", "NL1", "CC"};
  auto column_of = [&](const std::string& term, const std::string& kind) -> std::string {
    if (kind != "CC") return term + "." + kind;
    for (const auto& t : terms_)
      if (t.code == term && valid_iso_date(t.first_day)) return "CC." + t.first_day;
    return "";
  };
  // An exception in force for one column of a kind in a term (one
  // attendance day, one TX): a notice would grey the whole kind, or none
  // would when it names the column asked about, so none goes; the server
  // decides each cell.
  auto narrowed = [&](const std::string& class_name, const std::string& subject, const std::string& term,
                      const std::string& kind_code) {
    for (const LockException& e : exceptions_) {
      if (e.column.empty() || !matches(e.username, username) || !matches(e.class_name, class_name) ||
          !matches(e.subject, subject))
        continue;
      const auto c = Column::parse(e.column);
      if (c && c->kind_code() == kind_code && term_of(e.column) == term) return true;
    }
    return false;
  };
  for (const auto& a : roster.assignments) {
    const auto& kinds = a.subject == protocol::kHomeroomSubject ? kHomeroomKinds : kSubjectKinds;
    for (const std::string term : {"HK1", "HK2"})
      for (const auto& kind : kinds) {
        const std::string column = column_of(term, kind);
        if (column.empty() || term_of(column) != term) continue;
        if (narrowed(a.class_name, a.subject, term, Column::parse(column)->kind_code())) continue;
        LockTarget t{username, grades[a.class_name], a.class_name, a.subject, column, false};
        const auto empty_cell = check(t, now, now);
        if (empty_cell.code == ErrorCode::kOk) continue;
        t.cell_has_value = true;
        const bool new_only = check(t, now, now).code == ErrorCode::kOk;
        out.push_back({a.class_name, a.subject, term, Column::parse(t.column)->kind_code(), empty_cell.code, new_only,
                       empty_cell.reason});
      }
  }
  return out;
}

LockDecision LockBook::check(const LockTarget& t, std::int64_t recorded_at, std::int64_t now) const {
  LockDecision d;
  if (!active()) return d;
  auto col = Column::parse(t.column);
  const std::string kind = col ? col->kind_code() : "";
  const std::string term = term_of(t.column);
  if (approved_.contains({t.class_name, term})) {
    d.code = ErrorCode::kApprovedReadOnly;
    d.reason = "Kết quả " + term + " lớp " + t.class_name +
               " đã được Hiệu trưởng phê duyệt và chỉ được xem; mọi thay đổi cần Hiệu trưởng hủy phê duyệt "
               "(có ghi lý do) hoặc một yêu cầu điều chỉnh được duyệt sau đó.";
    return d;
  }
  const Lock* blocking = nullptr;
  bool grace_used = false;
  for (const Lock& l : locks_) {
    if (now < l.starts_at || (l.ends_at != 0 && now >= l.ends_at)) continue;
    if (!matches(l.term, term) || (l.grade && *l.grade != t.grade) || !matches(l.class_name, t.class_name) ||
        !matches(l.subject, t.subject) || !matches(l.column_kind, kind))
      continue;
    if (l.kind == "entry_closed" && t.cell_has_value) continue;  // editing an existing value is still allowed
    // Offline grace: typed before the lock began, arriving within the window
    // (0 hours: none, not even in the lock's first second).
    if (recorded_at < l.starts_at && grace_seconds_ > 0 && now - l.starts_at <= grace_seconds_) {
      grace_used = true;
      continue;
    }
    if (!blocking || (l.kind == "frozen" && blocking->kind != "frozen")) blocking = &l;
  }
  if (!blocking) {
    d.by_grace = grace_used;
    return d;
  }
  for (const LockException& e : exceptions_) {
    if (matches(e.username, t.username) && matches(e.class_name, t.class_name) && matches(e.subject, t.subject) &&
        matches(e.column, t.column)) {
      d.by_exception = true;
      return d;
    }
  }
  const Lock& l = *blocking;
  if (l.id == 0) {  // the term's entry window
    d.code = ErrorCode::kEntryClosed;
    d.reason = "Không nhập được điểm mới: " + l.reason +
               ". Điểm đã nhập vẫn sửa được; nếu cần nhập bổ sung, hãy gửi yêu cầu điều chỉnh (Xin điều chỉnh).";
    return d;
  }
  const std::string who = "khóa #" + std::to_string(l.id) + " (" + scope_text(l) + ") do " + l.set_by + " đặt lúc " +
                          format_local_time(l.set_at) + ", hiệu lực " +
                          (l.ends_at ? "đến " + format_local_time(l.ends_at) : std::string("đến khi được mở")) +
                          "; lý do: " + l.reason;
  if (l.kind == "frozen") {
    d.code = ErrorCode::kTermLocked;
    d.reason = "Sổ điểm đã khóa, không được thay đổi: " + who +
               ". Nếu cần sửa, hãy gửi yêu cầu điều chỉnh (Xin điều chỉnh) để Ban giám hiệu duyệt.";
  } else {
    d.code = ErrorCode::kEntryClosed;
    d.reason = "Đã hết thời hạn nhập điểm mới: " + who +
               ". Điểm đã nhập vẫn sửa được cho tới khi sổ khóa hẳn; nếu cần nhập bổ sung, hãy gửi yêu cầu điều chỉnh "
               "(Xin điều chỉnh).";
  }
  return d;
}

Status check_lock_authority(store::Db& db, const std::string& username) {
  return require_role(db, username, {"HT", "ADMIN"},
                      "chỉ Hiệu trưởng (hoặc quản trị viên theo quyết định của Hiệu trưởng) được khóa/mở sổ");
}

std::vector<EntryWindow> entry_windows(store::Db& db) {
  std::vector<EntryWindow> out;
  auto s = db.prepare(
      "SELECT t.code, t.starts_on, t.ends_on, t.entry_opens_on, t.entry_closes_on FROM terms t "
      "JOIN school_years y ON y.id = t.school_year_id WHERE y.current = 1 ORDER BY t.code");
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)});
  return out;
}

Status set_entry_window(store::Db& db, const std::string& term, const std::string& opens, const std::string& closes,
                        const std::string& by, std::int64_t now) {
  if (auto st = check_lock_authority(db, by); !st) return st;
  if (term != "HK1" && term != "HK2") return Status(ErrorCode::kInvalidValue, "học kì phải là HK1 hoặc HK2");
  if (!valid_iso_date(opens) || !valid_iso_date(closes) || closes < opens)
    return Status(ErrorCode::kInvalidValue, "ngày mở và ngày đóng phải có dạng YYYY-MM-DD, ngày đóng không trước ngày mở");
  store::Transaction tx(db);
  db.prepare("UPDATE terms SET entry_opens_on = ?, entry_closes_on = ? WHERE code = ? AND school_year_id = "
             "(SELECT id FROM school_years WHERE current = 1)")
      .bind(1, opens).bind(2, closes).bind(3, term).run();
  if (db.changes() == 0) return Status(ErrorCode::kInvalidValue, "năm học hiện tại không có học kì " + term);
  bump_roster_version(db);  // devices fetch the new lock notices
  append_audit(db, {now, by, "", "entry_window_set",
                    nlohmann::json{{"term", term}, {"opens", opens}, {"closes", closes}}.dump()});
  tx.commit();
  return Status::ok();
}

std::string entry_window_text(const std::string& term, const std::string& opens, const std::string& closes) {
  return "Đã đặt thời gian nhập điểm " + term + ": từ " + attendance::date_vn(opens) + " đến hết " +
         attendance::date_vn(closes);
}

Status set_offline_grace_hours(store::Db& db, int hours, const std::string& by, std::int64_t now) {
  if (auto st = check_lock_authority(db, by); !st) return st;
  if (hours < 0 || hours > 720) return Status(ErrorCode::kInvalidValue, "thời gian ân hạn phải từ 0 đến 720 giờ");
  store::Transaction tx(db);
  const int before = offline_grace_hours(db);
  set_meta(db, "offline_grace_hours", std::to_string(hours));
  append_audit(db, {now, by, "", "setting_changed",
                    nlohmann::json{{"setting", "offline_grace_hours"}, {"old", before}, {"new", hours}}.dump()});
  tx.commit();
  return Status::ok();
}

int offline_grace_hours(store::Db& db) { return std::stoi(get_meta(db, "offline_grace_hours", "72")); }

Result<std::int64_t> add_lock(store::Db& db, Lock l, std::int64_t now) {
  if (auto st = check_lock_authority(db, l.set_by); !st) return st;
  if (l.kind != "entry_closed" && l.kind != "frozen")
    return Status(ErrorCode::kInvalidValue, "loại khóa phải là entry-closed (hết hạn nhập) hoặc frozen (khóa hẳn)");
  if (!l.term.empty() && l.term != "HK1" && l.term != "HK2")
    return Status(ErrorCode::kInvalidValue, "học kì phải là HK1 hoặc HK2");
  static const std::vector<std::string> kKinds = {"TX", "GK", "CK", "NX", "RL", "NXCN", "CC", "KT", "PC", "NL"};
  if (!l.column_kind.empty() && std::find(kKinds.begin(), kKinds.end(), l.column_kind) == kKinds.end())
    return Status(ErrorCode::kInvalidValue, "loại cột phải là một trong TX, GK, CK, NX, RL, NXCN, CC (tiểu học: KT, PC, NL)");
  if (l.grade && (*l.grade < 1 || *l.grade > 12)) return Status(ErrorCode::kInvalidValue, "khối phải từ 1 đến 12");
  if (!l.class_name.empty()) {
    auto s = db.prepare("SELECT 1 FROM current_classes WHERE name = ?");
    s.bind(1, l.class_name);
    if (!s.step()) return Status(ErrorCode::kInvalidValue, "không có lớp " + l.class_name);
  }
  if (!l.subject.empty() && l.subject != protocol::kHomeroomSubject) {
    auto s = db.prepare("SELECT 1 FROM subjects WHERE name = ?");
    s.bind(1, l.subject);
    if (!s.step()) return Status(ErrorCode::kInvalidValue, "không có môn " + l.subject);
  }
  if (l.reason.empty()) return Status(ErrorCode::kInvalidValue, "cần ghi lý do khóa sổ");
  if (l.ends_at != 0 && l.ends_at <= l.starts_at)
    return Status(ErrorCode::kInvalidValue, "thời điểm kết thúc phải sau thời điểm bắt đầu");
  l.set_at = now;
  store::Transaction tx(db);
  auto ins = db.prepare(
      "INSERT INTO locks(term, grade, class_name, subject, column_kind, kind, starts_at, ends_at, reason, set_by, set_at) "
      "VALUES(NULLIF(?, ''), ?, NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), ?, ?, ?, ?, ?, ?)");
  ins.bind(1, l.term);
  if (l.grade) ins.bind(2, *l.grade); else ins.bind_null(2);
  ins.bind(3, l.class_name).bind(4, l.subject).bind(5, l.column_kind).bind(6, l.kind).bind(7, l.starts_at)
      .bind(8, l.ends_at).bind(9, l.reason).bind(10, l.set_by).bind(11, l.set_at).run();
  l.id = db.last_insert_rowid();
  bump_roster_version(db);  // devices fetch the new lock notices
  append_audit(db, {now, l.set_by, "", "lock_set", lock_json(l).dump()});
  tx.commit();
  return l.id;
}

Status remove_lock(store::Db& db, std::int64_t id, const std::string& by, const std::string& reason, std::int64_t now) {
  if (auto st = check_lock_authority(db, by); !st) return st;
  store::Transaction tx(db);
  db.prepare("UPDATE locks SET removed_at = ?, removed_by = ?, removed_reason = ? WHERE id = ? AND removed_at IS NULL")
      .bind(1, now).bind(2, by).bind(3, reason).bind(4, id).run();
  if (db.changes() == 0) return Status(ErrorCode::kInvalidValue, "không có khóa #" + std::to_string(id) + " đang hiệu lực");
  bump_roster_version(db);
  append_audit(db, {now, by, "", "lock_removed", nlohmann::json{{"id", id}, {"reason", reason}}.dump()});
  tx.commit();
  return Status::ok();
}

std::vector<Lock> list_locks(store::Db& db, bool include_removed) {
  std::vector<Lock> out;
  auto s = db.prepare(std::string("SELECT ") + kLockColumns + " FROM locks" +
                      (include_removed ? "" : " WHERE removed_at IS NULL") + " ORDER BY id");
  while (s.step()) out.push_back(lock_from(s));
  return out;
}

Result<std::int64_t> add_exception(store::Db& db, LockException e, std::int64_t now) {
  if (auto st = check_lock_authority(db, e.created_by); !st) return st;
  if (e.reason.empty()) return Status(ErrorCode::kInvalidValue, "cần ghi lý do mở ngoại lệ");
  if (e.expires_at <= now) return Status(ErrorCode::kInvalidValue, "ngoại lệ phải hết hạn ở một thời điểm trong tương lai");
  if (e.username.empty() && e.class_name.empty() && e.subject.empty() && e.column.empty())
    return Status(ErrorCode::kInvalidValue, "ngoại lệ phải hẹp: chỉ rõ giáo viên, lớp, môn hoặc cột");
  if (!e.column.empty() && !Column::parse(e.column))
    return Status(ErrorCode::kInvalidValue, "cột " + e.column + " không hợp lệ");
  if (!e.username.empty()) {
    auto s = db.prepare("SELECT 1 FROM users WHERE username = ?");
    s.bind(1, e.username);
    if (!s.step()) return Status(ErrorCode::kInvalidValue, "không có tài khoản " + e.username);
  }
  e.created_at = now;
  store::Transaction tx(db);
  db.prepare("INSERT INTO lock_exceptions(username, class_name, subject, col, expires_at, reason, created_by, created_at) "
             "VALUES(NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), NULLIF(?, ''), ?, ?, ?, ?)")
      .bind(1, e.username).bind(2, e.class_name).bind(3, e.subject).bind(4, e.column).bind(5, e.expires_at)
      .bind(6, e.reason).bind(7, e.created_by).bind(8, e.created_at).run();
  e.id = db.last_insert_rowid();
  bump_roster_version(db);
  append_audit(db, {now, e.created_by, "", "exception_added",
                    nlohmann::json{{"id", e.id}, {"user", e.username}, {"class", e.class_name}, {"subject", e.subject},
                                   {"column", e.column}, {"expires_at", e.expires_at}, {"reason", e.reason}}
                        .dump()});
  tx.commit();
  return e.id;
}

Status remove_exception(store::Db& db, std::int64_t id, const std::string& by, std::int64_t now) {
  if (auto st = check_lock_authority(db, by); !st) return st;
  store::Transaction tx(db);
  db.prepare("UPDATE lock_exceptions SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL")
      .bind(1, now).bind(2, by).bind(3, id).run();
  if (db.changes() == 0) return Status(ErrorCode::kInvalidValue, "không có ngoại lệ #" + std::to_string(id));
  bump_roster_version(db);
  append_audit(db, {now, by, "", "exception_removed", nlohmann::json{{"id", id}}.dump()});
  tx.commit();
  return Status::ok();
}

std::vector<LockException> list_exceptions(store::Db& db, std::int64_t now) {
  std::vector<LockException> out;
  auto s = db.prepare(
      "SELECT id, COALESCE(username, ''), COALESCE(class_name, ''), COALESCE(subject, ''), COALESCE(col, ''), "
      "expires_at, reason, created_by, created_at FROM lock_exceptions WHERE removed_at IS NULL AND expires_at > ? "
      "ORDER BY id");
  s.bind(1, now);
  while (s.step())
    out.push_back({s.int64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.int64(5), s.text(6), s.text(7), s.int64(8)});
  return out;
}

}  // namespace sodiem::server
