// The ui's loopback HTTP server (see ui_http.hpp).
#include "ui_http.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <fcntl.h>
#include <optional>

#include "ui_http_impl.hpp"

namespace sodiem::client::ui {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kBodyLimit = kUiBodyLimit;
constexpr auto kDeadline = std::chrono::seconds(30);
constexpr std::size_t kMaxConnections = 64;

// Sockets are not inherited by the browser opener (xdg-open and the browser
// it starts would otherwise hold the port after sodiem ui ended).
void close_on_exec(int fd) { ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC); }
}  // namespace

namespace {

class Session : public UiConnection, public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<UiHttpServer::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    serial = ++server_->accepted;
    server_->sessions.insert(this);
  }
  ~Session() override { server_->sessions.erase(this); }

  void read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(kBodyLimit);
    stream_.expires_after(kDeadline);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void close() override {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

 private:
  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      UiResponse res = error_response(413, "TOO_LARGE", "dữ liệu gửi lên quá lớn");
      keep_alive_ = false;
      return send(std::move(res));
    }
    if (ec) return close();
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    UiRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    // Two Host fields (RFC 9112 §3.2: a 400) must not let the guard check one
    // while something else reads the other: refused as a wrong Host.
    if (msg.count(http::field::host) == 1) req.host = std::string(msg[http::field::host]);
    req.cookie = std::string(msg[http::field::cookie]);
    req.token_header = std::string(msg["X-Sodiem-Token"]);
    req.csrf_header = std::string(msg["X-CSRF-Token"]);
    req.content_type = std::string(msg[http::field::content_type]);
    if (msg.count(http::field::origin) == 1) req.origin = std::string(msg[http::field::origin]);
    req.upgrade = beast::websocket::is_upgrade(msg);
    req.body = std::move(msg.body());
    head_ = msg.method() == http::verb::head;
    if (auto refusal = server_->guard.admit(req)) return send(std::move(*refusal));
    trusted = true;
    if (req.upgrade) {
      if (req.path != "/api/ws") return send(error_response(404, "NOT_FOUND", "không có kênh này"));
      // This connection becomes the page's save channel.
      server_->sessions.erase(this);
      return start_ws_channel(server_, std::move(stream_), parser_->release(), std::move(req));
    }
    if (req.path.rfind("/api/", 0) == 0) {
      stream_.expires_never();  // the handler may take a while (a sync)
      auto self = shared_from_this();
      auto executor = stream_.get_executor();
      server_->handler(std::move(req), [self, executor](UiResponse res) {
        asio::post(executor, [self, res = std::move(res)]() mutable { self->send(std::move(res)); });
      });
      return;
    }
    send(static_file(req));
  }

  void send(UiResponse res) {
    add_security_headers(res);
    auto msg = std::make_shared<http::response<http::string_body>>();
    msg->version(11);
    msg->result(static_cast<http::status>(res.status));
    msg->set(http::field::server, "sodiem-ui");
    msg->set(http::field::content_type, res.content_type);
    for (auto& [name, value] : res.headers) msg->insert(name, value);
    msg->keep_alive(keep_alive_);
    msg->body() = head_ ? std::string() : std::move(res.body);
    msg->prepare_payload();
    stream_.expires_after(kDeadline);
    http::async_write(stream_, *msg, [self = shared_from_this(), msg](beast::error_code ec, std::size_t) {
      if (ec || !self->keep_alive_ || self->server_->stopped) return self->close();
      self->read();
    });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<UiHttpServer::Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = false, head_ = false;
};

}  // namespace

void UiHttpServer::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (self->stopped) return;
    if (!ec) {
      if (self->sessions.size() >= kMaxConnections && !self->evict_stranger()) {
        socket.close(ec);
      } else {
        close_on_exec(socket.native_handle());
        // Answers are one write each: sent at once, not held for an ACK.
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), self)->read();
      }
    } else if (ec == asio::error::no_descriptors) {
      // Out of file descriptors: pause instead of spinning.
      auto timer = std::make_shared<asio::steady_timer>(self->ioc, std::chrono::milliseconds(200));
      timer->async_wait([self, timer](beast::error_code) { self->accept(); });
      return;
    }
    self->accept();
  });
}

bool UiHttpServer::Impl::evict_stranger() {
  UiConnection* oldest = nullptr;
  for (auto* s : sessions)
    if (!s->trusted && (!oldest || s->serial < oldest->serial)) oldest = s;
  if (!oldest) return false;
  // Its pending read ends with an error and the session goes.
  sessions.erase(oldest);
  oldest->close();
  return true;
}

UiHttpServer::UiHttpServer(asio::io_context& ioc, const UiGuard& guard, Handler handler)
    : impl_(std::make_shared<Impl>(ioc, guard, std::move(handler))) {}

UiHttpServer::~UiHttpServer() { stop(); }

unsigned short UiHttpServer::listen(const std::string& address, unsigned short port) {
  beast::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec || !ip.is_loopback())
    throw std::runtime_error("chỉ chạy được trên địa chỉ nội bộ 127.0.0.1 (máy này), không phải " + address);
  tcp::endpoint endpoint(ip, port);
  impl_->acceptor.open(endpoint.protocol());
  close_on_exec(impl_->acceptor.native_handle());
  impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
  impl_->acceptor.bind(endpoint, ec);
  if (ec)
    throw std::runtime_error("không mở được cổng " + std::to_string(port) + " trên " + address + ": " + ec.message() +
                             " (cổng đang được dùng? thử --listen 127.0.0.1:0)");
  impl_->acceptor.listen();
  impl_->accept();
  return impl_->acceptor.local_endpoint().port();
}

void UiHttpServer::stop() {
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  beast::error_code ec;
  impl_->acceptor.close(ec);
  for (auto* s : std::vector<UiConnection*>(impl_->sessions.begin(), impl_->sessions.end())) s->close();
}

}  // namespace sodiem::client::ui
