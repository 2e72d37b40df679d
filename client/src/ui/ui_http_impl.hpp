// Internal to the ui's HTTP server (ui_http.cpp) and its WebSocket channel
// (ui_ws.cpp): the running server's state and what every connection has in
// common. Everything here runs on the server's io thread.
#pragma once
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <memory>
#include <unordered_set>

#include "ui_http.hpp"

namespace sodiem::client::ui {

constexpr std::size_t kUiBodyLimit = 1024 * 1024;  // a request's body, a channel's message

// An open connection: an HTTP session or a WebSocket channel.
struct UiConnection {
  virtual ~UiConnection() = default;
  virtual void close() = 0;
  bool trusted = false;  // presented the token
  std::uint64_t serial = 0;
};

struct UiHttpServer::Impl : std::enable_shared_from_this<UiHttpServer::Impl> {
  Impl(boost::asio::io_context& c, const UiGuard& g, Handler h) : ioc(c), acceptor(c), guard(g), handler(std::move(h)) {}
  boost::asio::io_context& ioc;
  boost::asio::ip::tcp::acceptor acceptor;
  const UiGuard& guard;
  Handler handler;
  std::unordered_set<UiConnection*> sessions;
  std::uint64_t accepted = 0;
  bool stopped = false;
  void accept();
  // At the connection limit: closes the oldest connection that never
  // presented the token, so connections held open by someone without it
  // cannot lock the teacher out. False when every one presented it.
  bool evict_stranger();
};

// Turns an admitted upgrade request for /api/ws (handshake: `admitted`,
// already through UiGuard::admit) into the page's save channel on `stream`
// (ui_ws.cpp).
void start_ws_channel(std::shared_ptr<UiHttpServer::Impl> server, boost::beast::tcp_stream stream,
                      boost::beast::http::request<boost::beast::http::string_body> upgrade, UiRequest admitted);

}  // namespace sodiem::client::ui
