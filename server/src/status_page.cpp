// The HTTPS status page and HTML escaping (see the header).
#include "sodiem/server/status_page.hpp"

namespace sodiem::server {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string status_page_html(const std::string& school_name) {
  return "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>Sổ điểm</title>"
         "<h1>Sổ điểm — máy chủ của trường</h1><p>" +
         html_escape(school_name) +
         "</p><p>Máy chủ đang hoạt động. Giáo viên đồng bộ bằng ứng dụng <code>sodiem</code>.</p></html>";
}

}  // namespace sodiem::server
