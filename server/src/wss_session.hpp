// One WSS connection of the server (internal to wss_server.cpp and
// wss_session.cpp): TLS handshake and HTTP request under a deadline, then
// the school's web console (or the status page) or a WebSocket sync session. Until the peer is welcomed it
// reads one small message at a time and must be welcomed by the login
// deadline; welcomed, it takes 4 MiB messages and is closed after
// session_idle_timeout without an application message either way. Runs on
// its strand of the server's single io thread.
#pragma once
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "sodiem/server/connection_table.hpp"
#include "sodiem/server/console/console.hpp"
#include "sodiem/server/sync_service.hpp"
#include "sodiem/server/wss_server.hpp"
#include "wss_schools.hpp"

namespace sodiem::server::wss {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

class Session;

// What the listener and its sessions share; io thread only. Declared before
// the io_context, so it outlives the sessions the context destroys.
struct Edge {
  Edge(Schools& s, WssLimits l)
      : schools(s), limits(l), table({l.max_pre_auth, l.max_pre_auth_per_address, l.max_authenticated}) {}
  Schools& schools;  // each session's school, chosen by the TLS host name
  const WssLimits limits;
  ConnectionTable table;
  std::unordered_map<ConnectionTable::Id, std::weak_ptr<Session>> sessions;
  // Per school (its index): sessions reading or awaiting a body past kConsoleMaxBodyBytes.
  std::unordered_map<std::size_t, std::size_t> console_uploads;
  bool stopping = false;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Edge& edge, ConnectionTable::Id id, std::string address);
  ~Session();

  void run();
  // Server stopping: flush what is queued, then close (posted; any thread of the loop).
  void shutdown();
  // Evicted to make room for a newer connection: close at once.
  void evict();
  // The school it holds (its index), if any yet.
  std::optional<std::size_t> school_index() const {
    return lease_ ? std::optional<std::size_t>(lease_->index()) : std::nullopt;
  }

 private:
  using Clock = std::chrono::steady_clock;

  void on_run();
  void on_tls_handshake(beast::error_code ec);
  // The school of the handshake's host name is open (or refused: the
  // refusal is answered as an HTTP 503 and the connection closed).
  void on_school(std::shared_ptr<Lease> lease, const std::string& refusal);
  SyncService& service() { return *lease_->school.service; }
  console::Console* console() { return lease_->school.console; }  // null: the status page
  // Reads an HTTP request (its head, then its body): the first after the
  // TLS handshake, or the next on a kept-alive console connection.
  void read_request();
  void on_http_header(beast::error_code ec, std::size_t);
  void read_body();
  // An upload past kConsoleMaxBodyBytes: its session checked by the console
  // before the body is read, then a slot of its school's taken (or refused).
  void check_upload();
  void on_upload_checked(std::optional<console::Response> refusal);
  void on_http_request(beast::error_code ec, std::size_t);
  void serve_status_page();
  // Any other HTTP request: the school's console answers (server/src/console).
  void serve_console();
  // The console's answer is written: the next request is awaited on the same
  // connection when both sides keep it alive (HTTP/1.1 keep-alive), within
  // the handshake timeout that bounds the first request too; else it closes.
  void on_console_written(beast::error_code ec, bool keep_alive);
  // A console answer written at once (to a body over its bound), then the
  // `unread` bytes the peer still sends drained (bounded), then closed.
  void write_console_answer(console::Response answer, unsigned version, std::size_t unread);
  void drain_then_close(std::size_t left);
  // The bytes of the declared body not read yet (a bound when undeclared).
  std::size_t unread_body() const;
  void on_accept(beast::error_code ec);
  void on_authenticated();
  void on_login_deadline(beast::error_code ec);
  void arm_idle(Clock::time_point at);
  void on_idle_timer(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t);
  void queue_write(std::string bytes, bool close_after);
  void do_write();
  void on_write(beast::error_code ec, std::size_t);
  void do_close();
  void close_hard();

  websocket::stream<ssl::stream<beast::tcp_stream>> ws_;
  Edge& edge_;
  const ConnectionTable::Id id_;
  const std::string address_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::pair<std::string, bool>> outbox_;
  std::shared_ptr<Lease> lease_;  // the session's school, for its whole life
  std::string server_name_;       // the TLS name that chose it (many schools served), for the console
  std::shared_ptr<SyncService::Peer> peer_;
  std::shared_ptr<Session> awaiting_console_;  // itself, while the console prepares its answer
  asio::steady_timer login_timer_;
  asio::steady_timer idle_timer_;
  Clock::time_point last_activity_;
  int verdict_waits_ = 0;
  bool accepted_ = false;
  bool holds_upload_ = false;  // counted in edge_.console_uploads until its request is answered
  bool authenticated_ = false;
  bool awaiting_verdict_ = false;  // one message is with the service; read no more until welcomed
  bool closing_ = false;
  bool close_started_ = false;
};

}  // namespace sodiem::server::wss
