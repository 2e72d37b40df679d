// UiGuard: what every request to `sodiem ui` must pass before a handler
// sees it: the per-launch token (the launch URL's ?token=, then a cookie),
// the exact Host (defeats DNS rebinding), a CSRF token on every POST, a
// bounded, well-formed target; and the headers every answer carries (CSP
// without inline script, no sniffing, no caching, no CORS). Pure; called by
// the ui's HTTP sessions on the io thread.
#pragma once
#include <optional>
#include <string>
#include <string_view>

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

// Percent-decodes a query component ('+' is a space); nullopt on a bad
// escape or a result that is not valid UTF-8 without control characters.
std::optional<std::string> decode_component(std::string_view text);

// Whether the JSON text nests arrays/objects at most max_depth deep (checked
// before parsing, which would recurse that deep).
bool json_depth_within(std::string_view text, int max_depth);

}  // namespace sodiem::client::ui
