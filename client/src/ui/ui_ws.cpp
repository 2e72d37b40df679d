// The page's save channel: one WebSocket per page on the ui's own loopback
// listener (GET /api/ws), so a keystroke's save skips the browser's request
// machinery (ui_save_ms). A thin adapter over the HTTP path, never a second
// set of checks: the handshake passed UiGuard::admit like any request (the
// token cookie, the exact Host, the page's own Origin); the first message
// must be {"csrf": C}, checked by admit as the X-CSRF-Token of a POST; every
// later message {"id": N, "path": "/api/…", "body": "JSON text"} becomes the
// POST it stands for, goes through admit again and then the same handler,
// and is answered {"id": N, "status": S, "body": the handler's JSON,
// "ui_us": microseconds from the message read to its answer ready}.
// Anything else closes the channel (the page falls back to HTTP). Called by
// ui_http.cpp only, on the server's io thread.
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <nlohmann/json.hpp>

#include "ui_guard.hpp"
#include "ui_http_impl.hpp"

namespace sodiem::client::ui {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using nlohmann::json;

namespace {

// Answers waiting to be written before the channel reads on (a page that
// sends without reading cannot make the ui queue without bound).
constexpr std::size_t kMaxQueued = 16;

class WsChannel : public UiConnection, public std::enable_shared_from_this<WsChannel> {
 public:
  WsChannel(std::shared_ptr<UiHttpServer::Impl> server, beast::tcp_stream stream, UiRequest admitted)
      : ws_(std::move(stream)), server_(std::move(server)) {
    serial = ++server_->accepted;
    trusted = true;
    // What each message's POST carries from the handshake: the token and Host.
    base_.host = std::move(admitted.host);
    base_.cookie = std::move(admitted.cookie);
    base_.token_header = std::move(admitted.token_header);
    base_.method = "POST";
    base_.content_type = "application/json";
    server_->sessions.insert(this);
  }
  ~WsChannel() override { server_->sessions.erase(this); }

  void run(http::request<http::string_body> upgrade) {
    upgrade_ = std::move(upgrade);
    beast::get_lowest_layer(ws_).expires_never();  // the websocket's own timeouts from here
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "sodiem-ui");
      UiResponse extra;
      add_security_headers(extra);
      for (auto& [name, value] : extra.headers) res.insert(name, value);
    }));
    ws_.read_message_max(kUiBodyLimit);
    ws_.async_accept(upgrade_, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->close();
      self->read();
    });
  }

  void close() override {
    beast::error_code ec;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

 private:
  void read() {
    reading_ = true;
    ws_.async_read(in_, beast::bind_front_handler(&WsChannel::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    reading_ = false;
    if (ec) return close();
    std::string text = beast::buffers_to_string(in_.data());
    in_.consume(in_.size());
    if (!ws_.got_text() || !handle(text)) return refuse();
    if (!closing_ && !server_->stopped && out_.size() < kMaxQueued) read();
  }

  // False: a malformed message (the channel is closed).
  bool handle(const std::string& text) {
    // The envelope is one flat object: its body travels as a string and is
    // parsed (depth-bounded) by the handler like an HTTP body.
    if (!web::json_depth_within(text, 1)) return false;
    const json msg = json::parse(text, nullptr, false);
    if (msg.is_discarded() || !msg.is_object()) return false;
    UiRequest req = base_;
    if (csrf_.empty()) {
      // The first message: the CSRF token, checked as any POST's.
      auto c = msg.find("csrf");
      if (c == msg.end() || !c->is_string()) return false;
      req.target = "/api/ws";
      req.csrf_header = c->get<std::string>();
      if (auto refusal = server_->guard.admit(req)) {
        queue(R"({"hello":false,"status":)" + std::to_string(refusal->status) + R"(,"body":)" + refusal->body + "}");
        closing_ = true;
        return true;
      }
      csrf_ = req.csrf_header;
      queue(R"({"hello":true})");
      return true;
    }
    auto id = msg.find("id"), path = msg.find("path"), body = msg.find("body");
    if (id == msg.end() || !id->is_number_unsigned() || path == msg.end() || !path->is_string() ||
        body == msg.end() || !body->is_string())
      return false;
    const std::string n = std::to_string(id->get<std::uint64_t>());
    req.target = path->get<std::string>();
    req.body = body->get<std::string>();
    req.csrf_header = csrf_;
    const auto start = std::chrono::steady_clock::now();
    if (auto refusal = server_->guard.admit(req)) {
      answer(n, std::move(*refusal), start);
      return true;
    }
    if (req.path.rfind("/api/", 0) != 0) {
      answer(n, error_response(404, "NOT_FOUND", "không có chức năng này"), start);
      return true;
    }
    auto executor = ws_.get_executor();
    server_->handler(std::move(req), [self = shared_from_this(), executor, n, start](UiResponse res) {
      asio::post(executor, [self, n, start, res = std::move(res)]() mutable { self->answer(n, std::move(res), start); });
    });
    return true;
  }

  void answer(const std::string& id, UiResponse res, std::chrono::steady_clock::time_point start) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    queue(R"({"id":)" + id + R"(,"status":)" + std::to_string(res.status) + R"(,"ui_us":)" + std::to_string(us.count()) +
          R"(,"body":)" + (res.body.empty() ? std::string("null") : res.body) + "}");
  }

  void queue(std::string text) {
    out_.push_back(std::move(text));
    if (!writing_) write();
  }

  void write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(out_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      self->out_.pop_front();
      if (ec) return self->close();
      if (!self->out_.empty()) return self->write();
      if (self->closing_) return self->refuse();
      if (!self->reading_ && !self->server_->stopped) self->read();
    });
  }

  // Ends the channel with a policy-violation close frame once the answers
  // queued before are written.
  void refuse() {
    closing_ = true;
    if (writing_ || !out_.empty()) return;
    ws_.async_close(websocket::close_code::policy_error, [self = shared_from_this()](beast::error_code) { self->close(); });
  }

  websocket::stream<beast::tcp_stream> ws_;
  http::request<http::string_body> upgrade_;
  std::shared_ptr<UiHttpServer::Impl> server_;
  UiRequest base_;
  std::string csrf_;  // from the first message, once admitted
  beast::flat_buffer in_;
  std::deque<std::string> out_;
  bool writing_ = false, reading_ = false, closing_ = false;
};

}  // namespace

void start_ws_channel(std::shared_ptr<UiHttpServer::Impl> server, beast::tcp_stream stream,
                      http::request<http::string_body> upgrade, UiRequest admitted) {
  std::make_shared<WsChannel>(std::move(server), std::move(stream), std::move(admitted))->run(std::move(upgrade));
}

}  // namespace sodiem::client::ui
