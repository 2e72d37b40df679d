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
    kRegular,          // HKn.TX1..4  ĐĐGtx (subject)
    kMidTerm,          // HKn.GK      ĐĐGgk (subject)
    kEndTerm,          // HKn.CK      ĐĐGck (subject)
    kSubjectComment,   // HKn.NX      the subject teacher's comment (text)
    kConduct,          // HKn.RL      kết quả rèn luyện (homeroom)
    kHomeroomComment,  // HKn.NXCN    the homeroom teacher's comment (homeroom)
    kAttendance,       // CC.YYYY-MM-DD[.S|.C]  absence that day (every session of it) or in its morning
                       // (S, sáng) / afternoon (C, chiều) session: P (có phép) / K (không phép) (homeroom)
  };
  int term = 1;  // 1 = HK1, 2 = HK2; 0 for attendance
  Kind kind = Kind::kRegular;
  int index = 1;     // 1..4 for regular assessments
  std::string date;  // attendance: YYYY-MM-DD
  char session = 0;  // attendance: 0 = the whole day, 'S' morning, 'C' afternoon

  bool homeroom() const { return kind == Kind::kConduct || kind == Kind::kHomeroomComment || kind == Kind::kAttendance; }

  // The kind as locks name it: TX GK CK NX RL NXCN CC.
  std::string kind_code() const;

  static std::optional<Column> parse(std::string_view text);
  std::string to_string() const;
};

// Number of regular assessments per term (TT22 Điều 7.1.b): subjects with up
// to 35 periods a year have 2, more than 35 up to 70 have 3, more have 4;
// comment-only subjects have 2.
int regular_assessments(bool scored, int periods_per_year);

// True for a real calendar date "YYYY-MM-DD" from min_year to 2100.
bool valid_iso_date(std::string_view date, int min_year = 2000);

// Longest comment text accepted, in bytes.
inline constexpr std::size_t kMaxCommentBytes = 1000;

// Checks that `column` exists for `subject` (nullptr = the class's homeroom
// cells) and that `value` fits it; returns the canonical value ("8,5" → "8.5",
// "đ" → "Đ", "kha" → "Khá", "" stays "" = clear) or an INVALID_VALUE status
// with a Vietnamese message naming the problem.
Result<std::string> normalize_cell_value(const protocol::SubjectInfo* subject, std::string_view column,
                                         std::string_view value);

}  // namespace sodiem
