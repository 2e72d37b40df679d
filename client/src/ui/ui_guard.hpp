// UiGuard: what every request to `sodiem ui` must pass before a handler
// sees it: the per-launch token (the launch URL's ?token=, then a cookie),
// the exact Host (defeats DNS rebinding), a CSRF token on every POST, a
// bounded, well-formed target, the page's own Origin on a WebSocket
// handshake (and on each message of that channel, the CSRF token its first
// message gave: ui_ws.cpp); and the headers every answer carries (CSP
// without inline script, no sniffing, no caching, no CORS). Pure; called by
// the ui's HTTP sessions on the io thread.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "sodiem/core/web_guard.hpp"
#include "ui_types.hpp"

namespace sodiem::client::ui {

class UiGuard {
 public:
  // token, csrf: per-launch secrets; host: "127.0.0.1:PORT".
  UiGuard(std::string token, std::string csrf, std::string host);

  // Fills req.path and req.query; nullopt when the request may go on,
  // otherwise the answer to send instead (a refusal, or the redirect that
  // turns the launch URL's token into a cookie).
  std::optional<UiResponse> admit(UiRequest& req) const;

  const std::string& csrf() const { return csrf_; }
  const std::string& token() const { return token_; }
  // "sodiem_ui_PORT": cookies are not kept per port, so two uis (two data
  // directories) must not share a cookie name or each launch would log the
  // other's page out.
  std::string cookie_name() const;

 private:
  std::string token_, csrf_, host_;
};

// Adds the headers every answer carries.
void add_security_headers(UiResponse& res);

// A JSON error answer {"error": message, "code": code}.
UiResponse error_response(int status, std::string_view code, std::string_view message);

// The shared rules (sodiem/core/web_guard.hpp), by their old names here.
using web::decode_component;
using web::json_depth_within;

}  // namespace sodiem::client::ui
