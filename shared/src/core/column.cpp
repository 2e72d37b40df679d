#include "sodiem/core/column.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "sodiem/core/grading.hpp"
#include "sodiem/core/mark.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/core/year_outcomes.hpp"

namespace sodiem {

bool valid_iso_date(std::string_view d, int min_year) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  const int y = std::stoi(std::string(d.substr(0, 4))), m = std::stoi(std::string(d.substr(5, 2))),
            day = std::stoi(std::string(d.substr(8, 2)));
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < min_year || y > 2100 || m < 1 || m > 12 || day < 1 || day > kDays[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && day == 29 && !leap);
}

std::optional<Column> Column::parse(std::string_view text) {
  if (text.substr(0, 3) == "CC.") {
    Column c;
    c.term = 0;
    c.kind = Kind::kAttendance;
    std::string_view date = text.substr(3);
    if (date.size() == 12 && date[10] == '.' && (date[11] == 'S' || date[11] == 'C')) {
      c.session = date[11];
      date = date.substr(0, 10);
    }
    if (!valid_iso_date(date)) return std::nullopt;
    c.date = std::string(date);
    return c;
  }
  if (text == "CN.KTL" || text == "CN.RLH" || text == "CN.TB") {
    Column c;
    c.term = 0;
    c.kind = text == "CN.KTL" ? Kind::kRetest : text == "CN.RLH" ? Kind::kSummerConduct : Kind::kRecognition;
    return c;
  }
  if (text.size() < 6 || text.substr(0, 2) != "HK" || text[3] != '.') return std::nullopt;
  Column c;
  if (text[2] == '1') c.term = 1;
  else if (text[2] == '2') c.term = 2;
  else return std::nullopt;
  std::string_view rest = text.substr(4);
  if (rest == "GK") c.kind = Kind::kMidTerm;
  else if (rest == "CK") c.kind = Kind::kEndTerm;
  else if (rest == "NX") c.kind = Kind::kSubjectComment;
  else if (rest == "RL") c.kind = Kind::kConduct;
  else if (rest == "NXCN") c.kind = Kind::kHomeroomComment;
  else if (rest == "MIEN") c.kind = Kind::kExemption;
  else if (rest == "KTGK" || rest == "KTCK") {
    c.kind = Kind::kPeriodicTest;
    c.mid = rest == "KTGK";
  } else if (rest.size() >= 3 && (rest.substr(0, 2) == "PC" || rest.substr(0, 2) == "NL")) {
    const bool quality = rest.substr(0, 2) == "PC";
    std::string_view n = rest.substr(2);
    if (n.size() > 3 && n.substr(n.size() - 3) == ".GK") {
      c.mid = true;
      n.remove_suffix(3);
    }
    if (n.empty() || n.size() > 2 || n[0] < '1' || n[0] > '9' || (n.size() == 2 && (n[1] < '0' || n[1] > '9')))
      return std::nullopt;
    c.index = n.size() == 1 ? n[0] - '0' : (n[0] - '0') * 10 + (n[1] - '0');
    if (c.index > (quality ? kQualities : kCompetences)) return std::nullopt;
    c.kind = quality ? Kind::kQuality : Kind::kCompetence;
  }
  else if (rest.size() == 3 && rest.substr(0, 2) == "TX" && rest[2] >= '1' && rest[2] <= '0' + kMaxRegularAssessments) {
    c.kind = Kind::kRegular;
    c.index = rest[2] - '0';
  } else {
    return std::nullopt;
  }
  return c;
}

std::string Column::kind_code() const {
  switch (kind) {
    case Kind::kRegular: return "TX";
    case Kind::kMidTerm: return "GK";
    case Kind::kEndTerm: return "CK";
    case Kind::kSubjectComment: return "NX";
    case Kind::kConduct: return "RL";
    case Kind::kHomeroomComment: return "NXCN";
    case Kind::kAttendance: return "CC";
    case Kind::kExemption: return "MIEN";
    case Kind::kPeriodicTest: return "KT";
    case Kind::kQuality: return "PC";
    case Kind::kCompetence: return "NL";
    case Kind::kRetest: return "KTL";
    case Kind::kSummerConduct: return "RLH";
    case Kind::kRecognition: return "TB";
  }
  return "";
}

std::string Column::to_string() const {
  if (kind == Kind::kAttendance) return "CC." + date + (session ? std::string{'.', session} : std::string());
  if (kind == Kind::kRetest) return "CN.KTL";
  if (kind == Kind::kSummerConduct) return "CN.RLH";
  if (kind == Kind::kRecognition) return "CN.TB";
  std::string s = "HK" + std::to_string(term) + ".";
  switch (kind) {
    case Kind::kRegular: return s + "TX" + std::to_string(index);
    case Kind::kMidTerm: return s + "GK";
    case Kind::kEndTerm: return s + "CK";
    case Kind::kSubjectComment: return s + "NX";
    case Kind::kConduct: return s + "RL";
    case Kind::kHomeroomComment: return s + "NXCN";
    case Kind::kExemption: return s + "MIEN";
    case Kind::kPeriodicTest: return s + (mid ? "KTGK" : "KTCK");
    case Kind::kQuality: return s + "PC" + std::to_string(index) + (mid ? ".GK" : "");
    case Kind::kCompetence: return s + "NL" + std::to_string(index) + (mid ? ".GK" : "");
    case Kind::kAttendance:
    case Kind::kRetest:
    case Kind::kSummerConduct:
    case Kind::kRecognition: break;
  }
  return s;
}

const char* quality_name(int i) {
  static constexpr const char* kNames[] = {"Yêu nước", "Nhân ái", "Chăm chỉ", "Trung thực", "Trách nhiệm"};
  return i >= 1 && i <= kQualities ? kNames[i - 1] : "";
}

const char* competence_name(int i) {
  static constexpr const char* kNames[] = {"Tự chủ và tự học", "Giao tiếp và hợp tác", "Giải quyết vấn đề và sáng tạo",
                                           "Ngôn ngữ", "Tính toán", "Khoa học", "Công nghệ", "Tin học", "Thẩm mĩ",
                                           "Thể chất"};
  return i >= 1 && i <= kCompetences ? kNames[i - 1] : "";
}

std::optional<std::string> homeroom_column_fault(const Column& c, int grade) {
  if (grade <= 0) return std::nullopt;
  const bool primary = grade <= 5;
  if (!primary && (c.kind == Column::Kind::kQuality || c.kind == Column::Kind::kCompetence))
    return "phẩm chất, năng lực (" + c.to_string() + ") theo Thông tư 27 chỉ đánh giá ở tiểu học; lớp khối " +
           std::to_string(grade) + " đánh giá rèn luyện (HKn.RL)";
  if (primary && c.kind == Column::Kind::kConduct)
    return "tiểu học không đánh giá rèn luyện (" + c.to_string() +
           "); giáo viên chủ nhiệm đánh giá phẩm chất HKn.PC1…PC5 và năng lực HKn.NL1…NL10 (Thông tư 27)";
  return std::nullopt;
}

std::string periodic_test_code(const Column& c) {
  if (c.term == 2 && !c.mid) return "CN";
  return std::string(c.mid ? "GK" : "CK") + std::to_string(c.term);
}

bool sits_periodic_test(const protocol::SubjectInfo& subject, std::string_view code) {
  const std::string_view tests = subject.periodic_tests;
  for (std::size_t at = 0; at <= tests.size();) {
    const auto comma = std::min(tests.find(',', at), tests.size());
    if (tests.substr(at, comma - at) == code) return true;
    at = comma + 1;
  }
  return false;
}

namespace {
// The columns of the tests a subject sits ("GK1,CN" → "HK1.KTGK, HK2.KTCK"),
// as a teacher types them.
std::string periodic_test_columns(const protocol::SubjectInfo& subject) {
  std::string out;
  for (const auto& [code, column] : {std::pair{"GK1", "HK1.KTGK"}, std::pair{"CK1", "HK1.KTCK"},
                                     std::pair{"GK2", "HK2.KTGK"}, std::pair{"CN", "HK2.KTCK"}})
    if (sits_periodic_test(subject, code)) out += (out.empty() ? "" : ", ") + std::string(column);
  return out;
}
}  // namespace

int regular_assessments(bool scored, int periods_per_year) {
  if (!scored) return 2;
  if (periods_per_year <= 35) return 2;
  if (periods_per_year <= 70) return 3;
  return 4;
}

int regular_assessments(const protocol::SubjectInfo& subject) {
  return regular_assessments(subject.scored, subject.periods_per_year) + (subject.study_topics ? 1 : 0);
}

namespace {
Result<std::string> comment_text(std::string_view value) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\n')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\n')) value.remove_suffix(1);
  if (value.size() > kMaxCommentBytes)
    return Status(ErrorCode::kInvalidValue,
                  "nhận xét dài quá " + std::to_string(kMaxCommentBytes) + " byte; hãy viết ngắn gọn hơn");
  for (unsigned char c : value)
    if (c < 0x20 && c != '\n') return Status(ErrorCode::kInvalidValue, "nhận xét có ký tự điều khiển không hợp lệ");
  return std::string(value);
}
// The canonical word `value` names among `choices` (canonical → the ways a
// teacher types it: with or without diacritics, any case, spaces around).
std::optional<std::string> one_of(std::string_view value,
                                  const std::vector<std::pair<const char*, std::vector<const char*>>>& choices) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  const auto key = match_key(value);
  if (!key) return std::nullopt;
  for (const auto& [canonical, spellings] : choices)
    for (const char* spelling : spellings)
      if (match_key(spelling) == key) return std::string(canonical);
  return std::nullopt;
}

// A primary subject's cell (TT27 Điều 6–7): ratings at mid and end of
// term, periodic tests 1–10 in the grade's tests only; no regular marks.
Result<std::string> primary_value(const protocol::SubjectInfo& subject, const Column& col, std::string_view column,
                                  std::string_view value) {
  switch (col.kind) {
    case Column::Kind::kMidTerm:
    case Column::Kind::kEndTerm: {
      if (value.empty()) return std::string();
      static const std::vector<std::pair<const char*, std::vector<const char*>>> kRatings = {
          {"Hoàn thành tốt", {"Hoàn thành tốt", "hoan thanh tot", "HTT", "T"}},
          {"Hoàn thành", {"Hoàn thành", "hoan thanh", "HT", "H"}},
          {"Chưa hoàn thành", {"Chưa hoàn thành", "chua hoan thanh", "CHT", "C"}}};
      if (auto rating = one_of(value, kRatings)) return *rating;
      return Status(ErrorCode::kInvalidValue, "môn " + subject.name +
                                                  " (tiểu học): nhập Hoàn thành tốt, Hoàn thành hoặc Chưa hoàn thành "
                                                  "(T, H, C), không phải \"" + excerpt(value) + "\"");
    }
    case Column::Kind::kPeriodicTest: {
      const std::string code = periodic_test_code(col);
      if (!sits_periodic_test(subject, code))
        return Status(ErrorCode::kInvalidValue,
                      "môn " + subject.name + " của khối này không có bài kiểm tra định kì " + code + " (cột " +
                          excerpt(column) + ")" +
                          (subject.periodic_tests.empty() ? "" : "; có: " + periodic_test_columns(subject)));
      if (value.empty()) return std::string();
      if (auto score = grading::parse_periodic_test(value)) return std::to_string(*score);
      return Status(ErrorCode::kInvalidValue, "điểm bài kiểm tra định kì \"" + excerpt(value) +
                                                  "\" không hợp lệ: Thông tư 27 cho điểm số nguyên từ 1 đến 10, "
                                                  "không có điểm 0 và điểm thập phân");
    }
    case Column::Kind::kRegular:
      return Status(ErrorCode::kInvalidValue, "môn " + subject.name +
                                                  " (tiểu học) không có điểm đánh giá thường xuyên (cột " + excerpt(column) +
                                                  "); đánh giá thường xuyên bằng nhận xét, định kì ở HKn.GK, HKn.CK");
    default:
      return Status(ErrorCode::kInvalidValue, "cột " + excerpt(column) + " không dùng cho môn tiểu học " + subject.name);
  }
}

}  // namespace

Result<std::string> normalize_cell_value(const protocol::SubjectInfo* subject, std::string_view column,
                                         std::string_view value) {
  auto col = Column::parse(column);
  if (!col) {
    return Status(ErrorCode::kInvalidValue,
                  "cột \"" + excerpt(column) +
                      "\" không hợp lệ (môn học: HK1.TX1…HK1.TX4 (TX5 khi có chuyên đề), HK1.GK, HK1.CK, HK1.NX, tiểu học "
                      "HK1.KTGK, HK1.KTCK; chủ nhiệm: HK1.RL, HK1.NXCN, CC.YYYY-MM-DD hoặc theo buổi CC.YYYY-MM-DD.S / "
                      ".C, tiểu học HK1.PC1…PC5, HK1.NL1…NL10 (thêm .GK cho giữa kì); HK2 tương tự)");
  }
  // INVALID_VALUE like every value refused here (the op_value fuzz property).
  if (col->kind == Column::Kind::kRetest || col->kind == Column::Kind::kSummerConduct ||
      col->kind == Column::Kind::kRecognition) {
    const bool retest = col->kind == Column::Kind::kRetest, summer = col->kind == Column::Kind::kSummerConduct;
    return Status(ErrorCode::kInvalidValue,
                  std::string(retest   ? "kết quả kiểm tra lại"
                              : summer ? "kết quả rèn luyện trong hè"
                                       : "khen thưởng Học sinh Tiêu biểu") +
                      " do Ban giám hiệu ghi bằng lệnh sodiem-server " +
                      (retest ? "retest" : summer ? "summer" : "recognise") + ", không nhập từ sổ điểm");
  }
  if (!subject) {
    if (!col->homeroom())
      return Status(ErrorCode::kInvalidValue, "cột " + excerpt(column) +
                                                  " là cột của môn học; sổ chủ nhiệm có HKn.RL, HKn.NXCN, CC.YYYY-MM-DD");
    if (value.empty()) return std::string();
    switch (col->kind) {
      case Column::Kind::kConduct: {
        static const std::vector<std::pair<const char*, std::vector<const char*>>> kLevels = {
            {"Tốt", {"Tốt", "tot", "T"}},
            {"Khá", {"Khá", "kha", "K"}},
            {"Đạt", {"Đạt", "dat", "Đ", "D"}},
            {"Chưa đạt", {"Chưa đạt", "chua dat", "CĐ", "CD"}}};
        if (auto level = one_of(value, kLevels)) return *level;
        return Status(ErrorCode::kInvalidValue,
                      "kết quả rèn luyện phải là Tốt, Khá, Đạt hoặc Chưa đạt (hoặc T, K, Đ, CĐ), không phải \"" +
                          excerpt(value) + "\"");
      }
      case Column::Kind::kQuality:
      case Column::Kind::kCompetence: {
        static const std::vector<std::pair<const char*, std::vector<const char*>>> kLevels = {
            {"Tốt", {"Tốt", "tot", "T"}}, {"Đạt", {"Đạt", "dat", "Đ", "D"}},
            {"Cần cố gắng", {"Cần cố gắng", "can co gang", "CCG", "C"}}};
        if (auto level = one_of(value, kLevels)) return *level;
        return Status(ErrorCode::kInvalidValue,
                      std::string(col->kind == Column::Kind::kQuality ? "phẩm chất " + std::string(quality_name(col->index))
                                                                      : "năng lực " + std::string(competence_name(col->index))) +
                          ": nhập Tốt, Đạt hoặc Cần cố gắng (T, Đ, C), không phải \"" + excerpt(value) + "\"");
      }
      case Column::Kind::kAttendance:
        if (value == "P" || value == "p") return std::string("P");
        if (value == "K" || value == "k") return std::string("K");
        return Status(ErrorCode::kInvalidValue, "chuyên cần: nhập P (nghỉ có phép) hoặc K (nghỉ không phép), không phải \"" +
                                                    excerpt(value) + "\"");
      default:
        return comment_text(value);
    }
  }
  if (col->homeroom())
    return Status(ErrorCode::kInvalidValue,
                  "cột " + excerpt(column) + " thuộc sổ chủ nhiệm (môn \"" + std::string(protocol::kHomeroomSubject) +
                      "\"), không thuộc môn " + subject->name);
  if (col->kind == Column::Kind::kSubjectComment) return value.empty() ? Result<std::string>(std::string()) : comment_text(value);
  if (col->kind == Column::Kind::kExemption)
    return Status(ErrorCode::kForbidden, "miễn học môn " + subject->name +
                                             " do Hiệu trưởng quyết định và được ghi bằng lệnh sodiem-server exempt, "
                                             "không nhập từ sổ điểm");
  if (subject->primary) return primary_value(*subject, *col, column, value);
  if (col->kind == Column::Kind::kPeriodicTest)
    return Status(ErrorCode::kInvalidValue, "cột " + excerpt(column) + " (bài kiểm tra định kì theo Thông tư 27) chỉ có ở "
                                                "môn tiểu học; môn " + subject->name + " dùng HKn.GK, HKn.CK");
  const int tx = regular_assessments(*subject);
  if (col->kind == Column::Kind::kRegular && col->index > tx) {
    return Status(ErrorCode::kInvalidValue, "môn " + subject->name + " chỉ có " + std::to_string(tx) +
                                                " cột đánh giá thường xuyên mỗi học kì, không có cột " +
                                                excerpt(column));
  }
  if (value.empty()) return std::string();
  if (subject->scored) {
    auto mark = Mark::parse(value);
    if (!mark) {
      return Status(ErrorCode::kInvalidValue, "điểm \"" + excerpt(value) +
                                                  "\" không hợp lệ: điểm phải từ 0 đến 10, tối đa một chữ số thập phân");
    }
    return mark->to_string();
  }
  static const std::vector<std::pair<const char*, std::vector<const char*>>> kGrades = {
      {"Đ", {"Đ", "D", "Đạt", "dat"}}, {"CĐ", {"CĐ", "CD", "Chưa đạt", "chua dat"}}};
  if (auto grade = one_of(value, kGrades)) return *grade;
  return Status(ErrorCode::kInvalidValue, "môn " + subject->name +
                                              " đánh giá bằng nhận xét: nhập Đ (Đạt) hoặc CĐ (Chưa đạt), không phải \"" +
                                              excerpt(value) + "\"");
}

Result<std::string> normalize_year_end_value(const protocol::SubjectInfo* subject, std::string_view column,
                                             std::string_view value) {
  const auto col = Column::parse(column);
  if (col && col->kind == Column::Kind::kSummerConduct && !subject) {
    if (value.empty()) return std::string();
    static const std::vector<std::pair<const char*, std::vector<const char*>>> kResults = {
        {"Đạt", {"Đạt", "dat", "Đ", "D"}}, {"Chưa đạt", {"Chưa đạt", "chua dat", "CĐ", "CD"}}};
    if (auto r = one_of(value, kResults)) return *r;
    return Status(ErrorCode::kInvalidValue, "kết quả rèn luyện trong hè phải là Đạt hoặc Chưa đạt (Đ, CĐ), không phải \"" +
                                                excerpt(value) + "\"");
  }
  if (col && col->kind == Column::Kind::kRecognition && !subject) {
    if (value.empty()) return std::string();
    auto text = comment_text(value);
    if (text && text->empty()) return Status(ErrorCode::kInvalidValue, "hãy ghi thành tích hoặc tiến bộ được công nhận");
    return text;
  }
  if (col && col->kind == Column::Kind::kRetest && subject && !subject->primary &&
      subject->name != protocol::kHomeroomSubject) {
    if (value.empty()) return std::string();
    // Did not sit the re-test: recorded as such (board::kRetestAbsent).
    static const std::vector<std::pair<const char*, std::vector<const char*>>> kAbsent = {
        {"Vắng", {"Vắng", "vang", "V", "vắng thi", "vang thi", "vắng kiểm tra lại", "vang kiem tra lai"}}};
    if (one_of(value, kAbsent)) return std::string(board::kRetestAbsent);
    if (subject->scored) {
      if (auto mark = Mark::parse(value)) return mark->to_string();
      return Status(ErrorCode::kInvalidValue, "điểm kiểm tra lại môn " + subject->name + " \"" + excerpt(value) +
                                                  "\" không hợp lệ: điểm phải từ 0 đến 10, tối đa một chữ số thập phân "
                                                  "(Vắng nếu học sinh không dự kiểm tra lại)");
    }
    static const std::vector<std::pair<const char*, std::vector<const char*>>> kGrades = {
        {"Đ", {"Đ", "D", "Đạt", "dat"}}, {"CĐ", {"CĐ", "CD", "Chưa đạt", "chua dat"}}};
    if (auto grade = one_of(value, kGrades)) return *grade;
    return Status(ErrorCode::kInvalidValue, "môn " + subject->name + " đánh giá bằng nhận xét: kết quả kiểm tra lại là Đ "
                                                "(Đạt) hoặc CĐ (Chưa đạt), hoặc Vắng nếu học sinh không dự kiểm tra lại, "
                                                "không phải \"" + excerpt(value) + "\"");
  }
  return Status(ErrorCode::kInvalidValue, "cột \"" + excerpt(column) +
                                              "\" không phải cột cuối năm (CN.KTL của một môn THCS/THPT, CN.RLH, CN.TB của "
                                              "sổ chủ nhiệm)");
}

}  // namespace sodiem
