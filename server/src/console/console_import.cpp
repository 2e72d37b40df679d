// The console's roster and staff import (ADMIN and HT): a CSV or XLSX file
// uploaded as {"what": "students"|"staff", "filename", "data": base64},
// read as `sodiem-server import students|staff FILE` reads it (an XLSX's
// first sheet through roster_csv_from_xlsx), imported all or nothing by the
// same functions (import_students, import_staff: their checks, transaction
// and audit in the console user's name), a refusal shown as the CLI shows it
// (import_refusal). New accounts' issued passwords are shown once. The only
// request allowed a body past kConsoleMaxBodyBytes (console_beast.cpp).
// Console thread only.
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "console_impl.hpp"
#include "sodiem/server/roster_csv.hpp"
#include "sodiem/server/roster_io.hpp"

namespace sodiem::server::console {

namespace {

// Standard base64 (RFC 4648 §4), padding required, nothing else allowed.
std::optional<std::string> from_base64(std::string_view in) {
  auto value = [](char ch) -> int {
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
  };
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    const int pad = last ? (in[i + 3] == '=') + (in[i + 2] == '=') : 0;
    int v[4];
    for (int k = 0; k < 4 - pad; ++k)
      if ((v[k] = value(in[i + k])) < 0) return std::nullopt;
    if (pad == 1 && in[i + 2] == '=') return std::nullopt;  // "x=y=" is not base64
    const std::uint32_t n = (static_cast<std::uint32_t>(v[0]) << 18) | (static_cast<std::uint32_t>(v[1]) << 12) |
                            (pad < 2 ? static_cast<std::uint32_t>(v[2]) << 6 : 0) | (pad < 1 ? v[3] : 0);
    out += static_cast<char>(n >> 16);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(n & 0xFF);
  }
  return out;
}

bool is_xlsx_name(const std::string& name) {
  if (name.size() <= 5) return false;
  std::string ext = name.substr(name.size() - 5);
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return ext == ".xlsx";
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// An XLSX's first sheet as CSV text: the file written into a private
// directory for the reader, then removed; a refusal names the file as the
// user named it, not where it was kept.
Result<std::string> csv_of_xlsx(const std::string& bytes, const std::string& filename) {
  ScratchDir scratch;
  const std::string path = scratch.file("upload.xlsx");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) return Status(ErrorCode::kInternal, "máy chủ không ghi được tệp tạm để đọc");
  }
  auto csv = roster_csv_from_xlsx(path);
  if (csv) return csv;
  std::string why = csv.status().message();
  replace_all(why, path, filename);
  return Status(csv.status().code(), why);
}

}  // namespace

ScratchDir::ScratchDir() {
  std::error_code ec;
  std::string pattern = (std::filesystem::temp_directory_path(ec) / "sodiem-console-XXXXXX").string();
  if (ec || !mkdtemp(pattern.data())) throw std::runtime_error("cannot make a scratch directory");
  dir_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string ScratchDir::file(const std::string& name) const { return dir_ + "/" + name; }

Response api_import(Console::Impl& c, const Actor& a, const Request& req) {
  if (!imports_rosters(a.user)) return error_response(403, "FORBIDDEN", kImportOnly);
  auto body = body_object(req);
  if (!body) return status_response(body.status());
  auto what = text_field(*body, "what", protocol::TextKind::kName, 16, true);
  if (!what) return status_response(what.status());
  if (*what != "students" && *what != "staff")
    return error_response(400, "INVALID_VALUE", "hãy chọn nhập danh sách học sinh hoặc danh sách cán bộ, giáo viên");
  auto filename = text_field(*body, "filename", protocol::TextKind::kName, 200, true);
  if (!filename) return status_response(filename.status());
  auto data = body->find("data");
  if (data == body->end() || !data->is_string()) return error_response(400, "INVALID_VALUE", "thiếu nội dung tệp");
  auto bytes = from_base64(data->get_ref<const std::string&>());
  if (!bytes) return error_response(400, "INVALID_VALUE", "nội dung tệp gửi lên bị hỏng (không phải base64): hãy thử lại");

  std::string csv_text;
  if (is_xlsx_name(*filename)) {
    auto csv = csv_of_xlsx(*bytes, *filename);
    if (!csv) {
      const ImportRefusal refusal = import_refusal(*filename, {csv.status().message()});
      return json_response({{"error", refusal.headline}, {"code", "IMPORT_REFUSED"}, {"errors", refusal.lines}}, 400);
    }
    csv_text = std::move(*csv);
  } else {
    csv_text = std::move(*bytes);
  }
  std::istringstream rows(csv_text);
  const ImportReport report = *what == "students" ? import_students(*c.db, rows, a.user.username)
                                                  : import_staff(*c.db, rows, c.clock, a.user.username);
  if (!report.ok) {
    const ImportRefusal refusal = import_refusal(*filename, report.errors);
    return json_response({{"error", refusal.headline}, {"code", "IMPORT_REFUSED"}, {"errors", refusal.lines}}, 400);
  }
  nlohmann::json passwords = nlohmann::json::array();
  for (const auto& [user, password] : report.new_passwords)
    passwords.push_back({{"username", user}, {"password", password}});
  return json_response({{"ok", true},
                        {"inserted", report.inserted},
                        {"updated", report.updated},
                        {"moves", report.moves},
                        {"passwords", passwords},
                        {"message", "Đã nhập " + *filename + ": thêm " + std::to_string(report.inserted) +
                                        ", cập nhật " + std::to_string(report.updated)}});
}

}  // namespace sodiem::server::console
