// Roster import and export: the database side; reading and checking the
// file is roster_csv.cpp (see roster_io.hpp).
#include "sodiem/server/roster_io.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "sodiem/core/crypto.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/locks.hpp"
#include "sodiem/server/school_year.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/student_moves.hpp"
#include "sodiem/server/year_outcomes.hpp"

namespace sodiem::server {

namespace {
// Who may import: the report's one error otherwise.
bool may_import(store::Db& db, const std::string& by, ImportReport& report) {
  const Status st = require_role(db, by, {"ADMIN", "HT"}, "chỉ quản trị hệ thống hoặc Hiệu trưởng được nhập danh sách");
  if (!st) report.errors.push_back(st.message());
  return st.is_ok();
}
}  // namespace

ImportReport import_students(store::Db& db, std::istream& in, const std::string& by) {
  ImportReport report;
  if (!may_import(db, by, report)) return report;
  RosterTable t;
  if (!read_roster_table(in, kStudentColumns, t, report.errors)) return report;
  std::set<int> taught;  // the grades set up from a curriculum (none: the demo, older databases)
  for (auto g = db.prepare("SELECT DISTINCT grade FROM grade_subjects"); g.step();) taught.insert(static_cast<int>(g.int64(0)));
  const std::vector<ImportedStudent> students = check_students(t, report.errors, taught);
  if (!report.errors.empty()) return report;

  store::Transaction tx(db);
  auto find_class = db.prepare("SELECT id FROM current_classes WHERE name = ?");
  // An active student of this year named in another class: their marks follow them (student_moves.hpp).
  auto exists = db.prepare("SELECT s.id, s.class_id, s.status = 'active' AND c.id IS NOT NULL FROM students s "
                           "LEFT JOIN current_classes c ON c.id = s.class_id WHERE s.code = ?");
  const std::int64_t now = SystemClock::instance().now_unix_seconds();
  std::vector<std::string> moves;
  auto upsert = db.prepare(
      "INSERT INTO students(code, full_name, birth_date, gender, class_id, status) VALUES(?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(code) DO UPDATE SET full_name = excluded.full_name, birth_date = excluded.birth_date, "
      "gender = excluded.gender, class_id = excluded.class_id, status = excluded.status");
  for (const auto& s : students) {
    find_class.bind(1, s.class_name);
    std::int64_t class_id = 0;
    if (find_class.step()) class_id = find_class.int64(0);
    find_class.reset();
    // "10a1" is the class 10A1 (names as people type them), not a second class.
    if (auto typed = class_id == 0 ? find_current_class(db, s.class_name) : std::nullopt) class_id = typed->first;
    if (class_id == 0) {
      class_id = add_class(db, s.class_name, s.grade);
    }
    exists.bind(1, s.code);
    const bool existed = exists.step();
    const std::int64_t student_id = existed ? exists.int64(0) : 0, old_class = existed ? exists.int64(1) : 0;
    const bool was_here = existed && exists.int64(2) != 0;
    exists.reset();
    upsert.bind(1, s.code).bind(2, s.name).bind(3, s.birth_date).bind(4, s.gender).bind(5, class_id).bind(6, s.status).run();
    ++(existed ? report.updated : report.inserted);
    if (was_here && old_class != class_id) {
      const StudentMove m = move_student_marks(db, student_id, old_class, class_id, by, now);
      moves.push_back(m.student + ": " + m.from_class + " → " + m.to_class + " (" + std::to_string(m.versions.size()) +
                      " ô điểm chuyển theo" + (m.kept ? ", " + std::to_string(m.kept) + " ô lớp mới đã có giá trị khác" : "") +
                      (m.left_behind ? ", " + std::to_string(m.left_behind) + " ô của môn lớp mới không học" : "") + ")");
    }
  }
  report.moves = moves;
  bump_roster_version(db);
  append_audit(db, {now, by, "", "import_students",
                    nlohmann::json{{"inserted", report.inserted}, {"updated", report.updated}, {"moved", moves}}.dump()});
  tx.commit();
  report.ok = true;
  return report;
}

ImportRefusal import_refusal(const std::string& file, const std::vector<std::string>& errors) {
  constexpr std::size_t kShown = 30;
  ImportRefusal r;
  r.headline = "không nhập gì cả; " + std::to_string(errors.size()) + " lỗi trong " + file + ":";
  for (std::size_t i = 0; i < errors.size() && i < kShown; ++i) r.lines.push_back(errors[i]);
  if (errors.size() > kShown) r.lines.push_back("… và " + std::to_string(errors.size() - kShown) + " lỗi khác");
  return r;
}

void export_students(store::Db& db, std::ostream& out) {
  std::vector<std::string> header = kStudentColumns;
  header.push_back("Trạng thái");
  out << csv_first_line(header);
  auto s = db.prepare(
      "SELECT s.code, s.full_name, COALESCE(s.birth_date, ''), COALESCE(s.gender, ''), c.name, s.status "
      "FROM students s JOIN classes c ON c.id = s.class_id ORDER BY c.grade, c.name, s.code");
  while (s.step()) {
    std::string birth = s.text(2);
    if (birth.size() == 10) birth = birth.substr(8, 2) + "/" + birth.substr(5, 2) + "/" + birth.substr(0, 4);
    out << csv_line({s.text(0), s.text(1), birth, s.text(3), s.text(4), status_label(s.text(5))});
  }
}

ImportReport import_staff(store::Db& db, std::istream& in, const Clock& clock, const std::string& by) {
  ImportReport report;
  if (!may_import(db, by, report)) return report;
  RosterTable t;
  if (!read_roster_table(in, kStaffColumns, t, report.errors)) return report;
  std::map<std::string, std::int64_t> classes, subjects;
  {
    auto s = db.prepare("SELECT name, id FROM current_classes");
    while (s.step()) classes[s.text(0)] = s.int64(1);
    auto u = db.prepare("SELECT name, id FROM subjects");
    while (u.step()) subjects[u.text(0)] = u.int64(1);
  }
  const std::vector<ImportedStaff> staff = check_staff(t, classes, subjects, report.errors);
  if (!report.errors.empty()) return report;
  {
    // A class is taught the subjects of its grade only (a school set up from
    // a curriculum: class_subjects.hpp).
    std::set<std::pair<std::int64_t, std::int64_t>> taught;
    for (const auto& cs : load_class_subjects(db)) taught.insert({cs.class_id, cs.subject_id});
    std::map<std::int64_t, std::string> class_name, subject_name;
    for (const auto& [name, id] : classes) class_name[id] = name;
    for (const auto& [name, id] : subjects) subject_name[id] = name;
    for (const auto& s : staff)
      for (const auto& teaching : s.teaches)
        if (!taught.contains({teaching.class_id, teaching.subject_id}))
          report.errors.push_back("tài khoản " + s.username + ": phân công " + class_name[teaching.class_id] + ":" +
                                  subject_name[teaching.subject_id] + " — lớp " + class_name[teaching.class_id] +
                                  " không học môn " + subject_name[teaching.subject_id] +
                                  " theo chương trình của khối (sodiem-server setup)");
    if (!report.errors.empty()) return report;
  }

  store::Transaction tx(db);
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
    db.prepare("DELETE FROM teaching_assignments WHERE user_id = ? AND class_id IN (SELECT id FROM current_classes)").bind(1, id).run();
    db.prepare("DELETE FROM homerooms WHERE user_id = ? AND class_id IN (SELECT id FROM current_classes)").bind(1, id).run();
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
    append_audit(db, {clock.now_unix_seconds(), by, "", "account_change", changes.dump()});
  }
  bump_roster_version(db);
  tx.commit();
  report.ok = true;
  return report;
}

void export_staff(store::Db& db, std::ostream& out) {
  out << csv_first_line(kStaffColumns);
  auto users = db.prepare("SELECT id, username, full_name, roles, department FROM users ORDER BY id");
  auto homeroom = db.prepare("SELECT c.name FROM homerooms h JOIN current_classes c ON c.id = h.class_id WHERE h.user_id = ?");
  auto teaches = db.prepare(
      "SELECT c.name, s.name, COALESCE(t.ends_at, 0) FROM teaching_assignments t JOIN current_classes c ON c.id = t.class_id "
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
    out << csv_line({users.text(1), users.text(2), roles, users.text(4), hr, assignments});
  }
}

namespace {
// `text` with each invisible or control character shown as <U+XXXX>, so a
// terminal shows what is there instead of obeying it.
std::string visible(const std::string& text) {
  if (!protocol::is_valid_utf8(text)) return "(không phải UTF-8)";
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    const std::size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    const std::string one = text.substr(i, n);
    if (protocol::text_fault(one, protocol::TextKind::kName) == protocol::TextFault::kNone) {
      out += one;
    } else {
      std::uint32_t cp = n == 1 ? b : b & (0xFF >> (n + 1));
      for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
      char hex[16];
      std::snprintf(hex, sizeof hex, "<U+%04X>", cp);
      out += hex;
    }
    i += n;
  }
  return out;
}
}  // namespace

std::vector<std::string> stored_name_faults(store::Db& db) {
  std::vector<std::string> out;
  const struct {
    const char* sql;
    const char* what;
  } tables[] = {{"SELECT code, code, full_name FROM students", "học sinh"},
                {"SELECT username, username, full_name FROM users", "tài khoản"},
                {"SELECT name, name, '' FROM current_classes", "lớp"},
                {"SELECT name, name, '' FROM subjects", "môn"}};
  for (const auto& t : tables) {
    auto s = db.prepare(t.sql);
    while (s.step())
      for (int k : {1, 2}) {
        const std::string text = s.text(k);
        const auto fault = protocol::text_fault(text, protocol::TextKind::kName);
        if (fault == protocol::TextFault::kNone) continue;
        out.push_back(std::string(t.what) + " \"" + visible(s.text(0)) + "\"" +
                      (k == 2 ? " (họ tên \"" + visible(text) + "\")" : std::string()) + ": " + text_fault_text(fault) +
                      " (sửa trong tệp danh sách rồi nhập lại)");
        break;
      }
  }
  return out;
}

}  // namespace sodiem::server
