// The console's Nhật ký page: the audit trail searched (search_audit, each
// entry in Vietnamese with the cells it names; a cell's history is
// api_history) and the chain's verdict (check_audit_trail, the same as
// `sodiem-server audit verify`). HT, PHT and ADMIN; read-only. Console
// thread only.
#include <limits>

#include "console_impl.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/server/audit_search.hpp"
#include "sodiem/server/audit_verdict.hpp"

namespace sodiem::server::console {

namespace {

constexpr const char* kAuditOnly = "Trang Nhật ký chỉ dành cho Hiệu trưởng, Phó hiệu trưởng và quản trị viên";

std::string param(const Request& req, const char* key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

// A filter text: at most 64 characters, no control or invisible character.
Result<std::string> filter_text(const Request& req, const char* key) {
  nlohmann::json holder = nlohmann::json::object();
  if (auto v = param(req, key); !v.empty()) holder[key] = v;
  return text_field(holder, key, protocol::TextKind::kName, 64, false);
}

// "" → 0; a day as typed (typed_date: dd/mm/yyyy or yyyy-mm-dd, Vietnam
// time) → its first second, plus `days`.
Result<std::int64_t> day_param(const Request& req, const char* key, int days) {
  auto v = filter_text(req, key);  // bounded, no control character
  if (!v) return v.status();
  if (v->empty()) return std::int64_t{0};
  const auto date = typed_date(*v);
  const auto t = date ? parse_local_time(*date) : std::nullopt;
  if (!t)
    return Status(ErrorCode::kInvalidValue,
                  "ngày \"" + *v + "\" không hợp lệ: ghi " + std::string(kTypedDateFormats));
  return *t + days * 86400;
}

Result<std::int64_t> number_param(const Request& req, const char* key, std::int64_t max) {
  const std::string v = param(req, key);
  if (v.empty()) return std::int64_t{0};
  if (v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos || std::stoll(v) > max)
    return Status(ErrorCode::kInvalidValue, std::string("tham số ") + key + " không hợp lệ");
  return std::stoll(v);
}

}  // namespace

Response api_audit(Console::Impl& c, const Actor& a, const Request& req) {
  if (!reads_audit(a.user)) return error_response(403, "FORBIDDEN", kAuditOnly);
  AuditQuery q;
  for (auto [key, into] : {std::pair{"actor", &q.actor}, {"kind", &q.kind}, {"class", &q.class_name},
                           {"subject", &q.subject}, {"student", &q.student}, {"column", &q.column}}) {
    auto v = filter_text(req, key);
    if (!v) return status_response(v.status());
    *into = *v;
  }
  auto from = day_param(req, "from", 0);
  if (!from) return status_response(from.status());
  auto until = day_param(req, "until", 1);  // the whole last day
  if (!until) return status_response(until.status());
  if (*from && *until && *until <= *from)
    return error_response(400, "INVALID_VALUE", "ngày kết thúc phải sau ngày bắt đầu");
  auto before = number_param(req, "before", std::numeric_limits<std::int64_t>::max() / 2);
  if (!before) return status_response(before.status());
  auto limit = number_param(req, "limit", static_cast<std::int64_t>(tuning::kAuditSearchMaxPage));
  if (!limit) return status_response(limit.status());
  const std::string refused = param(req, "refused");
  q.refused_only = refused == "1";
  q.from = *from;
  q.until = *until;
  q.before_seq = *before;
  if (*limit > 0) q.limit = static_cast<std::size_t>(*limit);

  const AuditPage page = search_audit(*c.db, q);
  nlohmann::json kinds = nlohmann::json::array();
  for (const auto& [kind, label] : audit_kinds()) kinds.push_back({{"kind", kind}, {"label", label}});
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : page.rows) {
    nlohmann::json cells = nlohmann::json::array();
    for (const auto& cell : r.cells)
      cells.push_back({{"class", cell.class_name}, {"subject", cell.subject}, {"student", cell.student},
                       {"column", cell.column}});
    rows.push_back({{"seq", r.seq}, {"at", format_local_time(r.at)}, {"actor", r.actor}, {"device", r.device},
                    {"kind", r.kind}, {"label", r.label}, {"text", r.text}, {"cells", cells},
                    {"cells_total", r.cells_total}});
  }
  return json_response({{"rows", rows},
                        {"next_before", page.next_before},
                        {"window_ended", page.window_ended},
                        {"newest", page.newest},
                        {"page_size", q.limit},
                        {"kinds", kinds}});
}

Response api_audit_verify(Console::Impl& c, const Actor& a, const Request&) {
  if (!reads_audit(a.user)) return error_response(403, "FORBIDDEN", kAuditOnly);
  const AuditVerdict v = check_audit_trail(*c.db);
  return json_response({{"intact", v.intact},
                        {"entries", v.entries},
                        {"versions", v.versions},
                        {"problems", v.problems},
                        {"warnings", v.warnings}});
}

}  // namespace sodiem::server::console
