// One WSS connection of the server: deadlines, the pre-welcome limits, the
// status page or the console's requests, and the WebSocket session (see
// wss_session.hpp).
#include "wss_session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdint>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "sodiem/core/tuning.hpp"
#include "console/console_beast.hpp"
#include "sodiem/server/host_names.hpp"
#include "sodiem/server/status_page.hpp"

namespace sodiem::server::wss {

namespace {
// A verdict on a password may take longer than the login deadline when many
// are queued: wait for it this many more deadlines (it always comes: a
// welcome or a refusal that closes), then give up.
constexpr int kMaxVerdictWaits = 6;
constexpr std::size_t kKeptBufferBytes = 64 * 1024;  // a bigger read buffer is freed after its message
// Console requests of one school with a body past kConsoleMaxBodyBytes
// (roster uploads, up to kConsoleMaxImportBytes each) read or waiting for
// their answer at once. Only a session that may import gets one
// (Console::check_upload, before the body is read): a stranger holds none,
// and one school's uploads never make another's wait.
constexpr std::size_t kMaxConsoleUploads = 2;
}  // namespace

Session::Session(tcp::socket socket, Edge& edge, ConnectionTable::Id id, std::string address)
    : ws_(std::move(socket), edge.schools.context()),
      edge_(edge),
      id_(id),
      address_(std::move(address)),
      login_timer_(ws_.get_executor()),
      idle_timer_(ws_.get_executor()) {}

Session::~Session() {
  if (holds_upload_) --edge_.console_uploads[lease_->index()];
  if (peer_) service().close_peer(peer_);
  edge_.table.remove(id_);
  edge_.sessions.erase(id_);
}

void Session::run() {
  asio::dispatch(ws_.get_executor(), beast::bind_front_handler(&Session::on_run, shared_from_this()));
}

void Session::shutdown() {
  asio::post(ws_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    if (!self->accepted_) {
      self->close_hard();
    } else if (self->outbox_.empty()) {
      self->do_close();
    }
  });
}

void Session::evict() {
  asio::post(ws_.get_executor(), [self = shared_from_this()] { self->close_hard(); });
}

void Session::close_hard() {
  beast::get_lowest_layer(ws_).close();  // pending operations end with operation_aborted
  login_timer_.cancel();
  idle_timer_.cancel();
  // No answer from the console will be written now: let the session go
  // (from a handler of its own, not from inside this call).
  if (awaiting_console_) asio::post(ws_.get_executor(), [keep = std::move(awaiting_console_)] {});
}

void Session::on_run() {
  // TLS handshake and the HTTP request (upgrade or status page), together.
  beast::get_lowest_layer(ws_).expires_after(edge_.limits.handshake_timeout);
  ws_.next_layer().async_handshake(ssl::stream_base::server,
                                   beast::bind_front_handler(&Session::on_tls_handshake, shared_from_this()));
}

void Session::on_tls_handshake(beast::error_code ec) {
  if (ec) return;  // scanners, wrong protocol or suites, unknown host names, timeouts: nothing to do
  const char* name = SSL_get_servername(ws_.next_layer().native_handle(), TLSEXT_NAMETYPE_host_name);
  const auto school = edge_.schools.find(name);
  if (!school) return close_hard();  // refused in the handshake already; never another school
  if (edge_.schools.by_name()) server_name_ = normalize_host_name(name);  // not null: find() chose by it
  auto executor = ws_.get_executor();
  // The session holds itself while its school opens (the handshake's
  // deadline still runs, and closes it if that takes too long).
  edge_.schools.acquire(*school, [self = shared_from_this(), executor](std::shared_ptr<Lease> lease, std::string refusal) {
    asio::post(executor, [self, lease = std::move(lease), refusal = std::move(refusal)]() mutable {
      self->on_school(std::move(lease), refusal);
    });
  });
}

void Session::on_school(std::shared_ptr<Lease> lease, const std::string& refusal) {
  if (close_started_ || closing_) return close_hard();
  if (!lease) {
    console::Response answer;
    answer.status = 503;
    answer.content_type = "text/plain; charset=utf-8";
    answer.body = refusal + "\n";
    return write_console_answer(std::move(answer), 11, 16 * 1024);  // the request unread
  }
  lease_ = std::move(lease);
  read_request();
}

void Session::read_request() {
  parser_.emplace();
  parser_->header_limit(8 * 1024);
  // An upgrade has no body; a console request a small one, but the roster
  // import's: the largest bound while the head is read, then the request's own.
  parser_->body_limit(std::max(tuning::kConsoleMaxBodyBytes, tuning::kConsoleMaxImportBytes));
  http::async_read_header(ws_.next_layer(), buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_http_header, shared_from_this()));
}

void Session::on_http_header(beast::error_code ec, std::size_t) {
  if (ec == http::error::body_limit && console())  // a declared length over every bound
    return write_console_answer(console::body_too_large(console::body_limit_of(parser_->get())), parser_->get().version(),
                                unread_body());
  if (ec) return;
  // Only the roster import may send more; to the console, a declared
  // length over the bound is refused before any of the body is read.
  const bool to_console = console() && !websocket::is_upgrade(parser_->get());
  const std::size_t limit = to_console ? console::body_limit_of(parser_->get()) : tuning::kConsoleMaxBodyBytes;
  parser_->body_limit(limit);
  if (const auto length = parser_->content_length(); to_console && length && *length > limit)
    return write_console_answer(console::body_too_large(limit), parser_->get().version(), unread_body());
  if (to_console && limit > tuning::kConsoleMaxBodyBytes &&
      parser_->content_length().value_or(limit) > tuning::kConsoleMaxBodyBytes)
    return check_upload();
  read_body();
}

void Session::read_body() {
  http::async_read(ws_.next_layer(), buffer_, *parser_,
                   beast::bind_front_handler(&Session::on_http_request, shared_from_this()));
}

void Session::check_upload() {
  // As serve_console: the session keeps itself until the verdict comes or it is closed.
  awaiting_console_ = shared_from_this();
  std::weak_ptr<Session> weak = awaiting_console_;
  auto executor = ws_.get_executor();
  console()->check_upload(console::from_beast(parser_->get(), address_, server_name_),  // the head: no body yet
                          [weak, executor](std::optional<console::Response> refusal) {
                            asio::post(executor, [weak, refusal = std::move(refusal)]() mutable {
                              auto self = weak.lock();
                              if (!self || !self->awaiting_console_) return;
                              self->awaiting_console_.reset();
                              self->on_upload_checked(std::move(refusal));
                            });
                          });
}

void Session::on_upload_checked(std::optional<console::Response> refusal) {
  if (close_started_ || closing_) return close_hard();
  const unsigned version = parser_->get().version();
  if (refusal) return write_console_answer(std::move(*refusal), version, unread_body());
  auto& uploads = edge_.console_uploads[lease_->index()];
  if (uploads >= kMaxConsoleUploads) return write_console_answer(console::uploads_busy(), version, unread_body());
  ++uploads;
  holds_upload_ = true;
  read_body();
}

std::size_t Session::unread_body() const {
  const auto length = parser_->content_length();  // the header's, as declared
  if (!length) return tuning::kConsoleMaxImportBytes;
  return *length > buffer_.size() ? static_cast<std::size_t>(std::min<std::uint64_t>(*length - buffer_.size(), SIZE_MAX))
                                  : 0;
}

void Session::on_http_request(beast::error_code ec, std::size_t) {
  if (ec == http::error::body_limit && console())  // a chunked body past the bound
    return write_console_answer(console::body_too_large(console::body_limit_of(parser_->get())), parser_->get().version(),
                                tuning::kConsoleMaxImportBytes);
  if (ec) return;
  if (!websocket::is_upgrade(parser_->get())) return console() ? serve_console() : serve_status_page();
  beast::get_lowest_layer(ws_).expires_never();  // the websocket has its own timeouts
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = edge_.limits.handshake_timeout;
  timeouts.idle_timeout = tuning::kIdleTimeout;  // a dead peer; live ones are bounded by the timers below
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  websocket::permessage_deflate pmd;
  pmd.server_enable = true;
  pmd.client_enable = true;
  pmd.compLevel = tuning::kDeflateLevel;
  pmd.memLevel = tuning::kDeflateMemLevel;
  ws_.set_option(pmd);
  ws_.read_message_max(edge_.limits.pre_auth_message_bytes);  // raised at the welcome
  ws_.binary(true);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "sodiem-server"); }));
  ws_.async_accept(parser_->get(), beast::bind_front_handler(&Session::on_accept, shared_from_this()));
}

void Session::serve_status_page() {
  auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, parser_->get().version());
  res->set(http::field::server, "sodiem-server");
  res->set(http::field::content_type, "text/html; charset=utf-8");
  res->body() = status_page_html(lease_->school.name);
  res->keep_alive(false);
  res->prepare_payload();
  http::async_write(ws_.next_layer(), *res, [self = shared_from_this(), res](beast::error_code, std::size_t) {
    self->close_hard();
  });
}

void Session::serve_console() {
  auto& msg = parser_->get();
  const bool head = msg.method() == http::verb::head;
  const unsigned version = msg.version();
  const bool keep_alive = msg.keep_alive();  // HTTP/1.1 unless "Connection: close"
  // The answer may come from the console's thread, which holds only a weak
  // reference (whatever thread drops it, the session ends on its strand);
  // the session keeps itself until the answer is written or it is closed.
  awaiting_console_ = shared_from_this();
  std::weak_ptr<Session> weak = awaiting_console_;
  auto executor = ws_.get_executor();
  console()->handle(console::from_beast(msg, address_, server_name_), [weak, executor, head, version,
                                                              keep_alive](console::Response answer) {
    asio::post(executor, [weak, answer = std::move(answer), head, version, keep_alive]() mutable {
      auto self = weak.lock();
      if (!self || !self->awaiting_console_) return;
      self->awaiting_console_.reset();
      auto res = console::to_beast(std::move(answer), version, head, keep_alive && !self->closing_);
      beast::get_lowest_layer(self->ws_).expires_after(self->edge_.limits.handshake_timeout);
      http::async_write(self->ws_.next_layer(), *res, [self, res](beast::error_code ec, std::size_t) {
        self->on_console_written(ec, res->keep_alive());
      });
    });
  });
}

void Session::on_console_written(beast::error_code ec, bool keep_alive) {
  if (ec || !keep_alive || closing_ || close_started_) return close_hard();
  if (holds_upload_) {  // its upload is over: the slot is free for another
    --edge_.console_uploads[lease_->index()];
    holds_upload_ = false;
  }
  // Idle between requests: the bound of the first request, then closed.
  beast::get_lowest_layer(ws_).expires_after(edge_.limits.handshake_timeout);
  read_request();
}

void Session::write_console_answer(console::Response answer, unsigned version, std::size_t unread) {
  auto res = console::to_beast(std::move(answer), version, /*head=*/false, /*keep_alive=*/false);
  beast::get_lowest_layer(ws_).expires_after(edge_.limits.handshake_timeout);  // the answer and the draining
  http::async_write(ws_.next_layer(), *res, [self = shared_from_this(), res, unread](beast::error_code ec, std::size_t) {
    if (ec) return self->close_hard();
    self->drain_then_close(std::min(unread, tuning::kConsoleMaxImportBytes));
  });
}

void Session::drain_then_close(std::size_t left) {
  // Closing with the peer's bytes unread would reset the connection, and
  // the peer could lose the answer; read (and drop) what it still sends,
  // up to `left`, within the deadline.
  if (left == 0) return close_hard();
  auto scrap = std::make_shared<std::array<char, 16 * 1024>>();
  ws_.next_layer().async_read_some(asio::buffer(*scrap), [self = shared_from_this(), scrap, left](beast::error_code ec,
                                                                                                 std::size_t n) {
    if (ec || n >= left) return self->close_hard();
    self->drain_then_close(left - n);
  });
}

void Session::on_accept(beast::error_code ec) {
  if (ec) return;
  accepted_ = true;
  parser_.reset();
  std::weak_ptr<Session> weak = shared_from_this();
  auto executor = ws_.get_executor();
  SyncService::PeerInfo info;
  info.address = address_;
  info.on_authenticated = [weak, executor] {
    asio::post(executor, [weak] {
      if (auto self = weak.lock()) self->on_authenticated();
    });
  };
  peer_ = service().open_peer(
      [weak, executor](std::string bytes, bool close_after) {
        asio::post(executor, [weak, bytes = std::move(bytes), close_after]() mutable {
          if (auto self = weak.lock()) self->queue_write(std::move(bytes), close_after);
        });
      },
      std::move(info));
  if (closing_) return do_close();
  // The deadline's handler holds the session: while one message is with
  // the service, no read or write does.
  login_timer_.expires_after(edge_.limits.login_deadline);
  login_timer_.async_wait(beast::bind_front_handler(&Session::on_login_deadline, shared_from_this()));
  do_read();
}

void Session::on_login_deadline(beast::error_code ec) {
  if (ec || authenticated_ || close_started_) return;
  if (awaiting_verdict_ && ++verdict_waits_ <= kMaxVerdictWaits) {
    login_timer_.expires_after(edge_.limits.login_deadline);
    login_timer_.async_wait(beast::bind_front_handler(&Session::on_login_deadline, shared_from_this()));
    return;
  }
  spdlog::debug("connection from {} closed: no login within the deadline", address_);
  close_hard();
}

void Session::on_authenticated() {
  if (authenticated_ || close_started_) return;
  authenticated_ = true;
  login_timer_.cancel();
  const auto admission = edge_.table.authenticate(id_, lease_->index());
  if (!admission.admitted) {
    spdlog::warn("{} sessions open, the bound: closing a new one from {}", edge_.table.authenticated(), address_);
    return close_hard();
  }
  if (admission.evict != 0)  // another school held the most: its oldest session makes room
    if (auto it = edge_.sessions.find(admission.evict); it != edge_.sessions.end())
      if (auto victim = it->second.lock()) victim->evict();
  ws_.read_message_max(tuning::kServerMaxMessageBytes);
  last_activity_ = Clock::now();
  arm_idle(last_activity_ + edge_.limits.session_idle_timeout);
  if (awaiting_verdict_) {
    awaiting_verdict_ = false;
    if (!closing_) do_read();
  }
}

void Session::arm_idle(Clock::time_point at) {
  std::weak_ptr<Session> weak = shared_from_this();
  idle_timer_.expires_at(at);
  idle_timer_.async_wait([weak](beast::error_code e) {
    if (auto self = weak.lock()) self->on_idle_timer(e);
  });
}

void Session::on_idle_timer(beast::error_code ec) {
  if (ec || close_started_) return;
  const auto until = last_activity_ + edge_.limits.session_idle_timeout;
  if (Clock::now() < until) return arm_idle(until);
  spdlog::debug("session from {} closed: idle", address_);
  closing_ = true;
  if (outbox_.empty()) do_close();
  else close_hard();  // a write has been stuck all this time
}

void Session::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
}

void Session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    // Beast closes an oversized message with close code 1009 (too big).
    if (peer_) service().close_peer(peer_);
    login_timer_.cancel();
    idle_timer_.cancel();
    return;
  }
  last_activity_ = Clock::now();
  const auto data = buffer_.cdata();
  service().on_message(peer_, std::string_view(static_cast<const char*>(data.data()), data.size()));
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > kKeptBufferBytes) buffer_.shrink_to_fit();
  if (!authenticated_) {
    awaiting_verdict_ = true;  // the welcome (on_authenticated) or a refusal that closes comes next
    return;
  }
  if (!closing_) do_read();
}

void Session::queue_write(std::string bytes, bool close_after) {
  outbox_.push_back({std::move(bytes), close_after});
  if (outbox_.size() == 1) do_write();
}

void Session::do_write() {
  ws_.async_write(asio::buffer(outbox_.front().first), beast::bind_front_handler(&Session::on_write, shared_from_this()));
}

void Session::on_write(beast::error_code ec, std::size_t) {
  if (ec) return close_hard();
  last_activity_ = Clock::now();
  const bool close_after = outbox_.front().second;
  outbox_.pop_front();
  if (close_after || (closing_ && outbox_.empty())) return do_close();
  if (!outbox_.empty()) do_write();
}

void Session::do_close() {
  if (close_started_) return;
  close_started_ = true;
  login_timer_.cancel();
  idle_timer_.cancel();
  ws_.async_close(websocket::close_code::going_away, [self = shared_from_this()](beast::error_code) {});
}

}  // namespace sodiem::server::wss
