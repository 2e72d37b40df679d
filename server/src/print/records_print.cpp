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
#include "records_primary.hpp"
#include "sodiem/core/attendance.hpp"
#include "sodiem/core/mark.hpp"
#include "sodiem/core/names.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/core/year_outcomes.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/calendar.hpp"
#include "sodiem/server/confirmations.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {
namespace {

using print::Align;
using records::BoardTable;
using records::ClassData;
using records::Signed;
using records::Student;
using records::class_board;
using records::load_class;
using records::signed_step;
using records::year_name;
using records::footer;
using records::homeroom_teacher;
using records::principal;
using records::signature_note;

}  // namespace

Status print_gradebook(store::Db& db, const std::string& class_name, const std::string& subject_name,
                       const std::string& term, const std::string& path) {
  if (term != "HK1" && term != "HK2" && term != "CN")
    return Status(ErrorCode::kInvalidValue, "học kì phải là HK1, HK2 hoặc CN (cả năm)");
  const auto cls = load_class(db, class_name);
  if (!cls) return Status(ErrorCode::kInvalidValue, "không có lớp \"" + class_name + "\"");
  if (records::primary(db, *cls)) return records::print_primary_gradebook(db, *cls, subject_name, term, path);
  if (subject_name.empty()) return Status(ErrorCode::kInvalidValue, "sổ theo dõi của lớp " + class_name + " cần --subject (môn học)");
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
      return it == mine.end() ? std::string() : decimal_comma(it->second);
    };
    std::vector<std::string> row{std::to_string(++stt), st.name, st.code};
    if (term != "CN") {
      for (const auto& col : columns) row.push_back(value(col));
      const auto& r = term == "HK1" ? results.hk1 : results.hk2;
      row.push_back(r ? decimal_comma(*r) : "");
      row.push_back(value(term + ".NX"));
    } else {
      row.push_back(results.hk1 ? decimal_comma(*results.hk1) : "");
      row.push_back(results.hk2 ? decimal_comma(*results.hk2) : "");
      row.push_back(results.year ? decimal_comma(*results.year) : "");
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

Status print_board(store::Db& db, const std::string& class_name, const std::string& term, const std::string& path) {
  if (term != "HK1" && term != "HK2") return Status(ErrorCode::kInvalidValue, "học kì phải là HK1 hoặc HK2 (HK2 có cả năm)");
  const auto cls = load_class(db, class_name);
  if (!cls) return Status(ErrorCode::kInvalidValue, "không có lớp \"" + class_name + "\"");
  if (records::primary(db, *cls)) return records::print_primary_board(db, *cls, term, path);
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
        row.push_back(it == mine.end() ? std::string() : decimal_comma(it->second));
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

Status print_transcript(store::Db& db, const std::string& class_name, const std::string& student,
                        const std::string& path) {
  const auto cls = load_class(db, class_name);
  if (!cls) return Status(ErrorCode::kInvalidValue, "không có lớp \"" + class_name + "\"");
  std::vector<Student> students;
  for (const auto& st : cls->students)
    if (student.empty() || st.code == student) students.push_back(st);
  if (students.empty())
    return Status(ErrorCode::kInvalidValue, "học sinh mã \"" + student + "\" không thuộc lớp " + class_name);
  if (records::primary(db, *cls)) return records::print_primary_transcript(db, *cls, students, path);
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
    return it == m.end() ? std::string() : decimal_comma(it->second);
  };
  // The Ministry's học bạ (Thông tư 22/2021): the year's results per
  // subject with the subject teacher's name and signature, the re-test
  // results, learning and conduct, absences, the outcome and award, the
  // homeroom teacher's comment, the homeroom and principal signatures.
  const board::ClassBook book = load_class_book(db, cls->id);
  std::map<std::string, board::StudentOutcome> outcomes;
  for (auto& o : board::year_outcomes(book)) outcomes[o.student] = std::move(o);
  const board::BookCells cells = board::book_cells(book);
  std::map<std::string, std::string> teachers;  // subject → teacher (the current one last)
  {
    auto t = db.prepare("SELECT sj.name, u.full_name FROM teaching_assignments ta JOIN users u ON u.id = ta.user_id "
                        "JOIN subjects sj ON sj.id = ta.subject_id WHERE ta.class_id = ? "
                        "ORDER BY ta.ends_at IS NULL, ta.ends_at");
    t.bind(1, cls->id);
    while (t.step()) teachers[t.text(0)] = t.text(1);
  }
  const std::string level = book.grade >= 10 ? "TRUNG HỌC PHỔ THÔNG" : "TRUNG HỌC CƠ SỞ";
  bool first = true;
  for (const auto& st : students) {
    if (!first) pdf.page_break();
    first = false;
    const auto o = outcomes.find(st.code);
    const board::StudentOutcome* outcome = o == outcomes.end() ? nullptr : &o->second;
    pdf.title("HỌC BẠ");
    pdf.text(level, 11, true, Align::kCenter);
    pdf.space(2);
    pdf.text("Họ và tên: " + st.name + "    Giới tính: " + st.sex + "    Ngày sinh: " + st.birth, 11);
    pdf.text("Mã học sinh: " + st.code + "    Lớp: " + cls->name + "    " + year_name(db), 11);
    pdf.space(2);
    print::Table t;
    t.header = {"Môn học và hoạt động giáo dục", "Học kì I", "Học kì II", "Cả năm", "Sau kiểm\ntra lại",
                "Giáo viên bộ môn\n(ký, ghi rõ họ tên)"};
    t.widths = {30, 10, 10, 10, 10, 30};
    t.align = {Align::kLeft, Align::kCenter, Align::kCenter, Align::kCenter, Align::kCenter, Align::kLeft};
    std::vector<std::string> subjects;
    for (const auto& col : hk2.columns[cn])
      if (col != "Học tập" && col != "Rèn luyện" && col != "Nghỉ" && col != "Lên lớp" && col != "Danh hiệu")
        subjects.push_back(col);
    for (const auto& col : hk1.columns[s1])
      if (col != "Học tập" && col != "Rèn luyện" && std::find(subjects.begin(), subjects.end(), col) == subjects.end())
        subjects.push_back(col);
    auto retest = [&](const std::string& subject) {
      if (outcome)
        for (const auto& r : outcome->retests)
          if (r.subject == subject && r.result) return decimal_comma(*r.result);
      return std::string();
    };
    for (const auto& sub : subjects) {
      auto teacher = teachers.find(sub);
      t.rows.push_back({sub, value(hk1, s1, st.code, sub), value(hk2, s2, st.code, sub), value(hk2, cn, st.code, sub),
                        retest(sub), teacher == teachers.end() ? std::string() : teacher->second});
    }
    const bool retested = outcome && !outcome->retests.empty(), summer = outcome && outcome->summer_training;
    auto level_after = [](bool applies, const std::optional<grading::Level>& l) {
      return applies && l ? std::string(grading::level_name(*l)) : std::string();
    };
    t.rows.push_back({"Kết quả học tập", value(hk1, s1, st.code, "Học tập"), value(hk2, s2, st.code, "Học tập"),
                      value(hk2, cn, st.code, "Học tập"), level_after(retested, outcome ? outcome->final_learning : std::nullopt), ""});
    t.rows.push_back({"Kết quả rèn luyện", value(hk1, s1, st.code, "Rèn luyện"), value(hk2, s2, st.code, "Rèn luyện"),
                      value(hk2, cn, st.code, "Rèn luyện"), level_after(summer, outcome ? outcome->final_conduct : std::nullopt), ""});
    pdf.table(t);
    pdf.space(1);
    if (const std::string v = value(hk2, cn, st.code, "Nghỉ"); !v.empty()) pdf.text("Tổng số buổi nghỉ cả năm: " + v, 10);
    if (outcome && outcome->outcome) {
      std::string text = "Xét cuối năm: " + std::string(grading::outcome_name(*outcome->outcome));
      if (summer) text += "; rèn luyện trong hè: " + outcome->summer_result.value_or("chưa có kết quả");
      text += ". Kết quả: " + std::string(board::final_name(outcome->final));
      pdf.text(text, 10, true);
    }
    if (const std::string v = value(hk2, cn, st.code, "Danh hiệu"); !v.empty()) pdf.text("Danh hiệu: " + v, 10);
    std::string remark;
    if (auto c = cells.find(st.code); c != cells.end())
      if (auto h = c->second.find(std::string(protocol::kHomeroomSubject)); h != c->second.end())
        if (auto n = h->second.find("HK2.NXCN"); n != h->second.end()) remark = n->second;
    pdf.text("Nhận xét của giáo viên chủ nhiệm: " + remark, 10);
    pdf.space(2);
    pdf.signatures({{"Giáo viên chủ nhiệm", "(Ký, ghi rõ họ tên)", homeroom_teacher(db, cls->id)},
                    {"Hiệu trưởng", approval ? signature_note(approval) : "(Ký, ghi rõ họ tên và đóng dấu)",
                     approval ? approval->signer_name : principal(db)}});
  }
  return pdf.finish(path);
}

}  // namespace sodiem::server
