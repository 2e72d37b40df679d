// WsProbe: a hand-driven client for tests of the server's network edge, as
// an attacker would write it: TCP from a chosen local address (any
// 127.x.y.z on loopback), TLS with chosen suites, a WebSocket upgrade
// without compression, frames built by hand (any size claimed, pings),
// answers read raw. Blocking, raw OpenSSL; one thread per probe. Also
// EdgeServer: run_wss_server in the test process with chosen limits.
#pragma once
#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "sodiem/protocol/messages.hpp"
#include "sodiem/server/sync_service.hpp"
#include "sodiem/server/wss_server.hpp"

namespace sodiem::testing {

class WsProbe {
 public:
  // TCP connection to `url` (wss://HOST:PORT) from local address `from`.
  explicit WsProbe(const std::string& url, const std::string& from = "127.0.0.1");
  ~WsProbe();
  WsProbe(const WsProbe&) = delete;
  WsProbe& operator=(const WsProbe&) = delete;

  bool connected() const { return fd_ >= 0; }
  // TLS handshake. `tls12_ciphers` set: offer TLS 1.2 only, with those suites.
  // `sni`: the host name sent (none when "").
  bool tls(const std::string& tls12_ciphers = "", const std::string& sni = "");
  // Plain HTTPS GET; the response (head and body) read until the server closes.
  std::string http_get(const std::string& path);
  // Any HTTP request, written as given; the response read until the server closes.
  std::string http_raw(const std::string& request, std::chrono::seconds wait = std::chrono::seconds(5));
  // Any HTTP request, written as given; one response read (its head, then
  // Content-Length bytes of body), the connection left open; "" when none
  // came whole within `wait`.
  std::string http_response(const std::string& request, std::chrono::seconds wait = std::chrono::seconds(5));
  // WebSocket upgrade, offering permessage-deflate or not (frames are sent
  // uncompressed either way); true on 101.
  bool upgrade(bool offer_deflate = false);
  // One masked frame (opcode 1 text, 2 binary, 9 ping).
  bool send_frame(std::uint8_t opcode, std::string_view payload, bool fin = true);
  // The header of a binary frame that claims `length` payload bytes.
  bool send_frame_header(std::uint64_t length);
  // Payload bytes of a frame whose header was sent (masked with the same key).
  bool send_payload(std::string_view bytes);
  bool send_message(const protocol::Message& m);
  // The next data message (control frames skipped); none on close or timeout.
  std::optional<protocol::Message> read_message(std::chrono::milliseconds timeout);
  // Reads until the server ends the connection (close frame or EOF): true if
  // it did within `timeout`. `meanwhile` runs every 200 ms (e.g. send a ping).
  bool closed_within(std::chrono::milliseconds timeout, const std::function<void()>& meanwhile = {});
  // The code of the server's close frame (1009: message too big); 0 if none came.
  int close_code() const { return close_code_; }
  // Before any TLS: true if the server closed the TCP connection within `timeout`.
  bool tcp_closed_within(std::chrono::milliseconds timeout);

 private:
  enum class Read { kData, kTimeout, kClosed };
  Read read_some(std::chrono::milliseconds timeout);
  bool write_all(std::string_view bytes);
  // One whole frame from in_ if there is one: opcode and payload.
  std::optional<std::pair<std::uint8_t, std::string>> take_frame();

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string in_;
  bool closed_ = false;
  int close_code_ = 0;
  std::uint64_t masked_ = 0;  // payload bytes sent under the current mask
};

// The server's WSS front in this process, on a free loopback port, with the
// given limits; stops at destruction.
class EdgeServer {
 public:
  // console: the school's web console on the same port (null: the status page).
  EdgeServer(server::SyncService& service, const std::string& data_dir, server::WssLimits limits = {},
             server::console::Console* console = nullptr);
  ~EdgeServer();
  const std::string& url() const { return url_; }

 private:
  std::thread thread_;
  std::string url_;
  std::function<void()> stop_;
};

// Process CPU time (user + system) so far, in seconds.
double process_cpu_seconds();

}  // namespace sodiem::testing
