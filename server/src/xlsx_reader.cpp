// XLSX reading within bounds (see xlsx_reader.hpp).
#include "sodiem/server/xlsx_reader.hpp"

#include <minizip/unzip.h>
#include <pugixml.hpp>

#include <cctype>
#include <filesystem>
#include <memory>

namespace sodiem::server::xlsx {

namespace {

struct ZipCloser {
  void operator()(void* z) const { unzClose(z); }
};
using Zip = std::unique_ptr<void, ZipCloser>;

// One part of the package, or "" with `found` false; an error past the bound.
Result<std::string> part(void* zip, const std::string& name, const Limits& limits, bool& found) {
  found = false;
  if (unzLocateFile(zip, name.c_str(), 1) != UNZ_OK) return std::string();
  unz_file_info64 info{};
  if (unzGetCurrentFileInfo64(zip, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK ||
      unzOpenCurrentFile(zip) != UNZ_OK)
    return Status(ErrorCode::kInvalidValue, "tệp XLSX hỏng (không đọc được " + name + ")");
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    const int got = unzReadCurrentFile(zip, buf, sizeof buf);
    if (got < 0) {
      unzCloseCurrentFile(zip);
      return Status(ErrorCode::kInvalidValue, "tệp XLSX hỏng (không giải nén được " + name + ")");
    }
    if (got == 0) break;
    if (out.size() + static_cast<std::size_t>(got) > limits.max_part_bytes) {
      unzCloseCurrentFile(zip);
      return Status(ErrorCode::kTooLarge, "tệp XLSX có phần " + name + " giải nén ra quá " +
                                              std::to_string(limits.max_part_bytes >> 20) + " MiB: không phải một bảng điểm");
    }
    out.append(buf, static_cast<std::size_t>(got));
  }
  if (unzCloseCurrentFile(zip) != UNZ_OK)
    return Status(ErrorCode::kInvalidValue, "tệp XLSX hỏng (" + name + " sai mã kiểm tra)");
  found = true;
  return out;
}

// The element's name without its namespace prefix ("x:row" → "row").
std::string_view local(const char* name) {
  std::string_view n(name);
  const auto colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node node, std::string_view name) {
  for (auto c : node.children())
    if (local(c.name()) == name) return c;
  return {};
}

std::string attr(pugi::xml_node node, std::string_view name) {
  for (auto a : node.attributes())
    if (local(a.name()) == name) return a.value();
  return {};
}

// Text of a shared or inline string: <t>, or the runs' <r><t> joined.
std::string string_text(pugi::xml_node si) {
  if (auto t = child(si, "t")) return t.text().get();
  std::string out;
  for (auto r : si.children())
    if (local(r.name()) == "r")
      if (auto t = child(r, "t")) out += t.text().get();
  return out;
}

Result<pugi::xml_document*> parse(pugi::xml_document& doc, const std::string& text, const std::string& name) {
  auto res = doc.load_buffer(text.data(), text.size(), pugi::parse_default & ~pugi::parse_doctype);
  if (!res) return Status(ErrorCode::kInvalidValue, "tệp XLSX hỏng (" + name + ": " + res.description() + ")");
  return &doc;
}

// "D7" → (6, 3); (-1, -1) if malformed.
std::pair<int, int> parse_ref(const std::string& ref) {
  std::size_t i = 0;
  long col = 0, row = 0;
  while (i < ref.size() && std::isupper(static_cast<unsigned char>(ref[i])) && col < 20000) col = col * 26 + (ref[i++] - 'A' + 1);
  const std::size_t digits = i;
  while (i < ref.size() && std::isdigit(static_cast<unsigned char>(ref[i])) && row < 2000000) row = row * 10 + (ref[i++] - '0');
  if (i != ref.size() || digits == 0 || digits == ref.size() || col == 0 || row == 0 || col > 16384 || row > 1048576)
    return {-1, -1};
  return {static_cast<int>(row - 1), static_cast<int>(col - 1)};
}

// Each cell style's (cellXfs, by index) number format code, from styles.xml.
Result<std::vector<std::string>> number_format_codes(const std::string& styles_text) {
  std::vector<std::string> out;
  if (styles_text.empty()) return out;
  pugi::xml_document styles;
  if (auto r = parse(styles, styles_text, "styles.xml"); !r) return r.status();
  static const std::map<std::string, std::string> kBuiltIn = {
      {"0", "General"}, {"1", "0"}, {"2", "0.00"}, {"3", "#,##0"}, {"4", "#,##0.00"}, {"9", "0%"}, {"10", "0.00%"},
      {"11", "0.00E+00"}, {"49", "@"}};
  std::map<std::string, std::string> codes = kBuiltIn;
  const auto sheet = child(styles, "styleSheet");
  for (auto f : child(sheet, "numFmts").children())
    if (local(f.name()) == "numFmt") codes[attr(f, "numFmtId")] = attr(f, "formatCode");
  for (auto xf : child(sheet, "cellXfs").children()) {
    if (local(xf.name()) != "xf") continue;
    if (out.size() >= 65536) return Status(ErrorCode::kTooLarge, "tệp XLSX có quá nhiều kiểu ô");
    const std::string id = attr(xf, "numFmtId");
    auto it = codes.find(id.empty() ? "0" : id);
    out.push_back(it == codes.end() ? "builtin:" + id : it->second);
  }
  return out;
}

}  // namespace

std::string cell_name(int row, int col) {
  std::string letters;
  for (int c = col + 1; c > 0; c = (c - 1) / 26) letters.insert(letters.begin(), static_cast<char>('A' + (c - 1) % 26));
  return letters + std::to_string(row + 1);
}

std::string number_text(const std::string& stored) {
  // [-]digits[.digits][E[+-]digits]
  std::size_t i = 0;
  const bool negative = i < stored.size() && stored[i] == '-';
  if (negative) ++i;
  std::string digits, frac;
  while (i < stored.size() && std::isdigit(static_cast<unsigned char>(stored[i]))) digits += stored[i++];
  if (i < stored.size() && stored[i] == '.')
    for (++i; i < stored.size() && std::isdigit(static_cast<unsigned char>(stored[i]));) frac += stored[i++];
  int exponent = 0;
  if (i < stored.size() && (stored[i] == 'E' || stored[i] == 'e')) {
    ++i;
    const bool minus = i < stored.size() && stored[i] == '-';
    if (i < stored.size() && (stored[i] == '-' || stored[i] == '+')) ++i;
    std::string e;
    while (i < stored.size() && std::isdigit(static_cast<unsigned char>(stored[i])) && e.size() < 3) e += stored[i++];
    if (e.empty()) return stored;
    exponent = (minus ? -1 : 1) * std::stoi(e);
  }
  if (i != stored.size() || (digits.empty() && frac.empty()) || negative) return stored;
  // Move the decimal point by the exponent.
  std::string all = digits + frac;
  long point = static_cast<long>(digits.size()) + exponent;
  if (point < 0) {
    all.insert(0, static_cast<std::size_t>(-point), '0');
    point = 0;
  }
  if (point > static_cast<long>(all.size())) all.append(static_cast<std::size_t>(point) - all.size(), '0');
  std::string whole = all.substr(0, static_cast<std::size_t>(point)), fraction = all.substr(static_cast<std::size_t>(point));
  whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size()));
  if (whole.empty()) whole = "0";
  if (whole.size() > 6) return stored;  // no mark
  // Float noise: nine zeros (or nines) after the first decimal.
  std::string tenth = fraction.empty() ? "0" : fraction.substr(0, 1);
  const std::string rest = fraction.size() > 1 ? fraction.substr(1) : std::string();
  if (rest.size() >= 9 && rest.find_first_not_of('9') >= 9) {
    int value = std::stoi(whole) * 10 + (tenth[0] - '0') + 1;
    whole = std::to_string(value / 10);
    tenth = std::string(1, static_cast<char>('0' + value % 10));
  } else if (!rest.empty() && rest.find_first_not_of('0') < 9) {
    return whole + "." + fraction;  // a real second decimal: the mark's check refuses it
  }
  return tenth == "0" ? whole : whole + "." + tenth;
}

Result<std::vector<Sheet>> read(const std::string& path, const Limits& limits) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Status(ErrorCode::kInvalidValue, "không đọc được tệp " + path);
  if (size > limits.max_file_bytes)
    return Status(ErrorCode::kTooLarge, "tệp lớn hơn " + std::to_string(limits.max_file_bytes >> 20) +
                                            " MiB: một bảng điểm nhỏ hơn nhiều; hãy kiểm tra lại tệp");
  Zip zip(unzOpen64(path.c_str()));
  if (!zip) return Status(ErrorCode::kInvalidValue, "tệp " + path + " không phải tệp Excel (.xlsx)");
  bool found = false;
  auto workbook_text = part(zip.get(), "xl/workbook.xml", limits, found);
  if (!workbook_text) return workbook_text.status();
  if (!found) return Status(ErrorCode::kInvalidValue, "tệp " + path + " không phải tệp Excel (.xlsx): thiếu xl/workbook.xml");
  auto rels_text = part(zip.get(), "xl/_rels/workbook.xml.rels", limits, found);
  if (!rels_text) return rels_text.status();
  auto strings_text = part(zip.get(), "xl/sharedStrings.xml", limits, found);
  if (!strings_text) return strings_text.status();
  auto styles_text = part(zip.get(), "xl/styles.xml", limits, found);
  if (!styles_text) return styles_text.status();
  auto formats = number_format_codes(*styles_text);
  if (!formats) return formats.status();

  std::map<std::string, std::string> targets;  // relationship id → part name
  pugi::xml_document rels;
  if (auto r = parse(rels, *rels_text, "workbook.xml.rels"); !r) return r.status();
  for (auto rel : child(rels, "Relationships").children()) {
    std::string target = attr(rel, "Target");
    if (target.rfind('/', 0) == 0) target.erase(0, 1);
    else target = "xl/" + target;
    targets[attr(rel, "Id")] = target;
  }
  std::vector<std::string> strings;
  std::size_t cells = 0;
  if (!strings_text->empty()) {
    pugi::xml_document sst;
    if (auto r = parse(sst, *strings_text, "sharedStrings.xml"); !r) return r.status();
    for (auto si : child(sst, "sst").children()) {
      if (local(si.name()) != "si") continue;
      if (strings.size() >= limits.max_cells) return Status(ErrorCode::kTooLarge, "tệp XLSX có quá nhiều ô");
      strings.push_back(string_text(si));
    }
  }
  pugi::xml_document book;
  if (auto r = parse(book, *workbook_text, "workbook.xml"); !r) return r.status();
  std::vector<Sheet> out;
  for (auto s : child(child(book, "workbook"), "sheets").children()) {
    if (local(s.name()) != "sheet") continue;
    if (out.size() >= limits.max_sheets) return Status(ErrorCode::kTooLarge, "tệp XLSX có quá nhiều trang tính");
    Sheet sheet;
    sheet.name = attr(s, "name");
    auto target = targets.find(attr(s, "id"));
    if (target == targets.end()) continue;
    auto text = part(zip.get(), target->second, limits, found);
    if (!text) return text.status();
    if (!found) continue;
    pugi::xml_document doc;
    if (auto r = parse(doc, *text, target->second); !r) return r.status();
    for (auto row : child(child(doc, "worksheet"), "sheetData").children()) {
      if (local(row.name()) != "row") continue;
      for (auto c : row.children()) {
        if (local(c.name()) != "c") continue;
        if (++cells > limits.max_cells) return Status(ErrorCode::kTooLarge, "tệp XLSX có quá nhiều ô");
        const auto at = parse_ref(attr(c, "r"));
        if (at.first < 0)
          return Status(ErrorCode::kInvalidValue, "trang \"" + sheet.name + "\": ô có địa chỉ không hợp lệ \"" +
                                                      attr(c, "r").substr(0, 16) + "\"");
        const std::string type = attr(c, "t");
        std::string value;
        if (type == "s") {
          const std::string v = child(c, "v").text().get();
          const auto index = v.find_first_not_of("0123456789") == std::string::npos && !v.empty() && v.size() < 10
                                 ? std::stoul(v)
                                 : strings.size();
          if (index >= strings.size())
            return Status(ErrorCode::kInvalidValue, "trang \"" + sheet.name + "\" ô " + cell_name(at.first, at.second) +
                                                        ": chuỗi chung không tồn tại");
          value = strings[index];
        } else if (type == "inlineStr") {
          value = string_text(child(c, "is"));
        } else {
          value = child(c, "v").text().get();
          if (!value.empty() && (type.empty() || type == "n")) {
            const std::string style = attr(c, "s");
            const std::size_t xf = !style.empty() && style.size() < 6 && style.find_first_not_of("0123456789") == std::string::npos
                                       ? std::stoul(style)
                                       : 0;
            sheet.number_formats[at] = xf < formats->size() ? (*formats)[xf] : "General";
          }
        }
        if (!value.empty()) sheet.cells[at] = std::move(value);
      }
    }
    out.push_back(std::move(sheet));
  }
  return out;
}

}  // namespace sodiem::server::xlsx
