// The server's network front: accepts TLS connections, upgrades WebSocket
// requests to sync sessions fed to a SyncService, hands other HTTPS requests
// to the school's web console (or answers a status page), and stops
// gracefully on SIGTERM/SIGINT. It defends its edge: deadlines for the
// handshake and the login, a small message bound until the welcome, unauthenticated connections bounded per address and in
// all (ConnectionTable), an idle bound that pings cannot defeat, back-off
// when descriptors run out, TLS 1.2 with ECDHE+AEAD suites only (or 1.3).
// Beast/Asio stay inside the .cpp. run_wss_server blocks the calling thread.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "sodiem/core/tuning.hpp"

namespace sodiem::server {

class SyncService;
namespace console {
class Console;
}

// The edge's bounds (tuning.hpp explains each); tests shorten the times.
struct WssLimits {
  std::chrono::milliseconds handshake_timeout = tuning::kServerHandshakeTimeout;
  std::chrono::milliseconds login_deadline = tuning::kLoginDeadline;
  std::chrono::milliseconds session_idle_timeout = tuning::kSessionIdleTimeout;
  std::size_t pre_auth_message_bytes = tuning::kPreAuthMaxMessageBytes;
  std::size_t max_pre_auth_per_address = tuning::kMaxPreAuthPerAddress;
  std::size_t max_pre_auth = tuning::kMaxPreAuthConnections;
  std::size_t max_authenticated = tuning::kMaxConnections;
};

struct WssOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8443;
  std::string cert_path;
  std::string key_path;
  std::string school_name;
  WssLimits limits;
  // Answers the HTTPS requests that are not a WebSocket upgrade (the
  // school's web console); null: the status page. Outlives run_wss_server,
  // which stops it before returning.
  console::Console* console = nullptr;
  // For embedding (tests): called once listening with a thread-safe function
  // that stops the server as SIGTERM does.
  std::function<void(std::function<void()> stop)> on_stop_handle;
};

// Calls on_listening("HOST:PORT") once the socket accepts connections.
// Returns after a signal asked it to stop and sessions closed.
void run_wss_server(SyncService& service, const WssOptions& options,
                    const std::function<void(const std::string&)>& on_listening);

}  // namespace sodiem::server
