// Transport: a message pipe between the client's sync engine and a server.
// The real one is WebSocket over TLS (WssTransport); tests use an in-process
// loopback with cut injection. One user thread at a time.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sodiem/core/status.hpp"

namespace sodiem::client {

struct TrafficStats {
  std::uint64_t bytes_sent = 0;      // on the wire (TCP payload) where measurable
  std::uint64_t bytes_received = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual Status connect() = 0;
  virtual Status send(std::string bytes) = 0;
  // Waits for one message; kUnavailable on timeout or a lost connection.
  virtual Result<std::string> receive(std::chrono::milliseconds timeout) = 0;
  virtual void close() = 0;
  virtual TrafficStats stats() const = 0;
};

// Where to connect and which certificate to trust.
struct Endpoint {
  std::string url;          // wss://HOST:PORT
  std::string fingerprint;  // pinned SHA-256 of the server certificate; "" = learn it (enrollment only)
  // The address to connect to when not the URL's host, which still names the
  // server to TLS (SNI): tests and benchmarks reach several schools' host
  // names on one loopback server. "" = the URL's host.
  std::string connect_to{};
};

// Makes a WebSocket-over-TLS transport. After connect(), seen_fingerprint()
// tells the certificate the server presented.
class WssTransport;
std::unique_ptr<Transport> make_wss_transport(const Endpoint& endpoint);
std::string seen_fingerprint(const Transport& transport);

// A server that answers the WebSocket upgrade with an HTTP status (503: at
// its bound of open schools or the school cannot open; 401, 403, 404, 426
// from a proxy or another server): what connect() reports, in Vietnamese,
// with the server's own text when it is plain, well-formed UTF-8 (at most
// kMaxRefusalChars characters of its first kMaxRefusalBodyBytes bytes).
inline constexpr std::size_t kMaxRefusalBodyBytes = 2048;
inline constexpr std::size_t kMaxRefusalChars = 300;
// The most of the server's answer to the upgrade the client reads (header
// and body): a longer refusal is cut there (wss_transport.cpp).
inline constexpr std::size_t kMaxUpgradeAnswerBytes = 16 * 1024;
std::string refused_upgrade_message(unsigned status, std::string_view content_type, std::string_view body);

}  // namespace sodiem::client
