// The console's Phê duyệt page (principal and vice principals): where each
// class's confirmation chain of a term stands (approval_queue, judged by
// the rule signing applies), the class board exactly as the next
// class-level step signs it with its digest (class_board: the document the
// signer's client builds and signs), and the principal's unapprove with a
// reason (unapprove(), the function of `sodiem-server unapprove`, which
// checks the role again and writes the same audit entry). The approval
// itself is signed on the principal's own device (`sodiem ui` → Ký duyệt):
// the server holds no private key. Console thread only.
#include <map>

#include "sodiem/core/names.hpp"
#include "console_impl.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/core/primary_year_board.hpp"
#include "sodiem/server/approval_queue.hpp"
#include "sodiem/server/class_subjects.hpp"

namespace sodiem::server::console {

namespace {

constexpr const char* kApprovalsOnly = "Trang Phê duyệt chỉ dành cho Hiệu trưởng và Phó hiệu trưởng";

const char* state_name(StepSignature::State s) {
  switch (s) {
    case StepSignature::State::kValid: return "signed";
    case StepSignature::State::kStale: return "stale";
    default: return "missing";
  }
}

nlohmann::json signature_json(const StepSignature& s) {
  nlohmann::json j{{"state", state_name(s.state)}};
  if (s.state != StepSignature::State::kMissing) {
    j["signer"] = s.signer;
    j["signed_at"] = format_local_time(s.signed_at);
    j["digest"] = s.digest;
  }
  return j;
}

nlohmann::json chain_json(const ClassChain& c) {
  nlohmann::json subjects = nlohmann::json::array();
  int confirmed = 0;
  for (const auto& s : c.subjects) {
    auto j = signature_json(s.signature);
    j["subject"] = s.subject;
    subjects.push_back(std::move(j));
    if (s.signature.state == StepSignature::State::kValid) ++confirmed;
  }
  return {{"class", c.class_name}, {"grade", c.grade}, {"waiting", c.waiting}, {"subjects", subjects},
          {"confirmed", confirmed}, {"homeroom", signature_json(c.homeroom)}, {"review", signature_json(c.review)},
          {"approve", signature_json(c.approve)}};
}

// A primary class's wide year board (primary_year_board.hpp) in class-list
// order: {"columns": [{"name", "terms"}], "rows": [{"student", "name",
// "values": {"HK1": {column: value}, "CN": {…}}}]}.
nlohmann::json year_board_json(const board::PrimaryYearBoard& b, const nlohmann::json& order,
                               std::map<std::string, std::string>& names) {
  nlohmann::json columns = nlohmann::json::array(), rows = nlohmann::json::array();
  for (const auto& c : b.columns) columns.push_back({{"name", c.name}, {"terms", c.terms}});
  for (const auto& code : order) {
    auto it = b.values.find(code.get<std::string>());
    rows.push_back({{"student", code}, {"name", names[code.get<std::string>()]},
                    {"values", it == b.values.end() ? nlohmann::json::object() : nlohmann::json(it->second)}});
  }
  return {{"columns", columns}, {"rows", rows}};
}

Result<std::string> term_field(const std::string& term) {
  if (term != "HK1" && term != "HK2") return Status(ErrorCode::kInvalidValue, "học kì phải là HK1 hoặc HK2");
  return term;
}

std::string query(const Request& req, const char* key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

}  // namespace

Response api_approvals(Console::Impl& c, const Actor& a, const Request& req) {
  if (!sees_approvals(a.user)) return error_response(403, "FORBIDDEN", kApprovalsOnly);
  auto term = term_field(query(req, "term").empty() ? "HK1" : query(req, "term"));
  if (!term) return status_response(term.status());
  nlohmann::json classes = nlohmann::json::array();
  for (const auto& chain : approval_queue(*c.db, *term)) classes.push_back(chain_json(chain));
  return json_response({{"term", *term}, {"classes", classes}, {"may_unapprove", unapproves(a.user)}});
}

Response api_approval_board(Console::Impl& c, const Actor& a, const Request& req) {
  if (!sees_approvals(a.user)) return error_response(403, "FORBIDDEN", kApprovalsOnly);
  auto term = term_field(query(req, "term"));
  if (!term) return status_response(term.status());
  const ClassRow* cls = c.directory().class_by_name(query(req, "class"));
  if (!cls) return error_response(404, "NOT_FOUND", "không có lớp " + query(req, "class"));
  const ClassChain chain = class_chain(*c.db, cls->id, cls->name, cls->grade, *term);
  // The class-level step to be signed next; once approved, the approval's.
  const std::string step = chain.waiting.empty() ? "approve" : chain.waiting == "subject" ? "class" : chain.waiting;
  const SignedBoard b = class_board(*c.db, cls->id, *term, step);
  std::map<std::string, std::string> names;
  {
    auto s = c.db->prepare("SELECT code, full_name FROM students WHERE class_id = ? AND status = 'active'");
    s.bind(1, cls->id);
    while (s.step()) names[s.text(0)] = s.text(1);
  }
  // The rows in class-list order (the document itself is in code order).
  std::vector<std::pair<std::string, std::string>> roster(names.begin(), names.end());
  NameOrder().sort(roster, [](const auto& p) { return p.second; });
  nlohmann::json order = nlohmann::json::array();
  for (const auto& entry : roster) order.push_back(entry.first);
  nlohmann::json lines = nlohmann::json::array(), missing = nlohmann::json::array();
  for (const auto& l : b.lines)
    lines.push_back({{"section", l.subject}, {"student", l.student}, {"name", names[l.student]}, {"column", l.column},
                     {"value", l.value}});
  for (const auto& m : b.missing)
    missing.push_back({{"student", m.student}, {"name", names[m.student]}, {"subject", m.subject}, {"column", m.column}});
  nlohmann::json out = {{"class", cls->name}, {"term", *term}, {"step", b.step}, {"digest", b.digest},
                        {"document", b.document}, {"complete", b.missing.empty()}, {"missing", missing},
                        {"lines", lines}, {"order", order}, {"chain", chain_json(chain)},
                        {"may_unapprove", unapproves(a.user)}};
  // At year end, a primary class's whole year in one table (HK1 beside the year).
  if (*term == "HK2")
    if (const auto book = load_class_book(*c.db, cls->id); board::primary_class(book))
      out["year_board"] = year_board_json(board::primary_year_board(book), order, names);
  return json_response(out);
}

Response api_unapprove(Console::Impl& c, const Actor& a, const Request& req) {
  if (!unapproves(a.user)) return error_response(403, "FORBIDDEN", "chỉ Hiệu trưởng được hủy phê duyệt");
  auto body = body_object(req);
  if (!body) return status_response(body.status());
  auto cls = text_field(*body, "class", protocol::TextKind::kName, 64, true);
  if (!cls) return status_response(cls.status());
  auto term_text = text_field(*body, "term", protocol::TextKind::kName, 8, true);
  if (!term_text) return status_response(term_text.status());
  auto term = term_field(*term_text);
  if (!term) return status_response(term.status());
  auto reason = text_field(*body, "reason", protocol::TextKind::kMultiline, 500, true);
  if (!reason) return status_response(reason.status());
  if (auto st = unapprove(*c.db, *cls, *term, a.user.username, *reason, c.clock.now_unix_seconds()); !st)
    return status_response(st);
  return json_response({{"ok", true}, {"message", "Đã hủy phê duyệt " + *term + " lớp " + *cls}});
}

}  // namespace sodiem::server::console
