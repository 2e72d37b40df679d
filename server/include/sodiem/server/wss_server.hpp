// The server's network front: accepts TLS connections, upgrades WebSocket
// requests to sync sessions fed to a SyncService, answers plain HTTPS GETs
// with a status page, and stops gracefully on SIGTERM/SIGINT. Beast/Asio
// stay inside the .cpp. run_wss_server blocks the calling thread.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace sodiem::server {

class SyncService;

struct WssOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8443;
  std::string cert_path;
  std::string key_path;
  std::string school_name;
};

// Calls on_listening("HOST:PORT") once the socket accepts connections.
// Returns after a signal asked it to stop and sessions closed.
void run_wss_server(SyncService& service, const WssOptions& options,
                    const std::function<void(const std::string&)>& on_listening);

}  // namespace sodiem::server
