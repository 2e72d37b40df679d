// The ui's request checks and answer headers (see ui_guard.hpp).
#include "ui_guard.hpp"

#include <nlohmann/json.hpp>

#include "sodiem/core/web_guard.hpp"

namespace sodiem::client::ui {

namespace {

using web::cookie_value;
using web::same_secret;

constexpr std::size_t kMaxTarget = 4096;
constexpr std::size_t kMaxParams = 32;

}  // namespace

UiGuard::UiGuard(std::string token, std::string csrf, std::string host)
    : token_(std::move(token)), csrf_(std::move(csrf)), host_(std::move(host)) {}

std::string UiGuard::cookie_name() const {
  // Browsers keep one cookie jar for 127.0.0.1 whatever the port.
  const auto colon = host_.rfind(':');
  return "sodiem_ui_" + (colon == std::string::npos ? std::string() : host_.substr(colon + 1));
}

UiResponse error_response(int status, std::string_view code, std::string_view message) {
  UiResponse res;
  res.status = status;
  res.body = nlohmann::json{{"error", message}, {"code", code}}.dump();
  return res;
}

void add_security_headers(UiResponse& res) {
  web::add_security_headers(res.headers);
}

std::optional<UiResponse> UiGuard::admit(UiRequest& req) const {
  if (req.host != host_)
    return error_response(421, "WRONG_HOST", "địa chỉ không đúng: hãy mở trang bằng địa chỉ mà sodiem ui đã in ra");
  // A WebSocket is not bound by the same-origin policy: a handshake must
  // come from this ui's own page.
  if (req.upgrade && req.origin != "http://" + host_)
    return error_response(403, "WRONG_ORIGIN", "kết nối không đến từ trang của sodiem ui trên máy này");
  // "//host/…" would make the launch redirect's Location another site.
  if (req.target.empty() || req.target.size() > kMaxTarget || req.target.front() != '/' ||
      (req.target.size() > 1 && (req.target[1] == '/' || req.target[1] == '\\')))
    return error_response(400, "MALFORMED", "địa chỉ trang không hợp lệ");
  const auto q = req.target.find('?');
  auto path = decode_component(std::string_view(req.target).substr(0, q));
  if (!path) return error_response(400, "MALFORMED", "địa chỉ trang không hợp lệ");
  req.path = *path;
  req.query.clear();
  std::string launch_token, rest;
  bool has_launch_token = false;
  if (q != std::string::npos) {
    std::string_view query = std::string_view(req.target).substr(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const auto pair = query.substr(0, amp);
      if (!pair.empty()) {
        const auto eq = pair.find('=');
        auto key = decode_component(pair.substr(0, eq));
        auto value = decode_component(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        if (!key || !value || req.query.size() >= kMaxParams)
          return error_response(400, "MALFORMED", "tham số trên địa chỉ trang không hợp lệ");
        if (*key == "token") {
          launch_token = *value;
          has_launch_token = true;
        } else {
          rest += (rest.empty() ? "" : "&") + std::string(pair);
          req.query[*key] = *value;
        }
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  if (has_launch_token) {
    if (req.method != "GET" || !same_secret(launch_token, token_))
      return error_response(401, "UNAUTHENTICATED", "mã truy cập không đúng: hãy mở địa chỉ mà sodiem ui vừa in ra");
    UiResponse res;
    res.status = 303;
    res.content_type = "text/plain; charset=utf-8";
    res.headers.emplace_back("Set-Cookie", cookie_name() + "=" + token_ + "; HttpOnly; SameSite=Strict; Path=/");
    res.headers.emplace_back("Location", req.target.substr(0, q) + (rest.empty() ? "" : "?" + rest));
    return res;
  }
  const std::string presented = req.token_header.empty() ? cookie_value(req.cookie, cookie_name()) : req.token_header;
  if (!same_secret(presented, token_))
    return error_response(401, "UNAUTHENTICATED",
                          "phiên làm việc không hợp lệ: hãy mở địa chỉ mà sodiem ui in ra khi khởi động");
  if (req.method == "GET" || req.method == "HEAD") return std::nullopt;
  if (req.method != "POST") return error_response(405, "METHOD", "thao tác không được hỗ trợ");
  if (!same_secret(req.csrf_header, csrf_))
    return error_response(403, "CSRF", "yêu cầu thiếu mã chống giả mạo (CSRF): hãy tải lại trang");
  if (req.content_type.rfind("application/json", 0) != 0)
    return error_response(415, "MALFORMED", "dữ liệu gửi lên phải là JSON");
  return std::nullopt;
}

}  // namespace sodiem::client::ui
