// Exact decimals in a written XLSX (see xlsx_numbers.hpp), with minizip.
#include "xlsx_numbers.hpp"

#include <minizip/unzip.h>
#include <minizip/zip.h>

#include <charconv>
#include <filesystem>
#include <system_error>
#include <vector>

namespace sodiem::server::xlsx {

namespace {

struct Entry {
  std::string name, data;
};

Status broken(const std::string& path) { return Status(ErrorCode::kInvalidValue, "không ghi được tệp XLSX " + path); }

// Every part of the package, in order.
bool read_all(const std::string& path, std::vector<Entry>& out) {
  unzFile in = unzOpen64(path.c_str());
  if (!in) return false;
  bool ok = unzGoToFirstFile(in) == UNZ_OK;
  while (ok) {
    char name[512];
    unz_file_info64 info{};
    if (unzGetCurrentFileInfo64(in, &info, name, sizeof name, nullptr, 0, nullptr, 0) != UNZ_OK ||
        unzOpenCurrentFile(in) != UNZ_OK) {
      ok = false;
      break;
    }
    Entry e{name, {}};
    char buf[64 * 1024];
    int got;
    while ((got = unzReadCurrentFile(in, buf, sizeof buf)) > 0) e.data.append(buf, static_cast<std::size_t>(got));
    ok = got == 0 && unzCloseCurrentFile(in) == UNZ_OK;
    out.push_back(std::move(e));
    if (!ok) break;
    const int next = unzGoToNextFile(in);
    if (next == UNZ_END_OF_LIST_OF_FILE) break;
    ok = next == UNZ_OK;
  }
  unzClose(in);
  return ok;
}

bool write_all(const std::string& path, const std::vector<Entry>& entries) {
  zipFile out = zipOpen64(path.c_str(), APPEND_STATUS_CREATE);
  if (!out) return false;
  bool ok = true;
  for (const auto& e : entries) {
    zip_fileinfo info{};
    ok = zipOpenNewFileInZip64(out, e.name.c_str(), &info, nullptr, 0, nullptr, 0, nullptr, Z_DEFLATED,
                               Z_DEFAULT_COMPRESSION, e.data.size() >= 0xffffffffu) == ZIP_OK &&
         zipWriteInFileInZip(out, e.data.data(), static_cast<unsigned>(e.data.size())) == ZIP_OK &&
         zipCloseFileInZip(out) == ZIP_OK;
    if (!ok) break;
  }
  return zipClose(out, nullptr) == ZIP_OK && ok;
}

}  // namespace

std::string exact_number_cells(const std::string& xml) {
  std::string out;
  out.reserve(xml.size());
  std::size_t from = 0;
  for (std::size_t at = xml.find("<c ", from); at != std::string::npos; at = xml.find("<c ", from)) {
    const std::size_t tag_end = xml.find('>', at);
    if (tag_end == std::string::npos) break;
    const std::string_view tag(xml.data() + at, tag_end - at);
    const std::size_t v_open = tag_end + 1;
    // A number cell: no type (t="s", "str", "b", "inlineStr" …, or t="n"), not empty, its value first.
    const bool number = (tag.find(" t=\"") == std::string_view::npos || tag.find(" t=\"n\"") != std::string_view::npos) &&
                        tag.back() != '/' && xml.compare(v_open, 3, "<v>") == 0;
    const std::size_t v_close = number ? xml.find("</v>", v_open + 3) : std::string::npos;
    if (v_close == std::string::npos) {
      out.append(xml, from, tag_end + 1 - from);
      from = tag_end + 1;
      continue;
    }
    const char* first = xml.data() + v_open + 3;
    const char* last = xml.data() + v_close;
    double value = 0;
    const auto parsed = std::from_chars(first, last, value);
    out.append(xml, from, v_open + 3 - from);
    if (parsed.ec == std::errc() && parsed.ptr == last) {
      char shortest[32];
      const auto printed = std::to_chars(shortest, shortest + sizeof shortest, value);
      out.append(shortest, printed.ptr);
    } else {
      out.append(first, last);
    }
    from = v_close;
  }
  out.append(xml, from, std::string::npos);
  return out;
}

Status exact_numbers(const std::string& path) {
  std::vector<Entry> entries;
  if (!read_all(path, entries)) return broken(path);
  for (auto& e : entries)
    if (e.name.starts_with("xl/worksheets/") && e.name.ends_with(".xml")) e.data = exact_number_cells(e.data);
  const std::string rewritten = path + ".num";
  std::error_code ec;
  if (!write_all(rewritten, entries)) {
    std::filesystem::remove(rewritten, ec);
    return broken(path);
  }
  std::filesystem::rename(rewritten, path, ec);
  if (ec) {
    std::filesystem::remove(rewritten, ec);
    return broken(path);
  }
  return Status::ok();
}

}  // namespace sodiem::server::xlsx
