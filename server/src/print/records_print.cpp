// Grade book and summary board as PDF (see records_print.hpp): reads the
// cells, computes with the shared engine (summary_board.hpp), lays out with
// pdf_writer.hpp.
#include "sodiem/server/records_print.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "pdf_writer.hpp"
#include "sodiem/core/attendance.hpp"
#include "sodiem/core/crypto.hpp"
#include "sodiem/core/names.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/calendar.hpp"
#include "sodiem/server/confirmations.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {
namespace {

using print::Align;

struct Student {
  std::string code, name;
};

struct ClassData {
  std::int64_t id = 0;
  std::string name;
  std::vector<Student> students;  // current students, class-list order
};

std::optional<ClassData> load_class(sqlite::Db& db, const std::string& class_name) {
  auto c = db.prepare("SELECT id, name FROM classes WHERE name = ?");
  c.bind(1, class_name);
  if (!c.step()) return std::nullopt;
  ClassData out{c.int64(0), c.text(1), {}};
  auto s = db.prepare("SELECT code, full_name FROM students WHERE class_id = ? AND status = 'active'");
  s.bind(1, out.id);
  while (s.step()) out.students.push_back({s.text(0), s.text(1)});
  NameOrder().sort(out.students, [](const Student& st) { return st.name; });
  return out;
}

std::string comma(std::string v) {
  if (v.size() >= 3 && v[v.size() - 2] == '.' && v.find_first_not_of("0123456789.") == std::string::npos)
    v[v.size() - 2] = ',';
  return v;
}

std::string date_time_vn(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds + 7 * 3600);  // Vietnam, no DST
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::snprintf(out, sizeof out, "%02d/%02d/%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_hour,
                tm.tm_min);
  return out;
}

std::string year_name(sqlite::Db& db) {
  auto s = db.prepare("SELECT name FROM school_years WHERE current = 1 ORDER BY id DESC LIMIT 1");
  return s.step() ? "Năm học " + s.text(0) : std::string();
}

// One step's active signature, if any.
struct Signed {
  std::string step, signer, signer_name, digest;
  std::int64_t at = 0;
  bool matches = false;  // the data as it stands still gives that digest
};

std::optional<Signed> signed_step(sqlite::Db& db, std::int64_t class_id, std::int64_t subject_id, const std::string& term,
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

std::string signature_note(const std::optional<Signed>& s) {
  if (!s) return "(Ký, ghi rõ họ tên)";
  return "Đã ký số lúc " + date_time_vn(s->at) + (s->matches ? "" : " — DỮ LIỆU ĐÃ THAY ĐỔI SAU KHI KÝ");
}

std::string footer(const std::vector<std::optional<Signed>>& steps, bool approved) {
  std::string out = "In từ Sổ điểm lúc " + date_time_vn(std::time(nullptr)) + ". ";
  if (!approved) out += "Bản nháp: chưa được hiệu trưởng phê duyệt. ";
  for (const auto& s : steps)
    if (s)
      out += "Ký số " + s->step + " (" + s->signer + "): SHA-256 " + s->digest.substr(0, 16) + "…" +
             (s->matches ? " khớp dữ liệu. " : " KHÔNG khớp dữ liệu hiện tại. ");
  return out;
}

std::string homeroom_teacher(sqlite::Db& db, std::int64_t class_id) {
  auto s = db.prepare("SELECT u.full_name FROM homerooms h JOIN users u ON u.id = h.user_id WHERE h.class_id = ?");
  s.bind(1, class_id);
  return s.step() ? s.text(0) : std::string();
}

std::string principal(sqlite::Db& db) {
  auto s = db.prepare("SELECT full_name FROM users WHERE (',' || roles || ',') LIKE '%,HT,%' AND disabled = 0 LIMIT 1");
  return s.step() ? s.text(0) : std::string();
}

// The summary board of a class and term, pivoted: sections in order ("Tổng
// hợp HKn", and for HK2 "Tổng hợp CN"), each one's columns in order, and
// section → student → column → value.
struct BoardTable {
  std::vector<std::string> sections;
  std::map<std::string, std::vector<std::string>> columns;
  std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> values;
};

BoardTable class_board(sqlite::Db& db, const ClassData& cls, const std::string& term) {
  std::vector<signing::CellLine> lines;
  auto s = db.prepare(
      "SELECT COALESCE(sj.name, ?), st.code, c.col, c.value FROM cells c JOIN students st ON st.id = c.student_id "
      "LEFT JOIN subjects sj ON sj.id = c.subject_id WHERE c.class_id = ? AND c.value != ''");
  s.bind(1, protocol::kHomeroomSubject).bind(2, cls.id);
  while (s.step()) lines.push_back({s.text(0), s.text(1), s.text(2), s.text(3)});
  auto info = db.prepare("SELECT scored, periods_per_year FROM subjects WHERE name = ?");
  const auto board = board::summary_board(
      term, lines,
      [&](const std::string& name) {
        info.bind(1, name);
        std::optional<protocol::SubjectInfo> out;
        if (info.step()) out = protocol::SubjectInfo{name, info.int64(0) != 0, static_cast<int>(info.int64(1))};
        info.reset();
        return out;
      },
      attendance::two_sessions(load_calendar(db), cls.name));
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

}  // namespace

Status print_gradebook(sqlite::Db& db, const std::string& class_name, const std::string& subject_name,
                       const std::string& term, const std::string& path) {
  if (term != "HK1" && term != "HK2" && term != "CN")
    return Status(ErrorCode::kInvalidValue, "học kì phải là HK1, HK2 hoặc CN (cả năm)");
  const auto cls = load_class(db, class_name);
  if (!cls) return Status(ErrorCode::kInvalidValue, "không có lớp \"" + class_name + "\"");
  auto sj = db.prepare("SELECT id, name, scored, periods_per_year FROM subjects WHERE name = ?");
  sj.bind(1, subject_name);
  if (!sj.step()) return Status(ErrorCode::kInvalidValue, "không có môn \"" + subject_name + "\"");
  const std::int64_t subject_id = sj.int64(0);
  const protocol::SubjectInfo info{sj.text(1), sj.int64(2) != 0, static_cast<int>(sj.int64(3))};

  std::map<std::string, std::map<std::string, std::string>> cells;
  auto c = db.prepare("SELECT st.code, c.col, c.value FROM cells c JOIN students st ON st.id = c.student_id "
                      "WHERE c.class_id = ? AND c.subject_id = ? AND c.value != ''");
  c.bind(1, cls->id).bind(2, subject_id);
  while (c.step()) cells[c.text(0)][c.text(1)] = c.text(2);

  // Columns: the term's assessments and comment, then its result; for the
  // year, both terms' results and the year's.
  std::vector<std::string> columns;
  std::vector<std::string> header{"STT", "Họ và tên", "Mã HS"};
  std::vector<double> widths{5, 28, 11};
  if (term != "CN") {
    for (const auto& col : board::required_columns(info, term)) {
      columns.push_back(col);
      header.push_back(col.substr(4));
      widths.push_back(6.5);
    }
    header.push_back(info.scored ? "ĐTB " + term : "KQ " + term);
    widths.push_back(8);
    header.push_back("Nhận xét");
    widths.push_back(30);
  } else {
    header.insert(header.end(), {info.scored ? "ĐTB HK1" : "KQ HK1", info.scored ? "ĐTB HK2" : "KQ HK2",
                                 info.scored ? "ĐTB cả năm" : "KQ cả năm"});
    widths.insert(widths.end(), {10, 10, 12});
  }
  print::Table table;
  table.header = header;
  table.widths = widths;
  table.align = std::vector<Align>(header.size(), Align::kCenter);
  table.align[1] = Align::kLeft;
  table.align.back() = term == "CN" ? Align::kCenter : Align::kLeft;
  int stt = 0;
  for (const auto& st : cls->students) {
    const auto& mine = cells[st.code];
    const auto results = board::subject_results(info, mine);
    auto value = [&](const std::string& col) {
      auto it = mine.find(col);
      return it == mine.end() ? std::string() : comma(it->second);
    };
    std::vector<std::string> row{std::to_string(++stt), st.name, st.code};
    if (term != "CN") {
      for (const auto& col : columns) row.push_back(value(col));
      const auto& r = term == "HK1" ? results.hk1 : results.hk2;
      row.push_back(r ? comma(*r) : "");
      row.push_back(value(term + ".NX"));
    } else {
      row.push_back(results.hk1 ? comma(*results.hk1) : "");
      row.push_back(results.hk2 ? comma(*results.hk2) : "");
      row.push_back(results.year ? comma(*results.year) : "");
    }
    table.rows.push_back(std::move(row));
  }

  // Signatures: the subject teacher's for the term (HK2's for the year), the principal's approval.
  const std::string sign_term = term == "CN" ? "HK2" : term;
  const auto teacher = signed_step(db, cls->id, subject_id, sign_term, "subject");
  const auto approval = signed_step(db, cls->id, -1, sign_term, "approve");
  const bool approved = approval && approval->matches;

  print::PageSetup setup;
  setup.school = get_meta(db, "school_name");
  setup.top_right = year_name(db);
  setup.footer = footer({teacher, approval}, approved);
  if (!approved) setup.watermark = "BẢN NHÁP";
  print::PdfWriter pdf(setup);
  pdf.title("SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH");
  pdf.text("Môn: " + info.name + " — Lớp " + cls->name + " — " +
               (term == "CN" ? std::string("Cả năm học") : term == "HK1" ? "Học kì I" : "Học kì II"),
           11, true, Align::kCenter);
  pdf.space(3);
  pdf.table(table);
  pdf.signatures({{"Giáo viên bộ môn", signature_note(teacher), teacher ? teacher->signer_name : ""},
                  {"Hiệu trưởng", signature_note(approval), approval ? approval->signer_name : principal(db)}});
  return pdf.finish(path);
}

Status print_board(sqlite::Db& db, const std::string& class_name, const std::string& term, const std::string& path) {
  if (term != "HK1" && term != "HK2") return Status(ErrorCode::kInvalidValue, "học kì phải là HK1 hoặc HK2 (HK2 có cả năm)");
  const auto cls = load_class(db, class_name);
  if (!cls) return Status(ErrorCode::kInvalidValue, "không có lớp \"" + class_name + "\"");
  auto b = class_board(db, *cls, term);
  const auto homeroom = signed_step(db, cls->id, -1, term, "class");
  const auto review = signed_step(db, cls->id, -1, term, "review");
  const auto approval = signed_step(db, cls->id, -1, term, "approve");
  const bool approved = approval && approval->matches;
  print::PageSetup setup;
  setup.landscape = true;
  setup.school = get_meta(db, "school_name");
  setup.top_right = year_name(db);
  setup.footer = footer({homeroom, review, approval}, approved);
  if (!approved) setup.watermark = "BẢN NHÁP";
  print::PdfWriter pdf(setup);
  pdf.title("BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ");
  bool first = true;
  for (const auto& section : b.sections) {
    if (!first) pdf.page_break();
    first = false;
    const std::string label = section == "Tổng hợp CN" ? "Cả năm học" : term == "HK1" ? "Học kì I" : "Học kì II";
    pdf.text("Lớp " + cls->name + " — " + label, 11, true, Align::kCenter);
    print::Table t;
    t.font_pt = 8;
    t.header = {"STT", "Họ và tên"};
    t.widths = {4, 22};
    for (const auto& col : b.columns[section]) {
      t.header.push_back(col);
      t.widths.push_back(col == "Nghỉ" || col == "Lên lớp" || col == "Danh hiệu" ? 14 : 7);
    }
    t.align = std::vector<Align>(t.header.size(), Align::kCenter);
    t.align[1] = Align::kLeft;
    int stt = 0;
    for (const auto& st : cls->students) {
      std::vector<std::string> row{std::to_string(++stt), st.name};
      const auto& mine = b.values[section][st.code];
      for (const auto& col : b.columns[section]) {
        auto it = mine.find(col);
        row.push_back(it == mine.end() ? std::string() : comma(it->second));
      }
      t.rows.push_back(std::move(row));
    }
    pdf.table(t);
  }
  pdf.signatures({{"Giáo viên chủ nhiệm", signature_note(homeroom), homeroom ? homeroom->signer_name : homeroom_teacher(db, cls->id)},
                  {"Phó hiệu trưởng", signature_note(review), review ? review->signer_name : ""},
                  {"Hiệu trưởng", signature_note(approval), approval ? approval->signer_name : principal(db)}});
  return pdf.finish(path);
}

Status print_transcript(sqlite::Db& db, const std::string& class_name, const std::string& student,
                        const std::string& path) {
  const auto cls = load_class(db, class_name);
  if (!cls) return Status(ErrorCode::kInvalidValue, "không có lớp \"" + class_name + "\"");
  std::vector<Student> students;
  for (const auto& st : cls->students)
    if (student.empty() || st.code == student) students.push_back(st);
  if (students.empty())
    return Status(ErrorCode::kInvalidValue, "học sinh mã \"" + student + "\" không thuộc lớp " + class_name);
  auto hk1 = class_board(db, *cls, "HK1");
  auto hk2 = class_board(db, *cls, "HK2");
  const auto approval = signed_step(db, cls->id, -1, "HK2", "approve");
  const bool approved = approval && approval->matches;
  print::PageSetup setup;
  setup.school = get_meta(db, "school_name");
  setup.top_right = year_name(db);
  setup.footer = footer({signed_step(db, cls->id, -1, "HK1", "approve"), approval}, approved);
  if (!approved) setup.watermark = "BẢN NHÁP";
  print::PdfWriter pdf(setup);
  const std::string s1 = "Tổng hợp HK1", s2 = "Tổng hợp HK2", cn = "Tổng hợp CN";
  auto value = [](BoardTable& b, const std::string& section, const std::string& code, const std::string& col) {
    auto& m = b.values[section][code];
    auto it = m.find(col);
    return it == m.end() ? std::string() : comma(it->second);
  };
  bool first = true;
  for (const auto& st : students) {
    if (!first) pdf.page_break();
    first = false;
    pdf.title("HỌC BẠ");
    pdf.text("Họ và tên: " + st.name + "    Mã học sinh: " + st.code + "    Lớp: " + cls->name, 11, true, Align::kCenter);
    pdf.space(3);
    print::Table t;
    t.header = {"Môn học", "Học kì I", "Học kì II", "Cả năm"};
    t.widths = {34, 14, 14, 14};
    t.align = {Align::kLeft, Align::kCenter, Align::kCenter, Align::kCenter};
    std::vector<std::string> subjects;
    for (const auto& col : hk2.columns[cn])
      if (col != "Học tập" && col != "Rèn luyện" && col != "Nghỉ" && col != "Lên lớp" && col != "Danh hiệu")
        subjects.push_back(col);
    for (const auto& col : hk1.columns[s1])
      if (col != "Học tập" && col != "Rèn luyện" && std::find(subjects.begin(), subjects.end(), col) == subjects.end())
        subjects.push_back(col);
    for (const auto& sub : subjects)
      t.rows.push_back({sub, value(hk1, s1, st.code, sub), value(hk2, s2, st.code, sub), value(hk2, cn, st.code, sub)});
    for (const auto* row : {"Học tập", "Rèn luyện"})
      t.rows.push_back({std::string("Kết quả ") + (row == std::string("Học tập") ? "học tập" : "rèn luyện"),
                        value(hk1, s1, st.code, row), value(hk2, s2, st.code, row), value(hk2, cn, st.code, row)});
    pdf.table(t);
    for (const auto* row : {"Nghỉ", "Lên lớp", "Danh hiệu"}) {
      const std::string v = value(hk2, cn, st.code, row);
      if (!v.empty()) pdf.text(std::string(row) + ": " + v, 10);
    }
    pdf.space(4);
    pdf.signatures({{"Giáo viên chủ nhiệm", "(Ký, ghi rõ họ tên)", homeroom_teacher(db, cls->id)},
                    {"Hiệu trưởng", signature_note(approval), approval ? approval->signer_name : principal(db)}});
  }
  return pdf.finish(path);
}

}  // namespace sodiem::server
