// Marks and the summary board as XLSX (see records_print.hpp), written with
// libxlsxwriter from the data records_data.hpp reads.
#include <xlsxwriter.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "records_data.hpp"
#include "xlsx_numbers.hpp"
#include "sodiem/core/attendance.hpp"
#include "sodiem/core/mark.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/records_print.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {
namespace {

// A workbook written to PATH.tmp and renamed on success.
class Book {
 public:
  explicit Book(const std::string& path) : path_(path), tmp_(path + ".tmp") {
    lxw_workbook_options options{};
    options.constant_memory = LXW_FALSE;
    book_ = workbook_new_opt(tmp_.c_str(), &options);
    if (!book_) return;
    bold_ = workbook_add_format(book_);
    format_set_bold(bold_);
    head_ = workbook_add_format(book_);
    format_set_bold(head_);
    format_set_align(head_, LXW_ALIGN_CENTER);
    format_set_align(head_, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(head_);
    format_set_border(head_, LXW_BORDER_THIN);
    format_set_bg_color(head_, 0xE8E8E8);
    text_ = workbook_add_format(book_);
    format_set_border(text_, LXW_BORDER_THIN);
    mark_ = workbook_add_format(book_);
    format_set_border(mark_, LXW_BORDER_THIN);
    format_set_num_format(mark_, "0.0");
    format_set_align(mark_, LXW_ALIGN_CENTER);
    avg_ = workbook_add_format(book_);
    format_set_border(avg_, LXW_BORDER_THIN);
    format_set_num_format(avg_, "0.0");
    format_set_bold(avg_);
    format_set_align(avg_, LXW_ALIGN_CENTER);
    whole_ = workbook_add_format(book_);
    format_set_border(whole_, LXW_BORDER_THIN);
    format_set_num_format(whole_, "0");
    format_set_align(whole_, LXW_ALIGN_CENTER);
    center_ = workbook_add_format(book_);
    format_set_border(center_, LXW_BORDER_THIN);
    format_set_align(center_, LXW_ALIGN_CENTER);
  }
  ~Book() {
    if (book_) {
      workbook_close(book_);
      std::error_code ec;
      std::filesystem::remove(tmp_, ec);
    }
  }
  bool ok() const { return book_ != nullptr; }
  lxw_worksheet* sheet(const std::string& name) { return workbook_add_worksheet(book_, name.c_str()); }

  // A value as the spreadsheet shows it: a mark or an average as a number
  // (one decimal shown), a whole number (a TT27 test score, a count: kWhole)
  // as a number shown without a decimal, anything else as text.
  enum class Shown { kMark, kAverage, kWhole };
  void value(lxw_worksheet* ws, int row, int col, const std::string& v, Shown shown = Shown::kMark) {
    if (v.empty()) {
      worksheet_write_blank(ws, row, col, text_);
      return;
    }
    if (shown == Shown::kWhole && !v.empty() && v.size() <= 9 && v.find_first_not_of("0123456789") == std::string::npos) {
      worksheet_write_number(ws, row, col, std::stod(v), whole_);
      return;
    }
    const bool average = shown == Shown::kAverage;
    if (auto m = Mark::parse(v)) {
      // The spreadsheet's number: tenths / 10, the nearest double to the mark,
      // stored as its exact decimal by close() (xlsx_numbers.hpp).
      worksheet_write_number(ws, row, col, m->tenths() / 10.0, average ? avg_ : mark_);
      return;
    }
    worksheet_write_string(ws, row, col, v.c_str(), v.size() <= 3 ? center_ : text_);
  }

  Status close() {
    const lxw_error err = workbook_close(book_);
    book_ = nullptr;
    std::error_code ec;
    if (err != LXW_NO_ERROR) {
      std::filesystem::remove(tmp_, ec);
      return Status(ErrorCode::kInvalidValue, std::string("không ghi được tệp XLSX: ") + lxw_strerror(err));
    }
    if (auto exact = xlsx::exact_numbers(tmp_); !exact.is_ok()) {
      std::filesystem::remove(tmp_, ec);
      return exact;
    }
    std::filesystem::rename(tmp_, path_, ec);
    if (ec) return Status(ErrorCode::kInvalidValue, "không ghi được tệp " + path_ + ": " + ec.message());
    return Status::ok();
  }

  lxw_format *bold_ = nullptr, *head_ = nullptr, *text_ = nullptr, *mark_ = nullptr, *avg_ = nullptr,
             *whole_ = nullptr, *center_ = nullptr;

 private:
  std::string path_, tmp_;
  lxw_workbook* book_ = nullptr;
};

// Sheet names: at most 31 characters, none of []:*?/\.
std::string sheet_name(std::string name) {
  for (char& c : name)
    if (std::string_view("[]:*?/\\").find(c) != std::string_view::npos) c = '-';
  // Cut on a UTF-8 boundary.
  std::size_t chars = 0, i = 0;
  for (; i < name.size(); ++i)
    if ((static_cast<unsigned char>(name[i]) & 0xC0) != 0x80 && ++chars > 31) break;
  return name.substr(0, i);
}

void title_rows(Book& book, lxw_worksheet* ws, store::Db& db, const std::string& title, int last_col) {
  worksheet_write_string(ws, 0, 0, get_meta(db, "school_name").c_str(), book.bold_);
  worksheet_write_string(ws, 0, last_col, records::year_name(db).c_str(), nullptr);
  worksheet_merge_range(ws, 1, 0, 1, last_col, title.c_str(), book.bold_);
}

}  // namespace

Status export_marks_xlsx(store::Db& db, const std::string& class_name, const std::string& subject_name,
                         const std::string& path) {
  const auto cls = records::load_class(db, class_name);
  if (!cls) return Status(ErrorCode::kInvalidValue, "không có lớp \"" + class_name + "\"");
  const auto subject = records::load_subject(db, *cls, subject_name);
  if (!subject) return Status(ErrorCode::kInvalidValue, "không có môn \"" + subject_name + "\"");
  const auto& info = subject->info;

  // Book order: each term's assessments, its comment, its result; the year's result.
  struct Col {
    std::string id, label, group;
    int kind;  // 0 cell, 1 term result, 2 year result
  };
  std::vector<Col> cols;
  for (const std::string term : {"HK1", "HK2"}) {
    const std::string group = term == "HK1" ? "Học kì I" : "Học kì II";
    for (const auto& c : board::required_columns(info, term)) cols.push_back({c, c.substr(4), group, 0});
    cols.push_back({term, info.scored ? "ĐTB " + term : "KQ " + term, group, 1});
    cols.push_back({term + ".NX", "Nhận xét", group, 0});
  }
  cols.push_back({"CN", info.scored ? "ĐTB CN" : "KQ CN", "Cả năm", 2});

  Book book(path);
  if (!book.ok()) return Status(ErrorCode::kInvalidValue, "không ghi được tệp " + path);
  auto* ws = book.sheet(sheet_name(info.name + " " + cls->name));
  const int first = 3, last = first + static_cast<int>(cols.size()) - 1;
  title_rows(book, ws, db, "BẢNG ĐIỂM MÔN " + info.name + " — LỚP " + cls->name, last);
  // Row 3: groups; row 4: labels; row 5 (hidden): column names for reading back.
  const char* fixed[] = {"STT", "Mã HS", "Họ và tên"};
  for (int c = 0; c < 3; ++c) worksheet_merge_range(ws, 3, c, 4, c, fixed[c], book.head_);
  for (int c = first; c <= last;) {
    int e = c;
    while (e + 1 <= last && cols[static_cast<std::size_t>(e + 1 - first)].group == cols[static_cast<std::size_t>(c - first)].group) ++e;
    if (e > c) worksheet_merge_range(ws, 3, c, 3, e, cols[static_cast<std::size_t>(c - first)].group.c_str(), book.head_);
    else worksheet_write_string(ws, 3, c, cols[static_cast<std::size_t>(c - first)].group.c_str(), book.head_);
    c = e + 1;
  }
  // The hidden row: what import_marks_xlsx reads back (marker, class, subject, columns).
  worksheet_write_string(ws, 5, 0, "sodiem:marks", nullptr);
  worksheet_write_string(ws, 5, 1, cls->name.c_str(), nullptr);
  worksheet_write_string(ws, 5, 2, info.name.c_str(), nullptr);
  for (int c = first; c <= last; ++c) {
    const auto& col = cols[static_cast<std::size_t>(c - first)];
    worksheet_write_string(ws, 4, c, col.label.c_str(), book.head_);
    worksheet_write_string(ws, 5, c, col.id.c_str(), nullptr);
  }
  lxw_row_col_options hidden{};
  hidden.hidden = LXW_TRUE;
  worksheet_set_row_opt(ws, 5, LXW_DEF_ROW_HEIGHT, nullptr, &hidden);
  int row = 6, stt = 0;
  for (const auto& st : cls->students) {
    auto it = subject->cells.find(st.code);
    static const std::map<std::string, std::string> kNone;
    const auto& mine = it == subject->cells.end() ? kNone : it->second;
    const auto results = board::subject_results(info, mine);
    worksheet_write_number(ws, row, 0, ++stt, book.center_);
    worksheet_write_string(ws, row, 1, st.code.c_str(), book.text_);
    worksheet_write_string(ws, row, 2, st.name.c_str(), book.text_);
    for (int c = first; c <= last; ++c) {
      const auto& col = cols[static_cast<std::size_t>(c - first)];
      std::string v;
      if (col.kind == 0) {
        auto f = mine.find(col.id);
        if (f != mine.end()) v = f->second;
      } else if (col.kind == 1) {
        v = (col.id == "HK1" ? results.hk1 : results.hk2).value_or("");
      } else {
        v = results.year.value_or("");
      }
      // TT27's periodic tests (KTGK, KTCK) are whole numbers 1–10.
      const bool test = col.id.ends_with(".KTGK") || col.id.ends_with(".KTCK");
      book.value(ws, row, c, v, col.kind != 0 ? Book::Shown::kAverage : test ? Book::Shown::kWhole : Book::Shown::kMark);
    }
    ++row;
  }
  worksheet_set_column(ws, 0, 0, 5, nullptr);
  worksheet_set_column(ws, 1, 1, 11, nullptr);
  worksheet_set_column(ws, 2, 2, 26, nullptr);
  worksheet_set_column(ws, first, last, 7, nullptr);
  for (int c = first; c <= last; ++c)
    if (cols[static_cast<std::size_t>(c - first)].id.ends_with(".NX")) worksheet_set_column(ws, c, c, 28, nullptr);
  worksheet_freeze_panes(ws, 6, 3);
  return book.close();
}

Status export_board_xlsx(store::Db& db, const std::string& class_name, const std::string& term,
                         const std::string& path) {
  if (term != "HK1" && term != "HK2") return Status(ErrorCode::kInvalidValue, "học kì phải là HK1 hoặc HK2 (HK2 có cả năm)");
  const auto cls = records::load_class(db, class_name);
  if (!cls) return Status(ErrorCode::kInvalidValue, "không có lớp \"" + class_name + "\"");
  auto b = records::class_board(db, *cls, term);
  // The sessions each student missed, counted by the rule the board's
  // "Nghỉ" text states them with (attendance::count), as whole numbers a
  // spreadsheet sums: total, with leave, without.
  const board::ClassBook class_book = load_class_book(db, cls->id);
  const board::BookCells book_cells = board::book_cells(class_book);
  auto absences = [&](const std::string& student) {
    static const std::map<std::string, std::string> kNone;
    auto s = book_cells.find(student);
    if (s == book_cells.end()) return attendance::count(kNone, class_book.two_sessions);
    auto h = s->second.find(std::string(protocol::kHomeroomSubject));
    return attendance::count(h == s->second.end() ? kNone : h->second, class_book.two_sessions);
  };
  Book book(path);
  if (!book.ok()) return Status(ErrorCode::kInvalidValue, "không ghi được tệp " + path);
  if (b.sections.empty()) b.sections.push_back("Tổng hợp " + term);
  // A sheet's column: its head, the board column it shows, how.
  enum class From { kBoard, kAbsent, kExcused, kUnexcused };
  struct Col {
    std::string head, column;
    From from;
    Book::Shown shown;
  };
  for (const auto& section : b.sections) {
    const std::string label = section == "Tổng hợp CN" ? "Cả năm" : term;
    auto* ws = book.sheet(sheet_name(cls->name + " " + label));
    std::vector<Col> columns;
    for (const auto& c : b.columns[section]) {
      if (c == "Nghỉ") {
        columns.push_back({"Nghỉ (buổi)", c, From::kAbsent, Book::Shown::kWhole});
        columns.push_back({"Nghỉ có phép", c, From::kExcused, Book::Shown::kWhole});
        columns.push_back({"Nghỉ không phép", c, From::kUnexcused, Book::Shown::kWhole});
      } else {
        // A TT27 periodic test (1–10) is a whole number; a result an average.
        columns.push_back({c, c, From::kBoard, c.ends_with(" (KTĐK)") ? Book::Shown::kWhole : Book::Shown::kAverage});
      }
    }
    const int last = 2 + static_cast<int>(columns.size());
    title_rows(book, ws, db, "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ — LỚP " + cls->name + " — " + label, std::max(last, 3));
    const char* fixed[] = {"STT", "Mã HS", "Họ và tên"};
    for (int c = 0; c < 3; ++c) worksheet_write_string(ws, 3, c, fixed[c], book.head_);
    for (std::size_t i = 0; i < columns.size(); ++i)
      worksheet_write_string(ws, 3, 3 + static_cast<int>(i), columns[i].head.c_str(), book.head_);
    int row = 4, stt = 0;
    for (const auto& st : cls->students) {
      worksheet_write_number(ws, row, 0, ++stt, book.center_);
      worksheet_write_string(ws, row, 1, st.code.c_str(), book.text_);
      worksheet_write_string(ws, row, 2, st.name.c_str(), book.text_);
      const auto& mine = b.values[section][st.code];
      const attendance::Sessions missed = absences(st.code);
      for (std::size_t i = 0; i < columns.size(); ++i) {
        const Col& col = columns[i];
        std::string v;
        if (col.from == From::kAbsent) v = std::to_string(missed.total());
        else if (col.from == From::kExcused) v = std::to_string(missed.excused);
        else if (col.from == From::kUnexcused) v = std::to_string(missed.unexcused);
        else if (auto it = mine.find(col.column); it != mine.end()) v = it->second;
        book.value(ws, row, 3 + static_cast<int>(i), v, col.shown);
      }
      ++row;
    }
    worksheet_set_column(ws, 0, 0, 5, nullptr);
    worksheet_set_column(ws, 1, 1, 11, nullptr);
    worksheet_set_column(ws, 2, 2, 26, nullptr);
    worksheet_set_column(ws, 3, std::max(last, 3), 10, nullptr);
    worksheet_freeze_panes(ws, 4, 3);
  }
  return book.close();
}

}  // namespace sodiem::server
