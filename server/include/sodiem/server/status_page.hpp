// The HTML status page the server answers a plain HTTPS request with, and
// the escaping of text put into it. Pure functions; any thread.
#pragma once
#include <string>
#include <string_view>

namespace sodiem::server {

// Text as HTML character data or an attribute value: & < > " ' escaped.
std::string html_escape(std::string_view text);
// The page for `school_name` (escaped).
std::string status_page_html(const std::string& school_name);

}  // namespace sodiem::server
