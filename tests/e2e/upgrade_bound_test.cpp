// The client reads a bounded part of a server's answer to the WebSocket
// upgrade (kMaxUpgradeAnswerBytes; a refusal's text from its first
// kMaxRefusalBodyBytes): a refusal with a huge or slow body ends connect()
// at once with the Vietnamese message, the rest never read. A fake server:
// raw OpenSSL on a loopback port, one connection, in its own thread.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "sodiem/client/transport.hpp"
#include "sodiem/net/tls.hpp"
#include "loopback_listener.hpp"
#include "test_school.hpp"

using namespace sodiem;
using namespace std::chrono_literals;

namespace {

// Answers one upgrade with `head`, then `first` bytes of the body at once,
// waits up to `pause` for the client to hang up, then writes the rest of
// `body_bytes` as fast as the client takes it. `written`: what it took.
class RefusingServer {
 public:
  RefusingServer(const std::string& dir, std::string head, std::size_t first, std::size_t body_bytes,
                 std::chrono::milliseconds pause)
      : head_(std::move(head)), first_(first), body_bytes_(body_bytes), pause_(pause) {
    std::signal(SIGPIPE, SIG_IGN);  // writes after the client hung up fail instead
    net::make_self_signed_certificate(dir + "/cert.pem", dir + "/key.pem", "localhost");
    ctx_ = SSL_CTX_new(TLS_server_method());
    REQUIRE(SSL_CTX_use_certificate_file(ctx_, (dir + "/cert.pem").c_str(), SSL_FILETYPE_PEM) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey_file(ctx_, (dir + "/key.pem").c_str(), SSL_FILETYPE_PEM) == 1);
    const auto l = sodiem::testing::listen_on_loopback(1);
    listener_ = l.fd;
    port_ = l.port;
    thread_ = std::thread([this] { serve(); });
  }
  ~RefusingServer() {
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
    SSL_CTX_free(ctx_);
  }
  std::string url() const { return "wss://127.0.0.1:" + std::to_string(port_); }
  std::size_t written() const { return written_; }
  bool finished() const { return finished_; }

 private:
  void serve() {
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      std::string request;
      char buf[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) break;
        request.append(buf, static_cast<std::size_t>(n));
      }
      const std::string text = "Máy chủ đang bảo trì, xin thử lại sau. ";
      std::string body;
      while (body.size() < 64 * 1024) body += text;
      auto put = [&](const char* data, std::size_t size) {
        if (size == 0) return true;
        const int n = SSL_write(ssl, data, static_cast<int>(size));
        if (n <= 0) return false;
        written_ += static_cast<std::size_t>(n);
        return true;
      };
      bool ok = put(head_.data(), head_.size());
      std::size_t sent = 0;
      auto send_up_to = [&](std::size_t end) {
        while (ok && sent < end) {
          const std::size_t n = std::min(body.size(), end - sent);
          ok = put(body.data(), n);
          sent += n;
        }
      };
      send_up_to(std::min(first_, body_bytes_));
      if (ok && pause_.count() > 0) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, static_cast<int>(pause_.count()));  // the client's hang-up, or the pause's end
      }
      send_up_to(body_bytes_);
      finished_ = ok;
    }
    SSL_free(ssl);
    ::close(fd);
  }

  std::string head_;
  std::size_t first_, body_bytes_;
  std::chrono::milliseconds pause_;
  SSL_CTX* ctx_ = nullptr;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<std::size_t> written_{0};
  std::atomic<bool> finished_{false};
};

std::string refusal_head(std::size_t body_bytes) {
  return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
         std::to_string(body_bytes) + "\r\n\r\n";
}

}  // namespace

TEST_CASE("a refused upgrade whose body is slow to come: the client answers from its first bytes, at once",
          "[e2e][upgrade]") {
  testing::TempDir tmp;
  const std::size_t body = 6 * 1024 * 1024;  // under Beast's own 8 MiB bound
  RefusingServer server(tmp.path(), refusal_head(body), 3 * 1024, body, 15s);
  auto transport = client::make_wss_transport({.url = server.url(), .fingerprint = ""});
  const auto started = std::chrono::steady_clock::now();
  const Status st = transport->connect();
  const auto took = std::chrono::steady_clock::now() - started;
  INFO(st.message());
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.code() == ErrorCode::kUnavailable);
  CHECK_THAT(st.message(), Catch::Contains("HTTP 503") && Catch::Contains("máy chủ đang bận") &&
                               Catch::Contains("Máy chủ báo: \"Máy chủ đang bảo trì, xin thử lại sau."));
  CHECK(took < 5s);  // not the 15 s the rest of the body waits for
  transport.reset();
  CHECK_FALSE(server.finished());
}

TEST_CASE("a refused upgrade with a body far past any bound: the client reads its head only and says it",
          "[e2e][upgrade]") {
  testing::TempDir tmp;
  const std::size_t body = 64 * 1024 * 1024;
  RefusingServer server(tmp.path(), refusal_head(body), body, body, 0ms);
  auto transport = client::make_wss_transport({.url = server.url(), .fingerprint = ""});
  const auto started = std::chrono::steady_clock::now();
  const Status st = transport->connect();
  const auto took = std::chrono::steady_clock::now() - started;
  INFO(st.message());
  REQUIRE_FALSE(st.is_ok());
  // The refusal as such (Beast's parser gives up on the declared length at
  // once; what came of the text, if any, is shown).
  CHECK_THAT(st.message(), Catch::Contains("HTTP 503") && Catch::Contains("máy chủ đang bận") &&
                               !Catch::Contains("bắt tay WebSocket"));
  CHECK(took < 5s);
  transport.reset();
  CHECK_FALSE(server.finished());
  INFO("written by the server: " << server.written());
  CHECK(server.written() < 32u * 1024 * 1024);  // the client hung up; the kernels' buffers took the rest
}
