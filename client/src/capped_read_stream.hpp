// CappedReadStream: the layer between the client's WebSocket and its TLS
// stream that bounds what the WebSocket handshake may read. Beast reads the
// server's answer to the upgrade with a parser of its own (responses up to
// 8 MiB, no way to set a smaller limit); while capped, this layer lets reads
// through only up to a byte budget, keeps a copy of what they brought, and
// fails the next read (asio::error::message_size) once the budget is spent
// or once the copy holds a refusal's header and kMaxRefusalBodyBytes of its
// body: a refusing server's huge or endless body is never read. Uncapped, it
// only forwards. Used by wss_transport.cpp only, on its io_context's thread.
#pragma once
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace sodiem::client {

// The server's answer as read so far, parsed as far as it goes: what a
// refused upgrade says (status 0 when its header is not all there). Also
// when Beast's parser gave up on it (a declared body past its 8 MiB). A
// body not all there loses a character cut at its end.
struct PartialAnswer {
  unsigned status = 0;
  std::string content_type;
  std::string body;  // what arrived of it
};
inline PartialAnswer parse_partial_answer(std::string_view raw, std::size_t max_body) {
  namespace http = boost::beast::http;
  http::response_parser<http::string_body> p;
  p.eager(true);
  p.header_limit(static_cast<std::uint32_t>(raw.size() + 1));
  p.body_limit(boost::none);  // a declared length past any bound still shows what came of it
  boost::beast::error_code ec;
  while (!raw.empty() && !p.is_done()) {
    const std::size_t used = p.put(boost::asio::buffer(raw.data(), raw.size()), ec);
    raw.remove_prefix(used);
    if (ec == http::error::need_more && used > 0) continue;
    if (ec || used == 0) break;
  }
  PartialAnswer out;
  if (!p.is_header_done()) return out;
  const auto& m = p.get();
  out.status = m.result_int();
  out.content_type = std::string(m[http::field::content_type]);
  out.body = m.body().substr(0, max_body);
  if (!p.is_done() && out.body.size() < max_body) {
    // The last character's bytes may not all have come: drop it if so.
    std::size_t lead = out.body.size();
    while (lead > 0 && out.body.size() - lead < 4 && (static_cast<unsigned char>(out.body[lead - 1]) & 0xc0) == 0x80) --lead;
    if (lead > 0) {
      const auto c = static_cast<unsigned char>(out.body[lead - 1]);
      const std::size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      if (out.body.size() - (lead - 1) < need) out.body.resize(lead - 1);
    }
  }
  return out;
}

template <class Next>
class CappedReadStream {
 public:
  using next_layer_type = Next;
  using executor_type = typename Next::executor_type;

  template <class... Args>
  explicit CappedReadStream(Args&&... args) : next_(std::forward<Args>(args)...) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  Next& next_layer() noexcept { return next_; }
  const Next& next_layer() const noexcept { return next_; }

  // From now on reads bring at most `budget` bytes, and stop once a refusal
  // has shown `enough_body` bytes of its body.
  void cap(std::size_t budget, std::size_t enough_body) {
    budget_ = budget;
    enough_body_ = enough_body;
    seen_.clear();
    stopped_ = false;
  }
  // Reads go through again; what the capped reads brought.
  std::string uncap() {
    budget_.reset();
    return std::exchange(seen_, {});
  }
  // A read was refused by the cap (the handshake's error then comes from here).
  bool stopped() const { return stopped_; }

  template <class Buffers, class Handler>
  auto async_read_some(const Buffers& buffers, Handler&& handler) {
    return boost::asio::async_initiate<Handler, void(boost::beast::error_code, std::size_t)>(
        [this](auto h, const Buffers& b) { start_read(b, std::move(h)); }, handler, buffers);
  }

  template <class Buffers, class Handler>
  auto async_write_some(const Buffers& buffers, Handler&& handler) {
    return next_.async_write_some(buffers, std::forward<Handler>(handler));
  }

 private:
  template <class Buffers, class H>
  void start_read(const Buffers& buffers, H h) {
    if (!budget_) return next_.async_read_some(buffers, std::move(h));
    if (*budget_ == 0 || enough()) {
      stopped_ = true;
      const auto ex = boost::asio::get_associated_executor(h, get_executor());
      boost::asio::post(ex, boost::beast::bind_front_handler(
                                std::move(h), boost::beast::error_code(boost::asio::error::message_size), std::size_t{0}));
      return;
    }
    const auto prefix = boost::beast::buffers_prefix(*budget_, buffers);
    const auto ex = boost::asio::get_associated_executor(h, get_executor());
    next_.async_read_some(prefix, boost::asio::bind_executor(ex, [this, prefix, h = std::move(h)](
                                                                     boost::beast::error_code ec, std::size_t n) mutable {
      if (budget_) {
        *budget_ -= std::min(n, *budget_);
        std::size_t left = n;
        for (const auto b : boost::beast::buffers_range_ref(prefix)) {
          if (left == 0) break;
          const std::size_t take = std::min(left, b.size());
          seen_.append(static_cast<const char*>(b.data()), take);
          left -= take;
        }
      }
      std::move(h)(ec, n);
    }));
  }

  // What came holds a refusal's header and enough of its body to show.
  bool enough() const {
    const auto said = parse_partial_answer(seen_, enough_body_);
    return said.status != 0 && said.status != 101 && said.body.size() >= enough_body_;
  }

  Next next_;
  std::optional<std::size_t> budget_;
  std::size_t enough_body_ = 0;
  std::string seen_;
  bool stopped_ = false;
};

// The WebSocket's closing handshake goes to the TLS stream below.
template <class Next>
void teardown(boost::beast::role_type role, CappedReadStream<Next>& s, boost::beast::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, s.next_layer(), ec);
}
template <class Next, class Handler>
void async_teardown(boost::beast::role_type role, CappedReadStream<Next>& s, Handler&& handler) {
  using boost::beast::websocket::async_teardown;
  async_teardown(role, s.next_layer(), std::forward<Handler>(handler));
}

}  // namespace sodiem::client
