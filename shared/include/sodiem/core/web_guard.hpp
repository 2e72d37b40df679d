// The rules every HTTP front of Sổ điểm applies to what a browser sends and
// to what it answers: the teacher's `sodiem ui` (client/src/ui) and the
// school's console on the server (server/src/console). Percent-decoding
// into well-formed text, a JSON nesting bound checked before parsing, a
// constant-time secret comparison, reading one cookie, and the security
// headers of every answer. Pure functions; any thread.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sodiem::web {

// Percent-decodes a query or path component ('+' is a space); nullopt on a
// bad escape or a result that is not valid UTF-8 without control characters
// (protocol::text_problem, kName).
std::optional<std::string> decode_component(std::string_view text);

// Whether the JSON text nests arrays/objects at most max_depth deep (checked
// before parsing, which would recurse that deep).
bool json_depth_within(std::string_view text, int max_depth);

// a == b for secrets (tokens), in time independent of where they differ;
// false when either is empty.
bool same_secret(std::string_view a, std::string_view b);

// The value of cookie `name` in a Cookie header; "" if absent.
std::string cookie_value(std::string_view header, std::string_view name);

// The headers every answer carries: CSP without inline script or style and
// with frame-ancestors 'none', nosniff, no-store, no referrer, no framing,
// same-origin isolation. No CORS header is ever sent.
using Headers = std::vector<std::pair<std::string, std::string>>;
const Headers& security_headers();
// Appends security_headers() to an answer's headers; a Cache-Control the
// answer already set (a page file that may be cached) is kept.
void add_security_headers(Headers& headers);

}  // namespace sodiem::web
