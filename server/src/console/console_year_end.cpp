// The console's Cuối năm page (principal and vice principals): at the end of
// a term or the year, without a shell, what the CLI lists —
// - the outcomes of `sodiem-server outcomes --json`: each class's students
//   (outcome, re-tests, summer training, final result, award) and the lists
//   of each outcome and award per class and for the school, built by the
//   same load_year_outcomes and outcomes_json;
// - the required cells still empty that keep each class's board from being
//   signed (board::missing_cells over load_class_book, the check
//   confirm_step applies: the cells `sodiem board` names).
// Reads only. Console thread only.
#include <map>

#include "console_impl.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/school_year.hpp"
#include "sodiem/server/year_outcomes.hpp"
#include "sodiem/server/year_outcomes_json.hpp"

namespace sodiem::server::console {

namespace {

constexpr const char* kYearEndOnly = "Trang Cuối năm chỉ dành cho Hiệu trưởng và Phó hiệu trưởng";
// The cells named per class (the count says how many there are).
constexpr std::size_t kMissingShown = 200;

std::string param(const Request& req, const char* key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

// Each current class (or only `only`): its board's empty required cells of `term`.
nlohmann::json missing_json(store::Db& db, const std::string& term, const std::string& only) {
  struct Class {
    std::int64_t id;
    std::string name;
    std::int64_t grade;
  };
  std::vector<Class> classes;
  {
    auto s = db.prepare("SELECT id, name, grade FROM current_classes ORDER BY grade, name");
    while (s.step())
      if (only.empty() || s.text(1) == only) classes.push_back({s.int64(0), s.text(1), s.int64(2)});
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& cls : classes) {
    const auto missing = board::missing_cells(load_class_book(db, cls.id), term);
    std::map<std::string, std::string> names;
    auto n = db.prepare("SELECT code, full_name FROM students WHERE class_id = ? AND status = 'active'");
    n.bind(1, cls.id);
    while (n.step()) names[n.text(0)] = n.text(1);
    nlohmann::json cells = nlohmann::json::array(), by_subject = nlohmann::json::object();
    for (const auto& m : missing) by_subject[m.subject] = by_subject.value(m.subject, 0) + 1;
    for (std::size_t i = 0; i < missing.size() && i < kMissingShown; ++i)
      cells.push_back({{"student", missing[i].student}, {"name", names[missing[i].student]},
                       {"subject", missing[i].subject}, {"column", missing[i].column}});
    out.push_back({{"class", cls.name}, {"grade", cls.grade}, {"count", missing.size()}, {"by_subject", by_subject},
                   {"cells", cells}});
  }
  return out;
}

}  // namespace

Response api_year_end(Console::Impl& c, const Actor& a, const Request& req) {
  if (!sees_year_end(a.user)) return error_response(403, "FORBIDDEN", kYearEndOnly);
  const std::string term = param(req, "term").empty() ? "HK2" : param(req, "term");
  if (term != "HK1" && term != "HK2") return error_response(400, "INVALID_VALUE", "học kì phải là HK1 hoặc HK2");
  std::string only;
  if (const std::string typed = param(req, "class"); !typed.empty()) {
    const auto found = find_current_class(*c.db, typed);
    if (!found) return error_response(404, "NOT_FOUND", "năm học này không có lớp " + typed);
    only = found->second;
  }
  auto classes = load_year_outcomes(*c.db, only);
  if (!classes) return status_response(classes.status());
  return json_response({{"term", term},
                        {"outcomes", outcomes_json(current_year_name(*c.db), *classes)},
                        {"missing", missing_json(*c.db, term, only)}});
}

}  // namespace sodiem::server::console
