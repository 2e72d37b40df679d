// The grade book's columns, averages and required cells (see grade_book.hpp).
#include "sodiem/client/grade_book.hpp"

#include "sodiem/core/column.hpp"
#include "sodiem/core/summary_board.hpp"

namespace sodiem::client {

std::vector<GridColumn> grid_columns(const protocol::SubjectInfo& subject) {
  std::vector<GridColumn> out;
  if (subject.name == protocol::kHomeroomSubject && subject.primary) {
    // TT27 Điều 6.2: the five qualities and ten competences at mid-term
    // (HKn.PC1.GK …) and at the end of each term (HKn.PC1 …), every one
    // required (board::homeroom_required_columns), then the comment.
    for (const std::string term : {"HK1", "HK2"}) {
      for (const bool mid : {true, false}) {
        const std::string suffix = mid ? ".GK" : "";
        const std::string when = mid ? " (GK)" : term == "HK2" ? " (CN)" : " (CK)";
        for (int i = 1; i <= kQualities; ++i)
          out.push_back({term + ".PC" + std::to_string(i) + suffix, "", quality_name(i) + when, term, "quality"});
        for (int i = 1; i <= kCompetences; ++i)
          out.push_back({term + ".NL" + std::to_string(i) + suffix, "", competence_name(i) + when, term, "quality"});
      }
      out.push_back({term + ".NXCN", "", "Nhận xét GVCN", term, "comment"});
    }
    return out;
  }
  if (subject.name == protocol::kHomeroomSubject) {
    for (const std::string term : {"HK1", "HK2"}) {
      out.push_back({term + ".RL", "", "Rèn luyện", term, "conduct"});
      out.push_back({term + ".NXCN", "", "Nhận xét GVCN", term, "comment"});
    }
    return out;
  }
  if (subject.primary) {
    // TT27: the rating at mid-term and end of term (HK2: end of year), the
    // periodic tests the grade sits beside them, the comment.
    auto sits = [&](const std::string& code) { return ("," + subject.periodic_tests + ",").find("," + code + ",") != std::string::npos; };
    for (const std::string term : {"HK1", "HK2"}) {
      const std::string n = term.substr(2);
      out.push_back({term + ".GK", "", "Giữa kì", term, "rating"});
      if (sits("GK" + n)) out.push_back({term + ".KTGK", "", "KT giữa kì", term, "test"});
      out.push_back({term + ".CK", "", term == "HK2" ? "Cuối năm" : "Cuối kì", term, "rating"});
      if (sits(term == "HK2" ? "CN" : "CK" + n))
        out.push_back({term + ".KTCK", "", term == "HK2" ? "KT cuối năm" : "KT cuối kì", term, "test"});
      out.push_back({term + ".NX", "", "Nhận xét", term, "comment"});
    }
    return out;
  }
  const std::string cell_type = subject.scored ? "mark" : "grade";
  const int tx = regular_assessments(subject);
  for (const std::string term : {"HK1", "HK2"}) {
    for (int i = 1; i <= tx; ++i)
      out.push_back({term + ".TX" + std::to_string(i), "", "TX" + std::to_string(i), term, cell_type});
    out.push_back({term + ".GK", "", "GK", term, cell_type});
    out.push_back({term + ".CK", "", "CK", term, cell_type});
    out.push_back({"", term, subject.scored ? "ĐTB " + term : "KQ " + term, term, "average"});
    out.push_back({term + ".NX", "", "Nhận xét", term, "comment"});
  }
  out.push_back({"", "CN", subject.scored ? "ĐTB CN" : "KQ CN", "CN", "average"});
  return out;
}

std::map<std::string, std::string> averages_of(const protocol::SubjectInfo& subject,
                                               const std::map<std::string, std::string>& cells) {
  std::map<std::string, std::string> out;
  const auto r = board::subject_results(subject, cells);
  if (r.hk1) out["HK1"] = *r.hk1;
  if (r.hk2) out["HK2"] = *r.hk2;
  if (r.year) out["CN"] = *r.year;
  return out;
}

}  // namespace sodiem::client
