// Fuzz check of the curriculum file reader (sodiem-server setup, see
// fuzz_checks.hpp): it answers with a curriculum or with named problems,
// never both, never neither; what it accepts is within the file's limits,
// in NFC, and every grade's settings give a column rule that holds.
#include <string>

#include "fuzz_checks.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/curriculum.hpp"

namespace sodiem::fuzz {

std::string check_curriculum(std::string_view bytes) {
  const auto parsed = server::parse_curriculum(bytes);
  if (parsed.curriculum.has_value() == !parsed.errors.empty()) return "a curriculum and errors, or neither";
  for (const auto& e : parsed.errors)
    if (e.empty() || !to_nfc(e)) return "an error message is empty or not UTF-8";
  if (!parsed.curriculum) return {};
  if (bytes.size() > server::kMaxCurriculumBytes) return "a file over the size limit is accepted";
  const auto& c = *parsed.curriculum;
  if (c.levels.empty() || c.subjects.empty() || c.subjects.size() > server::kMaxCurriculumSubjects)
    return "an accepted curriculum has no level, no subject or too many";
  for (const auto& s : c.subjects) {
    if (s.name.empty() || s.name.size() > 100 || to_nfc(s.name) != s.name) return "an accepted name is bad: " + s.name;
    if (s.grades.empty()) return "an accepted subject has no grade: " + s.name;
    for (const auto& g : s.grades) {
      bool in_level = false;
      for (const auto& l : c.levels) {
        const auto [lo, hi] = server::level_grades(l);
        in_level = in_level || (g.grade >= lo && g.grade <= hi);
      }
      if (!in_level || g.periods < 1 || g.periods > server::kMaxPeriodsPerYear || g.topic_periods < 0)
        return "an accepted grade setting is out of range: " + s.name;
      const protocol::SubjectInfo info{s.name, g.kind == server::SubjectKind::kScored, g.periods, g.topic_periods > 0,
                                       g.assessed_as, g.kind == server::SubjectKind::kPrimary};
      const int tx = regular_assessments(info);
      if (tx < 2 || tx > kMaxRegularAssessments) return "a grade setting gives " + std::to_string(tx) + " TX columns";
      const std::string last = "HK1.TX" + std::to_string(tx), beyond = "HK1.TX" + std::to_string(tx + 1);
      if (!info.primary && !normalize_cell_value(&info, last, "").is_ok()) return "its last TX column is refused";
      if (normalize_cell_value(&info, beyond, "").is_ok()) return "a TX column beyond its count is accepted";
    }
  }
  return {};
}

}  // namespace sodiem::fuzz
