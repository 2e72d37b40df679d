// Searching the audit trail (see audit_search.hpp). The actor, kind and
// dates are matched in SQL; a class, subject, student or column first as a
// JSON string anywhere in the detail (cheap, in SQL), then exactly against
// the cells the entry names: read_audit_detail's for a push, a correction,
// an exemption or a student's move, the detail's own "class"/"subject"/"student"/"column" for
// the others (a lock on 6A names the class only).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "sodiem/server/audit_detail.hpp"
#include "sodiem/server/audit_search.hpp"

namespace sodiem::server {

namespace {

using nlohmann::json;

// What an entry names: whole cells, or (for a flat detail) some of a cell's parts.
struct Named {
  std::vector<AuditCell> cells;
  AuditCell partial;  // fields the flat detail has; "" = not named
  bool refused = false;  // a push op was refused
};

Named named_by(const std::string& kind, const std::string& detail) {
  Named out;
  if (kind == "push" || kind == "correction_approved" || kind == "exemption" || kind == "student_moved" ||
      kind == "transfer_in" || kind == "year_end_result") {
    const AuditDetail d = read_audit_detail(kind, detail);
    auto add = [&](const AuditedVersion& v) {
      AuditCell c{v.class_name, v.subject, v.student, v.column};
      if (std::find(out.cells.begin(), out.cells.end(), c) == out.cells.end()) out.cells.push_back(std::move(c));
    };
    for (const auto& v : d.versions) add(v);
    for (const auto& o : d.outcomes) {
      add(o.cell);
      out.refused = out.refused || audit_code_is_refusal(o.code);
    }
    if (kind == "push") return out;
  }
  const json d = json::parse(detail, nullptr, /*allow_exceptions=*/false);
  if (!d.is_object()) return out;
  for (auto [key, into] : {std::pair{"class", &out.partial.class_name}, {"subject", &out.partial.subject},
                           {"student", &out.partial.student}, {"column", &out.partial.column}})
    if (auto it = d.find(key); it != d.end() && it->is_string()) *into = it->get<std::string>();
  const AuditCell& p = out.partial;
  if (out.cells.empty() && !p.class_name.empty() && !p.subject.empty() && !p.student.empty() && !p.column.empty())
    out.cells.push_back(p);
  return out;
}

bool field_matches(const std::string& wanted, const std::string& named) { return wanted.empty() || wanted == named; }

bool cell_matches(const AuditQuery& q, const AuditCell& c) {
  return field_matches(q.class_name, c.class_name) && field_matches(q.subject, c.subject) &&
         field_matches(q.student, c.student) && field_matches(q.column, c.column);
}

bool asks_cell(const AuditQuery& q) {
  return !q.class_name.empty() || !q.subject.empty() || !q.student.empty() || !q.column.empty();
}

// The filter value as its JSON string literal ("" when no filter): how it
// appears in a detail, whatever writer wrote it.
std::string literal(const std::string& v) { return v.empty() ? std::string() : json(v).dump(); }

}  // namespace

AuditPage search_audit(store::Db& db, const AuditQuery& q) {
  AuditPage page;
  {
    auto s = db.prepare("SELECT COALESCE(MAX(seq), 0) FROM audit_log");
    s.step();
    page.newest = s.int64(0);
  }
  const std::int64_t before = q.before_seq > 0 ? std::min(q.before_seq, page.newest + 1) : page.newest + 1;
  const std::int64_t lowest = std::max<std::int64_t>(1, before - std::max<std::int64_t>(q.window, 1));
  const std::size_t limit = std::clamp<std::size_t>(q.limit, 1, tuning::kAuditSearchMaxPage);
  auto s = db.prepare(
      "SELECT seq, at, actor, device, kind, detail FROM audit_log "
      "WHERE seq < ?1 AND seq >= ?2 AND (?3 = '' OR actor = ?3) AND (?4 = '' OR kind = ?4) "
      "AND at >= ?5 AND (?6 = 0 OR at < ?6) "
      "AND instr(detail, ?7) > 0 AND instr(detail, ?8) > 0 AND instr(detail, ?9) > 0 AND instr(detail, ?10) > 0 "
      "AND (?11 = 0 OR kind = 'push' OR kind IN ('login_failed', 'actor_login_failed', 'login_locked', "
      "'password_change_failed')) "
      "ORDER BY seq DESC");
  s.bind(1, before).bind(2, lowest).bind(3, q.actor).bind(4, q.kind).bind(5, q.from).bind(6, q.until);
  s.bind(7, literal(q.class_name)).bind(8, literal(q.subject)).bind(9, literal(q.student)).bind(10, literal(q.column));
  s.bind(11, q.refused_only ? 1 : 0);
  bool more = false;
  while (s.step()) {
    const std::string kind = s.text(4), detail = s.text(5);
    Named named = named_by(kind, detail);
    if (q.refused_only && !(named.refused || audit_kind_is_refusal(kind))) continue;
    if (asks_cell(q)) {
      const bool any = std::any_of(named.cells.begin(), named.cells.end(), [&](const auto& c) { return cell_matches(q, c); }) ||
                       (named.cells.empty() && cell_matches(q, named.partial));
      if (!any) continue;
    }
    if (page.rows.size() == limit) {
      more = true;
      break;
    }
    AuditRow row;
    row.seq = s.int64(0);
    row.at = s.int64(1);
    row.actor = s.text(2);
    row.device = s.text(3);
    row.kind = kind;
    row.label = audit_kind_label(kind);
    row.text = audit_entry_text(kind, detail);
    row.cells_total = named.cells.size();
    std::stable_partition(named.cells.begin(), named.cells.end(), [&](const auto& c) { return cell_matches(q, c); });
    named.cells.resize(std::min(named.cells.size(), kAuditRowCells));
    row.cells = std::move(named.cells);
    page.rows.push_back(std::move(row));
  }
  if (more) {
    page.next_before = page.rows.back().seq;
  } else if (lowest > 1) {
    page.next_before = lowest;
    page.window_ended = true;
  }
  return page;
}

}  // namespace sodiem::server
