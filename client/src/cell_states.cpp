// The state of each cell as the grid shows it (see cell_states.hpp).
#include "sodiem/client/cell_states.hpp"

#include <algorithm>
#include <map>

#include "outbox_sql.hpp"
#include "sodiem/core/attendance.hpp"
#include "sodiem/core/column.hpp"

namespace sodiem::client {

bool is_lock_refusal(const std::string& code) {
  return code == "TERM_LOCKED" || code == "ENTRY_CLOSED" || code == "APPROVED_READ_ONLY";
}

namespace {

// The server's lock and refusal texts (server/src/locks.cpp) end with what
// the teacher may do: "Điểm đã nhập vẫn sửa được…", "hãy gửi yêu cầu điều
// chỉnh (Xin điều chỉnh)…", "…hoặc một yêu cầu điều chỉnh được duyệt". The
// reason up to the sentence (or clause) holding the first of these.
std::string without_action(const std::string& reason) {
  std::size_t cut = std::string::npos;
  for (const char* marker : {"vẫn sửa được", "yêu cầu điều chỉnh", "Xin điều chỉnh"}) {
    const auto at = reason.find(marker);
    if (at == std::string::npos) continue;
    // Where that sentence or clause starts: after the last ". " or "; " before it.
    std::size_t start = 0;
    for (const char* sep : {". ", "; "})
      if (const auto s = reason.rfind(sep, at); s != std::string::npos && s + 2 > start) start = s + 2;
    const std::size_t end = start >= 2 ? start - 2 : 0;
    cut = std::min(cut, end);
  }
  std::string out = reason.substr(0, cut == std::string::npos ? reason.size() : cut);
  while (!out.empty() && (out.back() == ' ' || out.back() == '.' || out.back() == ';' || out.back() == ',')) out.pop_back();
  return out;
}

}  // namespace

std::string reason_here(const std::string& reason, const Status& copy) {
  if (copy.is_ok()) return reason;
  std::string said = copy.message();
  // Its first letter up: "đây là bản lưu…" opens a sentence here.
  if (said.rfind("đ", 0) == 0) said.replace(0, std::string("đ").size(), "Đ");
  else if (!said.empty() && said[0] >= 'a' && said[0] <= 'z') said[0] = static_cast<char>(said[0] - 'a' + 'A');
  const std::string kept = without_action(reason);
  return kept.empty() ? said + "." : kept + ". " + said + ".";
}

std::string term_dates_text(const std::vector<protocol::TermDates>& terms) {
  std::string out;
  for (const auto& t : terms) out += t.code + " " + t.first_day + " " + t.last_day + "\n";
  return out;
}

std::vector<protocol::TermDates> term_dates(sqlite::Db& db) {
  std::vector<protocol::TermDates> out;
  auto s = db.prepare("SELECT value FROM meta WHERE key = 'calendar_terms'");
  if (!s.step()) return out;
  const std::string text = s.text(0);
  // "HK1 2026-09-05 2027-01-16" a line; anything else is left out.
  for (std::size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    const std::string line = text.substr(at, end - at);
    if (line.size() != 25 || line[3] != ' ' || line[14] != ' ') continue;
    protocol::TermDates t{line.substr(0, 3), line.substr(4, 10), line.substr(15, 10)};
    if ((t.code == "HK1" || t.code == "HK2") && valid_iso_date(t.first_day) && valid_iso_date(t.last_day))
      out.push_back(std::move(t));
  }
  return out;
}

LockNotices lock_notices(sqlite::Db& db, const std::string& class_name, const std::string& subject) {
  LockNotices out;
  auto s = db.prepare(
      "SELECT term, column_kind, code, reason, new_values_only FROM lock_notices WHERE class_name = ? AND subject = ?");
  s.bind(1, class_name).bind(2, subject);
  while (s.step()) out.locks.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.int64(4) != 0});
  out.terms = term_dates(db);
  return out;
}

const LockShown* lock_for(const LockNotices& notices, const std::string& column) {
  const auto col = Column::parse(column);
  if (!col) return nullptr;
  const std::string term = col->kind == Column::Kind::kAttendance ? attendance::term_of(notices.terms, col->date)
                           : col->term == 0                         ? std::string()
                                                                    : "HK" + std::to_string(col->term);
  if (term.empty()) return nullptr;
  const std::string kind = col->kind_code();
  for (const auto& l : notices.locks)
    if (l.term == term && l.column_kind == kind) return &l;
  return nullptr;
}

std::vector<CellState> cell_states(sqlite::Db& db, const std::string& class_name, const std::string& subject,
                                   const std::string& column_prefix) {
  // LIKE with the prefix's own wildcards escaped.
  std::string pattern;
  for (char c : column_prefix) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  const auto locks = lock_notices(db, class_name, subject);
  std::vector<CellState> out;
  auto s = db.prepare(
      "SELECT c.student_code, c.col, c.value, COALESCE(c.server_value, ''), c.server_version, "
      "o.seq IS NOT NULL AND " SODIEM_O_PENDING ", COALESCE(o.state, 1), COALESCE(o.code, ''), COALESCE(o.reason, ''), "
      "COALESCE(o.value, ''), COALESCE(o.version, 0) "
      "FROM cells c LEFT JOIN outbox o ON o.seq = c.last_seq AND c.last_seq > 0 "
      "WHERE c.class_name = ? AND c.subject = ? AND c.col LIKE ? ESCAPE '\\'");
  s.bind(1, class_name).bind(2, subject).bind(3, pattern);
  while (s.step()) {
    CellState c;
    c.student = s.text(0);
    c.column = s.text(1);
    c.value = s.text(2);
    c.server_value = s.text(3);
    const auto server_version = s.int64(4);
    const bool pending = s.int64(5) != 0;
    const auto op_state = s.int64(6);
    const auto answered_version = s.int64(10);
    if (pending) {
      c.state = "local";
    } else if (op_state == 2 && server_version <= answered_version) {
      // Refused, and no newer server value has come since.
      c.code = s.text(7);
      c.reason = s.text(8);
      c.mine = s.text(9);
      c.state = is_lock_refusal(c.code) ? "locked" : "refused";
    } else {
      c.state = "synced";
    }
    if (c.state == "synced")
      if (const auto* lock = lock_for(locks, c.column); lock && !(lock->new_values_only && !c.value.empty())) {
        c.state = "locked";
        c.code = lock->code;
        c.reason = lock->reason;
      }
    index[{c.student, c.column}] = out.size();
    out.push_back(std::move(c));
  }
  auto k = db.prepare(
      "SELECT student_code, col, current_value, current_author, other_value, other_author FROM conflicts "
      "WHERE class_name = ? AND subject = ? AND col LIKE ? ESCAPE '\\' ORDER BY id");
  k.bind(1, class_name).bind(2, subject).bind(3, pattern);
  while (k.step()) {
    auto it = index.find({k.text(0), k.text(1)});
    if (it == index.end()) continue;
    auto& c = out[it->second];
    if (c.state == "local") continue;  // a choice made here is on its way
    c.state = "conflict";
    c.current = k.text(2);
    c.current_author = k.text(3);
    c.other = k.text(4);
    c.other_author = k.text(5);
  }
  return out;
}

}  // namespace sodiem::client
