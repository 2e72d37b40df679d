// WsProbe and EdgeServer for the network-edge tests (see ws_probe.hpp).
#include "ws_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>

#include <cerrno>
#include <future>
#include <stdexcept>

#include "sodiem/protocol/codec.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr unsigned char kMask[4] = {0x12, 0x34, 0x56, 0x78};

std::string frame_header(std::uint8_t first, std::uint64_t length) {
  std::string h(1, static_cast<char>(first));
  if (length < 126) {
    h += static_cast<char>(0x80 | length);
  } else if (length <= 0xffff) {
    h += static_cast<char>(0x80 | 126);
    h += static_cast<char>(length >> 8);
    h += static_cast<char>(length & 0xff);
  } else {
    h += static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i) h += static_cast<char>((length >> (8 * i)) & 0xff);
  }
  h.append(reinterpret_cast<const char*>(kMask), 4);
  return h;
}

}  // namespace

WsProbe::WsProbe(const std::string& url, const std::string& from) {
  ::signal(SIGPIPE, SIG_IGN);  // writes to a socket the server closed must fail, not kill the test
  const auto colon = url.rfind(':');
  const std::string host = url.substr(url.find("//") + 2, colon - url.find("//") - 2);
  sockaddr_in to{}, local{};
  to.sin_family = local.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1))));
  if (inet_pton(AF_INET, host.c_str(), &to.sin_addr) != 1 || inet_pton(AF_INET, from.c_str(), &local.sin_addr) != 1)
    throw std::runtime_error("WsProbe: bad address " + url + " / " + from);
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) return;
  const int one = 1;  // no Nagle: a request after the handshake's last flight would wait for a delayed ACK (~40 ms)
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

WsProbe::~WsProbe() {
  if (ssl_) SSL_free(ssl_);
  if (ctx_) SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

bool WsProbe::tls(const std::string& tls12_ciphers, const std::string& sni) {
  if (fd_ < 0) return false;
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (!tls12_ciphers.empty()) {
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx_, TLS1_2_VERSION);
    if (SSL_CTX_set_cipher_list(ctx_, tls12_ciphers.c_str()) != 1) return false;
  }
  ssl_ = SSL_new(ctx_);
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl_, sni.c_str());
  SSL_set_fd(ssl_, fd_);
  timeval wait{5, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  return SSL_connect(ssl_) == 1;
}

bool WsProbe::write_all(std::string_view bytes) {
  if (!ssl_ || closed_) return false;
  while (!bytes.empty()) {
    const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(std::min<std::size_t>(bytes.size(), 1 << 20)));
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

WsProbe::Read WsProbe::read_some(std::chrono::milliseconds timeout) {
  if (!ssl_ || closed_) return Read::kClosed;
  const long ms = std::max<long>(1, static_cast<long>(timeout.count()));
  timeval wait{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  char buf[16384];
  errno = 0;
  const int n = SSL_read(ssl_, buf, sizeof buf);
  if (n > 0) {
    in_.append(buf, static_cast<std::size_t>(n));
    return Read::kData;
  }
  const int err = SSL_get_error(ssl_, n);
  if (err == SSL_ERROR_WANT_READ || (err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))) {
    ERR_clear_error();
    return Read::kTimeout;
  }
  closed_ = true;
  return Read::kClosed;
}

std::string WsProbe::http_get(const std::string& path) {
  return http_raw("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
}

std::string WsProbe::http_raw(const std::string& request, std::chrono::seconds wait) {
  if (!write_all(request)) return {};
  const auto until = Clock::now() + wait;
  while (Clock::now() < until && read_some(std::chrono::milliseconds(200)) != Read::kClosed) {
  }
  return in_;
}

std::string WsProbe::http_response(const std::string& request, std::chrono::seconds wait) {
  if (!write_all(request)) return {};
  const auto until = Clock::now() + wait;
  for (;;) {
    if (const auto end = in_.find("\r\n\r\n"); end != std::string::npos) {
      std::size_t length = 0;
      const auto at = in_.find("\r\nContent-Length: ");
      if (at != std::string::npos && at < end) length = std::stoul(in_.substr(at + 18, in_.find("\r\n", at + 2) - at - 18));
      if (in_.size() >= end + 4 + length) {
        std::string response = in_.substr(0, end + 4 + length);
        in_.erase(0, response.size());
        return response;
      }
    }
    if (Clock::now() >= until || read_some(std::chrono::milliseconds(200)) == Read::kClosed) return {};
  }
}

bool WsProbe::upgrade(bool offer_deflate) {
  if (!write_all(std::string("GET /sync HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n") +
                 (offer_deflate ? "Sec-WebSocket-Extensions: permessage-deflate\r\n" : "") + "\r\n"))
    return false;
  const auto until = Clock::now() + std::chrono::seconds(5);
  std::size_t end = std::string::npos;
  while ((end = in_.find("\r\n\r\n")) == std::string::npos && Clock::now() < until)
    if (read_some(std::chrono::milliseconds(200)) == Read::kClosed) return false;
  if (end == std::string::npos || in_.rfind("HTTP/1.1 101", 0) != 0) return false;
  in_.erase(0, end + 4);
  return true;
}

bool WsProbe::send_frame(std::uint8_t opcode, std::string_view payload, bool fin) {
  std::string f = frame_header(static_cast<std::uint8_t>((fin ? 0x80 : 0) | opcode), payload.size());
  for (std::size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ kMask[i % 4]);
  return write_all(f);
}

bool WsProbe::send_frame_header(std::uint64_t length) {
  masked_ = 0;
  return write_all(frame_header(0x82, length));
}

bool WsProbe::send_payload(std::string_view bytes) {
  std::string out(bytes);
  for (auto& c : out) c = static_cast<char>(c ^ kMask[masked_++ % 4]);
  return write_all(out);
}

bool WsProbe::send_message(const protocol::Message& m) { return send_frame(0x2, protocol::encode(m)); }

std::optional<std::pair<std::uint8_t, std::string>> WsProbe::take_frame() {
  if (in_.size() < 2) return std::nullopt;
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(in_[i]); };
  std::uint64_t len = b(1) & 0x7f;
  std::size_t at = 2;
  if (len == 126) {
    if (in_.size() < 4) return std::nullopt;
    len = (std::uint64_t{b(2)} << 8) | b(3);
    at = 4;
  } else if (len == 127) {
    if (in_.size() < 10) return std::nullopt;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | b(2 + static_cast<std::size_t>(i));
    at = 10;
  }
  if (in_.size() < at + len) return std::nullopt;
  std::pair<std::uint8_t, std::string> f{static_cast<std::uint8_t>(b(0) & 0x0f), in_.substr(at, len)};
  in_.erase(0, at + len);
  if (f.first == 0x8 && f.second.size() >= 2)
    close_code_ = (static_cast<unsigned char>(f.second[0]) << 8) | static_cast<unsigned char>(f.second[1]);
  return f;
}

std::optional<protocol::Message> WsProbe::read_message(std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  for (;;) {
    while (auto f = take_frame()) {
      if (f->first == 0x8) {
        closed_ = true;
        return std::nullopt;
      }
      if (f->first == 0x1 || f->first == 0x2) {
        auto d = protocol::decode(f->second);
        return d.message;
      }
    }
    const auto now = Clock::now();
    if (now >= until) return std::nullopt;
    if (read_some(std::chrono::duration_cast<std::chrono::milliseconds>(until - now)) == Read::kClosed &&
        in_.empty())
      return std::nullopt;
  }
}

bool WsProbe::closed_within(std::chrono::milliseconds timeout, const std::function<void()>& meanwhile) {
  const auto until = Clock::now() + timeout;
  auto tick = Clock::now() + std::chrono::milliseconds(200);
  for (;;) {
    while (auto f = take_frame())
      if (f->first == 0x8) return true;
    if (closed_) return true;
    const auto now = Clock::now();
    if (now >= until) return false;
    if (meanwhile && now >= tick) {
      meanwhile();
      tick += std::chrono::milliseconds(200);
    }
    if (read_some(std::chrono::milliseconds(50)) == Read::kClosed) {
      while (auto f = take_frame()) {
      }
      return true;
    }
  }
}

bool WsProbe::tcp_closed_within(std::chrono::milliseconds timeout) {
  if (fd_ < 0) return true;
  const long ms = std::max<long>(1, static_cast<long>(timeout.count()));
  timeval wait{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  char c;
  const ssize_t n = ::recv(fd_, &c, 1, 0);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

EdgeServer::EdgeServer(server::SyncService& service, const std::string& data_dir, server::WssLimits limits,
                       server::console::Console* console) {
  std::promise<std::string> listening;
  std::promise<std::function<void()>> stopper;
  auto url = listening.get_future();
  auto stop = stopper.get_future();
  server::WssOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.cert_path = server::DataPaths{data_dir}.cert();
  options.key_path = server::DataPaths{data_dir}.key();
  options.school_name = "Trường thử";
  options.limits = limits;
  options.console = console;
  options.on_stop_handle = [p = std::make_shared<std::promise<std::function<void()>>>(std::move(stopper))](
                               std::function<void()> s) { p->set_value(std::move(s)); };
  thread_ = std::thread([&service, options, p = std::make_shared<std::promise<std::string>>(std::move(listening))] {
    server::run_wss_server(service, options, [&](const std::string& where) { p->set_value("wss://" + where); });
  });
  url_ = url.get();
  stop_ = stop.get();
}

EdgeServer::~EdgeServer() {
  if (stop_) stop_();
  if (thread_.joinable()) thread_.join();
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

}  // namespace sodiem::testing
