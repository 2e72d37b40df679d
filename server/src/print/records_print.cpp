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
#include "records_data.hpp"
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
using records::BoardTable;
using records::ClassData;
using records::Student;
using records::class_board;
using records::comma;
using records::load_class;
using records::year_name;

std::string date_time_vn(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds + 7 * 3600);  // Vietnam, no DST
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%02d/%02d/%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_hour,
                tm.tm_min);
  return out;
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

}  // namespace

Status print_gradebook(sqlite::Db& db, const std::string& class_name, const std::string& subject_name,
                       const std::string& term, const std::string& path) {
  if (term != "HK1" && term != "HK2" && term != "CN")
    return Status(ErrorCode::kInvalidValue, "học kì phải là HK1, HK2 hoặc CN (cả năm)");
  const auto cls = load_class(db, class_name);
  if (!cls) return Status(ErrorCode::kInvalidValue, "không có lớp \"" + class_name + "\"");
  const auto subject = records::load_subject(db, *cls, subject_name);
  if (!subject) return Status(ErrorCode::kInvalidValue, "không có môn \"" + subject_name + "\"");
  const std::int64_t subject_id = subject->id;
  const protocol::SubjectInfo& info = subject->info;
  auto cells = subject->cells;

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
