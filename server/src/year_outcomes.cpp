// Year-end outcomes of the current year's classes (year_outcomes.hpp): the
// shared rule (core/year_outcomes.hpp) over each class's book.
#include "sodiem/server/year_outcomes.hpp"

#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/class_subjects.hpp"

namespace sodiem::server {

bool year_approved(store::Db& db, std::int64_t class_id) {
  auto s = db.cached("SELECT 1 FROM confirmations WHERE class_id = ? AND term = 'HK2' AND step = 'approve' "
                     "AND revoked_at IS NULL");
  s->bind(1, class_id);
  const bool yes = s->step();
  s->reset();
  return yes;
}

std::optional<std::pair<std::int64_t, std::string>> find_current_class(store::Db& db, const std::string& name) {
  const auto key = match_key(name);
  if (!key) return std::nullopt;
  auto s = db.prepare("SELECT id, name FROM current_classes");
  while (s.step())
    if (match_key(s.text(1)) == key) return std::pair{s.int64(0), s.text(1)};
  return std::nullopt;
}

Result<std::vector<ClassOutcomes>> load_year_outcomes(store::Db& db, const std::string& class_name) {
  std::vector<ClassOutcomes> out;
  std::string only;
  if (!class_name.empty()) {
    auto found = find_current_class(db, class_name);
    if (!found) return Status(ErrorCode::kInvalidValue, "năm học này không có lớp " + excerpt(class_name));
    only = found->second;
  }
  auto c = db.prepare("SELECT id, name, grade FROM current_classes WHERE ? = '' OR name = ? ORDER BY grade, name");
  c.bind(1, only).bind(2, only);
  auto names = db.prepare("SELECT code, full_name FROM students WHERE class_id = ? AND status = 'active'");
  while (c.step()) {
    ClassOutcomes o;
    const std::int64_t id = c.int64(0);
    o.class_name = c.text(1);
    o.grade = static_cast<int>(c.int64(2));
    const board::ClassBook book = load_class_book(db, id);
    o.primary = board::primary_class(book);
    o.approved = year_approved(db, id);
    o.students = board::year_outcomes(book);
    names.bind(1, id);
    while (names.step()) o.names[names.text(0)] = names.text(1);
    names.reset();
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace sodiem::server
