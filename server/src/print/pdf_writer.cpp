// A4 PDF layout and drawing with Pango and Cairo (see pdf_writer.hpp).
#include "pdf_writer.hpp"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <numeric>

namespace sodiem::server::print {

namespace {

constexpr double kMm = 72.0 / 25.4;
constexpr double kA4W = 210 * kMm, kA4H = 297 * kMm;
constexpr double kMarginLeft = 20 * kMm, kMarginRight = 12 * kMm, kMarginTop = 18 * kMm, kMarginBottom = 16 * kMm;
constexpr double kPad = 1.6;  // cell padding, pt
constexpr const char* kFamily = "Liberation Serif, Noto Serif, DejaVu Serif, serif";

using Draw = std::function<void(cairo_t*)>;

struct LayoutRef {
  PangoLayout* p = nullptr;
  LayoutRef() = default;
  explicit LayoutRef(PangoLayout* l) : p(l) {}
  LayoutRef(const LayoutRef&) = delete;
  LayoutRef& operator=(const LayoutRef&) = delete;
  ~LayoutRef() {
    if (p) g_object_unref(p);
  }
};

// A layout of `text` at `pt` points, wrapped to `width` pt (0: no wrap).
PangoLayout* make_layout(cairo_t* cr, const std::string& text, double pt, bool bold, double width, Align align) {
  PangoLayout* layout = pango_cairo_create_layout(cr);
  pango_cairo_context_set_resolution(pango_layout_get_context(layout), 72);  // 1 pt = 1 unit
  pango_layout_context_changed(layout);
  PangoFontDescription* font = pango_font_description_from_string(kFamily);
  pango_font_description_set_absolute_size(font, pt * PANGO_SCALE);
  if (bold) pango_font_description_set_weight(font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description(layout, font);
  pango_font_description_free(font);
  if (width > 0) {
    pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  }
  pango_layout_set_alignment(layout, align == Align::kCenter  ? PANGO_ALIGN_CENTER
                                     : align == Align::kRight ? PANGO_ALIGN_RIGHT
                                                              : PANGO_ALIGN_LEFT);
  pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
  return layout;
}

double height_of(PangoLayout* layout) {
  int w = 0, h = 0;
  pango_layout_get_size(layout, &w, &h);
  return static_cast<double>(h) / PANGO_SCALE;
}

void show(cairo_t* cr, const std::string& text, double pt, bool bold, double x, double y, double width, Align align) {
  LayoutRef l(make_layout(cr, text, pt, bold, width, align));
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, l.p);
}

}  // namespace

struct PdfWriter::Impl {
  PageSetup setup;
  double page_w = kA4W, page_h = kA4H;
  cairo_surface_t* measure_surface = nullptr;
  cairo_t* measure = nullptr;
  std::vector<std::vector<Draw>> pages{{}};
  double y = kMarginTop;

  double left() const { return kMarginLeft; }
  double width() const { return page_w - kMarginLeft - kMarginRight; }
  double bottom() const { return page_h - kMarginBottom; }
  double measure_text(const std::string& text, double pt, bool bold, double w, Align a) const {
    LayoutRef l(make_layout(measure, text, pt, bold, w, a));
    return height_of(l.p);
  }
  void new_page() {
    pages.emplace_back();
    y = kMarginTop;
  }
  // Room for `h` pt on this page, or a new one.
  void need(double h) {
    if (y + h > bottom() && y > kMarginTop) new_page();
  }
  void add(Draw d) { pages.back().push_back(std::move(d)); }
};

PdfWriter::PdfWriter(PageSetup setup) : impl_(std::make_unique<Impl>()) {
  impl_->setup = std::move(setup);
  if (impl_->setup.landscape) std::swap(impl_->page_w, impl_->page_h);
  impl_->measure_surface = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, nullptr);
  impl_->measure = cairo_create(impl_->measure_surface);
}

PdfWriter::~PdfWriter() {
  cairo_destroy(impl_->measure);
  cairo_surface_destroy(impl_->measure_surface);
}

int PdfWriter::pages() const { return static_cast<int>(impl_->pages.size()); }

void PdfWriter::title(const std::string& text, double pt) { this->text(text, pt, true, Align::kCenter); }

void PdfWriter::text(const std::string& text, double pt, bool bold, Align align) {
  auto& m = *impl_;
  const double w = m.width(), h = m.measure_text(text, pt, bold, w, align);
  m.need(h);
  const double x = m.left(), y = m.y;
  m.add([=](cairo_t* cr) { show(cr, text, pt, bold, x, y, w, align); });
  m.y += h + 2;
}

void PdfWriter::space(double mm) { impl_->y += mm * kMm; }

void PdfWriter::page_break() { impl_->new_page(); }

void PdfWriter::table(const Table& t) {
  auto& m = *impl_;
  const std::size_t n = t.header.size();
  const double total = std::accumulate(t.widths.begin(), t.widths.end(), 0.0);
  std::vector<double> w(n), x(n + 1, m.left());
  for (std::size_t i = 0; i < n; ++i) {
    w[i] = (i < t.widths.size() && total > 0 ? t.widths[i] / total : 1.0 / n) * m.width();
    x[i + 1] = x[i] + w[i];
  }
  auto align_of = [&](std::size_t i) { return i < t.align.size() ? t.align[i] : Align::kLeft; };
  auto row_height = [&](const std::vector<std::string>& cells, bool bold) {
    double h = 0;
    for (std::size_t i = 0; i < n; ++i)
      h = std::max(h, m.measure_text(i < cells.size() ? cells[i] : "", t.font_pt, bold, w[i] - 2 * kPad, align_of(i)));
    return h + 2 * kPad;
  };
  auto draw_row = [&](const std::vector<std::string>& cells, bool bold, double h) {
    const double y = m.y;
    const double pt = t.font_pt;
    m.add([=](cairo_t* cr) {
      if (bold) {
        cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
        cairo_rectangle(cr, x[0], y, x[n] - x[0], h);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
      }
      cairo_set_line_width(cr, 0.5);
      for (std::size_t i = 0; i < n; ++i) {
        cairo_rectangle(cr, x[i], y, w[i], h);
        cairo_stroke(cr);
        const Align a = i < t.align.size() ? t.align[i] : Align::kLeft;
        show(cr, i < cells.size() ? cells[i] : "", pt, bold, x[i] + kPad, y + kPad, w[i] - 2 * kPad, bold ? Align::kCenter : a);
      }
    });
    m.y += h;
  };
  // The header: one row, or the groups' row above the columns' (Table::groups).
  std::vector<std::size_t> group_of(n, 0);  // column → its group
  std::vector<std::size_t> first_of;        // group → its first column
  for (std::size_t g = 0, c = 0; g < t.groups.size(); ++g) {
    first_of.push_back(c);
    for (std::size_t k = 0; k < t.groups[g].second && c < n; ++k) group_of[c++] = g;
  }
  const bool grouped = !t.groups.empty();
  auto spanned = [&](std::size_t g) { return !t.groups[g].first.empty(); };
  double group_h = 0, head_h = 0;
  if (!grouped) {
    head_h = row_height(t.header, true);
  } else {
    for (std::size_t g = 0; g < t.groups.size(); ++g)
      if (spanned(g)) {
        const std::size_t a = first_of[g], b = std::min(n, a + t.groups[g].second);
        group_h = std::max(group_h, m.measure_text(t.groups[g].first, t.font_pt, true, x[b] - x[a] - 2 * kPad,
                                                   Align::kCenter) + 2 * kPad);
      }
    for (std::size_t i = 0; i < n; ++i) {
      const double h = m.measure_text(t.header[i], t.font_pt, true, w[i] - 2 * kPad, Align::kCenter) + 2 * kPad;
      head_h = std::max(head_h, spanned(group_of[i]) ? h : h - group_h);
    }
  }
  auto draw_head = [&] {
    if (!grouped) return draw_row(t.header, true, head_h);
    const double y = m.y, pt = t.font_pt, gh = group_h, hh = head_h;
    const auto header = t.header;
    const auto groups = t.groups;
    const auto owner = group_of;
    const auto first = first_of;
    m.add([=](cairo_t* cr) {
      cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
      cairo_rectangle(cr, x[0], y, x[n] - x[0], gh + hh);
      cairo_fill(cr);
      cairo_set_source_rgb(cr, 0, 0, 0);
      cairo_set_line_width(cr, 0.5);
      for (std::size_t g = 0; g < groups.size(); ++g) {
        if (groups[g].first.empty()) continue;
        const std::size_t a = first[g], b = std::min(n, a + groups[g].second);
        cairo_rectangle(cr, x[a], y, x[b] - x[a], gh);
        cairo_stroke(cr);
        show(cr, groups[g].first, pt, true, x[a] + kPad, y + kPad, x[b] - x[a] - 2 * kPad, Align::kCenter);
      }
      for (std::size_t i = 0; i < n; ++i) {
        const bool under = !groups[owner[i]].first.empty();
        const double top = under ? y + gh : y, h = under ? hh : gh + hh;
        cairo_rectangle(cr, x[i], top, w[i], h);
        cairo_stroke(cr);
        show(cr, header[i], pt, true, x[i] + kPad, top + kPad, w[i] - 2 * kPad, Align::kCenter);
      }
    });
    m.y += gh + hh;
  };
  m.need(group_h + head_h + (t.rows.empty() ? 0 : row_height(t.rows.front(), false)));
  draw_head();
  for (const auto& row : t.rows) {
    const double h = row_height(row, false);
    if (m.y + h > m.bottom()) {
      m.new_page();
      draw_head();
    }
    draw_row(row, false, h);
  }
  m.y += 3 * kMm;
}

void PdfWriter::signatures(const std::vector<Signature>& blocks) {
  auto& m = *impl_;
  if (blocks.empty()) return;
  const double bw = m.width() / static_cast<double>(blocks.size());
  const double h = 38 * kMm;  // room for a hand signature and the stamp
  m.need(h);
  const double y = m.y, x0 = m.left();
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const auto b = blocks[i];
    const double x = x0 + bw * static_cast<double>(i);
    m.add([=](cairo_t* cr) {
      show(cr, b.role, 10, true, x, y, bw, Align::kCenter);
      show(cr, b.note, 8, false, x + 4, y + 14, bw - 8, Align::kCenter);
      show(cr, b.name, 10, true, x, y + h - 14, bw, Align::kCenter);
    });
  }
  m.y += h;
}

Status PdfWriter::finish(const std::string& path) {
  auto& m = *impl_;
  const std::string tmp = path + ".tmp";
  cairo_surface_t* surface = cairo_pdf_surface_create(tmp.c_str(), m.page_w, m.page_h);
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(surface);
    return Status(ErrorCode::kInvalidValue, "không ghi được tệp " + path);
  }
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Sổ điểm (sodiem-server print)");
  cairo_t* cr = cairo_create(surface);
  const int total = static_cast<int>(m.pages.size());
  for (int p = 0; p < total; ++p) {
    cairo_set_source_rgb(cr, 0, 0, 0);
    if (!m.setup.watermark.empty()) {
      cairo_save(cr);
      cairo_translate(cr, m.page_w / 2, m.page_h / 2);
      cairo_rotate(cr, -0.6);
      cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
      LayoutRef l(make_layout(cr, m.setup.watermark, 64, true, 0, Align::kCenter));
      int lw = 0, lh = 0;
      pango_layout_get_size(l.p, &lw, &lh);
      cairo_move_to(cr, -lw / 2.0 / PANGO_SCALE, -lh / 2.0 / PANGO_SCALE);
      pango_cairo_show_layout(cr, l.p);
      cairo_restore(cr);
    }
    show(cr, m.setup.school, 9, true, m.left(), 8 * kMm, m.width() / 2, Align::kLeft);
    show(cr, m.setup.top_right, 9, false, m.left() + m.width() / 2, 8 * kMm, m.width() / 2, Align::kRight);
    show(cr, m.setup.footer, 7.5, false, m.left(), m.page_h - 11 * kMm, m.width() * 0.75, Align::kLeft);
    show(cr, "Trang " + std::to_string(p + 1) + "/" + std::to_string(total), 8, false, m.left() + m.width() * 0.75,
         m.page_h - 11 * kMm, m.width() * 0.25, Align::kRight);
    for (const auto& draw : m.pages[static_cast<std::size_t>(p)]) {
      cairo_set_source_rgb(cr, 0, 0, 0);
      draw(cr);
    }
    cairo_show_page(cr);
  }
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  const auto status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  std::error_code ec;
  if (status != CAIRO_STATUS_SUCCESS) {
    std::filesystem::remove(tmp, ec);
    return Status(ErrorCode::kInvalidValue, std::string("không ghi được tệp PDF: ") + cairo_status_to_string(status));
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status(ErrorCode::kInvalidValue, "không ghi được tệp " + path + ": " + ec.message());
  return Status::ok();
}

}  // namespace sodiem::server::print
