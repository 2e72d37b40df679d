// Beast WebSocket-over-TLS client transport. Asynchronous operations run on
// a private io_context for a bounded time each, which gives every connect,
// write and read a hard timeout without a second thread.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <optional>

#include "capped_read_stream.hpp"
#include "network_words.hpp"
#include "sodiem/client/transport.hpp"
#include "sodiem/core/tuning.hpp"
#include "sodiem/net/tls.hpp"
#include "sodiem/protocol/codec.hpp"

namespace sodiem::client {

namespace {
// glibc's tcp_info stops at tcpi_total_retrans; the kernel (>= 4.2) goes on
// with pacing rates and the byte counters RFC 4898 defines. Read that prefix.
struct KernelTcpInfo {
  ::tcp_info base;
  std::uint64_t pacing_rate;
  std::uint64_t max_pacing_rate;
  std::uint64_t bytes_acked;     // payload bytes sent and acknowledged
  std::uint64_t bytes_received;  // payload bytes received
};
static_assert(sizeof(::tcp_info) == 104, "unexpected glibc tcp_info layout");

// A failed TLS handshake in the teacher's words. A server hosting many
// schools answers a host name it has no school for (or an IP address) with
// the alert unrecognized_name: the address typed is wrong, not the network.
std::string handshake_failure(const std::string& host, const boost::system::error_code& ec) {
  if (ec.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_TLSV1_UNRECOGNIZED_NAME)
    return "máy chủ không có trường nào mang tên máy \"" + host +
           "\": hãy kiểm tra lại địa chỉ nhà trường đưa, dạng wss://TÊN_MÁY_CỦA_TRƯỜNG:CỔNG (tên máy, không phải "
           "địa chỉ IP)";
  if (not_tls_peer(ec)) return network_words(ec);  // said whole: no TLS jargon in front
  return "bắt tay TLS thất bại: " + network_words(ec);
}
}  // namespace

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

class WssTransport final : public Transport {
 public:
  explicit WssTransport(Endpoint endpoint) : endpoint_(std::move(endpoint)), ctx_(ssl::context::tls_client) {
    // The school's certificate is self-signed: trust comes from the pinned
    // fingerprint, checked right after the TLS handshake.
    ctx_.set_verify_mode(ssl::verify_none);
  }
  ~WssTransport() override { close(); }

  Status connect() override {
    std::string host, port;
    if (auto st = parse_url(host, port); !st) return st;
    ws_.emplace(ioc_, ctx_);
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(endpoint_.connect_to.empty() ? host : endpoint_.connect_to, port, ec);
    if (ec) return Status(ErrorCode::kUnavailable, "không tìm thấy máy chủ " + host + ": " + network_words(ec));
    auto& tcp_stream = beast::get_lowest_layer(*ws_);
    tcp_stream.expires_after(tuning::kConnectTimeout);
    bool done = false;
    tcp_stream.async_connect(results, [&](beast::error_code e, const tcp::endpoint&) { ec = e; done = true; });
    run_until(done);
    if (ec) return Status(ErrorCode::kUnavailable, "không kết nối được tới máy chủ " + endpoint_.url + ": " + network_words(ec));
    tcp_stream.socket().set_option(tcp::no_delay(true));
    SSL_set_tlsext_host_name(tls().native_handle(), host.c_str());
    done = false;
    tls().async_handshake(ssl::stream_base::client, [&](beast::error_code e) { ec = e; done = true; });
    run_until(done);
    if (ec) return Status(ErrorCode::kUnavailable, handshake_failure(host, ec));
    fingerprint_ = net::peer_fingerprint(tls().native_handle());
    if (!endpoint_.fingerprint.empty() && net::normalize_fingerprint(endpoint_.fingerprint) != fingerprint_) {
      close();
      return Status(ErrorCode::kUnauthenticated,
                    "vân tay chứng chỉ của máy chủ không khớp (nhận được " + fingerprint_ +
                        "): có thể đang kết nối nhầm máy chủ hoặc bị nghe lén; không gửi dữ liệu");
    }
    tcp_stream.expires_never();
    websocket::stream_base::timeout timeouts = websocket::stream_base::timeout::suggested(beast::role_type::client);
    timeouts.handshake_timeout = tuning::kHandshakeTimeout;
    ws_->set_option(timeouts);
    websocket::permessage_deflate pmd;
    pmd.client_enable = true;
    pmd.compLevel = tuning::kDeflateLevel;
    pmd.memLevel = tuning::kDeflateMemLevel;
    ws_->set_option(pmd);
    ws_->read_message_max(protocol::kMaxMessageBytes);
    ws_->binary(true);
    done = false;
    // The server's answer when it declines: Beast would read it whole (up to
    // 8 MiB); the capped layer stops at kMaxUpgradeAnswerBytes, or as soon as
    // a refusal's header and the kMaxRefusalBodyBytes of its body shown are in.
    websocket::response_type answer;
    // (One byte more of the body than is shown: refused_upgrade_message then knows it was cut.)
    ws_->next_layer().cap(kMaxUpgradeAnswerBytes, kMaxRefusalBodyBytes + 1);
    ws_->async_handshake(answer, host + ":" + port, "/sync", [&](beast::error_code e) { ec = e; done = true; });
    run_until(done, tuning::kHandshakeTimeout);
    const bool cut = ec && ws_->next_layer().stopped();
    const std::string seen = ws_->next_layer().uncap();
    // Any other failure after a refusal's header came (cut here, or Beast's
    // parser refusing its declared length) is that refusal too.
    PartialAnswer said{answer.result_int(), std::string(answer[beast::http::field::content_type]), answer.body()};
    if (ec && ec != websocket::error::upgrade_declined) said = parse_partial_answer(seen, kMaxRefusalBodyBytes + 1);
    if (ec == websocket::error::upgrade_declined || cut || (ec && said.status != 0 && said.status != 101)) {
      close();
      if (said.status == 0)
        return Status(ErrorCode::kUnavailable, "bắt tay WebSocket thất bại: máy chủ trả lời quá dài (hơn " +
                                                   std::to_string(kMaxUpgradeAnswerBytes / 1024) +
                                                   " KiB) mà chưa hết phần đầu; có thể địa chỉ này không phải máy chủ Sổ điểm");
      return Status(said.status == 401 || said.status == 403 ? ErrorCode::kUnauthenticated : ErrorCode::kUnavailable,
                    refused_upgrade_message(said.status, said.content_type, said.body));
    }
    if (ec) return Status(ErrorCode::kUnavailable, "bắt tay WebSocket thất bại: " + network_words(ec));
    open_ = true;
    return Status::ok();
  }

  Status send(std::string bytes) override {
    if (!open_) return Status(ErrorCode::kUnavailable, "mất kết nối");
    beast::error_code ec;
    bool done = false;
    ws_->async_write(asio::buffer(bytes), [&](beast::error_code e, std::size_t) { ec = e; done = true; });
    if (!run_until(done, tuning::kReplyTimeout) || ec) {
      close();
      return Status(ErrorCode::kUnavailable, "mất kết nối khi gửi: " + (ec ? network_words(ec) : std::string("hết thời gian")));
    }
    return Status::ok();
  }

  Result<std::string> receive(std::chrono::milliseconds timeout) override {
    if (!open_) return Status(ErrorCode::kUnavailable, "mất kết nối");
    beast::error_code ec;
    bool done = false;
    buffer_.clear();
    ws_->async_read(buffer_, [&](beast::error_code e, std::size_t) { ec = e; done = true; });
    if (!run_until(done, timeout)) {
      close();
      return Status(ErrorCode::kUnavailable, "máy chủ không trả lời (hết thời gian chờ)");
    }
    if (ec) {
      close();
      if (ec == websocket::error::message_too_big) return Status(ErrorCode::kTooLarge, "thông điệp quá lớn");
      return Status(ErrorCode::kUnavailable, "mất kết nối: " + network_words(ec));
    }
    return beast::buffers_to_string(buffer_.cdata());
  }

  void close() override {
    if (!ws_) return;
    beast::error_code ec;
    if (open_) {
      sample_stats();
      base_ = stats_;  // later connections of this transport add to it
      open_ = false;
      // The close frame goes out, but the two round trips of the closing
      // handshake (the server's close frame, then TLS close_notify) are not
      // waited for: every answer was in before close() is called, and on a
      // 300 ms 2G link they were 0.6 s of a 2.4 s sync. The server takes
      // the end of the stream as the end of the session.
      bool done = false;
      ws_->async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
      ioc_.restart();
      ioc_.poll();  // writes the frame; nothing here waits for the network
      beast::get_lowest_layer(*ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
      run_until(done, std::chrono::seconds(2));  // the read for the server's frame ends at once
    }
    beast::get_lowest_layer(*ws_).socket().close(ec);
    ws_.reset();
    ioc_.restart();
  }

  TrafficStats stats() const override {
    const_cast<WssTransport*>(this)->sample_stats();
    return stats_;
  }

  const std::string& fingerprint() const { return fingerprint_; }

 private:
  Status parse_url(std::string& host, std::string& port) const {
    const std::string prefix = "wss://";
    if (endpoint_.url.rfind(prefix, 0) != 0)
      return Status(ErrorCode::kInvalidValue, "địa chỉ máy chủ phải có dạng wss://HOST:PORT, không phải " + endpoint_.url);
    std::string rest = endpoint_.url.substr(prefix.size());
    if (auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
    auto colon = rest.rfind(':');
    if (colon == std::string::npos) {
      host = rest;
      port = "8443";
    } else {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host.empty() || port.empty()) return Status(ErrorCode::kInvalidValue, "địa chỉ máy chủ không hợp lệ: " + endpoint_.url);
    return Status::ok();
  }

  // Runs the io_context until `done` or the timeout; on timeout cancels the
  // socket and lets the handler run. Returns false on timeout.
  bool run_until(bool& done, std::chrono::steady_clock::duration timeout = std::chrono::hours(1)) {
    ioc_.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      if (ioc_.run_one_for(deadline - now) == 0 && ioc_.stopped()) ioc_.restart();
    }
    if (done) return true;
    beast::error_code ec;
    beast::get_lowest_layer(*ws_).socket().cancel(ec);
    beast::get_lowest_layer(*ws_).socket().close(ec);
    while (!done && ioc_.run_one_for(std::chrono::seconds(1)) > 0) {
    }
    return false;
  }

  void sample_stats() {
    if (!ws_) return;
    auto& sock = beast::get_lowest_layer(*ws_).socket();
    if (!sock.is_open()) return;
    KernelTcpInfo info{};
    socklen_t len = sizeof info;
    if (getsockopt(sock.native_handle(), IPPROTO_TCP, TCP_INFO, &info, &len) == 0 && len >= sizeof info) {
      stats_.bytes_sent = base_.bytes_sent + info.bytes_acked;
      stats_.bytes_received = base_.bytes_received + info.bytes_received;
    }
  }

  Endpoint endpoint_;
  asio::io_context ioc_{1};
  ssl::context ctx_;
  beast::ssl_stream<beast::tcp_stream>& tls() { return ws_->next_layer().next_layer(); }

  std::optional<websocket::stream<CappedReadStream<beast::ssl_stream<beast::tcp_stream>>>> ws_;
  beast::flat_buffer buffer_;
  std::string fingerprint_;
  bool open_ = false;
  TrafficStats stats_{}, base_{};
};

std::unique_ptr<Transport> make_wss_transport(const Endpoint& endpoint) {
  return std::make_unique<WssTransport>(endpoint);
}

std::string seen_fingerprint(const Transport& transport) {
  if (auto* wss = dynamic_cast<const WssTransport*>(&transport)) return wss->fingerprint();
  return {};
}

}  // namespace sodiem::client
