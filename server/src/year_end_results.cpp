// The leadership's records of re-test and summer training results and of a
// primary pupil's recognition as Học sinh Tiêu biểu (year_outcomes.hpp):
// server-written cells CN.KTL / CN.RLH / CN.TB, each with its
// audit entry `year_end_result` (the shape of an exemption's, which
// vouches for the version: records_check.cpp), one transaction.
#include <nlohmann/json.hpp>
#include <tuple>

#include "sodiem/core/column.hpp"
#include "sodiem/core/primary_board.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/directory.hpp"
#include "sodiem/server/server_versions.hpp"
#include "sodiem/server/year_outcomes.hpp"

namespace sodiem::server {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

enum class What { kRetest, kSummer, kRecognition };

Result<std::uint64_t> record(store::Db& db, YearEndRecord r, What kind, const std::string& by, std::int64_t now) {
  const bool retest = kind == What::kRetest;
  const std::string what = retest                   ? "kết quả kiểm tra lại"
                           : kind == What::kSummer ? "kết quả rèn luyện trong hè"
                                                   : "khen thưởng Học sinh Tiêu biểu";
  if (Status st = require_role(db, by, {"HT", "PHT", "ADMIN"},
                               "chỉ Hiệu trưởng, Phó hiệu trưởng (hoặc quản trị theo quyết định của Ban giám hiệu) được ghi " +
                                   what);
      !st)
    return st;
  store::Transaction tx(db);
  std::int64_t class_id = 0, student_id = 0;
  const auto not_found = Status(ErrorCode::kInvalidValue, "không có học sinh mã " + excerpt(r.student) +
                                                              " đang học lớp " + excerpt(r.class_name));
  if (auto found = find_current_class(db, r.class_name)) std::tie(class_id, r.class_name) = *found;
  else return not_found;
  {
    const auto key = match_key(r.student);
    auto s = db.prepare("SELECT id, code FROM students WHERE class_id = ? AND status = 'active'");
    s.bind(1, class_id);
    while (student_id == 0 && s.step())
      if (match_key(s.text(1)) == key) std::tie(student_id, r.student) = std::pair{s.int64(0), s.text(1)};
    if (student_id == 0) return not_found;
  }
  if (!year_approved(db, class_id))
    return Status(ErrorCode::kInvalidValue, "kết quả cả năm lớp " + r.class_name +
                                                " chưa được Hiệu trưởng phê duyệt; chỉ ghi " + what +
                                                " sau khi bảng tổng hợp cả năm (HK2) đã được phê duyệt");
  const board::ClassBook book = load_class_book(db, class_id);
  const board::StudentOutcome* outcome = nullptr;
  const auto outcomes = board::year_outcomes(book);
  for (const auto& o : outcomes)
    if (o.student == r.student) outcome = &o;
  if (!outcome || !outcome->outcome)
    return Status(ErrorCode::kInvalidValue, "học sinh " + r.student + " chưa đủ kết quả cả năm");
  const std::string decided = std::string(grading::outcome_name(*outcome->outcome));
  std::optional<protocol::SubjectInfo> info;
  std::int64_t subject_id = kHomeroomSubjectId;
  if (retest) {
    std::vector<std::string> subjects;
    bool listed = false;
    const auto key = match_key(r.subject);
    for (const auto& t : outcome->retests) {
      subjects.push_back(t.subject + " (" + t.year_result + ")");
      if (!listed && match_key(t.subject) == key) {
        listed = true;
        r.subject = t.subject;
      }
    }
    if (subjects.empty())
      return Status(ErrorCode::kInvalidValue, "học sinh " + r.student + " không phải kiểm tra lại (kết quả cả năm: " +
                                                  decided + ")");
    if (!listed)
      return Status(ErrorCode::kInvalidValue, "học sinh " + r.student + " không phải kiểm tra lại môn " +
                                                  excerpt(r.subject) + "; các môn kiểm tra lại: " + joined(subjects));
    info = class_subject(db, class_id, r.subject);
    auto s = db.prepare("SELECT id FROM subjects WHERE name = ?");
    s.bind(1, r.subject);
    if (!info || !s.step()) return Status(ErrorCode::kInvalidValue, "lớp " + r.class_name + " không học môn " + excerpt(r.subject));
    subject_id = s.int64(0);
  } else if (kind == What::kRecognition) {
    if (!outcome->primary_result)
      return Status(ErrorCode::kInvalidValue, "lớp " + r.class_name +
                                                  " không phải lớp tiểu học; Học sinh Tiêu biểu là khen thưởng theo Thông tư 27");
    if (*outcome->primary_result != grading::YearResult::kHoanThanhTot)
      return Status(ErrorCode::kInvalidValue,
                    "học sinh " + r.student + " không được xét Học sinh Tiêu biểu: kết quả giáo dục " +
                        std::string(grading::year_result_name(*outcome->primary_result)) +
                        " (Thông tư 27 Điều 13: học sinh Hoàn thành tốt có thành tích hoặc tiến bộ được tập thể lớp "
                        "công nhận; Hoàn thành xuất sắc đã là Học sinh Xuất sắc)");
  } else if (!outcome->summer_training) {
    return Status(ErrorCode::kInvalidValue, "học sinh " + r.student +
                                                " không phải rèn luyện trong hè (kết quả cả năm: " + decided + ")");
  }
  const std::string column(retest                  ? board::kRetestColumn
                           : kind == What::kSummer ? board::kSummerColumn
                                                   : board::kRecognitionColumn);
  if (r.value.empty()) return Status(ErrorCode::kInvalidValue, "chưa nhập " + what);
  auto value = normalize_year_end_value(info ? &*info : nullptr, column, r.value);
  if (!value) return value.status();
  auto cur = db.prepare("SELECT value FROM cells WHERE class_id = ? AND subject_id = ? AND student_id = ? AND col = ?");
  cur.bind(1, class_id).bind(2, subject_id).bind(3, student_id).bind(4, column);
  const std::string old = cur.step() ? cur.text(0) : std::string();
  if (old == *value) return std::uint64_t{0};
  std::int64_t user_id = 0;  // 0: the maintenance identity
  {
    auto u = db.prepare("SELECT id FROM users WHERE username = ?");
    u.bind(1, by);
    if (u.step()) user_id = u.int64(0);
  }
  const auto version = write_server_version(
      db, {class_id, subject_id, student_id, column, *value, user_id, what + " do " + by + " ghi"}, now);
  append_audit(db, {now, by, "", "year_end_result",
                    nlohmann::json{{"class", r.class_name},
                                   {"subject", retest ? r.subject : std::string(protocol::kHomeroomSubject)},
                                   {"student", r.student}, {"column", column}, {"old", old}, {"new", *value},
                                   {"version", version}}
                        .dump()});
  tx.commit();
  return version;
}

}  // namespace

Result<std::uint64_t> record_retest(store::Db& db, const YearEndRecord& r, const std::string& by, std::int64_t now) {
  return record(db, r, What::kRetest, by, now);
}

Result<std::uint64_t> record_summer_training(store::Db& db, const YearEndRecord& r, const std::string& by,
                                             std::int64_t now) {
  return record(db, r, What::kSummer, by, now);
}

Result<std::uint64_t> record_recognition(store::Db& db, const YearEndRecord& r, const std::string& by,
                                         std::int64_t now) {
  return record(db, r, What::kRecognition, by, now);
}

}  // namespace sodiem::server
