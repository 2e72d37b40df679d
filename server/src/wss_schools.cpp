// The schools one server process serves: SNI choice, lazy open, idle close,
// the bound on open schools (see wss_schools.hpp).
#include "wss_schools.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cctype>
#include <stdexcept>

#include "sodiem/server/console/console.hpp"
#include "sodiem/server/host_names.hpp"
#include "sodiem/server/school_open.hpp"
#include "sodiem/server/serving_lock.hpp"
#include "sodiem/server/sync_service.hpp"

namespace sodiem::server::wss {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using SteadyClock = std::chrono::steady_clock;

namespace {
// The process's own budget spent, or the cluster short of free connections.
constexpr const char* kDbBusy =
    "Máy chủ đang dùng hết số kết nối tới cơ sở dữ liệu (hoặc cơ sở dữ liệu đang quá tải), nên chưa mở được trường "
    "này; hãy thử lại sau ít phút.";
}


Lease::~Lease() { schools_.release(index_); }


Schools::Schools(std::vector<HostedSchool> hosted, const WssLimits& limits,
                 std::function<void(ssl::context&)> configure, std::function<void(std::size_t, bool)> on_change,
                 std::function<std::vector<HostedSchool>()> find_schools)
    : limits_(limits),
      on_change_(std::move(on_change)),
      configure_(std::move(configure)),
      find_schools_(std::move(find_schools)) {
  if (hosted.empty()) throw std::runtime_error("no school to serve");
  multi_ = hosted.size() > 1 || find_schools_;
  for (auto& h : hosted) add(std::move(h));
  looked_at_ = SteadyClock::now();  // the list just read is the first look
  if (!multi_) return;  // the school's own context answers every handshake
  // The handshake's servername callback: a known host name moves the
  // connection to its school's context (certificate and key); any other, or
  // none, ends the handshake with the alert unrecognized_name (after a look
  // for schools added since, with find_schools).
  default_ctx_ = std::make_unique<ssl::context>(ssl::context::tls_server);
  configure_(*default_ctx_);
  SSL_CTX_set_tlsext_servername_callback(
      default_ctx_->native_handle(), +[](SSL* ssl, int* alert, void* arg) -> int {
        auto& self = *static_cast<Schools*>(arg);
        const auto index = self.find_or_look_again(SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name));
        if (!index) {
          *alert = SSL_AD_UNRECOGNIZED_NAME;
          return SSL_TLSEXT_ERR_ALERT_FATAL;
        }
        if (!SSL_set_SSL_CTX(ssl, self.entries_[*index].ctx->native_handle())) {
          *alert = SSL_AD_INTERNAL_ERROR;
          return SSL_TLSEXT_ERR_ALERT_FATAL;
        }
        return SSL_TLSEXT_ERR_OK;
      });
  SSL_CTX_set_tlsext_servername_arg(default_ctx_->native_handle(), this);
}

void Schools::add(HostedSchool hosted) {
  if (multi_ && hosted.host_names.empty())
    throw std::runtime_error("thư mục " + hosted.dir + " chưa có tên máy nào (host-names.txt): khi phục vụ nhiều " +
                             "trường, mỗi trường cần tên máy riêng của mình");
  Entry e;
  e.hosted = std::move(hosted);
  e.ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  configure_(*e.ctx);
  e.ctx->use_certificate_chain_file(e.hosted.cert_path);
  e.ctx->use_private_key_file(e.hosted.key_path, ssl::context::pem);
  std::vector<std::string> names;
  for (const auto& raw : e.hosted.host_names) {
    const std::string name = normalize_host_name(raw);
    if (name.empty()) continue;
    if (auto it = by_name_.find(name); it != by_name_.end())
      throw std::runtime_error("tên máy " + name + " được gán cho hai trường: " + entries_[it->second].hosted.dir +
                               " và " + e.hosted.dir);
    names.push_back(name);
  }
  for (const auto& name : names) by_name_.emplace(name, entries_.size());
  entries_.push_back(std::move(e));
}

std::optional<std::size_t> Schools::find_or_look_again(const char* host_name) {
  if (auto found = find(host_name)) return found;
  const auto now = SteadyClock::now();
  if (!find_schools_ || !host_name || stopping_ || now - looked_at_ < limits_.school_rescan_interval) return std::nullopt;
  looked_at_ = now;
  std::vector<HostedSchool> found;
  try {
    found = find_schools_();
  } catch (const std::exception& e) {
    spdlog::error("looking for new schools: {}", e.what());
    return std::nullopt;
  }
  std::unordered_map<std::string, bool> served;
  for (const auto& e : entries_) served.emplace(e.hosted.dir, true);
  for (auto& h : found) {
    if (served.count(h.dir)) continue;
    if (entries_.size() >= tuning::kMaxHostedSchools) {
      spdlog::error("school {} not served: already {} schools (the most one process serves)", h.dir,
                    tuning::kMaxHostedSchools);
      break;
    }
    const std::string dir = h.dir;
    try {
      add(std::move(h));
      spdlog::info("school {} found: served from now on", dir);
    } catch (const std::exception& e) {
      spdlog::error("school {} not served: {}", dir, e.what());
    }
  }
  return find(host_name);
}

Schools::~Schools() {
  if (opener_) opener_->join();
}

std::optional<std::size_t> Schools::find(const char* host_name) const {
  if (!multi_) return 0;
  if (!host_name) return std::nullopt;
  auto it = by_name_.find(normalize_host_name(host_name));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

void Schools::start(asio::io_context& ioc) {
  ioc_ = &ioc;
  if (!multi_) {
    auto& e = entries_[0];
    auto opened = e.hosted.open();
    if (!opened) throw std::runtime_error(opened.status().message());
    e.served = std::move(*opened);
    e.state = State::kOpen;
    return;
  }
  opener_ = std::make_unique<asio::thread_pool>(1);
  sweep_timer_ = std::make_unique<asio::steady_timer>(ioc);
  arm_sweep();
}

void Schools::arm_sweep() {
  // Often enough to notice a restore's request within seconds too.
  const auto period = std::clamp<std::chrono::milliseconds>(limits_.school_idle_close / 4, std::chrono::milliseconds(50),
                                                            tuning::kRestoreLookInterval);
  sweep_timer_->expires_after(period);
  sweep_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    sweep();
    arm_sweep();
  });
}

void Schools::sweep() {
  const auto now = SteadyClock::now();
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    auto& e = entries_[i];
    if (e.state == State::kOpen && e.leases == 0 && e.waiting.empty() && now - e.idle_since >= limits_.school_idle_close)
      begin_close(i);
    follow_restore_request(i, now);
  }
}

std::size_t Schools::open_count() const {
  return static_cast<std::size_t>(std::count_if(entries_.begin(), entries_.end(),
                                                [](const Entry& e) { return e.state != State::kClosed; }));
}

std::size_t Schools::db_in_use() const {
  std::size_t n = 0;
  for (const auto& e : entries_) {
    if (e.state == State::kClosed || e.hosted.db_connections == 0) continue;
    n += e.hosted.db_connections + (e.state == State::kOpening ? 1 : 0);  // its checks' connection
  }
  return n;
}

std::size_t Schools::db_held_open() const {
  std::size_t n = 0;
  for (const auto& e : entries_)
    if (e.state == State::kOpen) n += e.hosted.db_connections;
  return n;
}

bool Schools::db_backing_off() const {
  return SteadyClock::now() < db_busy_until_ && db_held_open() >= db_busy_held_;
}

bool Schools::make_room(bool db_only) {
  const auto counts = [db_only](const Entry& e) { return !db_only || e.hosted.db_connections > 0; };
  if (std::any_of(entries_.begin(), entries_.end(),
                  [&](const Entry& e) { return e.state == State::kClosing && counts(e); }))
    return true;  // a close under way frees a place
  std::optional<std::size_t> oldest;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    if (e.state == State::kOpen && e.leases == 0 && e.waiting.empty() && counts(e) &&
        (!oldest || e.idle_since < entries_[*oldest].idle_since))
      oldest = i;
  }
  if (!oldest) return false;
  begin_close(*oldest);
  return true;
}

void Schools::grant(std::size_t index, Done& done) {
  auto& e = entries_[index];
  ++e.leases;
  done(std::make_shared<Lease>(*this, index, *e.served), "");
}

void Schools::acquire(std::size_t index, Done done) {
  if (stopping_) return done(nullptr, "Máy chủ đang dừng; hãy thử lại sau ít phút.");
  if (still_letting_go(index)) return done(nullptr, kRestoringRefusal);
  auto& e = entries_[index];
  switch (e.state) {
    case State::kOpen:
      return grant(index, done);
    case State::kOpening:
    case State::kClosing:  // reopened once closed
      e.waiting.push_back(std::move(done));
      return;
    case State::kClosed:
      break;
  }
  if (!e.failure.empty() && SteadyClock::now() < e.retry_at) return done(nullptr, e.failure);
  // The cluster was short of free connections a moment ago: no opening
  // there (nor a school closed for it) until the back-off ends, or a school
  // closed meanwhile; the school tried again after a close made for it is not
  // held, and if it opens the back-off ends (closing helps: churn only as
  // at max_open_schools, one unused school for one asked for).
  if (e.hosted.db_connections > 0 && !e.db_retry && db_backing_off()) {
    spdlog::warn("school {}: not opened: the PostgreSQL cluster was short of free connections a moment ago",
                 e.hosted.dir);
    return done(nullptr, kDbBusy);
  }
  if (open_count() >= limits_.max_open_schools) {
    if (!make_room())
      return done(nullptr, "Máy chủ đang phục vụ tối đa " + std::to_string(limits_.max_open_schools) +
                               " trường cùng lúc; hãy thử lại sau ít phút.");
    waiting_room_.emplace_back(index, std::move(done));
    return;
  }
  // PostgreSQL: the process's connections stay within max_db_connections
  // (a stranger's handshakes naming many schools cannot take the cluster's).
  if (e.hosted.db_connections > 0 && db_in_use() + e.hosted.db_connections + 1 > limits_.max_db_connections) {
    if (!make_room(/*db_only=*/true)) {
      spdlog::warn("school {}: not opened: {} PostgreSQL connections in use (at most {})", e.hosted.dir, db_in_use(),
                   limits_.max_db_connections);
      return done(nullptr, kDbBusy);
    }
    waiting_room_.emplace_back(index, std::move(done));
    return;
  }
  e.waiting.push_back(std::move(done));
  begin_open(index);
}

void Schools::release(std::size_t index) {
  auto& e = entries_[index];
  if (--e.leases == 0) e.idle_since = SteadyClock::now();
}

void Schools::begin_open(std::size_t index) {
  auto& e = entries_[index];
  e.state = State::kOpening;
  e.opening_after_close = e.db_retry;
  e.db_retry = false;
  // The opener thread never reads entries_ (the io thread may add to it).
  asio::post(*opener_, [this, index, open = e.hosted.open] {
    Result<ServedSchool> result = Status(ErrorCode::kInternal, "");
    try {
      result = open();
    } catch (const std::exception& ex) {
      result = Status(ErrorCode::kInternal, ex.what());
    }
    auto shared = std::make_shared<Result<ServedSchool>>(std::move(result));
    asio::post(*ioc_, [this, index, shared] { on_opened(index, std::move(*shared)); });
  });
}

void Schools::on_opened(std::size_t index, Result<ServedSchool> result) {
  if (refused_for_restore(index, result)) return;
  auto& e = entries_[index];
  auto waiting = std::move(e.waiting);
  e.waiting.clear();
  if (!result && result.status().code() == ErrorCode::kUnavailable) {
    // The cluster is short of free connections (open_school's check): not
    // the school's fault, so no retry delay. The first time, an unused
    // school on PostgreSQL closes and this one tries again once; then,
    // for db_busy_backoff, PostgreSQL schools are refused at once (acquire)
    // instead of each opening closing one more unused school.
    e.state = State::kClosed;
    spdlog::warn("school {}: not opened: {}", e.hosted.dir, result.status().message());
    const bool backing_off = db_backing_off();
    db_busy_until_ = SteadyClock::now() + limits_.db_busy_backoff;
    if (!stopping_ && !backing_off && make_room(/*db_only=*/true)) {
      db_busy_held_ = db_held_open();  // without the school closing for this one
      e.db_retry = true;
      for (auto& w : waiting) waiting_room_.emplace_back(index, std::move(w));
      return;
    }
    db_busy_held_ = db_held_open();
    for (auto& w : waiting) w(nullptr, kDbBusy);
    return;
  }
  if (!result) {
    e.state = State::kClosed;
    // What is wrong (the folder, the database's address, its error) is for
    // the administrator's log: the refusal goes to whoever asked, a stranger too.
    e.failure = "Máy chủ chưa mở được dữ liệu của trường này; hãy báo người quản trị máy chủ (chi tiết ghi trong "
                "nhật ký của máy chủ).";
    e.retry_at = SteadyClock::now() + limits_.school_retry_after_failure;
    spdlog::error("school {}: not served: {}", e.hosted.dir, result.status().message());
    for (auto& w : waiting) w(nullptr, e.failure);
    return;
  }
  e.failure.clear();
  e.served = std::move(*result);
  e.state = State::kOpen;
  if (e.opening_after_close) {
    // A close made the room it needed: the shortage was this process's own
    // schools, not a stranger's, so the others may each close one too.
    db_busy_until_ = {};
  } else if (e.hosted.db_connections > 0 && db_backing_off()) {
    db_busy_held_ = db_held_open();  // not a close meanwhile
  }
  e.opening_after_close = false;
  e.idle_since = SteadyClock::now();
  spdlog::info("school {} opened", e.hosted.dir);
  if (on_change_) on_change_(index, true);
  if (stopping_) {  // opened while the server stops: finish at once, like the others
    e.served->service->stop();
    for (auto& w : waiting) w(nullptr, "Máy chủ đang dừng; hãy thử lại sau ít phút.");
    return;
  }
  for (auto& w : waiting) grant(index, w);
}

void Schools::begin_close(std::size_t index) {
  auto& e = entries_[index];
  e.state = State::kClosing;
  auto served = std::make_shared<ServedSchool>(std::move(*e.served));
  e.served.reset();
  spdlog::info("school {}: closing (unused)", e.hosted.dir);
  asio::post(*opener_, [this, index, served] {
    served->service->stop();  // queued commits and acks finish
    if (served->console) served->console->stop();
    served->keep.reset();
    asio::post(*ioc_, [this, index] { on_closed(index); });
  });
}

void Schools::on_closed(std::size_t index) {
  auto& e = entries_[index];
  e.state = State::kClosed;
  spdlog::info("school {} closed", e.hosted.dir);
  if (on_change_) on_change_(index, false);
  if (stopping_) {
    for (auto& w : e.waiting) w(nullptr, "Máy chủ đang dừng; hãy thử lại sau ít phút.");
    e.waiting.clear();
    return;
  }
  // Connections that came while it closed: it opens again for them (or waits for room).
  if (!e.waiting.empty()) {
    auto waiting = std::move(e.waiting);
    e.waiting.clear();
    for (auto& w : waiting) acquire(index, std::move(w));
  }
  auto room = std::move(waiting_room_);
  waiting_room_.clear();
  for (auto& [i, done] : room) acquire(i, std::move(done));
}

void Schools::stop_services() {
  stopping_ = true;
  if (sweep_timer_) sweep_timer_->cancel();
  for (auto& e : entries_)
    if (e.state == State::kOpen) e.served->service->stop();
  auto room = std::move(waiting_room_);
  waiting_room_.clear();
  for (auto& [i, done] : room) done(nullptr, "Máy chủ đang dừng; hãy thử lại sau ít phút.");
}

void Schools::finish() {
  stopping_ = true;
  if (opener_) opener_->join();  // an open or a close under way ends (its result is not awaited)
  sweep_timer_.reset();
  // The consoles answer no more: nothing is posted to the loop once it is
  // gone. The services and consoles themselves live until this object does
  // (sessions the loop still holds use them as they end).
  for (auto& e : entries_)
    if (e.served && e.served->console) e.served->console->stop();
}

}  // namespace sodiem::server::wss
