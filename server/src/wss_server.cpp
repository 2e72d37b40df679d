// The WSS listener and run_wss_server: TLS settings, descriptor budget
// (shared out by descriptor_budget.cpp),
// admission of connections (ConnectionTable), accept back-off, graceful
// stop. Sessions are in wss_session.cpp. One io thread.
#include "sodiem/server/wss_server.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <filesystem>
#include <mutex>
#include <vector>

#include "sodiem/server/console/console.hpp"
#include "sodiem/server/descriptor_budget.hpp"
#include "sodiem/server/sync_service.hpp"
#include "wss_schools.hpp"
#include "wss_session.hpp"

namespace sodiem::server {
namespace {

using namespace wss;

// TLS 1.2 suites: forward secrecy (ECDHE) and AEAD only, no CBC. TLS 1.3
// suites are all AEAD and stay at OpenSSL's defaults.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

bool out_of_descriptors(const beast::error_code& ec) {
  return ec == boost::system::errc::too_many_files_open || ec == boost::system::errc::too_many_files_open_in_system ||
         ec == boost::system::errc::no_buffer_space || ec == boost::system::errc::not_enough_memory;
}

// Raises the descriptor limit to its hard bound and shares it out
// (share_descriptors): `schools` as it takes them. Throws
// DescriptorShortage when not one school fits.
WssLimits fit_descriptors(WssLimits limits, std::size_t schools) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return limits;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  std::size_t open_now = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::end(it);
       it.increment(ec))
    ++open_now;
  const std::size_t limit = rl.rlim_cur == RLIM_INFINITY ? SIZE_MAX / 2 : static_cast<std::size_t>(rl.rlim_cur);
  std::string warning;
  limits = share_descriptors(limits, limit, open_now, schools, warning);
  if (!warning.empty()) spdlog::warn("{}", warning);
  return limits;
}

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, tcp::endpoint endpoint, Edge& edge)
      : ioc_(ioc), acceptor_(ioc), backoff_(ioc), edge_(edge) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }
  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void run() { do_accept(); }
  void stop() {
    beast::error_code ec;
    acceptor_.close(ec);
    backoff_.cancel();
  }

 private:
  void do_accept() {
    acceptor_.async_accept(asio::make_strand(ioc_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || edge_.stopping) return;
    if (out_of_descriptors(ec)) {
      // The listener stays readable while accept() fails: retrying at once
      // would spin. Wait for connections to close.
      if (!backing_off_) spdlog::warn("accept: {}; retrying every {} ms", ec.message(), tuning::kAcceptBackoff.count());
      backing_off_ = true;
      backoff_.expires_after(tuning::kAcceptBackoff);
      backoff_.async_wait([self = shared_from_this()](beast::error_code e) {
        if (!e) self->do_accept();
      });
      return;
    }
    backing_off_ = false;
    if (!ec) admit(std::move(socket));
    do_accept();
  }

  void admit(tcp::socket socket) {
    beast::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) return;
    const auto id = ++next_id_;
    const auto admission = edge_.table.admit(id, remote.address().to_string());
    if (!admission.admitted) return;  // the socket closes here, before any TLS work
    if (admission.evict != 0)
      if (auto it = edge_.sessions.find(admission.evict); it != edge_.sessions.end())
        if (auto victim = it->second.lock()) victim->evict();
    socket.set_option(tcp::no_delay(true), ec);
    auto session = std::make_shared<Session>(std::move(socket), edge_, id, remote.address().to_string());
    edge_.sessions[id] = session;
    session->run();
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer backoff_;
  Edge& edge_;
  ConnectionTable::Id next_id_ = 0;
  bool backing_off_ = false;
};

void configure_tls(ssl::context& ctx) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  if (SSL_CTX_set_cipher_list(ctx.native_handle(), kTls12Ciphers) != 1)
    throw std::runtime_error("TLS: no usable cipher suite");
  SSL_CTX_set_options(ctx.native_handle(), SSL_OP_CIPHER_SERVER_PREFERENCE);
  // No TLS 1.3 session tickets: every `sodiem` run is a new process that
  // never resumes a session, and the two tickets were ~500 of the ~2,600
  // bytes of a no-op sync (a weak 2G link pays for each).
  SSL_CTX_set_num_tickets(ctx.native_handle(), 0);
}

}  // namespace

void run_wss_server(SyncService& service, const WssOptions& options,
                    const std::function<void(const std::string&)>& on_listening) {
  HostedSchool school;
  school.dir = options.cert_path;
  school.cert_path = options.cert_path;
  school.key_path = options.key_path;
  school.open = [&service, &options]() -> Result<ServedSchool> {
    return ServedSchool{options.school_name, &service, options.console, nullptr};
  };
  std::vector<HostedSchool> one;
  one.push_back(std::move(school));
  run_wss_schools(std::move(one), options, on_listening);
}

void run_wss_schools(std::vector<HostedSchool> hosted, const WssOptions& options,
                     const std::function<void(const std::string&)>& on_listening) {
  // One school alone is open already (run_one); many open as they are asked
  // for, each holding descriptors of its own.
  const bool many = hosted.size() > 1 || options.find_schools;
  const WssLimits limits =
      fit_descriptors(options.limits, !many ? 0 : options.find_schools ? SIZE_MAX : hosted.size());
  // Before the io_context: sessions it destroys at the end still find them.
  Schools schools(std::move(hosted), limits, configure_tls, options.on_school_change, options.find_schools);
  Edge edge(schools, limits);
  // A restore asks for one school: its sessions close (wss_let_go.cpp).
  schools.on_let_go([&edge](std::size_t index, bool hard) {
    std::vector<std::shared_ptr<Session>> holding;
    for (auto& [id, w] : edge.sessions)
      if (auto s = w.lock(); s && s->school_index() == index) holding.push_back(std::move(s));
    for (auto& s : holding) hard ? s->evict() : s->shutdown();
  });
  asio::io_context ioc{1};
  schools.start(ioc);
  auto address = asio::ip::make_address(options.host);
  auto listener = std::make_shared<Listener>(ioc, tcp::endpoint(address, options.port), edge);
  listener->run();

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer deadline(ioc);
  // Polls until the sessions have closed (or time is up), then stops the
  // loop; lives in this frame, which outlasts ioc.run().
  std::chrono::steady_clock::time_point drain_until;
  std::function<void()> drain = [&] {
    if (edge.sessions.empty() || std::chrono::steady_clock::now() > drain_until) return ioc.stop();
    deadline.expires_after(std::chrono::milliseconds(50));
    deadline.async_wait([&](beast::error_code e) {
      if (!e) drain();
    });
  };
  auto stop = [&](const char* why) {
    if (edge.stopping) return;
    spdlog::info("{}: stopping; finishing queued work", why);
    edge.stopping = true;
    signals.cancel();
    listener->stop();
    schools.stop_services();  // commits and acks everything already received
    std::vector<std::shared_ptr<Session>> open;
    for (auto& [id, w] : edge.sessions)
      if (auto s = w.lock()) open.push_back(std::move(s));
    for (auto& s : open) s->shutdown();
    // Let sessions flush their last acks and close, for at most 5 s.
    drain_until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    drain();
  };
  signals.async_wait([&](beast::error_code ec, int) {
    if (!ec) stop("signal");
  });
  // The stop handle may outlive this call: it then does nothing.
  struct StopHook {
    std::mutex mutex;
    std::function<void()> stop;
  };
  auto hook = std::make_shared<StopHook>();
  hook->stop = [&ioc, &stop] { asio::post(ioc, [&stop] { stop("stop requested"); }); };
  if (options.on_stop_handle)
    options.on_stop_handle([hook] {
      std::lock_guard lock(hook->mutex);
      if (hook->stop) hook->stop();
    });

  const auto ep = listener->local_endpoint();
  on_listening(ep.address().to_string() + ":" + std::to_string(ep.port()));
  ioc.run();
  // The consoles answer no more: nothing is posted to the loop once it is gone.
  schools.finish();
  std::lock_guard lock(hook->mutex);
  hook->stop = nullptr;
}

}  // namespace sodiem::server
