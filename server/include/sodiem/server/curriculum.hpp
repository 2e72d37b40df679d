// A school's curriculum as `sodiem-server setup` reads it (format
// "sodiem-curriculum/1", JSON; see server/curriculum/README.md): the school
// level(s), and per grade each subject's periods per year, kind (scored,
// comment-only Đ/CĐ, primary-rated TT27), the combined subject it is assessed
// as (Nghệ thuật = Âm nhạc + Mĩ thuật at THCS), THPT study topics (chuyên đề
// học tập: one more regular assessment), primary periodic tests; optionally
// the school year with its terms and entry windows. The parser reads an
// untrusted file within bounds, normalises every text to NFC and reports
// every problem with its place in the file, in Vietnamese; it touches no
// database. The shipped defaults of the 2018 programme (GDPT 2018, TT32/2018)
// are embedded in the binary. Pure functions; thread-safe.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sodiem::server {

inline constexpr std::size_t kMaxCurriculumBytes = 256 * 1024;
inline constexpr int kMaxCurriculumDepth = 6;
inline constexpr std::size_t kMaxCurriculumSubjects = 60;
inline constexpr int kMaxPeriodsPerYear = 420;  // Tiếng Việt lớp 1: 420 tiết, the largest in GDPT 2018

enum class SubjectKind { kScored, kComment, kPrimary };
// "scored" | "comment" | "primary"
const char* subject_kind_code(SubjectKind kind);

struct CurriculumGrade {
  int grade = 0;
  int periods = 0;                          // per school year
  int topic_periods = 0;                    // THPT chuyên đề học tập; > 0 adds one regular assessment
  std::vector<std::string> periodic_tests;  // primary: of "GK1" "CK1" "GK2" "CN" (TT27 Điều 7)
  std::string assessed_as;                  // the subject's, per grade once levels merge
  SubjectKind kind = SubjectKind::kScored;  // the subject's, per grade once levels merge (Toán: TH primary, THCS scored)
  bool operator==(const CurriculumGrade&) const = default;
};

struct CurriculumSubject {
  std::string name;
  SubjectKind kind = SubjectKind::kScored;
  std::string department;   // tổ chuyên môn ("" = unchanged / none)
  std::string assessed_as;  // combined subject it counts as on the board ("" = itself)
  std::vector<CurriculumGrade> grades;
};

struct TermPlan {
  std::string code;  // HK1 | HK2
  std::string starts_on, ends_on, entry_opens_on, entry_closes_on;  // YYYY-MM-DD
};
struct YearPlan {
  std::string name;  // "2026-2027"
  std::string starts_on, ends_on;
  std::vector<TermPlan> terms;  // HK1 then HK2
};

struct Curriculum {
  std::string title;
  std::vector<std::string> levels;  // of "TH" "THCS" "THPT"
  std::vector<CurriculumSubject> subjects;
  std::optional<YearPlan> year;
};

// The grades of a level code ("TH" 1–5, "THCS" 6–9, "THPT" 10–12); {0, -1} if unknown.
std::pair<int, int> level_grades(std::string_view level);

// The curriculum in `text`, or every problem found ("subjects[6] (Công nghệ)
// › periods › 8: …"), nothing half-read.
struct CurriculumParse {
  std::optional<Curriculum> curriculum;
  std::vector<std::string> errors;
};
CurriculumParse parse_curriculum(std::string_view text);

// Several curricula (levels) as one (a subject keeps each level's kind and
// combined subject per grade); errors when two name the same level.
CurriculumParse merge_curricula(std::vector<Curriculum> parts);

// The school year `name` ("2026-2027") with the usual calendar (khung kế hoạch
// thời gian năm học): HK1 from 5 September to 15 January, HK2 from 16 January to
// 31 May, each term's entry open from its first day to two weeks after its end.
// nullopt if `name` is not "YYYY-YYYY+1".
std::optional<YearPlan> default_year(std::string_view name);

// The shipped default of a level ("tieu-hoc", "thcs", "thpt"; also "th"), as
// file text; nullopt for another name.
std::optional<std::string_view> shipped_curriculum(std::string_view level);
// The names shipped_curriculum knows, for messages.
inline constexpr const char* kShippedLevels = "tieu-hoc, thcs, thpt";

}  // namespace sodiem::server
