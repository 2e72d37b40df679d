#include "sodiem/core/summary_board.hpp"

#include <set>

#include "sodiem/core/attendance.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/core/grading.hpp"
#include "sodiem/core/primary_board.hpp"

namespace sodiem::board {
namespace {

const std::string kMissing = "chưa đủ điểm";

std::optional<std::string> comment_term(const protocol::SubjectInfo& subject, const std::map<std::string, std::string>& cells,
                                        const std::string& hk) {
  // TT22 Điều 9.1.a: Đạt when every assessment of the term is given and Đạt.
  const int required = regular_assessments(subject) + 2;
  std::vector<grading::CommentResult> given;
  for (const auto& [col, v] : cells)
    if (col.rfind(hk, 0) == 0 && col != hk + "NX" && col != hk + "MIEN")
      given.push_back(v == "Đ" ? grading::CommentResult::kDat : grading::CommentResult::kChuaDat);
  if (static_cast<int>(given.size()) < required) return std::nullopt;
  return grading::comment_subject_result(given, required) == grading::CommentResult::kDat ? "Đ" : "CĐ";
}

std::optional<Mark> scored_term(const protocol::SubjectInfo& subject, const std::map<std::string, std::string>& cells,
                                const std::string& hk) {
  const int tx_count = regular_assessments(subject);
  std::vector<Mark> regular;
  for (int i = 1; i <= tx_count; ++i)
    if (auto it = cells.find(hk + "TX" + std::to_string(i)); it != cells.end())
      if (auto m = Mark::parse(it->second)) regular.push_back(*m);
  auto gk = cells.find(hk + "GK");
  auto ck = cells.find(hk + "CK");
  if (static_cast<int>(regular.size()) != tx_count || gk == cells.end() || ck == cells.end()) return std::nullopt;
  auto gkm = Mark::parse(gk->second);
  auto ckm = Mark::parse(ck->second);
  if (!gkm || !ckm) return std::nullopt;
  return grading::term_average(regular, *gkm, *ckm);
}

// The learning level from results (combined subjects already folded in),
// or nullopt if one is missing.
std::optional<grading::Level> learning(const std::vector<std::optional<std::string>>& results) {
  std::vector<Mark> scored;
  std::vector<grading::CommentResult> comment;
  for (const auto& r : results) {
    if (!r) return std::nullopt;
    if (*r == board::kExempt) continue;  // an exempt subject is not assessed (TT22 Điều 9)
    if (*r == "Đ") comment.push_back(grading::CommentResult::kDat);
    else if (*r == "CĐ") comment.push_back(grading::CommentResult::kChuaDat);
    else if (auto m = Mark::parse(*r)) scored.push_back(*m);
    else return std::nullopt;
  }
  if (scored.empty() && comment.empty()) return std::nullopt;
  return grading::learning_level(scored, comment).level;
}

std::string level_text(std::optional<grading::Level> level) {
  return level ? std::string(grading::level_name(*level)) : kMissing;
}

}  // namespace

std::map<std::string, std::optional<std::string>> combined_results(const std::vector<SubjectResult>& results) {
  // A combined subject counts once in the learning level: Đạt when every
  // part is Đạt, Chưa đạt when one is not; missing while a part is.
  std::map<std::string, std::optional<std::string>> out;
  std::map<std::string, bool> missing;
  for (const auto& r : results) {
    if (!r.subject || r.subject->assessed_as.empty()) continue;
    const std::string& name = r.subject->assessed_as;
    auto& combined = out.try_emplace(name, "Đ").first->second;
    if (!r.result) missing[name] = true;
    else if (*r.result == "CĐ") combined = "CĐ";
  }
  for (const auto& [name, yes] : missing)
    if (yes) out[name] = std::nullopt;
  return out;
}

std::optional<grading::Level> learning_level_of(const std::vector<SubjectResult>& results) {
  std::vector<std::optional<std::string>> counted;
  for (const auto& r : results)
    if (r.subject && r.subject->assessed_as.empty()) counted.push_back(r.result);
  for (auto& [name, result] : combined_results(results)) counted.push_back(std::move(result));
  return learning(counted);
}

SubjectResults subject_results(const protocol::SubjectInfo& subject, const std::map<std::string, std::string>& cells) {
  SubjectResults out;
  if (subject.name == protocol::kHomeroomSubject) return out;
  // Exempt in a term: that term's result is "Miễn"; exempt in one term only,
  // the other term's result is the year's; in both, the year is "Miễn".
  const bool x1 = exempt(cells, "HK1"), x2 = exempt(cells, "HK2");
  if (subject.primary) {
    // TT27 Điều 6.1: the rating at the end of the term; the year's is the
    // end of HK2 (cuối năm học).
    auto rating = [&](const std::string& column) -> std::optional<std::string> {
      auto it = cells.find(column);
      if (it == cells.end() || !grading::parse_subject_rating(it->second)) return std::nullopt;
      return it->second;
    };
    out.hk1 = x1 ? std::optional(kExempt) : rating("HK1.CK");
    out.hk2 = x2 ? std::optional(kExempt) : rating("HK2.CK");
    out.year = out.hk2;
    return out;
  }
  if (!subject.scored) {
    out.hk1 = x1 ? std::optional(kExempt) : comment_term(subject, cells, "HK1.");
    out.hk2 = x2 ? std::optional(kExempt) : comment_term(subject, cells, "HK2.");
    out.year = x2 ? out.hk1 : out.hk2;  // the year's result is the HKII result
    return out;
  }
  const auto t1 = x1 ? std::nullopt : scored_term(subject, cells, "HK1.");
  const auto t2 = x2 ? std::nullopt : scored_term(subject, cells, "HK2.");
  out.hk1 = x1 ? std::optional(kExempt) : t1 ? std::optional(t1->to_fixed1()) : std::nullopt;
  out.hk2 = x2 ? std::optional(kExempt) : t2 ? std::optional(t2->to_fixed1()) : std::nullopt;
  if (t1 && t2) out.year = grading::year_average(*t1, *t2).to_fixed1();
  else if (x1 || x2) out.year = x1 ? out.hk2 : out.hk1;
  return out;
}

std::vector<signing::CellLine> summary_board(const std::string& term, const ClassBook& book) {
  if (primary_class(book)) return primary_board(term, book);
  const bool hk2 = term == "HK2";
  const BookCells by_student = book_cells(book);
  std::vector<const protocol::SubjectInfo*> assigned;
  for (const auto& s : book.subjects)
    if (s.name != protocol::kHomeroomSubject) assigned.push_back(&s);
  std::vector<signing::CellLine> out;
  const std::string section = "Tổng hợp " + term, year_section = "Tổng hợp CN";
  static const std::map<std::string, std::string> kNone;
  for (const auto& [student, subjects_of_student] : by_student) {
    const auto& per_subject = subjects_of_student;  // clang 14 (the fuzz build) captures no structured binding
    auto cells_of = [&](const std::string& subject) -> const std::map<std::string, std::string>& {
      auto it = per_subject.find(subject);
      return it == per_subject.end() ? kNone : it->second;
    };
    std::vector<SubjectResult> term_results, year_results;
    std::vector<Mark> year_averages;
    for (const protocol::SubjectInfo* subject : assigned) {
      const SubjectResults r = subject_results(*subject, cells_of(subject->name));
      const auto& t = hk2 ? r.hk2 : r.hk1;
      term_results.push_back({subject, t});
      out.push_back({section, student, subject->name, t.value_or(kMissing)});
      if (hk2) {
        year_results.push_back({subject, r.year});
        out.push_back({year_section, student, subject->name, r.year.value_or(kMissing)});
        if (r.year && subject->scored)
          if (auto m = Mark::parse(*r.year)) year_averages.push_back(*m);
      }
    }
    for (const auto& [name, result] : combined_results(term_results))
      out.push_back({section, student, name, result.value_or(kMissing)});
    for (const auto& [name, result] : combined_results(year_results))
      out.push_back({year_section, student, name, result.value_or(kMissing)});
    const auto& homeroom = cells_of(std::string(protocol::kHomeroomSubject));
    auto conduct_of = [&](const std::string& t) -> std::optional<grading::Level> {
      auto it = homeroom.find(t + ".RL");
      return it == homeroom.end() ? std::nullopt : grading::parse_level(it->second);
    };
    const auto term_learning = learning_level_of(term_results);
    const auto term_conduct = conduct_of(term);
    out.push_back({section, student, "Học tập", level_text(term_learning)});
    out.push_back({section, student, "Rèn luyện",
                   term_conduct ? std::string(grading::level_name(*term_conduct)) : "chưa đánh giá"});
    if (!hk2) continue;

    const auto absent = attendance::count(homeroom, book.two_sessions);
    const int excused = absent.excused, unexcused = absent.unexcused;
    const auto year_learning = learning_level_of(year_results);
    const auto c1 = conduct_of("HK1"), c2 = conduct_of("HK2");
    out.push_back({year_section, student, "Học tập", level_text(year_learning)});
    if (!c1 || !c2) {
      out.push_back({year_section, student, "Rèn luyện", "chưa đánh giá"});
    } else {
      out.push_back({year_section, student, "Rèn luyện",
                     std::string(grading::level_name(grading::year_conduct(*c1, *c2)))});
    }
    out.push_back({year_section, student, "Nghỉ",
                   std::to_string(excused + unexcused) + " buổi (có phép " + std::to_string(excused) + ", không phép " +
                       std::to_string(unexcused) + ")"});
    if (!year_learning || !c1 || !c2) {
      out.push_back({year_section, student, "Lên lớp", "chưa đủ dữ liệu"});
      continue;
    }
    const grading::Level year_conduct = grading::year_conduct(*c1, *c2);
    const auto p = grading::promotion(year_conduct, *year_learning, excused + unexcused);
    std::string verdict = "Được lên lớp";
    if (!p.promoted) {
      verdict = "Chưa được lên lớp:";
      for (const auto& why : p.reasons) verdict += " " + why + ";";
      verdict.pop_back();
    }
    out.push_back({year_section, student, "Lên lớp", verdict});
    if (auto a = grading::award(year_conduct, *year_learning, year_averages))
      out.push_back({year_section, student, "Danh hiệu", *a});
  }
  return out;
}

std::string subject_document(const std::string& class_name, const protocol::SubjectInfo& subject,
                             const std::string& term, const std::string& step, std::vector<signing::CellLine> term_cells) {
  std::map<std::string, std::map<std::string, std::string>> by_student;
  for (const auto& c : term_cells)
    if (!c.value.empty()) by_student[c.student][c.column] = c.value;
  for (const auto& [student, cells] : by_student) {
    const SubjectResults r = subject_results(subject, cells);
    const auto& result = term == "HK2" ? r.hk2 : r.hk1;
    term_cells.push_back({"Kết quả", student, (subject.scored && !subject.primary ? "ĐTB " : "KQ ") + term,
                          result.value_or(subject.primary ? "chưa đánh giá" : kMissing)});
  }
  return signing::canonical_document(class_name, subject.name, term, step, std::move(term_cells));
}

std::string class_document(const std::string& term, const std::string& step, const ClassBook& book) {
  // The term's cells of the book as the board sees them: current students,
  // assigned subjects and the homeroom's.
  std::set<std::string> subjects = {std::string(protocol::kHomeroomSubject)};
  for (const auto& s : book.subjects) subjects.insert(s.name);
  const std::set<std::string> students(book.students.begin(), book.students.end());
  std::vector<signing::CellLine> lines;
  for (const auto& c : book.cells)
    if (c.column.rfind(term + ".", 0) == 0 && subjects.contains(c.subject) && students.contains(c.student))
      lines.push_back(c);
  for (auto& b : summary_board(term, book)) lines.push_back(std::move(b));
  return signing::canonical_document(book.class_name, "", term, step, std::move(lines));
}

}  // namespace sodiem::board
