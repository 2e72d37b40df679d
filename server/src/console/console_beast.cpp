// Between Beast's HTTP messages and the console's (see console_beast.hpp).
#include "console_beast.hpp"

#include <string_view>

#include "console_impl.hpp"
#include "sodiem/core/web_guard.hpp"

namespace sodiem::server::console {

namespace http = boost::beast::http;

Request from_beast(BeastRequest& msg, const std::string& address, const std::string& server_name) {
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  // Two Host fields (RFC 9112 §3.2: a 400) must not let one be checked and the other used.
  if (msg.count(http::field::host) == 1) req.host = std::string(msg[http::field::host]);
  if (msg.count(http::field::origin) <= 1) req.origin = std::string(msg[http::field::origin]);
  else req.origin = "(repeated)";
  req.cookie = std::string(msg[http::field::cookie]);
  req.csrf_header = std::string(msg["X-CSRF-Token"]);
  req.content_type = std::string(msg[http::field::content_type]);
  req.body = std::move(msg.body());
  req.address = address;
  req.server_name = server_name;
  return req;
}

std::size_t body_limit_of(const BeastRequest& head) {
  const std::string_view target = head.target();
  const bool import = head.method() == http::verb::post && target.substr(0, target.find('?')) == kImportPath;
  return import ? tuning::kConsoleMaxImportBytes : tuning::kConsoleMaxBodyBytes;
}

Response body_too_large(std::size_t limit) {
  Response res = error_response(
      413, "TOO_LARGE",
      limit > tuning::kConsoleMaxBodyBytes
          ? "tệp gửi lên quá lớn (tối đa " + std::to_string(limit >> 20) +
                " MB mỗi lần nhập): hãy chia danh sách thành nhiều tệp nhỏ hơn"
          : "dữ liệu gửi lên quá lớn (tối đa " + std::to_string(limit >> 10) + " KB)");
  web::add_security_headers(res.headers);
  return res;
}

Response uploads_busy() {
  Response res = error_response(503, "BUSY", "máy chủ đang nhận tệp khác: hãy thử lại sau ít phút");
  web::add_security_headers(res.headers);
  return res;
}

std::shared_ptr<BeastResponse> to_beast(Response res, unsigned version, bool head, bool keep_alive) {
  auto msg = std::make_shared<BeastResponse>(static_cast<http::status>(res.status), version);
  msg->set(http::field::server, "sodiem-server");
  msg->set(http::field::content_type, res.content_type);
  for (auto& [name, value] : res.headers) msg->insert(name, value);
  msg->keep_alive(keep_alive);
  msg->body() = head ? std::string() : std::move(res.body);
  msg->prepare_payload();
  return msg;
}

}  // namespace sodiem::server::console
