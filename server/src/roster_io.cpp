#include "sodiem/server/roster_io.hpp"

#include <algorithm>
#include <istream>
#include <nlohmann/json.hpp>
#include <map>
#include <ostream>
#include <set>
#include <sstream>

#include "sodiem/core/column.hpp"
#include "sodiem/core/crypto.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/locks.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {

std::vector<std::vector<std::string>> parse_csv(const std::string& input) {
  std::string text = input;
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // Excel's UTF-8 BOM
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
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
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string part; std::getline(ss, part, sep);)
    if (!trim(part).empty()) out.push_back(trim(part));
  return out;
}

// Reads the whole file; maps header names to column indexes.
struct Table {
  std::vector<std::vector<std::string>> rows;  // rows[0] = header
  std::map<std::string, std::size_t> columns;
  std::string cell(std::size_t row, const std::string& name) const {
    auto it = columns.find(name);
    if (it == columns.end() || it->second >= rows[row].size()) return {};
    return trim(rows[row][it->second]);
  }
};

bool read_table(std::istream& in, const std::vector<std::string>& required, Table& t, ImportReport& report) {
  std::stringstream ss;
  ss << in.rdbuf();
  t.rows = parse_csv(ss.str());
  if (t.rows.empty()) {
    report.errors.push_back("tệp trống: cần dòng tiêu đề");
    return false;
  }
  for (std::size_t i = 0; i < t.rows[0].size(); ++i) t.columns[trim(t.rows[0][i])] = i;
  for (const auto& name : required)
    if (!t.columns.contains(name)) report.errors.push_back("dòng 1: thiếu cột \"" + name + "\"");
  return report.errors.empty();
}

bool blank(const std::vector<std::string>& row) {
  return std::all_of(row.begin(), row.end(), [](const std::string& f) { return trim(f).empty(); });
}

// "dd/mm/yyyy" or "yyyy-mm-dd" → "yyyy-mm-dd"; "" if invalid.
std::string iso_date(const std::string& s) {
  int d = 0, m = 0, y = 0;
  char a = 0, b = 0;
  std::stringstream ss(s);
  if (s.find('/') != std::string::npos) {
    if (!(ss >> d >> a >> m >> b >> y) || a != '/' || b != '/') return {};
  } else if (!(ss >> y >> a >> m >> b >> d) || a != '-' || b != '-') {
    return {};
  }
  char out[16];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", y, m, d);
  return valid_iso_date(out, 1990) ? std::string(out) : std::string();
}

int grade_of_class(const std::string& name) {
  int grade = 0;
  std::size_t i = 0;
  while (i < name.size() && i < 2 && name[i] >= '0' && name[i] <= '9') grade = grade * 10 + (name[i++] - '0');
  if (i == 0 || i == name.size() || grade < 1 || grade > 12) return 0;
  return grade;
}

const std::map<std::string, std::string> kStatus = {
    {"", "active"}, {"Đang học", "active"}, {"Nghỉ học", "left"}, {"Chuyển trường", "transferred"}};

}  // namespace

ImportReport import_students(sqlite::Db& db, std::istream& in) {
  ImportReport report;
  Table t;
  if (!read_table(in, {"Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp"}, t, report)) return report;
  std::set<std::string> seen;
  struct Student {
    std::string code, name, birth, gender, cls, status;
  };
  std::vector<Student> students;
  for (std::size_t r = 1; r < t.rows.size(); ++r) {
    if (blank(t.rows[r])) continue;
    const std::string line = "dòng " + std::to_string(r + 1) + ": ";
    Student s{t.cell(r, "Mã học sinh"), t.cell(r, "Họ và tên"), iso_date(t.cell(r, "Ngày sinh")),
              t.cell(r, "Giới tính"), t.cell(r, "Lớp"), ""};
    auto status = kStatus.find(t.cell(r, "Trạng thái"));
    const std::size_t before = report.errors.size();
    if (s.code.empty()) report.errors.push_back(line + "thiếu mã học sinh");
    else if (!seen.insert(s.code).second) report.errors.push_back(line + "mã học sinh " + s.code + " bị trùng trong tệp");
    if (s.name.empty()) report.errors.push_back(line + "thiếu họ và tên");
    if (s.birth.empty()) report.errors.push_back(line + "ngày sinh \"" + t.cell(r, "Ngày sinh") + "\" không hợp lệ (dd/mm/yyyy)");
    if (s.gender != "Nam" && s.gender != "Nữ") report.errors.push_back(line + "giới tính phải là Nam hoặc Nữ");
    if (grade_of_class(s.cls) == 0) report.errors.push_back(line + "tên lớp \"" + s.cls + "\" phải bắt đầu bằng khối (vd. 6A)");
    if (status == kStatus.end()) report.errors.push_back(line + "trạng thái phải là Đang học, Nghỉ học hoặc Chuyển trường");
    else s.status = status->second;
    if (report.errors.size() == before) students.push_back(std::move(s));
  }
  if (!report.errors.empty()) return report;

  sqlite::Transaction tx(db);
  auto find_class = db.prepare("SELECT id FROM classes WHERE name = ?");
  auto add_class = db.prepare("INSERT INTO classes(name, grade) VALUES(?, ?)");
  auto exists = db.prepare("SELECT 1 FROM students WHERE code = ?");
  auto upsert = db.prepare(
      "INSERT INTO students(code, full_name, birth_date, gender, class_id, status) VALUES(?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(code) DO UPDATE SET full_name = excluded.full_name, birth_date = excluded.birth_date, "
      "gender = excluded.gender, class_id = excluded.class_id, status = excluded.status");
  for (const auto& s : students) {
    find_class.bind(1, s.cls);
    std::int64_t class_id = 0;
    if (find_class.step()) class_id = find_class.int64(0);
    find_class.reset();
    if (class_id == 0) {
      add_class.bind(1, s.cls).bind(2, grade_of_class(s.cls)).run();
      class_id = db.last_insert_rowid();
    }
    exists.bind(1, s.code);
    const bool existed = exists.step();
    exists.reset();
    upsert.bind(1, s.code).bind(2, s.name).bind(3, s.birth).bind(4, s.gender).bind(5, class_id).bind(6, s.status).run();
    ++(existed ? report.updated : report.inserted);
  }
  bump_roster_version(db);
  append_audit(db, {SystemClock::instance().now_unix_seconds(), "admin-cli", "", "import_students",
                    nlohmann::json{{"inserted", report.inserted}, {"updated", report.updated}}.dump()});
  tx.commit();
  report.ok = true;
  return report;
}

void export_students(sqlite::Db& db, std::ostream& out) {
  out << "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp,Trạng thái\n";
  auto s = db.prepare(
      "SELECT s.code, s.full_name, COALESCE(s.birth_date, ''), COALESCE(s.gender, ''), c.name, s.status "
      "FROM students s JOIN classes c ON c.id = s.class_id ORDER BY c.grade, c.name, s.code");
  while (s.step()) {
    std::string status = "Đang học";
    for (const auto& [label, code] : kStatus)
      if (code == s.text(5) && !label.empty()) status = label;
    std::string birth = s.text(2);
    if (birth.size() == 10) birth = birth.substr(8, 2) + "/" + birth.substr(5, 2) + "/" + birth.substr(0, 4);
    out << csv_field(s.text(0)) << ',' << csv_field(s.text(1)) << ',' << birth << ',' << csv_field(s.text(3)) << ','
        << csv_field(s.text(4)) << ',' << status << '\n';
  }
}

ImportReport import_staff(sqlite::Db& db, std::istream& in, const Clock& clock) {
  ImportReport report;
  Table t;
  if (!read_table(in, {"Tên đăng nhập", "Họ và tên", "Vai trò", "Tổ chuyên môn", "Chủ nhiệm", "Phân công"}, t, report))
    return report;
  static const std::set<std::string> kRoles = {"HT", "PHT", "ADMIN", "TTCM", "GVCN", "GVBM", "VANTHU"};
  std::map<std::string, std::int64_t> classes, subjects;
  {
    auto s = db.prepare("SELECT name, id FROM classes");
    while (s.step()) classes[s.text(0)] = s.int64(1);
    auto u = db.prepare("SELECT name, id FROM subjects");
    while (u.step()) subjects[u.text(0)] = u.int64(1);
  }
  struct Staff {
    std::string username, name, department, homeroom;
    std::vector<std::string> roles;
    struct Teaching {
      std::int64_t class_id, subject_id, ends_at;  // ends_at 0 = open-ended
    };
    std::vector<Teaching> teaches;
  };
  std::vector<Staff> staff;
  std::set<std::string> seen_users;
  std::map<std::string, std::string> homeroom_owner;
  for (std::size_t r = 1; r < t.rows.size(); ++r) {
    if (blank(t.rows[r])) continue;
    const std::string line = "dòng " + std::to_string(r + 1) + ": ";
    const std::size_t before = report.errors.size();
    Staff s{t.cell(r, "Tên đăng nhập"), t.cell(r, "Họ và tên"), t.cell(r, "Tổ chuyên môn"), t.cell(r, "Chủ nhiệm"), {}, {}};
    if (s.username.empty() || s.username.find_first_of(" ,;:") != std::string::npos)
      report.errors.push_back(line + "tên đăng nhập \"" + s.username + "\" không hợp lệ");
    else if (!seen_users.insert(s.username).second)
      report.errors.push_back(line + "tên đăng nhập " + s.username + " bị trùng trong tệp");
    if (s.name.empty()) report.errors.push_back(line + "thiếu họ và tên");
    s.roles = split(t.cell(r, "Vai trò"), ';');
    if (s.roles.empty()) report.errors.push_back(line + "thiếu vai trò");
    for (const auto& role : s.roles)
      if (!kRoles.contains(role))
        report.errors.push_back(line + "vai trò \"" + role + "\" không có (HT, PHT, ADMIN, TTCM, GVCN, GVBM, VANTHU)");
    if (!s.homeroom.empty()) {
      if (!classes.contains(s.homeroom)) report.errors.push_back(line + "lớp chủ nhiệm " + s.homeroom + " không có");
      else if (homeroom_owner.contains(s.homeroom))
        report.errors.push_back(line + "lớp " + s.homeroom + " đã có giáo viên chủ nhiệm ở dòng " + homeroom_owner[s.homeroom]);
      else homeroom_owner[s.homeroom] = std::to_string(r + 1);
      if (std::find(s.roles.begin(), s.roles.end(), "GVCN") == s.roles.end())
        report.errors.push_back(line + "có lớp chủ nhiệm nhưng thiếu vai trò GVCN");
    }
    for (const auto& item : split(t.cell(r, "Phân công"), ';')) {
      // "6A:Toán", or "6A:Toán@2027-01-31" for delegated entry ending that day.
      const auto at = item.find('@');
      const std::string pair = trim(item.substr(0, at));
      std::int64_t ends_at = 0;
      if (at != std::string::npos) {
        const std::string until = trim(item.substr(at + 1));
        auto t = parse_local_time(until + "T23:59");
        if (!t) {
          report.errors.push_back(line + "phân công \"" + item + "\": ngày kết thúc \"" + until + "\" không hợp lệ (YYYY-MM-DD)");
          continue;
        }
        ends_at = *t + 59;
      }
      auto colon = pair.find(':');
      const std::string cls = trim(pair.substr(0, colon));
      const std::string subj = colon == std::string::npos ? "" : trim(pair.substr(colon + 1));
      if (!classes.contains(cls)) report.errors.push_back(line + "phân công \"" + pair + "\": lớp " + cls + " không có");
      else if (!subjects.contains(subj))
        report.errors.push_back(line + "phân công \"" + pair + "\": môn \"" + subj + "\" không có");
      else s.teaches.push_back({classes[cls], subjects[subj], ends_at});
    }
    if (report.errors.size() == before) staff.push_back(std::move(s));
  }
  if (!report.errors.empty()) return report;

  sqlite::Transaction tx(db);
  Accounts accounts(db, clock);
  for (const auto& s : staff) {
    std::string roles;
    for (const auto& r : s.roles) roles += (roles.empty() ? "" : ",") + r;
    auto find = db.prepare("SELECT id FROM users WHERE username = ?");
    find.bind(1, s.username);
    std::int64_t id = 0;
    if (find.step()) {
      id = find.int64(0);
      db.prepare("UPDATE users SET full_name = ?, roles = ?, department = ? WHERE id = ?")
          .bind(1, s.name).bind(2, roles).bind(3, s.department).bind(4, id).run();
      ++report.updated;
    } else {
      const std::string password = crypto::random_hex(6);
      auto created = accounts.create_user(s.username, s.name, password, s.roles);
      if (!created) throw std::runtime_error(created.status().message());
      id = *created;
      db.prepare("UPDATE users SET department = ? WHERE id = ?").bind(1, s.department).bind(2, id).run();
      report.new_passwords.emplace_back(s.username, password);
      ++report.inserted;
    }
    db.prepare("DELETE FROM teaching_assignments WHERE user_id = ?").bind(1, id).run();
    db.prepare("DELETE FROM homerooms WHERE user_id = ?").bind(1, id).run();
    for (const auto& t : s.teaches) {
      auto ins = db.prepare("INSERT OR IGNORE INTO teaching_assignments(user_id, class_id, subject_id, ends_at) "
                            "VALUES(?, ?, ?, ?)");
      ins.bind(1, id).bind(2, t.class_id).bind(3, t.subject_id);
      if (t.ends_at) ins.bind(4, t.ends_at); else ins.bind_null(4);
      ins.run();
    }
    if (!s.homeroom.empty())
      db.prepare("INSERT INTO homerooms(class_id, user_id) VALUES(?, ?) ON CONFLICT(class_id) DO UPDATE SET user_id = excluded.user_id")
          .bind(1, classes[s.homeroom]).bind(2, id).run();
    nlohmann::json changes = {{"username", s.username}, {"roles", s.roles}, {"homeroom", s.homeroom},
                              {"assignments", s.teaches.size()}, {"department", s.department}};
    append_audit(db, {clock.now_unix_seconds(), "admin-cli", "", "account_change", changes.dump()});
  }
  bump_roster_version(db);
  tx.commit();
  report.ok = true;
  return report;
}

void export_staff(sqlite::Db& db, std::ostream& out) {
  out << "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n";
  auto users = db.prepare("SELECT id, username, full_name, roles, department FROM users ORDER BY id");
  auto homeroom = db.prepare("SELECT c.name FROM homerooms h JOIN classes c ON c.id = h.class_id WHERE h.user_id = ?");
  auto teaches = db.prepare(
      "SELECT c.name, s.name, COALESCE(t.ends_at, 0) FROM teaching_assignments t JOIN classes c ON c.id = t.class_id "
      "JOIN subjects s ON s.id = t.subject_id WHERE t.user_id = ? ORDER BY c.grade, c.name, s.id");
  while (users.step()) {
    std::string roles = users.text(3);
    std::replace(roles.begin(), roles.end(), ',', ';');
    homeroom.bind(1, users.int64(0));
    const std::string hr = homeroom.step() ? homeroom.text(0) : "";
    homeroom.reset();
    std::string assignments;
    teaches.bind(1, users.int64(0));
    while (teaches.step()) {
      assignments += (assignments.empty() ? "" : ";") + teaches.text(0) + ":" + teaches.text(1);
      if (teaches.int64(2)) {  // "@YYYY-MM-DD" in Vietnam time: the ends_at written on import is 23:59:59 that day
        const std::string local = format_local_time(teaches.int64(2));  // dd/mm/yyyy HH:MM
        assignments += "@" + local.substr(6, 4) + "-" + local.substr(3, 2) + "-" + local.substr(0, 2);
      }
    }
    teaches.reset();
    out << csv_field(users.text(1)) << ',' << csv_field(users.text(2)) << ',' << csv_field(roles) << ','
        << csv_field(users.text(4)) << ',' << csv_field(hr) << ',' << csv_field(assignments) << '\n';
  }
}

}  // namespace sodiem::server
