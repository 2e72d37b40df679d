// The console's read pages: which pages a user's roles open, data-entry
// progress (the same entry_progress as `sodiem-server progress`), a class ×
// subject grade book and a cell's history (cell_history, as `sodiem-server
// history`), read-only. Every request checks the role here,
// and each row the user's read rights (UserAccess::may_read, the rule sync
// applies). Console thread only.
#include <map>

#include "console_impl.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/history.hpp"
#include "sodiem/server/progress.hpp"

namespace sodiem::server::console {

namespace {

constexpr const char* kProgressOnly =
    "Trang Tiến độ chỉ dành cho Hiệu trưởng, Phó hiệu trưởng và Tổ trưởng chuyên môn";

std::string term_of(const Request& req) {
  auto it = req.query.find("term");
  return it == req.query.end() || it->second.empty() ? "HK1" : it->second;
}

}  // namespace

std::vector<std::string> pages_of(const UserAccess& user, bool thpt) {
  std::vector<std::string> pages;
  if (sees_progress(user)) pages.push_back("progress");
  if (decides_corrections(user)) pages.push_back("corrections");
  if (manages_locks(user)) pages.push_back("locks");
  if (sees_approvals(user)) pages.push_back("approvals");
  if (sees_year_end(user)) pages.push_back("yearend");
  if (reads_audit(user)) pages.push_back("audit");
  if (manages_accounts(user)) pages.push_back("accounts");
  if (manages_accounts(user)) pages.push_back("import");
  if (thpt && chooses_class_subjects(user)) pages.push_back("subjects");
  return pages;
}

Response api_progress(Console::Impl& c, const Actor& a, const Request& req) {
  if (!sees_progress(a.user)) return error_response(403, "FORBIDDEN", kProgressOnly);
  const std::string term = term_of(req);
  auto rows = entry_progress(*c.db, term);
  if (!rows) return status_response(rows.status());
  const Directory& dir = c.directory();
  nlohmann::json out = nlohmann::json::array();
  std::string deadline;
  for (const auto& r : *rows) {
    const ClassRow* cls = dir.class_by_name(r.class_name);
    const SubjectRow* subject = dir.subject_by_name(r.subject);
    if (!cls || !subject || !a.user.may_read(cls->id, subject->id)) continue;  // a TTCM: their department's subjects
    deadline = r.deadline;
    out.push_back({{"class", r.class_name}, {"grade", cls->grade}, {"subject", r.subject}, {"teachers", r.teachers},
                   {"required", r.required}, {"filled", r.filled}});
  }
  return json_response({{"term", term}, {"deadline", deadline}, {"rows", out}});
}

Response api_gradebook(Console::Impl& c, const Actor& a, const Request& req) {
  if (!sees_progress(a.user)) return error_response(403, "FORBIDDEN", kProgressOnly);
  const std::string term = term_of(req);
  if (term != "HK1" && term != "HK2") return error_response(400, "INVALID_VALUE", "học kì phải là HK1 hoặc HK2");
  const Directory& dir = c.directory();
  auto cls_it = req.query.find("class"), subject_it = req.query.find("subject");
  const ClassRow* cls = cls_it == req.query.end() ? nullptr : dir.class_by_name(cls_it->second);
  const SubjectRow* subject = subject_it == req.query.end() ? nullptr : dir.subject_by_name(subject_it->second);
  if (!cls || !subject) return error_response(404, "NOT_FOUND", "không có lớp hoặc môn này");
  if (!a.user.may_read(cls->id, subject->id))
    return error_response(403, "FORBIDDEN", "bạn không được xem sổ điểm môn " + subject->info.name + " lớp " + cls->name);
  // The subject as the class's grade has it (Công nghệ 8: three TX), not the school-wide default.
  const protocol::SubjectInfo* graded = dir.subject_info(cls->id, subject->id);
  if (!graded) return error_response(404, "NOT_FOUND", "lớp " + cls->name + " không học môn " + subject->info.name);
  const protocol::SubjectInfo& info = *graded;
  const auto columns = board::required_columns(info, term);
  std::map<std::int64_t, std::map<std::string, std::string>> cells;  // student → column → value
  {
    auto s = c.db->prepare("SELECT student_id, col, value FROM cells WHERE class_id = ? AND subject_id = ? AND value != ''");
    s.bind(1, cls->id).bind(2, subject->id);
    while (s.step()) cells[s.int64(0)][s.text(1)] = s.text(2);
  }
  nlohmann::json students = nlohmann::json::array();
  auto s = c.db->prepare("SELECT id, code, full_name FROM students WHERE class_id = ? AND status = 'active' ORDER BY code");
  s.bind(1, cls->id);
  while (s.step()) {
    const auto& mine = cells[s.int64(0)];
    nlohmann::json values = nlohmann::json::object();
    for (const auto& col : columns)
      if (auto it = mine.find(col); it != mine.end()) values[col] = it->second;
    const auto results = board::subject_results(info, mine);
    const auto& result = term == "HK1" ? results.hk1 : results.hk2;
    students.push_back({{"code", s.text(1)}, {"name", s.text(2)}, {"values", values},
                        {"result", result ? nlohmann::json(*result) : nlohmann::json(nullptr)}});
  }
  return json_response({{"class", cls->name}, {"subject", subject->info.name}, {"term", term}, {"columns", columns},
                        {"students", students}});
}

Response api_history(Console::Impl& c, const Actor& a, const Request& req) {
  if (!sees_cell_history(a.user))
    return error_response(403, "FORBIDDEN", "Lịch sử ô điểm chỉ dành cho Ban giám hiệu, tổ trưởng chuyên môn và quản trị viên");
  auto field = [&](const char* key) {
    auto it = req.query.find(key);
    return it == req.query.end() ? std::string() : it->second;
  };
  const Directory& dir = c.directory();
  const ClassRow* cls = dir.class_by_name(field("class"));
  const SubjectRow* subject = dir.subject_by_name(field("subject"));
  if (!cls || !subject) return error_response(404, "NOT_FOUND", "không có lớp hoặc môn này");
  if (!a.user.may_read(cls->id, subject->id))
    return error_response(403, "FORBIDDEN", "bạn không được xem sổ điểm môn " + subject->info.name + " lớp " + cls->name);
  auto events = cell_history(*c.db, cls->name, subject->info.name, field("student"), field("column"));
  if (!events) return status_response(events.status());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : *events)
    out.push_back({{"at", format_local_time(e.at)}, {"author", e.author}, {"device", e.device}, {"outcome", e.outcome},
                   {"outcome_text", outcome_words(e.outcome)}, {"old", e.old_value}, {"new", e.new_value},
                   {"reason", e.reason}});
  return json_response({{"events", out}});
}

}  // namespace sodiem::server::console
