// The schools one server process serves (internal to wss_server.cpp and
// wss_session.cpp): their TLS contexts, the choice of a school by the TLS
// SNI host name (the handshake's servername callback), and each school's
// life: opened at its first connection (off the io thread), held by the
// sessions that use it (Lease), closed once unused for school_idle_close,
// at most max_open_schools open, holding at most max_db_connections
// PostgreSQL connections (and, the cluster short of free ones, no PostgreSQL
// school opened for db_busy_backoff after, tuning::kDbBusyBackoff, unless
// the retry after a close opened); with find_schools, a host name no school
// has makes it look for schools added since (rate-limited). One school
// served, without find_schools: every connection gets it, opened before
// listening, never closed (the single-school server). A school a restore
// asks its servers to let go of (PostgreSQL, serving_lock.hpp) is let go
// of, and its devices refused until the restore ends (wss_let_go.cpp).
// The io thread only, but for open/close work run on the opener thread.
#pragma once
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sodiem/server/wss_server.hpp"

namespace sodiem::server::wss {

class Schools;

// A session's hold on an open school: the school stays open while one is held.
class Lease {
 public:
  Lease(Schools& schools, std::size_t index, const ServedSchool& school)
      : school(school), schools_(schools), index_(index) {}
  ~Lease();
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  const ServedSchool& school;
  std::size_t index() const { return index_; }

 private:
  Schools& schools_;
  std::size_t index_;
};

class Schools {
 public:
  // `configure`: the TLS settings every context gets (suites, versions).
  // `find_schools`: see WssOptions (null: the list is fixed).
  Schools(std::vector<HostedSchool> hosted, const WssLimits& limits,
          std::function<void(boost::asio::ssl::context&)> configure, std::function<void(std::size_t, bool)> on_change,
          std::function<std::vector<HostedSchool>()> find_schools = nullptr);
  ~Schools();

  // The context connections start with; its servername callback moves a
  // handshake to its school's context, or refuses an unknown name.
  boost::asio::ssl::context& context() { return default_ctx_ ? *default_ctx_ : *entries_.front().ctx; }
  // The school of a completed handshake's host name (null: none sent).
  std::optional<std::size_t> find(const char* host_name) const;
  // Whether the TLS host name chooses the school (many served, or find_schools).
  bool by_name() const { return multi_; }
  // Schools served now (grows with find_schools).
  std::size_t size() const { return entries_.size(); }

  // Before listening: the loop to answer on; one school served: opens it
  // now (throws on refusal, as the single-school server always has).
  void start(boost::asio::io_context& ioc);
  // The school, opened if need be; `done` gets a lease, or null and the
  // refusal to show (in Vietnamese). Called on the io thread, later or now.
  using Done = std::function<void(std::shared_ptr<Lease>, std::string refusal)>;
  void acquire(std::size_t index, Done done);
  // The server is stopping: each open school finishes its queued commits
  // and acks (SyncService::stop); none opens any more.
  void stop_services();
  // After the loop: waits for opening and closing work, stops the consoles
  // and closes every school.
  void finish();
  // How to close the sessions holding a school (its index) when a restore
  // asks for it: at once (`hard`) or once their queued answers are written.
  void on_let_go(std::function<void(std::size_t, bool hard)> close_sessions) {
    close_sessions_ = std::move(close_sessions);
  }

 private:
  friend class Lease;
  enum class State { kClosed, kOpening, kOpen, kClosing };
  struct Entry {
    HostedSchool hosted;
    std::unique_ptr<boost::asio::ssl::context> ctx;
    State state = State::kClosed;
    std::optional<ServedSchool> served;
    std::size_t leases = 0;
    std::chrono::steady_clock::time_point idle_since;
    std::vector<Done> waiting;  // for the opening (or the closing, then an opening) to end
    std::string failure;        // the last refusal to open, given until retry_at
    std::chrono::steady_clock::time_point retry_at;
    // A restore asked for it (wss_let_go.cpp): refused while it closes.
    bool letting_go = false;
    bool sessions_cut = false;  // those still open kLetGoGrace after the stop, closed at once
    bool let_go_stopped = false;  // its service stopped (let_go_at: when)
    std::chrono::steady_clock::time_point let_go_at;
    bool db_retry = false;  // tried again once a school closed for it (the cluster short): not held back
    bool opening_after_close = false;  // this opening is that retry: if it opens, the back-off ends
  };

  void release(std::size_t index);
  void begin_open(std::size_t index);
  void on_opened(std::size_t index, Result<ServedSchool> result);
  void begin_close(std::size_t index);
  void on_closed(std::size_t index);
  std::size_t open_count() const;
  // Closes the longest unused school (db_only: one on PostgreSQL); false: none.
  bool make_room(bool db_only = false);
  // PostgreSQL connections the open, opening and closing schools hold.
  std::size_t db_in_use() const;
  // PostgreSQL connections the open schools hold (not the opening or closing ones).
  std::size_t db_held_open() const;
  // The cluster was short of free connections within db_busy_backoff and no
  // open school on PostgreSQL closed since: openings there are refused at once.
  bool db_backing_off() const;
  void sweep();
  void arm_sweep();
  // wss_let_go.cpp. At each sweep: an open school a restore asks for is let
  // go of (its service stops: pushes in flight committed and acked; then its
  // sessions close; once unused it closes, releasing its serving lock).
  void follow_restore_request(std::size_t index, std::chrono::steady_clock::time_point now);
  void let_go(std::size_t index);
  // acquire(): true while the school is let go of and not closed yet (refused).
  bool still_letting_go(std::size_t index);
  // on_opened(): the opening was refused for a restore (kRestoringRefusal):
  // the waiting devices are told so, and it is tried again after
  // kRestoreLookInterval. False: another result.
  bool refused_for_restore(std::size_t index, const Result<ServedSchool>& result);
  void grant(std::size_t index, Done& done);
  // Adds a school (its TLS context, its host names); throws, naming the
  // problem, on a certificate that does not load or a host name taken.
  void add(HostedSchool hosted);
  // An unknown host name: schools added to the parent folder since, if the
  // last look is long enough ago. Then find() again.
  std::optional<std::size_t> find_or_look_again(const char* host_name);

  std::deque<Entry> entries_;  // a deque: an entry stays where it is as schools are added (leases refer to it)
  std::unordered_map<std::string, std::size_t> by_name_;
  std::unique_ptr<boost::asio::ssl::context> default_ctx_;
  WssLimits limits_;
  std::function<void(std::size_t, bool)> on_change_;
  std::function<void(boost::asio::ssl::context&)> configure_;
  std::function<std::vector<HostedSchool>()> find_schools_;
  std::chrono::steady_clock::time_point looked_at_{};  // the last find_schools call
  bool multi_ = false;  // host names choose the school (two or more, or find_schools)
  boost::asio::io_context* ioc_ = nullptr;
  std::unique_ptr<boost::asio::steady_timer> sweep_timer_;
  std::unique_ptr<boost::asio::thread_pool> opener_;  // opens and closes schools, one at a time
  std::deque<std::pair<std::size_t, Done>> waiting_room_;  // schools to open once one has closed
  bool stopping_ = false;
  std::function<void(std::size_t, bool)> close_sessions_;
  std::chrono::steady_clock::time_point db_busy_until_{};  // the back-off's end (the cluster short)
  std::size_t db_busy_held_ = 0;  // db_held_open() then: fewer now, a school closed meanwhile
};

}  // namespace sodiem::server::wss
