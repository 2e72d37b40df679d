// The primary class's grade book and transcript as PDF (see
// records_primary.hpp): cells and the TT27 board (primary_board.hpp) laid
// out with pdf_writer.hpp.
#include "records_primary.hpp"

#include <algorithm>

#include "pdf_writer.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/core/grading.hpp"
#include "sodiem/core/primary_year_board.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server::records {
namespace {

using print::Align;

std::string rating_code(const std::string& v) { return tt27_form(v, Rated::kSubject); }
std::string quality_code(const std::string& v) { return tt27_form(v, Rated::kQuality); }

std::string cell(const std::map<std::string, std::string>& cells, const std::string& col) {
  auto it = cells.find(col);
  return it == cells.end() ? std::string() : it->second;
}

std::string term_label(const std::string& term) { return term == "HK1" ? "Học kì I" : "Học kì II"; }

print::PageSetup page_setup(store::Db& db, const std::vector<std::optional<Signed>>& steps, bool approved,
                            bool landscape) {
  print::PageSetup setup;
  setup.landscape = landscape;
  setup.school = get_meta(db, "school_name");
  setup.top_right = year_name(db);
  setup.footer = footer(steps, approved);
  if (!approved) setup.watermark = "BẢN NHÁP";
  return setup;
}

// The wide year board (primary_year_board.hpp) on a page of its own: the
// subjects with the year's result in one table, then the qualities and
// competences; each at the end of HK1 beside the end of the year.
void year_board_page(print::PdfWriter& pdf, const ClassData& cls, const board::PrimaryYearBoard& yb) {
  static const std::string kTest = " (KTĐK)", kQuality = "Phẩm chất ", kCompetence = "Năng lực ";
  pdf.page_break();
  pdf.text("Lớp " + cls.name + " — Cả năm học: cuối học kì I (HK I) và cuối năm (CN)", 11, true, Align::kCenter);
  pdf.text("Mỗi môn học, phẩm chất, năng lực: mức đạt được cuối học kì I (HKI) và cuối năm (CN); KT: điểm bài kiểm tra "
           "định kì. " + std::string(kTt27Legend),
           7, false, Align::kCenter);
  const auto quality = [&](const std::string& c) { return c.starts_with(kQuality) || c.starts_with(kCompetence); };
  for (const bool qualities : {false, true}) {
    print::Table t;
    t.font_pt = 6.5;
    // A two-row header: each subject (quality, competence) over its columns,
    // HK I and CN of its rating then of its test (KT), so that no name is
    // cut into syllables in a column a few millimetres wide; the year's own
    // columns (result, completion, absences, award) over both rows.
    t.header = {"STT", "Họ và tên"};
    t.widths = {5, 15};
    t.groups = {{"", 1}, {"", 1}};
    std::vector<std::pair<std::string, std::string>> cols;  // (column, term)
    for (const auto& c : yb.columns) {
      if (quality(c.name) != qualities) continue;
      std::string group = c.name;
      const bool test = group.ends_with(kTest);
      if (test) group = group.substr(0, group.size() - kTest.size());
      else if (group.starts_with(kQuality)) group = group.substr(kQuality.size());
      else if (group.starts_with(kCompetence)) group = group.substr(kCompetence.size());
      const bool year_only = tt27_year_column(c.name);
      for (const auto& term : c.terms) {
        cols.push_back({c.name, term});
        const std::string when = term == "HK1" ? "HKI" : "CN";  // "HK I" does not fit 5.5 units at 6.5 pt
        t.header.push_back(year_only ? group : test ? "KT\n" + when : when);
        t.widths.push_back(year_only ? 10 : 5.5);
        if (year_only) t.groups.push_back({"", 1});
        else if (t.groups.back().first == group) ++t.groups.back().second;
        else t.groups.push_back({group, 1});
      }
    }
    if (cols.empty()) continue;
    t.align = std::vector<Align>(t.header.size(), Align::kCenter);
    t.align[1] = Align::kLeft;
    int stt = 0;
    for (const auto& st : cls.students) {
      std::vector<std::string> row{std::to_string(++stt), st.name};
      const auto s = yb.values.find(st.code);
      for (const auto& [column, term] : cols) {
        std::string v;
        if (s != yb.values.end())
          if (auto tv = s->second.find(term); tv != s->second.end())
            if (auto cv = tv->second.find(column); cv != tv->second.end()) v = cv->second;
        row.push_back(tt27_board_form(column, v));
      }
      t.rows.push_back(std::move(row));
    }
    if (qualities) {
      pdf.space(3);
      pdf.text("Phẩm chất chủ yếu và năng lực cốt lõi", 10, true);
    }
    pdf.table(t);
  }
}

}  // namespace

bool primary(store::Db& db, const ClassData& cls) { return board::primary_class(load_class_book(db, cls.id)); }

Status print_primary_gradebook(store::Db& db, const ClassData& cls, const std::string& subject,
                               const std::string& term_in, const std::string& path) {
  const std::string term = term_in == "CN" ? "HK2" : term_in;
  const board::ClassBook book = load_class_book(db, cls.id);
  const board::BookCells cells = board::book_cells(book);
  std::vector<const protocol::SubjectInfo*> subjects;
  for (const auto& s : book.subjects)
    if (s.name != protocol::kHomeroomSubject && (subject.empty() || s.name == subject)) subjects.push_back(&s);
  if (subjects.empty()) return Status(ErrorCode::kInvalidValue, "lớp " + cls.name + " không học môn \"" + subject + "\"");

  const auto homeroom = signed_step(db, cls.id, -1, term, "class");
  const auto approval = signed_step(db, cls.id, -1, term, "approve");
  const bool approved = approval && approval->matches;
  print::PdfWriter pdf(page_setup(db, {homeroom, approval}, approved, true));
  pdf.title("SỔ THEO DÕI CHẤT LƯỢNG GIÁO DỤC");
  pdf.text("Lớp " + cls.name + " — " + term_label(term) + (term_in == "CN" ? " (cuối năm học)" : ""), 11, true,
           Align::kCenter);
  pdf.text(kTt27Legend, 8, false, Align::kCenter);
  static const std::map<std::string, std::string> kNoCells;
  auto cells_of = [&](const std::string& code, const std::string& name) -> const std::map<std::string, std::string>& {
    auto st = cells.find(code);
    if (st == cells.end()) return kNoCells;
    auto sj = st->second.find(name);
    return sj == st->second.end() ? kNoCells : sj->second;
  };
  for (const auto* s : subjects) {
    pdf.space(3);
    pdf.text("Môn: " + s->name, 11, true);
    const std::string n = term == "HK1" ? "1" : "2";
    const bool mid_test = sits_periodic_test(*s, "GK" + n), end_test = sits_periodic_test(*s, n == "2" ? "CN" : "CK" + n);
    print::Table t;
    t.header = {"STT", "Họ và tên", "Mức đạt được\ngiữa kì", "Mức đạt được\ncuối kì"};
    t.widths = {5, 30, 12, 12};
    if (mid_test) {
      t.header.push_back("KTĐK\ngiữa kì");
      t.widths.push_back(10);
    }
    if (end_test) {
      t.header.push_back(term == "HK2" ? "KTĐK\ncuối năm" : "KTĐK\ncuối kì");
      t.widths.push_back(10);
    }
    t.header.push_back("Nhận xét");
    t.widths.push_back(60);
    t.align = std::vector<Align>(t.header.size(), Align::kCenter);
    t.align[1] = Align::kLeft;
    t.align.back() = Align::kLeft;
    int stt = 0;
    for (const auto& st : cls.students) {
      const auto& mine = cells_of(st.code, s->name);
      const bool exempt_now = board::exempt(mine, term);
      auto rating = [&](const std::string& col) {
        if (exempt_now) return std::string(board::kExempt);
        const std::string v = cell(mine, col);
        return v.empty() ? v : rating_code(v);
      };
      std::vector<std::string> row{std::to_string(++stt), st.name, rating(term + ".GK"), rating(term + ".CK")};
      if (mid_test) row.push_back(cell(mine, term + ".KTGK"));
      if (end_test) row.push_back(cell(mine, term + ".KTCK"));
      row.push_back(cell(mine, term + ".NX"));
      t.rows.push_back(std::move(row));
    }
    pdf.table(t);
  }
  if (subject.empty()) {  // the qualities and competences, mid-term / end of term
    pdf.page_break();
    pdf.text("Phẩm chất chủ yếu và năng lực cốt lõi — " + term_label(term) + " (giữa kì/cuối kì)", 11, true);
    print::Table t;
    t.font_pt = 7.5;
    t.header = {"STT", "Họ và tên"};
    t.widths = {5, 20};
    std::vector<std::string> columns;
    for (int i = 1; i <= kQualities; ++i) {
      t.header.push_back(quality_name(i));
      columns.push_back(term + ".PC" + std::to_string(i));
    }
    for (int i = 1; i <= kCompetences; ++i) {
      t.header.push_back(competence_name(i));
      columns.push_back(term + ".NL" + std::to_string(i));
    }
    t.widths.resize(t.header.size(), 8);
    t.align = std::vector<Align>(t.header.size(), Align::kCenter);
    t.align[1] = Align::kLeft;
    int stt = 0;
    for (const auto& st : cls.students) {
      const auto& mine = cells_of(st.code, std::string(protocol::kHomeroomSubject));
      std::vector<std::string> row{std::to_string(++stt), st.name};
      for (const auto& col : columns) {
        const std::string mid = cell(mine, col + ".GK"), end = cell(mine, col);
        row.push_back(mid.empty() && end.empty() ? "" : quality_code(mid) + "/" + quality_code(end));
      }
      t.rows.push_back(std::move(row));
    }
    pdf.table(t);
  }
  pdf.signatures({{"Giáo viên chủ nhiệm", signature_note(homeroom), homeroom ? homeroom->signer_name : homeroom_teacher(db, cls.id)},
                  {"Hiệu trưởng", signature_note(approval), approval ? approval->signer_name : principal(db)}});
  return pdf.finish(path);
}

Status print_primary_board(store::Db& db, const ClassData& cls, const std::string& term, const std::string& path) {
  BoardTable b = class_board(db, cls, term);
  const auto homeroom = signed_step(db, cls.id, -1, term, "class");
  const auto review = signed_step(db, cls.id, -1, term, "review");
  const auto approval = signed_step(db, cls.id, -1, term, "approve");
  const bool approved = approval && approval->matches;
  print::PdfWriter pdf(page_setup(db, {homeroom, review, approval}, approved, true));
  pdf.title("BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP");
  pdf.text(kTt27Legend, 8, false, Align::kCenter);
  static const std::string kTest = " (KTĐK)", kQuality = "Phẩm chất ", kCompetence = "Năng lực ";
  bool first = true;
  for (const auto& section : b.sections) {
    if (!first) pdf.page_break();
    first = false;
    const std::string label = section == "Tổng hợp CN" ? "Cuối năm học" : term_label(term);
    pdf.text("Lớp " + cls.name + " — " + label, 11, true, Align::kCenter);
    // The subjects and the result; then the qualities and competences.
    std::vector<std::string> main_cols, quality_cols;
    for (const auto& col : b.columns[section])
      (col.rfind(kQuality, 0) == 0 || col.rfind(kCompetence, 0) == 0 ? quality_cols : main_cols).push_back(col);
    for (const auto* cols : {&main_cols, &quality_cols}) {
      if (cols->empty()) continue;
      print::Table t;
      t.font_pt = 7.5;
      t.header = {"STT", "Họ và tên"};
      t.widths = {5, 20};
      for (const auto& col : *cols) {
        std::string h = col;
        if (h.size() > kTest.size() && h.compare(h.size() - kTest.size(), kTest.size(), kTest) == 0)
          h = h.substr(0, h.size() - kTest.size()) + "\nKTĐK";
        else if (h.rfind(kQuality, 0) == 0) h = h.substr(kQuality.size());
        else if (h.rfind(kCompetence, 0) == 0) h = h.substr(kCompetence.size());
        t.header.push_back(h);
        t.widths.push_back(col == "Hoàn thành chương trình" || col == "Kết quả giáo dục" ? 18
                           : col == "Khen thưởng" || col == "Nghỉ"                         ? 15
                                                                                            : 7);
      }
      t.align = std::vector<Align>(t.header.size(), Align::kCenter);
      t.align[1] = Align::kLeft;
      int stt = 0;
      for (const auto& st : cls.students) {
        std::vector<std::string> row{std::to_string(++stt), st.name};
        const auto& mine = b.values[section][st.code];
        for (const auto& col : *cols) {
          auto it = mine.find(col);
          row.push_back(tt27_board_form(col, it == mine.end() ? std::string() : it->second));
        }
        t.rows.push_back(std::move(row));
      }
      if (cols == &quality_cols) {
        pdf.space(3);
        pdf.text("Phẩm chất chủ yếu và năng lực cốt lõi (T tốt, Đ đạt, C cần cố gắng)", 10, true);
      }
      pdf.table(t);
    }
  }
  // At year end, the whole year in one table, as the principal reads it.
  if (term == "HK2") year_board_page(pdf, cls, board::primary_year_board(load_class_book(db, cls.id)));
  pdf.signatures({{"Giáo viên chủ nhiệm", signature_note(homeroom), homeroom ? homeroom->signer_name : homeroom_teacher(db, cls.id)},
                  {"Phó hiệu trưởng", signature_note(review), review ? review->signer_name : ""},
                  {"Hiệu trưởng", signature_note(approval), approval ? approval->signer_name : principal(db)}});
  return pdf.finish(path);
}

Status print_primary_transcript(store::Db& db, const ClassData& cls, const std::vector<Student>& students,
                                const std::string& path) {
  BoardTable year = class_board(db, cls, "HK2");
  const board::ClassBook book = load_class_book(db, cls.id);
  const board::BookCells cells = board::book_cells(book);
  const auto approval = signed_step(db, cls.id, -1, "HK2", "approve");
  const bool approved = approval && approval->matches;
  print::PdfWriter pdf(page_setup(db, {approval}, approved, false));
  const std::string cn = "Tổng hợp CN";
  bool first = true;
  for (const auto& st : students) {
    if (!first) pdf.page_break();
    first = false;
    const auto& mine = year.values[cn][st.code];
    auto value = [&](const std::string& col) {
      auto it = mine.find(col);
      return it == mine.end() ? std::string() : it->second;
    };
    auto comment = [&](const std::string& subject) {
      auto s = cells.find(st.code);
      if (s == cells.end()) return std::string();
      auto sj = s->second.find(subject);
      return sj == s->second.end() ? std::string() : cell(sj->second, "HK2.NX");
    };
    pdf.title("HỌC BẠ");
    pdf.text("TIỂU HỌC", 11, true, Align::kCenter);
    pdf.space(2);
    pdf.text("Họ và tên học sinh: " + st.name + "    Giới tính: " + st.sex, 11);
    pdf.text("Ngày sinh: " + st.birth + "    Mã học sinh: " + st.code, 11);
    pdf.text("Lớp: " + cls.name + "    " + year_name(db), 11);
    pdf.space(3);
    pdf.text("1. Các môn học và hoạt động giáo dục", 11, true);
    print::Table t;
    t.header = {"Môn học và hoạt động giáo dục", "Mức đạt được", "Điểm KTĐK", "Nhận xét"};
    t.widths = {30, 12, 10, 48};
    t.align = {Align::kLeft, Align::kCenter, Align::kCenter, Align::kLeft};
    for (const auto& s : book.subjects) {
      if (s.name == protocol::kHomeroomSubject) continue;
      const std::string rating = value(s.name);
      t.rows.push_back({s.name, rating.empty() ? rating : rating_code(rating), value(s.name + " (KTĐK)"), comment(s.name)});
    }
    pdf.table(t);
    pdf.space(2);
    pdf.text("2. Những phẩm chất chủ yếu   3. Những năng lực cốt lõi", 11, true);
    print::Table q;
    q.header = {"Phẩm chất", "Mức đạt được", "Năng lực", "Mức đạt được"};
    q.widths = {25, 12, 35, 12};
    q.align = {Align::kLeft, Align::kCenter, Align::kLeft, Align::kCenter};
    for (int i = 1; i <= kCompetences; ++i) {
      const std::string qn = i <= kQualities ? quality_name(i) : "";
      const std::string qv = i <= kQualities ? quality_code(value("Phẩm chất " + qn)) : "";
      q.rows.push_back({qn, qv, competence_name(i), quality_code(value(std::string("Năng lực ") + competence_name(i)))});
    }
    pdf.table(q);
    pdf.text(kTt27Legend, 8);
    pdf.space(2);
    pdf.text("4. Đánh giá kết quả giáo dục: " + value("Kết quả giáo dục"), 11, true);
    pdf.text("5. Khen thưởng: " + value("Khen thưởng"), 11);
    pdf.text("6. " + value("Hoàn thành chương trình"), 11);
    pdf.text("Số buổi nghỉ: " + value("Nghỉ"), 10);
    pdf.space(3);
    pdf.signatures({{"Giáo viên chủ nhiệm", "(Ký, ghi rõ họ tên)", homeroom_teacher(db, cls.id)},
                    {"Hiệu trưởng", signature_note(approval), approval ? approval->signer_name : principal(db)}});
  }
  return pdf.finish(path);
}

}  // namespace sodiem::server::records
