// An A4 PDF of printed records, typeset by Pango and drawn by Cairo (fonts
// embedded by Cairo; Liberation Serif, metric twin of Times New Roman, as
// Vietnamese official papers use): a school header, a title, tables that
// break across pages repeating their header row, text, signature blocks,
// "Trang x/y" on every page and, for a draft, a watermark on every page.
// Layout is done first and drawn at finish(), so page counts are known.
// Used by records_print.cpp only; not thread-safe.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sodiem/core/status.hpp"

namespace sodiem::server::print {

struct PageSetup {
  bool landscape = false;
  std::string school;      // top left, upper case
  std::string top_right;   // e.g. "Năm học 2026–2027"
  std::string footer;      // bottom left, small
  std::string watermark;   // "" or e.g. "BẢN NHÁP"
};

enum class Align { kLeft, kCenter, kRight };

struct Table {
  std::vector<std::string> header;  // may hold '\n'
  std::vector<double> widths;       // relative; scaled to the text width
  std::vector<Align> align;         // per column (default left)
  std::vector<std::vector<std::string>> rows;
  double font_pt = 9;
  // Optional row above the header: (text, span) over the columns in order
  // (the spans add up to the number of columns); a column under a group
  // whose text is "" has its header cell over both rows. For wide tables
  // whose columns come in pairs (a subject at the end of HK I and of the year).
  std::vector<std::pair<std::string, std::size_t>> groups;
};

class PdfWriter {
 public:
  explicit PdfWriter(PageSetup setup);
  ~PdfWriter();
  PdfWriter(const PdfWriter&) = delete;
  PdfWriter& operator=(const PdfWriter&) = delete;

  void title(const std::string& text, double pt = 14);
  void text(const std::string& text, double pt = 10, bool bold = false, Align align = Align::kLeft);
  void space(double mm);
  void table(const Table& table);
  // Side by side: each block's title (e.g. "Giáo viên bộ môn"), a note
  // ("(Ký, ghi rõ họ tên)" or the digital signature), and the name; kept on
  // one page, with room for a hand signature and the stamp across pages.
  struct Signature {
    std::string role, note, name;
  };
  void signatures(const std::vector<Signature>& blocks);
  void page_break();

  // Draws every page into `path` (written whole, or not at all).
  [[nodiscard]] Status finish(const std::string& path);
  int pages() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sodiem::server::print
