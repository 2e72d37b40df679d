// Listener + session in the style of the Beast examples: one strand per
// connection, do_x/on_x pairs, one writer queue per socket, explicit
// timeouts and message size limits.
#include "sodiem/server/wss_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <list>
#include <mutex>

#include "sodiem/core/tuning.hpp"
#include "sodiem/server/sync_service.hpp"

namespace sodiem::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

class Session;

// Live sessions, so shutdown can close them. Used from the io thread only.
struct Registry {
  std::list<std::weak_ptr<Session>> sessions;
  bool stopping = false;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ssl::context& ctx, SyncService& service, Registry& registry, std::string school)
      : ws_(std::move(socket), ctx), service_(service), registry_(registry), school_(std::move(school)) {}

  ~Session() {
    if (peer_) service_.close_peer(peer_);
  }

  void run() {
    asio::dispatch(ws_.get_executor(), beast::bind_front_handler(&Session::on_run, shared_from_this()));
  }

  // Called from the io thread at shutdown.
  void shutdown() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      self->closing_ = true;
      if (!self->accepted_) {
        beast::get_lowest_layer(self->ws_).close();
      } else if (self->outbox_.empty()) {
        self->do_close();
      }
    });
  }

 private:
  void on_run() {
    beast::get_lowest_layer(ws_).expires_after(tuning::kHandshakeTimeout);
    ws_.next_layer().async_handshake(ssl::stream_base::server,
                                     beast::bind_front_handler(&Session::on_tls_handshake, shared_from_this()));
  }

  void on_tls_handshake(beast::error_code ec) {
    if (ec) return;  // scanners, wrong protocol, timeouts: nothing to do
    http::async_read(ws_.next_layer(), buffer_, request_,
                     beast::bind_front_handler(&Session::on_http_request, shared_from_this()));
  }

  void on_http_request(beast::error_code ec, std::size_t) {
    if (ec) return;
    if (!websocket::is_upgrade(request_)) return serve_status_page();
    beast::get_lowest_layer(ws_).expires_never();  // the websocket has its own timeouts
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = tuning::kHandshakeTimeout;
    timeouts.idle_timeout = tuning::kIdleTimeout;
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    websocket::permessage_deflate pmd;
    pmd.server_enable = true;
    pmd.client_enable = true;
    pmd.compLevel = tuning::kDeflateLevel;
    pmd.memLevel = tuning::kDeflateMemLevel;
    ws_.set_option(pmd);
    ws_.read_message_max(tuning::kServerMaxMessageBytes);
    ws_.binary(true);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "sodiem-server"); }));
    ws_.async_accept(request_, beast::bind_front_handler(&Session::on_accept, shared_from_this()));
  }

  void serve_status_page() {
    auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, request_.version());
    res->set(http::field::server, "sodiem-server");
    res->set(http::field::content_type, "text/html; charset=utf-8");
    res->body() = "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>Sổ điểm</title>"
                  "<h1>Sổ điểm — máy chủ của trường</h1><p>" + school_ +
                  "</p><p>Máy chủ đang hoạt động. Giáo viên đồng bộ bằng ứng dụng <code>sodiem</code>.</p></html>";
    res->keep_alive(false);
    res->prepare_payload();
    http::async_write(ws_.next_layer(), *res, [self = shared_from_this(), res](beast::error_code, std::size_t) {
      beast::get_lowest_layer(self->ws_).close();
    });
  }

  void on_accept(beast::error_code ec) {
    if (ec) return;
    accepted_ = true;
    std::weak_ptr<Session> weak = shared_from_this();
    auto executor = ws_.get_executor();
    peer_ = service_.open_peer([weak, executor](std::string bytes, bool close_after) {
      asio::post(executor, [weak, bytes = std::move(bytes), close_after]() mutable {
        if (auto self = weak.lock()) self->queue_write(std::move(bytes), close_after);
      });
    });
    if (closing_) return do_close();
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      // Beast closes an oversized message with close code 1009 (too big).
      if (peer_) service_.close_peer(peer_);
      return;
    }
    const auto data = buffer_.cdata();
    service_.on_message(peer_, std::string_view(static_cast<const char*>(data.data()), data.size()));
    buffer_.consume(buffer_.size());
    if (!closing_) do_read();
  }

  void queue_write(std::string bytes, bool close_after) {
    outbox_.push_back({std::move(bytes), close_after});
    if (outbox_.size() == 1) do_write();
  }

  void do_write() {
    ws_.async_write(asio::buffer(outbox_.front().first),
                    beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return;
    const bool close_after = outbox_.front().second;
    outbox_.pop_front();
    if (close_after || (closing_ && outbox_.empty())) return do_close();
    if (!outbox_.empty()) do_write();
  }

  void do_close() {
    if (close_started_) return;
    close_started_ = true;
    ws_.async_close(websocket::close_code::going_away, [self = shared_from_this()](beast::error_code) {});
  }

  websocket::stream<ssl::stream<beast::tcp_stream>> ws_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::deque<std::pair<std::string, bool>> outbox_;
  SyncService& service_;
  Registry& registry_;
  std::string school_;
  std::shared_ptr<SyncService::Peer> peer_;
  bool accepted_ = false;
  bool closing_ = false;
  bool close_started_ = false;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, ssl::context& ctx, tcp::endpoint endpoint, SyncService& service,
           Registry& registry, std::string school)
      : ioc_(ioc), ctx_(ctx), acceptor_(ioc), service_(service), registry_(registry), school_(std::move(school)) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }
  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void run() { do_accept(); }
  void stop() {
    beast::error_code ec;
    acceptor_.close(ec);
  }

 private:
  void do_accept() {
    acceptor_.async_accept(asio::make_strand(ioc_),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || registry_.stopping) return;
    if (!ec) {
      registry_.sessions.remove_if([](const auto& w) { return w.expired(); });
      if (registry_.sessions.size() < tuning::kMaxConnections) {
        socket.set_option(tcp::no_delay(true));
        auto session = std::make_shared<Session>(std::move(socket), ctx_, service_, registry_, school_);
        registry_.sessions.push_back(session);
        session->run();
      }
    }
    do_accept();
  }

  asio::io_context& ioc_;
  ssl::context& ctx_;
  tcp::acceptor acceptor_;
  SyncService& service_;
  Registry& registry_;
  std::string school_;
};

}  // namespace

void run_wss_server(SyncService& service, const WssOptions& options,
                    const std::function<void(const std::string&)>& on_listening) {
  asio::io_context ioc{1};
  ssl::context ctx{ssl::context::tls_server};
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx.use_certificate_chain_file(options.cert_path);
  ctx.use_private_key_file(options.key_path, ssl::context::pem);
  // No TLS 1.3 session tickets: every `sodiem` run is a new process that
  // never resumes a session, and the two tickets were ~500 of the ~2,600
  // bytes of a no-op sync (a weak 2G link pays for each).
  SSL_CTX_set_num_tickets(ctx.native_handle(), 0);

  Registry registry;
  auto address = asio::ip::make_address(options.host);
  auto listener = std::make_shared<Listener>(ioc, ctx, tcp::endpoint(address, options.port), service, registry,
                                             options.school_name);
  listener->run();

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer deadline(ioc);
  // Polls until the sessions have closed (or time is up), then stops the
  // loop; lives in this frame, which outlasts ioc.run().
  std::chrono::steady_clock::time_point drain_until;
  std::function<void()> drain = [&] {
    registry.sessions.remove_if([](const auto& w) { return w.expired(); });
    if (registry.sessions.empty() || std::chrono::steady_clock::now() > drain_until) return ioc.stop();
    deadline.expires_after(std::chrono::milliseconds(50));
    deadline.async_wait([&](beast::error_code e) {
      if (!e) drain();
    });
  };
  signals.async_wait([&](beast::error_code ec, int signo) {
    if (ec) return;
    spdlog::info("signal {}: stopping; finishing queued work", signo);
    registry.stopping = true;
    listener->stop();
    service.stop();  // commits and acks everything already received
    for (auto& w : registry.sessions)
      if (auto s = w.lock()) s->shutdown();
    // Let sessions flush their last acks and close, for at most 5 s.
    drain_until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    drain();
  });

  const auto ep = listener->local_endpoint();
  on_listening(ep.address().to_string() + ":" + std::to_string(ep.port()));
  ioc.run();
}

}  // namespace sodiem::server
