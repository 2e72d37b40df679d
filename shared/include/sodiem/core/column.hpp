// Grade-book columns of a term ("HK1.TX2", "HK2.GK", "HK1.CK") and the rule
// that checks a value typed into one (TT22/2021/TT-BGDĐT, Điều 6-7).
// Pure functions; thread-safe.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "sodiem/core/status.hpp"
#include "sodiem/protocol/messages.hpp"

namespace sodiem {

struct Column {
  enum class Kind {
    kRegular,          // HKn.TX1..5  ĐĐGtx (subject; TX5 only with study topics)
    kMidTerm,          // HKn.GK      ĐĐGgk (subject)
    kEndTerm,          // HKn.CK      ĐĐGck (subject)
    kSubjectComment,   // HKn.NX      the subject teacher's comment (text)
    kConduct,          // HKn.RL      kết quả rèn luyện (homeroom)
    kHomeroomComment,  // HKn.NXCN    the homeroom teacher's comment (homeroom)
    kAttendance,       // CC.YYYY-MM-DD[.S|.C]  absence that day (every session of it) or in its morning
                       // (S, sáng) / afternoon (C, chiều) session: P (có phép) / K (không phép) (homeroom)
    kExemption,        // HKn.MIEN    exempt (miễn học) from the subject that term: the reason (subject;
                       //             written by `sodiem-server exempt` only, never typed into the book)
    // Tiểu học (TT27/2020): a primary subject's HKn.GK / HKn.CK hold the
    // rating at mid-term / end of term (HK2.CK = end of year): Hoàn thành
    // tốt / Hoàn thành / Chưa hoàn thành; HKn.NX the comment.
    kPeriodicTest,     // HKn.KTGK / HKn.KTCK  periodic test score, an integer 1–10 (subject; only the
                       //             tests the grade sits: SubjectInfo::periodic_tests)
    kQuality,          // HKn.PC1..PC5[.GK]  phẩm chất, end (or mid) of term: Tốt / Đạt / Cần cố gắng (homeroom)
    kCompetence,       // HKn.NL1..NL10[.GK] năng lực, the same (homeroom)
    // Year end (TT22 Điều 12), written by the leadership's commands only
    // (sodiem-server retest / summer), never typed into the book; term 0.
    kRetest,           // CN.KTL      the re-test (kiểm tra lại) result of the subject: a mark, or Đ / CĐ
    kSummerConduct,    // CN.RLH      the summer conduct training result: Đạt / Chưa đạt (homeroom)
    kRecognition,      // CN.TB       primary (TT27 Điều 13.1.a): the class's recognition of a Hoàn thành
                       //             tốt pupil as Học sinh Tiêu biểu, what they excelled or progressed in
                       //             (homeroom; sodiem-server recognise)
  };
  int term = 1;  // 1 = HK1, 2 = HK2; 0 for attendance and the year-end (CN.) columns
  Kind kind = Kind::kRegular;
  int index = 1;     // 1..5 for regular assessments
  std::string date;  // attendance: YYYY-MM-DD
  char session = 0;  // attendance: 0 = the whole day, 'S' morning, 'C' afternoon
  bool mid = false;  // periodic test, quality, competence: at mid-term (GK) rather than end of term

  bool homeroom() const {
    return kind == Kind::kConduct || kind == Kind::kHomeroomComment || kind == Kind::kAttendance ||
           kind == Kind::kQuality || kind == Kind::kCompetence || kind == Kind::kSummerConduct ||
           kind == Kind::kRecognition;
  }

  // The kind as locks name it: TX GK CK NX RL NXCN CC (MIEN KT PC NL KTL RLH TB).
  std::string kind_code() const;

  static std::optional<Column> parse(std::string_view text);
  std::string to_string() const;
};

// Number of regular assessments per term (TT22 Điều 7.1.b): subjects with up
// to 35 periods a year have 2, more than 35 up to 70 have 3, more have 4;
// comment-only subjects have 2.
int regular_assessments(bool scored, int periods_per_year);
// A subject's regular assessments per term: the above, plus one for THPT
// study topics (chuyên đề học tập), so at most 5 (TX5).
int regular_assessments(const protocol::SubjectInfo& subject);
inline constexpr int kMaxRegularAssessments = 5;

// TT27: the five qualities (phẩm chất) and ten competences (năng lực: three
// general, seven specific) a primary homeroom teacher rates, by number.
inline constexpr int kQualities = 5;
inline constexpr int kCompetences = 10;
const char* quality_name(int index);     // 1 → "Yêu nước"
const char* competence_name(int index);  // 1 → "Tự chủ và tự học"
// Why a homeroom column does not belong to a class of `grade`, or nullopt:
// conduct (RL) is rated from grade 6 up (TT22), qualities and competences
// (PC, NL) in grades 1–5 (TT27). Other columns, and grade 0 (unknown), fit.
// Device (LocalStore::validate) and server (ingest) both ask it.
std::optional<std::string> homeroom_column_fault(const Column& column, int grade);
// The periodic test code of a column ("GK1" "CK1" "GK2" "CN"), as
// SubjectInfo::periodic_tests lists them.
std::string periodic_test_code(const Column& column);
// Whether `subject`'s grade sits periodic test `code` ("GK1" "CK1" "GK2"
// "CN") in it (SubjectInfo::periodic_tests; TT27 Điều 6.3).
bool sits_periodic_test(const protocol::SubjectInfo& subject, std::string_view code);

// True for a real calendar date "YYYY-MM-DD" from min_year to 2100.
bool valid_iso_date(std::string_view date, int min_year = 2000);

// The value of a year-end column (CN.KTL with the subject, CN.RLH and CN.TB
// with nullptr = homeroom) as the leadership's commands record it: a re-test
// of a scored subject is a mark 0–10 ("4,5" → "4.5"), of a comment subject Đ
// / CĐ; summer training Đạt / Chưa đạt; a recognition its reason (a comment
// text, not empty). Any other column, or a value that
// does not fit: INVALID_VALUE with a Vietnamese message. "" stays "".
Result<std::string> normalize_year_end_value(const protocol::SubjectInfo* subject, std::string_view column,
                                             std::string_view value);

// Longest comment text accepted, in bytes.
inline constexpr std::size_t kMaxCommentBytes = 1000;

// Checks that `column` exists for `subject` (nullptr = the class's homeroom
// cells) and that `value` fits it; returns the canonical value ("8,5" → "8.5",
// "đ" → "Đ", "kha" → "Khá", "" stays "" = clear) or an INVALID_VALUE status
// with a Vietnamese message naming the problem.
Result<std::string> normalize_cell_value(const protocol::SubjectInfo* subject, std::string_view column,
                                         std::string_view value);

}  // namespace sodiem
