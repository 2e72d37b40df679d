// Bounded CSV reading, field checks and the roster files' row rules (see
// roster_csv.hpp). No database: roster_io.cpp stores what this accepts.
#include "sodiem/server/roster_csv.hpp"

#include <algorithm>
#include <cstdio>
#include <istream>
#include <set>
#include <sstream>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/protocol/codec.hpp"
#include "sodiem/protocol/text.hpp"

namespace sodiem::server {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";  // Excel's UTF-8 byte order mark
// What a spreadsheet reads as the start of a formula, and the guard itself.
constexpr std::string_view kGuarded = "=+-@\t\r'";

std::string size_text(std::size_t bytes) {
  if (bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MiB";
  return std::to_string(bytes) + " byte";
}

std::string trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, sep);)
    if (!trim(part).empty()) out.push_back(trim(part));
  return out;
}

// Why a cell's text is refused, for the clerk who fixes the file.
std::string fault_text_of(protocol::TextFault fault) {
  switch (fault) {
    case protocol::TextFault::kNotUtf8: return "không phải văn bản UTF-8; hãy lưu tệp dạng \"CSV UTF-8\"";
    case protocol::TextFault::kControl: return "có ký tự điều khiển (xuống dòng, tab…), không được phép trong ô này";
    case protocol::TextFault::kInvisible:
      return "có ký tự ẩn (không độ rộng hoặc đổi chiều chữ, hay lẫn vào khi sao chép từ web, Word, tin nhắn): "
             "tên trông như nhau mà máy hiểu là khác; hãy xóa ô này và gõ lại";
    case protocol::TextFault::kNone: break;
  }
  return {};
}

// "" if a person's full name fits the roster and the protocol, else why.
std::string name_problem(const std::string& what, const std::string& name) {
  const std::size_t chars = code_points(name);
  if (chars <= tuning::kMaxPersonNameChars && name.size() <= protocol::kMaxNameBytes) return {};
  return what + " \"" + excerpt(name) + "\" dài quá: " + std::to_string(chars) + " ký tự, " +
         std::to_string(name.size()) + " byte (tối đa " + std::to_string(tuning::kMaxPersonNameChars) + " ký tự và " +
         std::to_string(protocol::kMaxNameBytes) + " byte)";
}
// "" if a key (code, class, username) fits the protocol, else why.
std::string key_problem(const std::string& what, const std::string& key) {
  if (key.size() <= protocol::kMaxKeyBytes) return {};
  return what + " \"" + excerpt(key) + "\" dài quá " + std::to_string(protocol::kMaxKeyBytes) + " byte";
}

const std::vector<std::pair<std::string, std::string>> kStatus = {
    {"Đang học", "active"}, {"Nghỉ học", "left"}, {"Chuyển trường", "transferred"},
    {"Đã ra trường", "graduated"}};

}  // namespace

// The separator of a file: ';' when its first line (outside quotes) has
// more semicolons than commas — Excel writes that where the decimal mark is
// a comma, as in Vietnamese settings — else ','.
static char separator_of(std::string_view text) {
  std::size_t commas = 0, semicolons = 0;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c == '\n' || c == '\r') break;
    else if (c == ',') ++commas;
    else if (c == ';') ++semicolons;
  }
  return semicolons > commas ? ';' : ',';
}

CsvRows parse_csv(std::string_view text, const CsvLimits& limits) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  const char sep = separator_of(text);
  CsvRows out;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  // The problem, on the line being read; what was read is dropped.
  auto fail = [&](const std::string& why) {
    out.error = "dòng " + std::to_string(out.rows.size() + 1) + ": " + why;
    out.rows.clear();
    return out;
  };
  const auto too_long = [&] {
    return fail("ô thứ " + std::to_string(row.size() + 1) + " dài hơn " + size_text(limits.max_field_bytes) +
                "; đây không phải một ô của danh sách");
  };
  const auto end_field = [&] {
    if (row.size() >= limits.max_fields) return false;
    row.push_back(std::move(field));
    field.clear();
    return true;
  };
  const auto too_many_fields = [&] {
    return fail("có hơn " + std::to_string(limits.max_fields) + " cột");
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      if (field.size() > limits.max_field_bytes) return too_long();
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == sep) {
      if (!end_field()) return too_many_fields();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (!end_field()) return too_many_fields();
      if (out.rows.size() >= limits.max_rows)
        return fail("tệp có hơn " + std::to_string(limits.max_rows) + " dòng; danh sách của một trường không dài như vậy");
      out.rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else {
      field += c;
      any = true;
      if (field.size() > limits.max_field_bytes) return too_long();
    }
  }
  if (quoted) return fail("dấu ngoặc kép (\") mở mà không đóng");
  if (any || !field.empty()) {
    if (!end_field()) return too_many_fields();
    if (out.rows.size() >= limits.max_rows)
      return fail("tệp có hơn " + std::to_string(limits.max_rows) + " dòng; danh sách của một trường không dài như vậy");
    out.rows.push_back(std::move(row));
  }
  return out;
}

CsvRows read_csv(std::istream& in, const CsvLimits& limits) {
  std::string text;
  char buf[64 * 1024];
  while (text.size() <= limits.max_bytes) {
    in.read(buf, static_cast<std::streamsize>(std::min(sizeof buf, limits.max_bytes + 1 - text.size())));
    const auto got = in.gcount();
    if (got <= 0) break;
    text.append(buf, static_cast<std::size_t>(got));
  }
  if (text.size() > limits.max_bytes) {
    CsvRows out;
    out.error = "tệp lớn hơn " + size_text(limits.max_bytes) +
                ": danh sách học sinh, cán bộ của một trường nhỏ hơn nhiều; hãy kiểm tra lại tệp";
    return out;
  }
  return parse_csv(text, limits);
}

std::string csv_field(std::string_view v) {
  std::string out;
  if (!v.empty() && kGuarded.find(v.front()) != std::string_view::npos) out = "'";
  out += v;
  // A field that starts with a BOM is quoted so that, as the file's first
  // field, the reader does not take it for Excel's mark.
  if (out.find_first_of(",\"\n\r") == std::string::npos && out.substr(0, kBom.size()) != kBom) return out;
  std::string quoted = "\"";
  for (char c : out) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string csv_line(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
  return out + "\n";
}

std::string text_fault_text(protocol::TextFault fault) { return fault_text_of(fault); }

std::string csv_first_line(const std::vector<std::string>& header) { return std::string(kBom) + csv_line(header); }

std::string unguard_field(std::string v) {
  if (v.size() >= 2 && v[0] == '\'' && kGuarded.find(v[1]) != std::string_view::npos) v.erase(0, 1);
  return v;
}

std::string RosterTable::cell(std::size_t row, const std::string& column) const {
  auto it = columns.find(column);
  if (it == columns.end() || it->second >= rows[row].size()) return {};
  return rows[row][it->second];
}

bool RosterTable::blank(std::size_t row) const {
  return std::all_of(rows[row].begin(), rows[row].end(), [](const std::string& f) { return f.empty(); });
}

bool read_roster_table(std::istream& in, const std::vector<std::string>& required, RosterTable& t,
                       std::vector<std::string>& errors, const CsvLimits& limits) {
  auto csv = read_csv(in, limits);
  if (!csv.error.empty()) {
    errors.push_back(std::move(csv.error));
    return false;
  }
  if (csv.rows.empty()) {
    errors.push_back("tệp trống: cần dòng tiêu đề");
    return false;
  }
  t.rows = std::move(csv.rows);
  const std::size_t before = errors.size();
  std::vector<bool> header_ok;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    for (std::size_t k = 0; k < t.rows[r].size(); ++k) {
      std::string& f = t.rows[r][k];
      if (const auto fault = protocol::text_fault(f, protocol::TextKind::kName); fault != protocol::TextFault::kNone) {
        const std::string where = "dòng " + std::to_string(r + 1) +
                                  (r > 0 && k < header_ok.size() && header_ok[k] ? ", cột \"" + t.rows[0][k] + "\": "
                                                                                  : ", ô thứ " + std::to_string(k + 1) + ": ");
        errors.push_back(where + fault_text_of(fault));
        if (r == 0) header_ok.push_back(false);
        continue;
      }
      auto nfc = to_nfc(trim(f));
      if (!nfc) {  // ICU failed on well-formed text: nothing a clerk can fix
        errors.push_back("dòng " + std::to_string(r + 1) + ": không chuẩn hóa được văn bản Unicode (ICU)");
        if (r == 0) header_ok.push_back(false);
        continue;
      }
      f = unguard_field(std::move(*nfc));
      if (r == 0) header_ok.push_back(true);
    }
  }
  for (std::size_t i = 0; i < t.rows[0].size(); ++i)
    if (header_ok[i]) t.columns[t.rows[0][i]] = i;
  // A row longer than the header lost nothing only if its extra cells are
  // empty (a trailing separator); otherwise a list such as "6A:Toán;6B:Toán"
  // was split into cells and would be cut short without a word.
  const std::size_t width = t.rows[0].size();
  for (std::size_t r = 1; r < t.rows.size(); ++r)
    if (t.rows[r].size() > width &&
        std::any_of(t.rows[r].begin() + static_cast<std::ptrdiff_t>(width), t.rows[r].end(),
                    [](const std::string& f) { return !f.empty(); }))
      errors.push_back("dòng " + std::to_string(r + 1) + ": có " + std::to_string(t.rows[r].size()) +
                       " ô, nhiều hơn " + std::to_string(width) +
                       " cột của dòng tiêu đề. Một ô chứa dấu chấm phẩy hoặc dấu phẩy (ví dụ phân công "
                       "6A:Toán;6B:Toán) phải đặt trong dấu ngoặc kép: \"6A:Toán;6B:Toán\"");
  for (const auto& name : required)
    if (!t.columns.contains(name)) errors.push_back("dòng 1: thiếu cột \"" + name + "\"");
  return errors.size() == before;
}

int grade_of_class(std::string_view name) {
  int grade = 0;
  std::size_t i = 0;
  while (i < name.size() && i < 2 && name[i] >= '0' && name[i] <= '9') grade = grade * 10 + (name[i++] - '0');
  if (i == 0 || i == name.size() || grade < 1 || grade > 12) return 0;
  return grade;
}

std::optional<std::string> status_code(const std::string& label) {
  if (label.empty()) return "active";
  for (const auto& [l, code] : kStatus)
    if (l == label) return code;
  return std::nullopt;
}

std::string status_label(const std::string& code) {
  for (const auto& [label, c] : kStatus)
    if (c == code) return label;
  return kStatus.front().first;
}

std::vector<ImportedStudent> check_students(const RosterTable& t, std::vector<std::string>& errors,
                                            const std::set<int>& taught_grades) {
  std::vector<ImportedStudent> students;
  std::set<std::string> seen;
  for (std::size_t r = 1; r < t.rows.size(); ++r) {
    if (t.blank(r)) continue;
    const std::string line = "dòng " + std::to_string(r + 1) + ": ";
    const std::size_t before = errors.size();
    auto bad = [&](const std::string& why) {
      if (!why.empty()) errors.push_back(line + why);
    };
    ImportedStudent s{t.cell(r, "Mã học sinh"), t.cell(r, "Họ và tên"),
                      typed_day(t.cell(r, "Ngày sinh"), 1990).value_or(""),  // a birth date
                      t.cell(r, "Giới tính"), t.cell(r, "Lớp"), "", grade_of_class(t.cell(r, "Lớp"))};
    if (s.code.empty()) bad("thiếu mã học sinh");
    else if (!seen.insert(s.code).second) bad("mã học sinh " + s.code + " bị trùng trong tệp");
    bad(key_problem("mã học sinh", s.code));
    if (s.name.empty()) bad("thiếu họ và tên");
    bad(name_problem("họ và tên", s.name));
    if (s.birth_date.empty())
      bad("ngày sinh \"" + excerpt(t.cell(r, "Ngày sinh")) + "\" không hợp lệ (" + std::string(kTypedDateFormats) + ")");
    if (const auto key = match_key(s.gender); key == match_key("Nam")) s.gender = "Nam";  // "nam", "NAM"
    else if (key == match_key("Nữ")) s.gender = "Nữ";
    if (s.gender != "Nam" && s.gender != "Nữ") bad("giới tính phải là Nam hoặc Nữ");
    if (s.grade == 0) bad("tên lớp \"" + excerpt(s.class_name) + "\" phải bắt đầu bằng khối (vd. 6A)");
    else if (!taught_grades.empty() && !taught_grades.contains(s.grade)) {
      std::string grades;
      for (int g : taught_grades) grades += (grades.empty() ? "" : ", ") + std::to_string(g);
      bad("lớp " + excerpt(s.class_name) + " thuộc khối " + std::to_string(s.grade) +
          ", trường không dạy khối này (các khối của trường: " + grades + ")");
    }
    bad(key_problem("tên lớp", s.class_name));
    if (auto status = status_code(t.cell(r, "Trạng thái"))) s.status = *status;
    else bad("trạng thái phải là Đang học, Nghỉ học hoặc Chuyển trường");
    if (errors.size() == before) students.push_back(std::move(s));
  }
  return students;
}

namespace {

// The entry `typed` names as a person types it (exact, else by match_key:
// "10a1", "hoá học"); end() when none or several.
std::map<std::string, std::int64_t>::const_iterator find_typed(const std::map<std::string, std::int64_t>& names,
                                                               const std::string& typed) {
  if (auto exact = names.find(typed); exact != names.end()) return exact;
  const auto key = match_key(typed);
  auto found = names.end();
  if (!key) return found;
  for (auto it = names.begin(); it != names.end(); ++it)
    if (match_key(it->first) == key) {
      if (found != names.end()) return names.end();
      found = it;
    }
  return found;
}

// A staff role by its code or its name, in any case and tone placement
// ("pht", "Hiệu trưởng"); "" when it is neither.
std::string role_code(const std::string& typed) {
  static const std::pair<const char*, const char*> kRoles[] = {
      {"HT", "Hiệu trưởng"},       {"PHT", "Phó hiệu trưởng"},         {"ADMIN", "Quản trị"},
      {"TTCM", "Tổ trưởng chuyên môn"}, {"GVCN", "Giáo viên chủ nhiệm"}, {"GVBM", "Giáo viên bộ môn"},
      {"VANTHU", "Văn thư"}};
  const auto key = match_key(typed);
  if (!key) return {};
  for (const auto& [code, name] : kRoles)
    if (typed == code || key == match_key(code) || key == match_key(name)) return code;
  return {};
}

}  // namespace

std::vector<ImportedStaff> check_staff(const RosterTable& t, const std::map<std::string, std::int64_t>& classes,
                                  const std::map<std::string, std::int64_t>& subjects, std::vector<std::string>& errors) {
  std::vector<ImportedStaff> staff;
  std::set<std::string> seen_users;
  std::map<std::string, std::string> homeroom_owner;
  for (std::size_t r = 1; r < t.rows.size(); ++r) {
    if (t.blank(r)) continue;
    const std::string line = "dòng " + std::to_string(r + 1) + ": ";
    const std::size_t before = errors.size();
    auto bad = [&](const std::string& why) {
      if (!why.empty()) errors.push_back(line + why);
    };
    ImportedStaff s{t.cell(r, "Tên đăng nhập"), t.cell(r, "Họ và tên"), t.cell(r, "Tổ chuyên môn"), t.cell(r, "Chủ nhiệm"), {}, {}};
    if (s.username.empty() || s.username.find_first_of(" ,;:") != std::string::npos)
      bad("tên đăng nhập \"" + excerpt(s.username) + "\" không hợp lệ");
    else if (!seen_users.insert(s.username).second)
      bad("tên đăng nhập " + s.username + " bị trùng trong tệp");
    bad(key_problem("tên đăng nhập", s.username));
    if (s.name.empty()) bad("thiếu họ và tên");
    bad(name_problem("họ và tên", s.name));
    bad(name_problem("tổ chuyên môn", s.department));
    // A role named twice ("GVBM;GVBM") is that role once: roles are a set,
    // and a file exported before this rule (roles stored twice) imports back.
    // Each role by its code or its name, as a clerk types either ("pht",
    // "Hiệu trưởng", "giáo viên bộ môn").
    for (const auto& typed : split(t.cell(r, "Vai trò"), ';')) {
      const std::string role = role_code(typed);
      if (role.empty()) {
        bad("vai trò \"" + excerpt(typed) + "\" không có (HT, PHT, ADMIN, TTCM, GVCN, GVBM, VANTHU, hoặc tên: Hiệu trưởng, "
            "Phó hiệu trưởng, Quản trị, Tổ trưởng chuyên môn, Giáo viên chủ nhiệm, Giáo viên bộ môn, Văn thư)");
        continue;
      }
      if (std::find(s.roles.begin(), s.roles.end(), role) == s.roles.end()) s.roles.push_back(role);
    }
    if (s.roles.empty() && errors.size() == before) bad("thiếu vai trò");
    if (!s.homeroom.empty()) {
      if (auto c = find_typed(classes, s.homeroom); c != classes.end()) s.homeroom = c->first;
      if (!classes.contains(s.homeroom)) bad("lớp chủ nhiệm " + excerpt(s.homeroom) + " không có");
      else if (homeroom_owner.contains(s.homeroom))
        bad("lớp " + s.homeroom + " đã có giáo viên chủ nhiệm ở dòng " + homeroom_owner[s.homeroom]);
      else homeroom_owner[s.homeroom] = std::to_string(r + 1);
      if (std::find(s.roles.begin(), s.roles.end(), "GVCN") == s.roles.end()) bad("có lớp chủ nhiệm nhưng thiếu vai trò GVCN");
    }
    for (const auto& item : split(t.cell(r, "Phân công"), ';')) {
      // "6A:Toán", or "6A:Toán@2027-01-31" for delegated entry ending that day.
      const auto at = item.find('@');
      const std::string pair = trim(item.substr(0, at));
      std::int64_t ends_at = 0;
      if (at != std::string::npos) {
        const std::string until = trim(item.substr(at + 1));
        auto end = parse_local_time(until + "T23:59");
        if (!end) {
          bad("phân công \"" + excerpt(item) + "\": ngày kết thúc \"" + excerpt(until) + "\" không hợp lệ (YYYY-MM-DD)");
          continue;
        }
        ends_at = *end + 59;
      }
      const auto colon = pair.find(':');
      const std::string cls = trim(pair.substr(0, colon));
      const std::string subj = colon == std::string::npos ? "" : trim(pair.substr(colon + 1));
      auto c = find_typed(classes, cls);
      auto u = find_typed(subjects, subj);
      if (c == classes.end()) bad("phân công \"" + excerpt(pair) + "\": lớp " + excerpt(cls) + " không có");
      else if (u == subjects.end()) bad("phân công \"" + excerpt(pair) + "\": môn \"" + excerpt(subj) + "\" không có");
      else s.teaches.push_back({c->second, u->second, ends_at});
    }
    if (errors.size() == before) staff.push_back(std::move(s));
  }
  return staff;
}

}  // namespace sodiem::server
