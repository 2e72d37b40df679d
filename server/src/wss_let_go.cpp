// A multi-school process letting go of one school a restore asks for
// (PostgreSQL; the request: serving_lock.hpp, seen by the school's
// SyncService): part of Schools (wss_schools.hpp), io thread only. The
// school's pushes in flight commit and are acked (SyncService::stop), its
// sessions close (cut after kLetGoGrace), it closes once unused (releasing
// its serving lock), and its devices are refused with kRestoringRefusal
// until an opening finds the request withdrawn. Other schools: untouched.
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "sodiem/server/school_open.hpp"
#include "sodiem/server/serving_lock.hpp"
#include "sodiem/server/sync_service.hpp"
#include "wss_schools.hpp"

namespace sodiem::server::wss {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

void Schools::follow_restore_request(std::size_t index, SteadyClock::time_point now) {
  auto& e = entries_[index];
  if (e.state != State::kOpen || stopping_) return;
  if (!e.letting_go) {
    if (e.served->service->restore_requested()) let_go(index);
    return;
  }
  if (e.leases == 0 && e.waiting.empty()) return begin_close(index);
  // The grace counts from the service's stop (its pushes committed and
  // acked), not from the request: the opener may have been busy before it.
  if (e.let_go_stopped && !e.sessions_cut && now - e.let_go_at >= tuning::kLetGoGrace) {
    e.sessions_cut = true;
    spdlog::warn("school {}: {} connections still open {} s after a restore asked for it: closed now", e.hosted.dir,
                 e.leases, std::chrono::duration_cast<std::chrono::seconds>(tuning::kLetGoGrace).count());
    if (close_sessions_) close_sessions_(index, /*hard=*/true);
  }
}

void Schools::let_go(std::size_t index) {
  auto& e = entries_[index];
  e.letting_go = true;
  e.sessions_cut = false;
  e.let_go_stopped = false;
  e.let_go_at = SteadyClock::now();
  e.failure = kRestoringRefusal;  // after it closes, until an opening finds the request withdrawn
  e.retry_at = e.let_go_at + tuning::kRestoreLookInterval;
  spdlog::info("school {}: a restore asks for it: finishing its pushes in flight, then closing", e.hosted.dir);
  // Its worker finishes what is queued (commits, then acks) off the io
  // thread; the sessions close after, their last acks written first. The
  // service lives on: it is closed (begin_close) on this same thread, later.
  asio::post(*opener_, [this, index, service = e.served->service] {
    service->stop();
    asio::post(*ioc_, [this, index] {
      entries_[index].let_go_stopped = true;
      entries_[index].let_go_at = SteadyClock::now();
      if (!stopping_ && close_sessions_) close_sessions_(index, /*hard=*/false);
    });
  });
}

bool Schools::still_letting_go(std::size_t index) {
  auto& e = entries_[index];
  if (!e.letting_go) return false;
  if (e.state != State::kClosed) return true;
  e.letting_go = false;  // closed: e.failure refuses until retry_at, then an opening looks again
  return false;
}

bool Schools::refused_for_restore(std::size_t index, const Result<ServedSchool>& result) {
  if (result || !server::refused_for_restore(result.status())) return false;
  auto& e = entries_[index];
  auto waiting = std::move(e.waiting);
  e.waiting.clear();
  e.state = State::kClosed;
  e.failure = kRestoringRefusal;
  e.retry_at = SteadyClock::now() + tuning::kRestoreLookInterval;
  spdlog::info("school {}: not opened: a restore of it is under way", e.hosted.dir);
  for (auto& w : waiting) w(nullptr, e.failure);
  auto room = std::move(waiting_room_);  // the place it would have taken is free
  waiting_room_.clear();
  for (auto& [i, done] : room) acquire(i, std::move(done));
  return true;
}

}  // namespace sodiem::server::wss
