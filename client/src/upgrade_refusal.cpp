// What a `sodiem` user reads when the server answers the WebSocket upgrade
// with an HTTP status instead of 101 (see transport.hpp): the status said
// in Vietnamese and what to do, then the server's own text when it is a
// short, well-formed UTF-8 plain text. Called by wss_transport.cpp only
// (and tests); pure.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "sodiem/client/transport.hpp"
#include "sodiem/core/unicode_text.hpp"

namespace sodiem::client {

namespace {

// The server's text, as shown: plain text only, well-formed UTF-8, control
// characters (but line breaks, made spaces) refused, blanks folded, at most
// kMaxRefusalChars characters. Empty when there is nothing fit to show.
std::string server_text(std::string_view content_type, std::string_view body) {
  const bool cut_at_bound = body.size() > kMaxRefusalBodyBytes;
  if (cut_at_bound) body = body.substr(0, kMaxRefusalBodyBytes);
  std::string type(content_type.substr(0, 64));
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!type.starts_with("text/plain")) return {};  // an HTML error page says nothing to a teacher in a terminal
  // A body cut at the bound may end inside a character: drop that character
  // (a whole body must be well-formed as it is).
  auto well_formed = to_nfc(body);
  for (int cut = 0; cut_at_bound && !well_formed && cut < 3 && !body.empty(); ++cut) {
    body.remove_suffix(1);
    well_formed = to_nfc(body);
  }
  if (!well_formed) return {};
  std::string out;
  const std::string& text = *well_formed;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    // C1 controls (U+0080-U+009F, UTF-8 C2 80-C2 9F) include a terminal's CSI.
    const bool c1 = u == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9f;
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else if (u < 0x20 || u == 0x7f || c1) {
      return {};  // escape sequences have no place on a teacher's terminal
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return excerpt(out, kMaxRefusalChars);
}

}  // namespace

std::string refused_upgrade_message(unsigned status, std::string_view content_type, std::string_view body) {
  const std::string code = "HTTP " + std::to_string(status);
  std::string said;
  std::string advice;
  switch (status) {
    case 503:
      said = "máy chủ đang bận hoặc tạm thời chưa phục vụ trường này (" + code + ")";
      advice = "Hãy thử lại sau ít phút; nếu vẫn vậy, hãy báo người quản trị máy chủ.";
      break;
    case 401:
    case 403:
      said = "máy chủ từ chối kết nối đồng bộ (" + code + ": không được phép)";
      advice = "Hãy kiểm tra địa chỉ máy chủ và báo người quản trị máy chủ.";
      break;
    case 404:
      said = "địa chỉ này không có dịch vụ đồng bộ Sổ điểm (" + code + ")";
      advice = "Hãy kiểm tra lại địa chỉ máy chủ (wss://TÊN_MÁY:CỔNG) với người quản trị.";
      break;
    case 426:
      said = "máy chủ đòi một phiên bản giao thức khác (" + code + ")";
      advice = "Có thể cần cài phiên bản sodiem mới hơn; hãy hỏi người quản trị máy chủ.";
      break;
    case 429:
      said = "máy chủ đang nhận quá nhiều kết nối (" + code + ")";
      advice = "Hãy thử lại sau ít phút.";
      break;
    default:
      if (status >= 500 && status <= 599) {
        said = "máy chủ gặp lỗi khi mở kết nối đồng bộ (" + code + ")";
        advice = "Hãy thử lại sau ít phút; nếu vẫn vậy, hãy báo người quản trị máy chủ.";
      } else {
        said = "máy chủ không mở kết nối đồng bộ mà trả lời " + code;
        advice = "Có thể địa chỉ này không phải máy chủ Sổ điểm; hãy kiểm tra lại với người quản trị.";
      }
  }
  const std::string text = server_text(content_type, body);
  return said + (text.empty() ? "" : ". Máy chủ báo: \"" + text + "\"") + ". " + advice;
}

}  // namespace sodiem::client
