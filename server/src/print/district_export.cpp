// The district export (see district_export.hpp; the format:
// docs/district-export.md): gathers every current class's approved year,
// checks it all, then writes CSV or XML through a temporary file.
#include "sodiem/server/status_page.hpp"  // html_escape: also right for XML text and attributes
#include "sodiem/server/district_export.hpp"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include "records_data.hpp"
#include "sodiem/core/grading.hpp"
#include "sodiem/core/mark.hpp"
#include "sodiem/core/names.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/core/year_outcomes.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/roster_csv.hpp"
#include "sodiem/server/school_year.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/year_outcomes.hpp"

namespace sodiem::server {
namespace {

// The fixed fields of a student, in the CSV's column order, with their XML
// element ("" = an attribute of <class> or <student>, or the root's).
struct Field {
  const char* header;
  const char* element;
};
enum FieldIndex {
  kYear, kSchool, kLevel, kGrade, kClass, kOrder, kCode, kName, kBirth, kSex, kLearning, kConduct, kEducation,
  kAbsent, kDecision, kRetest, kSummer, kFinalLearning, kFinalConduct, kCompletion, kOutcome, kAward, kFieldCount
};
constexpr Field kFields[kFieldCount] = {
    {"Năm học", ""},
    {"Trường", ""},
    {"Cấp học", ""},
    {"Khối", ""},
    {"Lớp", ""},
    {"STT", ""},
    {"Mã học sinh", ""},
    {"Họ và tên", "name"},
    {"Ngày sinh", "birth-date"},
    {"Giới tính", "sex"},
    {"Kết quả học tập", "learning"},
    {"Kết quả rèn luyện", "conduct"},
    {"Kết quả giáo dục", "education-result"},
    {"Số buổi nghỉ", "absent-sessions"},
    {"Xét cuối năm", "decision"},
    {"Kiểm tra lại", ""},
    {"Rèn luyện trong hè", "summer-training"},
    {"Kết quả học tập sau cùng", "final-learning"},
    {"Kết quả rèn luyện sau cùng", "final-conduct"},
    {"Hoàn thành chương trình", "completion"},
    {"Kết quả cuối năm", "outcome"},
    {"Khen thưởng", "award"},
};

// The board's year columns that are not a subject, a test, a quality or a
// competence: their values come from the year's outcome instead.
bool summary_column(const std::string& c) {
  return c == "Học tập" || c == "Rèn luyện" || c == "Nghỉ" || c == "Lên lớp" || c == "Danh hiệu" ||
         c == "Kết quả giáo dục" || c == "Hoàn thành chương trình" || c == "Khen thưởng";
}

struct StudentRow {
  std::string fields[kFieldCount];
  std::vector<board::Retest> retests;
  std::map<std::string, std::string> results;  // board column → value
};

struct ClassRows {
  std::string name, level;
  int grade = 0;
  std::vector<StudentRow> students;
};

struct Export {
  std::string year, school;
  std::vector<std::string> columns;  // result columns, first seen first
  std::vector<ClassRows> classes;
  std::vector<std::string> problems;
};

std::string level_of(bool primary, int grade) {
  if (primary) return "Tiểu học";
  if (grade >= 6 && grade <= 9) return "THCS";
  if (grade >= 10 && grade <= 12) return "THPT";
  return "";
}

// "2014-09-05" → "05/09/2014"; nullopt unless a real calendar date.
std::optional<std::string> birth_date(const std::string& iso) {
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-') return std::nullopt;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (iso[i] < '0' || iso[i] > '9') return std::nullopt;
  const int y = std::stoi(iso.substr(0, 4)), m = std::stoi(iso.substr(5, 2)), d = std::stoi(iso.substr(8, 2));
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return std::nullopt;
  if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return std::nullopt;
  return iso.substr(8, 2) + "/" + iso.substr(5, 2) + "/" + iso.substr(0, 4);
}

std::string level_text(const std::optional<grading::Level>& l) {
  return l ? std::string(grading::level_name(*l)) : std::string();
}

std::string retest_text(const std::vector<board::Retest>& retests) {
  std::string out;
  for (const auto& r : retests)
    out += (out.empty() ? "" : "; ") + r.subject + ": " + (r.result ? decimal_comma(*r.result) : "chưa có kết quả");
  return out;
}

// One class: its approval, its students' identity and year.
void gather_class(store::Db& db, std::int64_t class_id, const std::string& class_name, int grade, const NameOrder& order,
                  Export& out) {
  const std::string where = "Lớp " + class_name;
  if (!year_approved(db, class_id)) {
    out.problems.push_back(where + ": kết quả cả năm (bảng tổng hợp HK2) chưa được hiệu trưởng phê duyệt");
    return;
  }
  if (const auto approval = records::signed_step(db, class_id, -1, "HK2", "approve"); !approval || !approval->matches) {
    out.problems.push_back(where + ": dữ liệu đã thay đổi sau khi hiệu trưởng phê duyệt (chữ ký số không còn khớp); "
                                   "cần phê duyệt lại");
    return;
  }
  const board::ClassBook book = load_class_book(db, class_id);
  ClassRows rows;
  rows.name = class_name;
  rows.grade = grade;
  const bool primary = board::primary_class(book);
  rows.level = level_of(primary, grade);

  std::map<std::string, std::map<std::string, std::string>> year;  // student → column → value
  for (const auto& line : board::summary_board("HK2", book))
    if (line.subject == "Tổng hợp CN" && !summary_column(line.column)) {
      year[line.student][line.column] = line.value;
      if (std::find(out.columns.begin(), out.columns.end(), line.column) == out.columns.end())
        out.columns.push_back(line.column);
    }
  std::map<std::string, board::StudentOutcome> outcomes;
  for (auto& o : board::year_outcomes(book)) outcomes[o.student] = std::move(o);

  struct Identity {
    std::string code, name, birth, sex;
  };
  std::vector<Identity> students;
  auto s = db.prepare("SELECT code, full_name, COALESCE(birth_date, ''), COALESCE(gender, '') FROM students "
                      "WHERE class_id = ? AND status = 'active'");
  s.bind(1, class_id);
  while (s.step()) students.push_back({s.text(0), s.text(1), s.text(2), s.text(3)});
  order.sort(students, [](const Identity& i) { return i.name; });

  int stt = 0;
  for (const auto& st : students) {
    const std::string who = where + ", " + st.code + " (" + st.name + "): ";
    StudentRow row;
    auto& f = row.fields;
    f[kYear] = out.year;
    f[kSchool] = out.school;
    f[kLevel] = rows.level;
    f[kGrade] = std::to_string(grade);
    f[kClass] = class_name;
    f[kOrder] = std::to_string(++stt);
    f[kCode] = st.code;
    f[kName] = st.name;
    if (st.birth.empty()) out.problems.push_back(who + "thiếu ngày sinh");
    else if (auto d = birth_date(st.birth)) f[kBirth] = *d;
    else out.problems.push_back(who + "ngày sinh \"" + excerpt(st.birth) + "\" không hợp lệ");
    if (st.sex == "Nam" || st.sex == "Nữ") f[kSex] = st.sex;
    else out.problems.push_back(who + (st.sex.empty() ? "thiếu giới tính" : "giới tính \"" + excerpt(st.sex) + "\" không hợp lệ") +
                                " (Nam hoặc Nữ)");
    auto it = outcomes.find(st.code);
    if (it == outcomes.end() || it->second.final == board::Final::kIncomplete) {
      std::string missing;
      if (it != outcomes.end())
        for (const auto& a : it->second.awaiting) missing += (missing.empty() ? ": " : ", ") + a;
      out.problems.push_back(who + "chưa đủ kết quả cả năm" + missing);
      continue;
    }
    const board::StudentOutcome& o = it->second;
    f[kLearning] = level_text(o.learning);
    f[kConduct] = level_text(o.conduct);
    if (o.primary_result) f[kEducation] = std::string(grading::year_result_name(*o.primary_result));
    f[kAbsent] = std::to_string(o.absent_sessions);
    if (o.outcome) f[kDecision] = std::string(grading::outcome_name(*o.outcome));
    f[kRetest] = retest_text(o.retests);
    if (o.summer_training) f[kSummer] = o.summer_result.value_or("chưa có kết quả");
    f[kFinalLearning] = level_text(o.final_learning);
    f[kFinalConduct] = level_text(o.final_conduct);
    f[kCompletion] = o.completion;
    f[kOutcome] = std::string(board::final_name(o.final));
    f[kAward] = o.award.value_or("");
    row.retests = o.retests;
    // Primary ratings in the circular's symbols, as the printed books have them.
    for (const auto& [column, value] : year[st.code])
      row.results[column] = primary ? records::tt27_board_form(column, value) : decimal_comma(value);
    rows.students.push_back(std::move(row));
  }
  out.classes.push_back(std::move(rows));
}

// Every text in NFC; a text that is not UTF-8 is a problem.
std::string nfc(const std::string& text, Export& e, const std::string& where) {
  if (auto n = to_nfc(text)) return *n;
  e.problems.push_back(where + ": văn bản không phải UTF-8 hợp lệ");
  return text;
}

std::string attr(const std::string& name, const std::string& value) { return " " + name + "=\"" + html_escape(value) + "\""; }

std::string today_vn() {
  const std::time_t t = std::time(nullptr) + 7 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[40];  // room for any int's digits: no truncation to warn of
  std::snprintf(out, sizeof out, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
  return out;
}

std::string csv_text(Export& e) {
  std::vector<std::string> header;
  for (const auto& f : kFields) header.push_back(f.header);
  for (const auto& c : e.columns) header.push_back(nfc(c, e, "cột " + c));
  std::string out = csv_first_line(header);
  for (auto& cls : e.classes)
    for (auto& st : cls.students) {
      std::vector<std::string> line;
      for (const auto& v : st.fields) line.push_back(nfc(v, e, st.fields[kCode]));
      for (const auto& c : e.columns) {
        auto it = st.results.find(c);
        line.push_back(it == st.results.end() ? std::string() : nfc(it->second, e, st.fields[kCode]));
      }
      out += csv_line(line);
    }
  return out;
}

// A result column as an XML element: a subject's year result, a primary
// subject's end-of-year test (KTĐK), a quality or a competence.
std::string result_element(const std::string& column, const std::string& value) {
  static const std::string kTest = " (KTĐK)", kQuality = "Phẩm chất ", kCompetence = "Năng lực ";
  if (column.size() > kTest.size() && column.compare(column.size() - kTest.size(), kTest.size(), kTest) == 0)
    return "<test" + attr("subject", column.substr(0, column.size() - kTest.size())) + ">" + html_escape(value) + "</test>";
  if (column.rfind(kQuality, 0) == 0)
    return "<quality" + attr("name", column.substr(kQuality.size())) + ">" + html_escape(value) + "</quality>";
  if (column.rfind(kCompetence, 0) == 0)
    return "<competence" + attr("name", column.substr(kCompetence.size())) + ">" + html_escape(value) + "</competence>";
  return "<subject" + attr("name", column) + ">" + html_escape(value) + "</subject>";
}

std::string xml_text(Export& e) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<district-export" + attr("format", "sodiem-district/1") +
                    attr("year", e.year) + attr("school", nfc(e.school, e, "tên trường")) + attr("exported", today_vn()) +
                    ">\n";
  for (auto& cls : e.classes) {
    out += "  <class" + attr("name", nfc(cls.name, e, "lớp")) + attr("grade", std::to_string(cls.grade)) +
           attr("level", cls.level) + ">\n";
    for (auto& st : cls.students) {
      const std::string code = st.fields[kCode];
      out += "    <student" + attr("code", nfc(code, e, code)) + attr("order", st.fields[kOrder]) + ">\n";
      for (int i = 0; i < kFieldCount; ++i) {
        if (i == kRetest) {
          for (const auto& r : st.retests)
            out += "      <retest" + attr("subject", nfc(r.subject, e, code)) +
                   attr("year-result", decimal_comma(r.year_result)) +
                   (r.result ? attr("result", nfc(decimal_comma(*r.result), e, code)) : std::string()) + "/>\n";
          continue;
        }
        if (*kFields[i].element == '\0' || st.fields[i].empty()) continue;
        const std::string el = kFields[i].element;
        out += "      <" + el + ">" + html_escape(nfc(st.fields[i], e, code)) + "</" + el + ">\n";
        if (i == kAbsent)  // the results after the absences: as the board lists them
          for (const auto& c : e.columns)
            if (auto it = st.results.find(c); it != st.results.end())
              out += "      " + result_element(nfc(c, e, code), nfc(it->second, e, code)) + "\n";
      }
      out += "    </student>\n";
    }
    out += "  </class>\n";
  }
  return out + "</district-export>\n";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

DistrictReport export_district(store::Db& db, const std::string& year, const std::string& path) {
  DistrictReport report;
  Export e;
  e.year = current_year_name(db);
  e.school = get_meta(db, "school_name", "");
  report.year = e.year;
  std::string lower = path;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool xml = ends_with(lower, ".xml");
  if (!xml && !ends_with(lower, ".csv")) e.problems.push_back("tệp xuất phải có đuôi .csv hoặc .xml: " + excerpt(path));
  if (e.year.empty()) e.problems.push_back("chưa có năm học nào");
  else if (!year.empty() && year != e.year)
    e.problems.push_back("dữ liệu này là của năm học " + e.year + ", không phải năm học " + excerpt(year));
  if (!e.problems.empty()) {
    report.problems = std::move(e.problems);
    return report;
  }

  const NameOrder order;
  auto c = db.prepare("SELECT id, name, grade FROM current_classes ORDER BY grade, name");
  bool any = false;
  while (c.step()) {
    any = true;
    gather_class(db, c.int64(0), c.text(1), static_cast<int>(c.int64(2)), order, e);
  }
  if (!any) e.problems.push_back("năm học " + e.year + " không có lớp nào");
  const std::string text = e.problems.empty() ? (xml ? xml_text(e) : csv_text(e)) : std::string();
  if (!e.problems.empty()) {
    report.problems = std::move(e.problems);
    return report;
  }

  // Whole or not at all: a temporary file beside it, renamed once complete.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      report.problems.push_back("không ghi được tệp " + path);
      return report;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    report.problems.push_back("không ghi được tệp " + path);
    return report;
  }
  report.ok = true;
  for (const auto& cls : e.classes) {
    ++report.classes;
    report.students += static_cast<int>(cls.students.size());
  }
  return report;
}

}  // namespace sodiem::server
