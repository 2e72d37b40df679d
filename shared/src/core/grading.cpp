#include "sodiem/core/grading.hpp"

#include <algorithm>

namespace sodiem::grading {

std::optional<Mark> term_average(std::span<const Mark> regular, Mark mid_term, Mark end_term) {
  if (regular.empty()) return std::nullopt;
  std::int64_t sum = 0;  // tenths
  for (Mark m : regular) sum += m.tenths();
  sum += 2 * mid_term.tenths() + 3 * end_term.tenths();
  return Mark::round_half_up(sum, static_cast<std::int64_t>(regular.size()) + 5);
}

Mark year_average(Mark term1, Mark term2) {
  return Mark::round_half_up(term1.tenths() + 2 * static_cast<std::int64_t>(term2.tenths()), 3);
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::kTot: return "Tốt";
    case Level::kKha: return "Khá";
    case Level::kDat: return "Đạt";
    case Level::kChuaDat: return "Chưa đạt";
  }
  return "Chưa đạt";
}

std::optional<Level> parse_level(std::string_view t) {
  if (t == "Tốt" || t == "T") return Level::kTot;
  if (t == "Khá" || t == "K") return Level::kKha;
  if (t == "Đạt" || t == "Đ") return Level::kDat;
  if (t == "Chưa đạt" || t == "CĐ") return Level::kChuaDat;
  return std::nullopt;
}

CommentResult comment_subject_result(std::span<const CommentResult> assessments, int required) {
  if (static_cast<int>(assessments.size()) < required) return CommentResult::kChuaDat;
  const bool all = std::all_of(assessments.begin(), assessments.end(), [](CommentResult r) { return r == CommentResult::kDat; });
  return all ? CommentResult::kDat : CommentResult::kChuaDat;
}

namespace {

// Điều 9.2 levels with subject `exempt` (index into scored, then comment;
// -1 = none) exempted from the every-subject floors.
Level classify(std::span<const Mark> scored, std::span<const CommentResult> comment, int exempt) {
  const int n_scored = static_cast<int>(scored.size());
  auto floor_ok = [&](int threshold_tenths) {
    for (int i = 0; i < n_scored; ++i)
      if (i != exempt && scored[i].tenths() < threshold_tenths) return false;
    return true;
  };
  auto count_at_least = [&](int threshold_tenths) {
    return std::count_if(scored.begin(), scored.end(), [&](Mark m) { return m.tenths() >= threshold_tenths; });
  };
  int comment_failed = 0;
  for (int j = 0; j < static_cast<int>(comment.size()); ++j)
    if (comment[j] == CommentResult::kChuaDat && n_scored + j != exempt) ++comment_failed;

  if (comment_failed == 0 && floor_ok(65) && count_at_least(80) >= 6) return Level::kTot;
  if (comment_failed == 0 && floor_ok(50) && count_at_least(65) >= 6) return Level::kKha;
  if (comment_failed <= 1 && count_at_least(50) >= 6 && floor_ok(35)) return Level::kDat;
  return Level::kChuaDat;
}

}  // namespace

LearningResult learning_level(std::span<const Mark> scored, std::span<const CommentResult> comment) {
  LearningResult r;
  r.before_adjustment = classify(scored, comment, -1);
  r.level = r.before_adjustment;
  Level best = r.before_adjustment;
  const int subjects = static_cast<int>(scored.size() + comment.size());
  for (int i = 0; i < subjects; ++i) best = std::max(best, classify(scored, comment, i));
  if ((best == Level::kTot || best == Level::kKha) &&
      static_cast<int>(best) - static_cast<int>(r.before_adjustment) >= 2) {
    r.level = static_cast<Level>(static_cast<int>(r.before_adjustment) + 1);
    r.adjusted = true;
  }
  return r;
}

Level year_conduct(Level hk1, Level hk2) {
  using L = Level;
  switch (hk2) {
    case L::kTot:  // HKII Tốt: HKI Khá or better → Tốt; HKI Đạt or Chưa đạt → Khá
      return hk1 >= L::kKha ? L::kTot : L::kKha;
    case L::kKha:  // HKII Khá: HKI Đạt or better → Khá; HKI Chưa đạt → Đạt
      return hk1 >= L::kDat ? L::kKha : L::kDat;
    case L::kDat:  // HKII Đạt: HKI Tốt → Khá; otherwise Đạt
      return hk1 == L::kTot ? L::kKha : L::kDat;
    case L::kChuaDat:
      return L::kChuaDat;
  }
  return L::kChuaDat;
}

Promotion promotion(Level conduct, Level learning, int absent_sessions) {
  Promotion p;
  if (conduct < Level::kDat) p.reasons.push_back("kết quả rèn luyện cả năm mức Chưa đạt: rèn luyện trong hè");
  if (learning < Level::kDat) p.reasons.push_back("kết quả học tập cả năm mức Chưa đạt: kiểm tra lại trong hè");
  if (absent_sessions > 45)
    p.reasons.push_back("nghỉ học " + std::to_string(absent_sessions) + " buổi, quá 45 buổi trong năm học");
  p.promoted = p.reasons.empty();
  return p;
}

Outcome year_outcome(Level conduct, Level learning, int absent_sessions) {
  if (absent_sessions > 45) return Outcome::kOLaiLop;
  const bool retest = learning < Level::kDat, summer = conduct < Level::kDat;
  if (retest && summer) return Outcome::kKiemTraLaiVaRenLuyenHe;
  if (retest) return Outcome::kKiemTraLai;
  if (summer) return Outcome::kRenLuyenHe;
  return Outcome::kLenLop;
}

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kLenLop: return "Lên lớp";
    case Outcome::kKiemTraLai: return "Kiểm tra lại";
    case Outcome::kRenLuyenHe: return "Rèn luyện trong hè";
    case Outcome::kKiemTraLaiVaRenLuyenHe: return "Kiểm tra lại và rèn luyện trong hè";
    case Outcome::kOLaiLop: return "Ở lại lớp";
  }
  return "";
}

bool needs_retest(std::string_view r) {
  if (r == "CĐ" || r == "Chưa đạt") return true;
  const auto m = Mark::parse(r);
  return m && m->tenths() < 50;
}

Level conduct_after_summer(Level year_conduct, bool passed) {
  if (year_conduct != Level::kChuaDat) return year_conduct;
  return passed ? Level::kDat : Level::kChuaDat;
}

std::optional<std::string> award(Level conduct, Level learning, std::span<const Mark> year_averages) {
  if (conduct != Level::kTot || learning != Level::kTot) return std::nullopt;
  const auto nines = std::count_if(year_averages.begin(), year_averages.end(), [](Mark m) { return m.tenths() >= 90; });
  return nines >= 6 ? std::string("Học sinh Xuất sắc") : std::string("Học sinh Giỏi");
}

std::optional<SubjectRating> parse_subject_rating(std::string_view t) {
  if (t == "HTT" || t == "Hoàn thành tốt" || t == "T") return SubjectRating::kHoanThanhTot;
  if (t == "HT" || t == "Hoàn thành" || t == "H") return SubjectRating::kHoanThanh;
  if (t == "CHT" || t == "Chưa hoàn thành" || t == "C") return SubjectRating::kChuaHoanThanh;
  return std::nullopt;
}

std::optional<QualityRating> parse_quality_rating(std::string_view t) {
  if (t == "Tốt" || t == "T") return QualityRating::kTot;
  if (t == "Đạt" || t == "Đ") return QualityRating::kDat;
  if (t == "Cần cố gắng" || t == "CCG" || t == "C") return QualityRating::kCanCoGang;
  return std::nullopt;
}

std::optional<int> parse_periodic_test(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v == "10") return 10;
  if (v.size() == 1 && v[0] >= '1' && v[0] <= '9') return v[0] - '0';
  return std::nullopt;
}

std::string_view year_result_name(YearResult r) {
  switch (r) {
    case YearResult::kHoanThanhXuatSac: return "Hoàn thành xuất sắc";
    case YearResult::kHoanThanhTot: return "Hoàn thành tốt";
    case YearResult::kHoanThanh: return "Hoàn thành";
    case YearResult::kChuaHoanThanh: return "Chưa hoàn thành";
  }
  return "Chưa hoàn thành";
}

YearResult primary_year_result(std::span<const SubjectRating> subjects, std::span<const QualityRating> qualities,
                               std::span<const int> tests) {
  auto all_subjects = [&](SubjectRating at_least) {
    return std::all_of(subjects.begin(), subjects.end(), [&](SubjectRating s) { return s >= at_least; });
  };
  auto all_qualities = [&](QualityRating at_least) {
    return std::all_of(qualities.begin(), qualities.end(), [&](QualityRating q) { return q >= at_least; });
  };
  auto all_tests = [&](int at_least) {
    return std::all_of(tests.begin(), tests.end(), [&](int t) { return t >= at_least; });
  };
  if (subjects.empty() || qualities.empty() || tests.empty()) return YearResult::kChuaHoanThanh;  // nothing to judge by
  const bool good = all_subjects(SubjectRating::kHoanThanhTot) && all_qualities(QualityRating::kTot);
  if (good && all_tests(9)) return YearResult::kHoanThanhXuatSac;
  if (good && all_tests(7)) return YearResult::kHoanThanhTot;
  if (all_subjects(SubjectRating::kHoanThanh) && all_qualities(QualityRating::kDat) && all_tests(5))
    return YearResult::kHoanThanh;
  return YearResult::kChuaHoanThanh;
}

}  // namespace sodiem::grading
