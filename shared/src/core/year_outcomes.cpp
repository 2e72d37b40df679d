// Year-end outcomes of a THCS/THPT class (year_outcomes.hpp): the TT22
// engine (grading.hpp) applied to the year board's results
// (summary_board.hpp) and the recorded re-test / summer training cells.
#include "sodiem/core/year_outcomes.hpp"

#include "sodiem/core/attendance.hpp"
#include "sodiem/core/primary_board.hpp"
#include "sodiem/core/summary_board.hpp"

namespace sodiem::board {
namespace {

using Cells = std::map<std::string, std::string>;

const Cells& cells_of(const std::map<std::string, Cells>& per_subject, std::string_view subject) {
  static const Cells kNone;
  auto it = per_subject.find(std::string(subject));
  return it == per_subject.end() ? kNone : it->second;
}

std::optional<std::string> cell(const Cells& cells, std::string_view column) {
  auto it = cells.find(std::string(column));
  if (it == cells.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

StudentOutcome outcome_of(const std::string& student, const std::vector<const protocol::SubjectInfo*>& assigned,
                          const std::map<std::string, Cells>& per_subject, bool two_sessions) {
  StudentOutcome out;
  out.student = student;
  std::vector<SubjectResult> year;
  std::vector<Mark> year_averages;
  for (const protocol::SubjectInfo* subject : assigned) {
    const SubjectResults r = subject_results(*subject, cells_of(per_subject, subject->name));
    year.push_back({subject, r.year});
    if (r.year && subject->scored)
      if (auto m = Mark::parse(*r.year)) year_averages.push_back(*m);
    if (!r.year) out.awaiting.push_back("môn " + subject->name + " chưa đủ điểm");
  }
  const Cells& homeroom = cells_of(per_subject, protocol::kHomeroomSubject);
  const auto absent = attendance::count(homeroom, two_sessions);
  out.absent_sessions = absent.excused + absent.unexcused;
  out.learning = learning_level_of(year);
  const auto c1 = cell(homeroom, "HK1.RL"), c2 = cell(homeroom, "HK2.RL");
  const auto l1 = c1 ? grading::parse_level(*c1) : std::nullopt, l2 = c2 ? grading::parse_level(*c2) : std::nullopt;
  if (l1 && l2) out.conduct = grading::year_conduct(*l1, *l2);
  else out.awaiting.push_back("chưa đánh giá rèn luyện cả năm");
  if (!out.learning || !out.conduct) return out;
  out.awaiting.clear();

  out.outcome = grading::year_outcome(*out.conduct, *out.learning, out.absent_sessions);
  out.award = grading::award(*out.conduct, *out.learning, year_averages);
  const bool retest = *out.outcome == grading::Outcome::kKiemTraLai ||
                      *out.outcome == grading::Outcome::kKiemTraLaiVaRenLuyenHe;
  out.summer_training = *out.outcome == grading::Outcome::kRenLuyenHe ||
                        *out.outcome == grading::Outcome::kKiemTraLaiVaRenLuyenHe;
  if (*out.outcome == grading::Outcome::kOLaiLop) {
    out.final = Final::kRetained;  // more than 45 sessions: no re-test, no summer training
    return out;
  }
  // Re-tests: each subject below 5.0 or Chưa đạt; its result, once
  // recorded, replaces the subject's year result (Điều 12.2).
  if (retest)
    for (auto& r : year)
      if (r.result && grading::needs_retest(*r.result)) {
        Retest t{r.subject->name, *r.result, cell(cells_of(per_subject, r.subject->name), kRetestColumn)};
        if (!t.result) out.awaiting.push_back("kiểm tra lại môn " + t.subject);
        else if (*t.result != kRetestAbsent) r.result = t.result;  // absent: the year result stands
        out.retests.push_back(std::move(t));
      }
  if (out.summer_training) {
    out.summer_result = cell(homeroom, kSummerColumn);
    if (!out.summer_result) out.awaiting.push_back("rèn luyện trong hè");
  }
  if (!out.awaiting.empty()) {
    out.final = Final::kPending;
    return out;
  }
  out.final_learning = retest ? learning_level_of(year) : out.learning;
  out.final_conduct = out.summer_training
                          ? grading::conduct_after_summer(*out.conduct, out.summer_result == "Đạt")
                          : out.conduct;
  const bool promoted = grading::promotion(*out.final_conduct, *out.final_learning, out.absent_sessions).promoted;
  out.final = promoted ? Final::kPromoted : Final::kRetained;
  return out;
}

// TT27 Điều 11 (year_outcomes.hpp). No 45-session rule in primary.
StudentOutcome primary_outcome_of(const std::string& student, const std::vector<const protocol::SubjectInfo*>& assigned,
                                  const std::map<std::string, Cells>& per_subject, const ClassBook& book) {
  StudentOutcome out;
  out.student = student;
  const Cells& homeroom = cells_of(per_subject, protocol::kHomeroomSubject);
  const auto absent = attendance::count(homeroom, book.two_sessions);
  out.absent_sessions = absent.excused + absent.unexcused;
  PrimaryYear year = primary_year(assigned, per_subject);
  if (!year.result) {
    out.awaiting = std::move(year.missing);
    return out;
  }
  out.primary_result = year.result;
  out.award = primary_award(*year.result, cell(homeroom, kRecognitionColumn).has_value());  // Điều 13.1.a
  const bool completed = *year.result != grading::YearResult::kChuaHoanThanh;
  out.outcome = completed ? grading::Outcome::kLenLop : grading::Outcome::kRenLuyenHe;
  out.summer_training = !completed;
  if (completed) {
    out.final = Final::kPromoted;
    out.completion = completion_text(true, book.grade);
    return out;
  }
  // Chưa hoàn thành: helped and assessed again (Điều 11.1.b–c).
  out.summer_result = cell(homeroom, kSummerColumn);
  if (!out.summer_result) {
    out.awaiting.push_back("rèn luyện trong hè (giáo viên giúp đỡ, đánh giá bổ sung)");
    out.final = Final::kPending;
    out.completion = completion_text(false, book.grade);
    return out;
  }
  const bool passed = *out.summer_result == "Đạt";
  out.final = passed ? Final::kPromoted : Final::kRetained;
  out.completion = completion_text(passed, book.grade);
  return out;
}

}  // namespace

std::string_view final_name(Final f) {
  switch (f) {
    case Final::kIncomplete: return "Chưa đủ kết quả";
    case Final::kPending: return "Chờ kiểm tra lại / rèn luyện trong hè";
    case Final::kPromoted: return "Lên lớp";
    case Final::kRetained: return "Ở lại lớp";
  }
  return "";
}

std::vector<StudentOutcome> year_outcomes(const ClassBook& book) {
  std::vector<const protocol::SubjectInfo*> assigned;
  for (const auto& s : book.subjects)
    if (s.name != protocol::kHomeroomSubject) assigned.push_back(&s);
  const bool primary = primary_class(book);
  std::vector<StudentOutcome> out;
  for (const auto& [student, per_subject] : book_cells(book))
    out.push_back(primary ? primary_outcome_of(student, assigned, per_subject, book)
                          : outcome_of(student, assigned, per_subject, book.two_sessions));
  return out;
}

}  // namespace sodiem::board
