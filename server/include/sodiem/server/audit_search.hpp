// Searching the audit trail (the console's Nhật ký page): entries newest
// first, filtered by actor, kind, date range, class, subject, student and
// column, each told in Vietnamese (audit_entry_text) with the cells it is
// about, so a cell's history (history.hpp) is one click away. Bounded work
// per call (tuning::kAuditSearchWindow entries read at most), with the
// point to go on from. Read-only; any thread with its own connection.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sodiem/core/tuning.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct AuditQuery {
  std::string actor, kind;                          // exact; "" = any
  std::string class_name, subject, student, column;  // a cell or part of one the entry names; "" = any
  bool refused_only = false;  // only entries telling of something refused (an op, a login, a password)
  std::int64_t from = 0, until = 0;  // unix seconds, [from, until); 0 = open
  std::int64_t before_seq = 0;       // only entries before this one; 0 = from the newest
  std::size_t limit = tuning::kAuditSearchPage;
  std::int64_t window = tuning::kAuditSearchWindow;  // entries read at most
};

// A cell an entry is about (every field set).
struct AuditCell {
  std::string class_name, subject, student, column;
  bool operator==(const AuditCell&) const = default;
};

struct AuditRow {
  std::int64_t seq = 0, at = 0;
  std::string actor, device, kind;
  std::string label;  // the kind in Vietnamese ("Gửi điểm", "Đặt khóa sổ", …)
  std::string text;   // what the entry says, in Vietnamese
  std::vector<AuditCell> cells;  // at most kAuditRowCells, those the filter asked for first
  std::size_t cells_total = 0;
};
inline constexpr std::size_t kAuditRowCells = 5;

struct AuditPage {
  std::vector<AuditRow> rows;
  // Where to go on (before_seq of the next call), 0 when the trail's start
  // was reached; `window_ended` when the window ran out before `limit` rows
  // were found (the page says "searched back to #N").
  std::int64_t next_before = 0;
  bool window_ended = false;
  std::int64_t newest = 0;  // the trail's last seq when searched
};

AuditPage search_audit(store::Db& db, const AuditQuery& q);

// One entry in Vietnamese: its kind's name and what its detail says (never
// throws, whatever the detail holds). Used by search_audit; pure.
std::string audit_kind_label(std::string_view kind);
// Every kind the server writes, with its name (for a search form).
std::vector<std::pair<std::string, std::string>> audit_kinds();
std::string audit_entry_text(std::string_view kind, std::string_view detail);
// Whether an op's outcome code (a push's ops) is a refusal: a protocol
// error code other than a conflict or a duplicate.
bool audit_code_is_refusal(std::string_view code);
// Kinds that are themselves a refusal (a wrong password, a lockout).
bool audit_kind_is_refusal(std::string_view kind);

}  // namespace sodiem::server
