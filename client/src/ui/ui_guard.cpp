// The ui's request checks and answer headers (see ui_guard.hpp).
#include "ui_guard.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "sodiem/protocol/text.hpp"

namespace sodiem::client::ui {

namespace {

bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    auto semi = header.find(';');
    auto part = header.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=')
      return std::string(part.substr(name.size() + 1));
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return {};
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::size_t kMaxTarget = 4096;
constexpr std::size_t kMaxParams = 32;

}  // namespace

std::optional<std::string> decode_component(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_digit(text[i + 1]), lo = hex_digit(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += text[i];
    }
  }
  if (protocol::text_problem(out, protocol::TextKind::kName)) return std::nullopt;
  return out;
}

bool json_depth_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

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
  res.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
                           "frame-ancestors 'none'");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  const bool cache_set = std::any_of(res.headers.begin(), res.headers.end(),
                                     [](const auto& h) { return h.first == "Cache-Control"; });
  if (!cache_set) res.headers.emplace_back("Cache-Control", "no-store");
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  res.headers.emplace_back("X-Frame-Options", "DENY");
  res.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  res.headers.emplace_back("Cross-Origin-Resource-Policy", "same-origin");
}

std::optional<UiResponse> UiGuard::admit(UiRequest& req) const {
  if (req.host != host_)
    return error_response(421, "WRONG_HOST", "địa chỉ không đúng: hãy mở trang bằng địa chỉ mà sodiem ui đã in ra");
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
