// The console's request guard and answers (see console_impl.hpp): what
// every request must pass before a handler sees it, on the I/O thread (pure,
// no database). Sessions and CSRF are checked on the console's thread.
#include <nlohmann/json.hpp>

#include "console_assets.hpp"
#include "console_impl.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/core/web_guard.hpp"
#include "sodiem/server/host_names.hpp"

namespace sodiem::server::console {

namespace {
constexpr std::size_t kMaxTarget = 2048;
constexpr std::size_t kMaxParams = 16;
constexpr const char* kMalformed = "địa chỉ trang không hợp lệ";
}  // namespace

Response json_response(const nlohmann::json& body, int status) {
  Response res;
  res.status = status;
  res.body = body.dump();
  return res;
}

Response error_response(int status, std::string_view code, std::string_view message) {
  return json_response(nlohmann::json{{"error", message}, {"code", code}}, status);
}

Response status_response(const Status& st) {
  int http = 400;
  switch (st.code()) {
    case ErrorCode::kUnauthenticated: http = 401; break;
    case ErrorCode::kForbidden: http = 403; break;
    case ErrorCode::kRateLimited: http = 429; break;
    case ErrorCode::kInternal: http = 500; break;
    case ErrorCode::kConflict: http = 409; break;
    default: http = 400;
  }
  return error_response(http, protocol::to_string(st.code()), st.message());
}

std::optional<Response> page_file(const std::string& path) {
  const ConsoleAsset* asset = find_console_asset(path == "/" ? "/index.html" : path);
  if (!asset) return std::nullopt;
  Response res;
  res.content_type = asset->content_type;
  res.body.assign(reinterpret_cast<const char*>(asset->data), asset->size);
  return res;
}

std::optional<Response> admit(Request& req) {
  if (req.host.empty()) return error_response(400, "MALFORMED", "yêu cầu thiếu tên máy chủ (Host)");
  // The connection's school was chosen by its TLS name: a request naming
  // another host (another school's, whose cookies and origin it would be
  // judged by) is not this school's to answer (RFC 9110 §15.5.20).
  if (!req.server_name.empty() && !host_field_names(req.host, req.server_name))
    return error_response(421, "MISDIRECTED",
                          "yêu cầu gửi nhầm trường: tên máy trong địa chỉ trang khác tên máy của kết nối; hãy mở lại "
                          "trang bằng đúng địa chỉ của trường");
  const std::string& t = req.target;
  if (t.empty() || t.size() > kMaxTarget || t.front() != '/' || (t.size() > 1 && (t[1] == '/' || t[1] == '\\')))
    return error_response(400, "MALFORMED", kMalformed);
  const auto q = t.find('?');
  auto path = web::decode_component(std::string_view(t).substr(0, q));
  if (!path) return error_response(400, "MALFORMED", kMalformed);
  req.path = *path;
  req.query.clear();
  if (q != std::string::npos) {
    std::string_view query = std::string_view(t).substr(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto pair = query.substr(0, amp);
      if (!pair.empty()) {
        const auto eq = pair.find('=');
        auto key = web::decode_component(pair.substr(0, eq));
        auto value = web::decode_component(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        if (!key || !value || req.query.size() >= kMaxParams)
          return error_response(400, "MALFORMED", "tham số trên địa chỉ trang không hợp lệ");
        auto nfc = to_nfc(*value);
        req.query[*key] = nfc ? *nfc : *value;
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  if (req.method == "GET" || req.method == "HEAD") return std::nullopt;
  if (req.method != "POST") return error_response(405, "METHOD", "thao tác không được hỗ trợ");
  // A POST comes from the console's own page: a browser names the page's
  // origin, which must be this server as the browser reached it.
  if (!req.origin.empty() && req.origin != "https://" + req.host)
    return error_response(403, "CSRF", "yêu cầu đến từ trang khác: bị từ chối");
  if (req.content_type.rfind("application/json", 0) != 0)
    return error_response(415, "MALFORMED", "dữ liệu gửi lên phải là JSON");
  return std::nullopt;
}

Result<nlohmann::json> body_object(const Request& req) {
  if (!web::json_depth_within(req.body, tuning::kConsoleMaxJsonDepth))
    return Status(ErrorCode::kInvalidValue, "dữ liệu gửi lên lồng nhau quá sâu");
  nlohmann::json j = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status(ErrorCode::kInvalidValue, "dữ liệu gửi lên không phải JSON hợp lệ");
  return j;
}

Result<std::int64_t> id_field(const nlohmann::json& body) {
  auto it = body.find("id");
  if (it == body.end() || !it->is_number_integer() || it->get<std::int64_t>() <= 0)
    return Status(ErrorCode::kInvalidValue, "thiếu số của yêu cầu");
  return it->get<std::int64_t>();
}

Result<std::int64_t> time_field(const nlohmann::json& body, const char* key, std::int64_t fallback) {
  auto text = text_field(body, key, protocol::TextKind::kName, 64, false);  // typed_local_time reads 32 bytes at most
  if (!text) return text.status();
  if (text->empty()) return fallback;
  auto t = typed_local_time(*text);
  if (!t)
    return Status(ErrorCode::kInvalidValue, "ngày giờ \"" + *text + "\" không hợp lệ: ghi " + std::string(kTypedDateFormats) +
                                                 ", có thể thêm giờ hh:mm (giờ Việt Nam)");
  return *t;
}

Result<std::string> text_field(const nlohmann::json& obj, const char* key, protocol::TextKind kind,
                               std::size_t max_chars, bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty())) {
    if (required) return Status(ErrorCode::kInvalidValue, std::string("thiếu trường ") + key);
    return std::string();
  }
  if (!it->is_string()) return Status(ErrorCode::kInvalidValue, std::string("trường ") + key + " phải là chuỗi");
  const auto& raw = it->get_ref<const std::string&>();
  if (protocol::text_problem(raw, kind))
    return Status(ErrorCode::kInvalidValue,
                  std::string("trường ") + key + " có kí tự không hợp lệ (UTF-8 hỏng, kí tự điều khiển hoặc vô hình)");
  auto nfc = to_nfc(raw);
  if (!nfc) return Status(ErrorCode::kInvalidValue, std::string("trường ") + key + " không phải UTF-8 hợp lệ");
  if (code_points(*nfc) > max_chars)
    return Status(ErrorCode::kInvalidValue,
                  std::string("trường ") + key + " dài quá " + std::to_string(max_chars) + " kí tự");
  return *nfc;
}

}  // namespace sodiem::server::console
