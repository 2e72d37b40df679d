// The data the printed and exported records read (see records_data.hpp).
#include "records_data.hpp"

#include <algorithm>
#include <ctime>

#include "sodiem/core/crypto.hpp"
#include "sodiem/core/grading.hpp"
#include "sodiem/core/names.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/confirmations.hpp"
#include "sodiem/server/school_year.hpp"

namespace sodiem::server::records {

std::optional<ClassData> load_class(store::Db& db, const std::string& class_name) {
  auto c = db.prepare("SELECT id, name FROM current_classes WHERE name = ?");
  c.bind(1, class_name);
  if (!c.step()) return std::nullopt;
  ClassData out{c.int64(0), c.text(1), {}};
  auto s = db.prepare("SELECT code, full_name, COALESCE(birth_date, ''), COALESCE(gender, '') FROM students "
                      "WHERE class_id = ? AND status = 'active'");
  s.bind(1, out.id);
  while (s.step()) {
    std::string birth = s.text(2);
    if (birth.size() == 10 && birth[4] == '-') birth = birth.substr(8, 2) + "/" + birth.substr(5, 2) + "/" + birth.substr(0, 4);
    out.students.push_back({s.text(0), s.text(1), birth, s.text(3)});
  }
  NameOrder().sort(out.students, [](const Student& st) { return st.name; });
  return out;
}

std::string tt27_form(const std::string& value, Rated what) {
  if (what == Rated::kQuality) {
    const auto q = grading::parse_quality_rating(value);
    if (!q) return value;
    return *q == grading::QualityRating::kTot ? "T" : *q == grading::QualityRating::kDat ? "Đ" : "C";
  }
  const auto r = grading::parse_subject_rating(value);
  if (!r) return value;  // Miễn, a test, or as typed
  return *r == grading::SubjectRating::kHoanThanhTot ? "T" : *r == grading::SubjectRating::kHoanThanh ? "H" : "C";
}

bool tt27_year_column(const std::string& column) {
  return column == "Kết quả giáo dục" || column == "Hoàn thành chương trình" || column == "Khen thưởng" || column == "Nghỉ";
}

std::string tt27_board_form(const std::string& column, const std::string& value) {
  if (tt27_year_column(column) || column.ends_with(" (KTĐK)")) return value;
  return tt27_form(value, column.starts_with("Phẩm chất ") || column.starts_with("Năng lực ") ? Rated::kQuality : Rated::kSubject);
}

std::optional<SubjectData> load_subject(store::Db& db, const ClassData& cls, const std::string& subject) {
  auto sj = db.prepare("SELECT id FROM subjects WHERE name = ?");
  sj.bind(1, subject);
  if (!sj.step()) return std::nullopt;
  // The subject as the class's grade has it (class_subjects.hpp).
  auto info = class_subject(db, cls.id, subject);
  if (!info) return std::nullopt;
  SubjectData out;
  out.id = sj.int64(0);
  out.info = std::move(*info);
  auto c = db.prepare("SELECT st.code, c.col, c.value FROM cells c JOIN students st ON st.id = c.student_id "
                      "WHERE c.class_id = ? AND c.subject_id = ? AND c.value != ''");
  c.bind(1, cls.id).bind(2, out.id);
  while (c.step()) out.cells[c.text(0)][c.text(1)] = c.text(2);
  return out;
}

std::string year_name(store::Db& db) {
  const std::string year = current_year_name(db);
  return year.empty() ? std::string() : "Năm học " + year;
}

BoardTable class_board(store::Db& db, const ClassData& cls, const std::string& term) {
  const auto board = board::summary_board(term, load_class_book(db, cls.id));
  BoardTable out;
  for (const auto& l : board) {
    if (std::find(out.sections.begin(), out.sections.end(), l.subject) == out.sections.end())
      out.sections.push_back(l.subject);
    auto& cols = out.columns[l.subject];
    if (std::find(cols.begin(), cols.end(), l.column) == cols.end()) cols.push_back(l.column);
    out.values[l.subject][l.student][l.column] = l.value;
  }
  return out;
}

std::optional<Signed> signed_step(store::Db& db, std::int64_t class_id, std::int64_t subject_id, const std::string& term,
                                  const std::string& step) {
  auto s = db.prepare(
      "SELECT u.username, u.full_name, c.digest, c.signed_at FROM confirmations c JOIN users u ON u.id = c.user_id "
      "WHERE c.class_id = ? AND COALESCE(c.subject_id, -1) = ? AND c.term = ? AND c.step = ? AND c.revoked_at IS NULL "
      "ORDER BY c.id DESC LIMIT 1");
  s.bind(1, class_id).bind(2, subject_id).bind(3, term).bind(4, step);
  if (!s.step()) return std::nullopt;
  Signed out{step, s.text(0), s.text(1), s.text(2), s.int64(3), false};
  out.matches = crypto::sha256_hex(server_document(db, class_id, subject_id, term, step)) == out.digest;
  return out;
}

std::string date_time_vn(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds + 7 * 3600);  // Vietnam, no DST
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%02d/%02d/%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_hour,
                tm.tm_min);
  return out;
}

std::string signature_note(const std::optional<Signed>& s) {
  if (!s) return "(Ký, ghi rõ họ tên)";
  return "Đã ký số lúc " + date_time_vn(s->at) + (s->matches ? "" : " — DỮ LIỆU ĐÃ THAY ĐỔI SAU KHI KÝ");
}

namespace {
// A signing step as the printed page names it (the steps of confirmations.hpp).
std::string step_words(const std::string& step) {
  if (step == "subject") return "xác nhận môn";
  if (step == "class") return "xác nhận lớp";
  if (step == "review") return "xem xét";
  if (step == "approve") return "phê duyệt";
  return step;
}
}  // namespace

std::string footer(const std::vector<std::optional<Signed>>& steps, bool approved) {
  std::string out = "In từ Sổ điểm lúc " + date_time_vn(std::time(nullptr)) + ". ";
  if (!approved) out += "Bản nháp: chưa được hiệu trưởng phê duyệt. ";
  for (const auto& s : steps)
    if (s)
      out += "Ký số " + step_words(s->step) + " (" + s->signer + "): SHA-256 " + s->digest.substr(0, 16) + "…" +
             (s->matches ? " khớp dữ liệu. " : " KHÔNG khớp dữ liệu hiện tại. ");
  return out;
}

std::string homeroom_teacher(store::Db& db, std::int64_t class_id) {
  auto s = db.prepare("SELECT u.full_name FROM homerooms h JOIN users u ON u.id = h.user_id WHERE h.class_id = ?");
  s.bind(1, class_id);
  return s.step() ? s.text(0) : std::string();
}

std::string principal(store::Db& db) {
  auto s = db.prepare("SELECT full_name FROM users WHERE (',' || roles || ',') LIKE '%,HT,%' AND disabled = 0 LIMIT 1");
  return s.step() ? s.text(0) : std::string();
}

}  // namespace sodiem::server::records
