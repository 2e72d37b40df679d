// SyncService: the worker loop, message dispatch and group commit of pushes
// (login and password paths in sync_login.cpp). See the header.
#include "sodiem/server/sync_service.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "sodiem/core/tuning.hpp"
#include "sodiem/protocol/codec.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/audit_heads.hpp"
#include "sodiem/server/audit_key.hpp"
#include "sodiem/server/corrections.hpp"
#include "sodiem/server/directory.hpp"
#include "sodiem/server/history.hpp"
#include "sodiem/server/ingest.hpp"
#include "sodiem/server/kdf_pool.hpp"
#include "sodiem/server/locks.hpp"
#include "sodiem/server/lockout_store.hpp"
#include "sodiem/server/login_limiter.hpp"
#include "sodiem/server/pull.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/serving_lock.hpp"
#include "sodiem/server/student_moves.hpp"
#include "sodiem/server/wal_checkpointer.hpp"
#include "sodiem/server/wal_syncer.hpp"
#include "sync_peer.hpp"

namespace sodiem::server {

using namespace protocol;

namespace {
constexpr int kMaxQueuedPerPeer = 64;
constexpr const char* kDiskFailed =
    "máy chủ không ghi được dữ liệu xuống đĩa; dữ liệu chưa được nhận, hãy báo quản trị khởi động lại máy chủ rồi đồng bộ lại";
}

SyncService::SyncService(const std::string& db_path, const Clock& clock, std::function<bool()> flush_wal)
    : clock_(clock) {
  db_ = open_server_db(db_path);
  // PostgreSQL: no restore under a running server. Throws SchoolRestoring
  // while a restore holds the school; later, a new connection that finds it
  // so makes the school let go of (restore_held_), or, serving one school,
  // refuses its requests until a new connection gets the lock again.
  hold_serving_lock(*db_, [this](bool held) {
    const bool was = restore_held_.exchange(!held);
    if (epoch_.empty() || was == !held) return;  // still opening: the opening is refused instead
    if (!held)
      spdlog::warn("a restore of the school holds it (found on a new connection): refusing its requests meanwhile");
    else
      spdlog::info("the school's serving lock held again after a restore held it");
  });
  if (db_->pg()) {
    // Looked at with the serving lock held: a restore takes its request
    // first, then waits for the lock to be free, so an opening that does
    // not see the request here is let go of like any open school.
    opened_at_ = std::chrono::steady_clock::now();
    if (server::restore_requested(*db_)) throw SchoolRestoring();
    restore_key_ = restore_look_key(*db_);
  }
  if (db_->sqlite()) checkpointer_ = std::make_unique<WalCheckpointer>(db_path, *db_->sqlite());
  epoch_ = get_meta(*db_, "epoch");
  if (epoch_.empty()) throw std::runtime_error("database has no epoch: run `sodiem-server init` first");
  // The read above opened the WAL.
  // PostgreSQL's COMMIT returns after its WAL flush (synchronous_commit = on):
  // nothing is left to flush before the acks.
  if (!flush_wal && !db_->sqlite()) flush_wal = [] { return true; };
  syncer_ = flush_wal ? std::make_unique<WalSyncer>(std::move(flush_wal)) : std::make_unique<WalSyncer>(db_path);
  directory_ = std::make_unique<Directory>();
  directory_->load(*db_);
  ingestor_ = std::make_unique<Ingestor>(*db_, *directory_, clock_);
  pull_ = std::make_unique<PullService>(*db_, *directory_, epoch_);
  accounts_ = std::make_unique<Accounts>(*db_, clock_);
  audit_key_ = AuditKey::load_or_create(audit_key_path(db_path));
  limiter_ = std::make_unique<LoginLimiter>(clock_, LoginLimits{}, std::make_shared<DbLockoutStore>(db_path));
  kdf_ = std::make_unique<KdfPool>(KdfThreads::process(), tuning::kMaxPendingPasswordChecks);
  notice_other_writers();
  worker_ = std::thread([this] { run_worker(); });
}

SyncService::~SyncService() { stop(); }

bool SyncService::restore_requested() const {
  return replaced_.load() || restore_held_.load() || restore_seen(restore_key_, opened_at_);
}

void SyncService::look_for_restore_request() {
  next_restore_look_ = std::chrono::steady_clock::now() + tuning::kRestoreLookInterval;
  if (replaced_) return;  // let go of anyway; its connection may be gone
  try {
    look_for_restore_requests(*db_, restore_key_);
  } catch (const std::exception& e) {
    spdlog::debug("looking for a restore request: {}", e.what());  // the next push says what is wrong
  }
  const bool asked = restore_seen(restore_key_, opened_at_);
  if (asked && !restore_logged_) spdlog::info("a restore of the school asks this server to let go of it");
  restore_logged_ = asked;
}

void SyncService::stop() {
  // A restore's let-go (the opener thread) and the server's stop (the io
  // thread) may both call: the first stops, the second waits for it.
  std::lock_guard once(stop_mutex_);
  if (stopped_) return;
  stopped_ = true;
  // First the password checks: none may post a verdict to a stopped worker
  // (their peers get no answer; the transport closes them).
  kdf_->stop();
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  syncer_->wait_durable();  // the last acks go out
}

std::shared_ptr<SyncService::Peer> SyncService::open_peer(Sender sender, PeerInfo info) {
  return std::make_shared<Peer>(std::move(sender), std::move(info));
}

void SyncService::close_peer(const std::shared_ptr<Peer>& peer) { peer->closed = true; }

void SyncService::on_message(const std::shared_ptr<Peer>& peer, std::string_view bytes) {
  if (peer->closed) return;
  Decoded d = decode(bytes);
  Job job{peer, {}, false, {}};
  if (!d.message) {
    job.message = Error{d.code, "bad message: " + d.error, 0};
    job.close_after = true;
  } else if (peer->queued.load() >= kMaxQueuedPerPeer) {
    job.message = Error{ErrorCode::kRateLimited, "too many requests in flight", 0};
    job.close_after = true;
  } else {
    job.message = std::move(*d.message);
  }
  ++peer->queued;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void SyncService::send(Peer& peer, const Message& m, bool close_after) {
  if (peer.closed) return;
  if (close_after) peer.closed = true;
  peer.sender(encode(m), close_after);
}

void SyncService::reply(const std::shared_ptr<Peer>& peer, Message m, bool close_after) {
  if (close_after) peer->closing = true;
  if (syncer_->all_released()) return send(*peer, m, close_after);
  syncer_->after_commit([this, peer, m = std::move(m), close_after](bool durable) {
    if (durable) send(*peer, m, close_after);
    else send(*peer, Error{ErrorCode::kInternal, kDiskFailed, 0}, true);
  });
}

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

void SyncService::run_worker() {
  pthread_setname_np(pthread_self(), "sodiem-db");  // tells it apart in top, perf and the benchmark
  const bool pg = db_->pg() != nullptr;
  for (;;) {
    if (pg && std::chrono::steady_clock::now() >= next_restore_look_) look_for_restore_request();
    {
      std::unique_lock lock(mutex_);
      const auto ready = [&] { return stopping_ || !queue_.empty(); };
      if (pg) {
        if (!cv_.wait_until(lock, next_restore_look_, ready)) continue;  // time to look again
      } else {
        cv_.wait(lock, ready);
      }
      if (queue_.empty() && stopping_) {
        if (tally_.commits) {
          rusage self{};  // this thread's whole life: user and kernel time, page faults
          getrusage(RUSAGE_THREAD, &self);
          spdlog::info("ingest: {} ops in {} pushes, {} commits; applying {:.3f} s, committing {:.3f} s, "
                       "from the first push to the last commit {:.3f} s; {} WAL flushes; "
                       "worker user {:.3f} s, system {:.3f} s, {} page faults; {} database round trips",
                       tally_.ops, tally_.pushes, tally_.commits, tally_.apply_seconds, tally_.commit_seconds,
                       std::chrono::duration<double>(tally_.last_end - tally_.first_start).count(),
                       syncer_->flushes(), self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6,
                       self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6, self.ru_minflt + self.ru_majflt,
                       db_->round_trips());
        }
        return;
      }
      batch_.swap(queue_);  // batch_ is empty here
    }
    while (!batch_.empty()) {
      Job job;
      if (!take_runnable(job)) continue;
      if (job.resume) {  // a password verdict: not counted in `queued`
        try {
          job.resume();
        } catch (const std::exception& e) {
          spdlog::error("password verdict failed: {}", e.what());
          job.peer->awaiting_verdict = false;
          reply(job.peer, Error{ErrorCode::kInternal, "lỗi máy chủ, hãy thử lại sau", 0}, true);
        }
        continue;
      }
      if (syncer_->failed()) {
        // The disk refused the WAL: answer nothing from a store that may not
        // be on it (a pull could show values a restart loses).
        const auto* push = std::get_if<Push>(&job.message);
        send(*job.peer, Error{ErrorCode::kInternal, kDiskFailed, push ? push->batch_id : 0}, true);
        --job.peer->queued;
        continue;
      }
      // Consecutive pushes from authenticated peers are committed together.
      if (std::holds_alternative<Push>(job.message) && !job.close_after) {
        std::deque<Job> group;
        group.push_back(std::move(job));
        Job next;
        while (group.size() < tuning::kGroupCommitMaxPushes && !batch_.empty() &&
               std::holds_alternative<Push>(batch_.front().message) && !batch_.front().close_after &&
               !batch_.front().resume && take_runnable(next))
          group.push_back(std::move(next));
        apply_pushes(group);
        continue;
      }
      try {
        handle(job);
      } catch (const std::exception& e) {
        spdlog::error("request failed: {}", e.what());
        reply(job.peer, Error{ErrorCode::kInternal, "lỗi máy chủ, hãy thử lại sau", 0}, true);
      }
      --job.peer->queued;
    }
  }
}

bool SyncService::take_runnable(Job& out) {
  Job job = std::move(batch_.front());
  batch_.pop_front();
  if (!job.resume && job.peer->awaiting_verdict) {
    job.peer->parked.push_back(std::move(job));
    return false;
  }
  out = std::move(job);
  return true;
}

void SyncService::resume_parked(Peer& peer) {
  peer.awaiting_verdict = false;
  while (!peer.parked.empty()) {
    batch_.push_front(std::move(peer.parked.back()));
    peer.parked.pop_back();
  }
}

void SyncService::handle(Job& job) {
  Peer& peer = *job.peer;
  if (peer.closed || peer.closing) return;
  if (job.close_after) {
    reply(job.peer, job.message, true);
    return;
  }
  notice_other_writers();
  if (std::holds_alternative<Hello>(job.message) || std::holds_alternative<Login>(job.message)) {
    // A roster import by another process bumps roster_version: reload.
    if (std::stoull(get_meta(*db_, "roster_version", "1")) != directory_->version()) directory_->load(*db_);
  }
  if (auto* hello = std::get_if<Hello>(&job.message)) {
    auto device = accounts_->authenticate(hello->device_id, hello->token);
    if (!device) return reply(job.peer, Error{device.status().code(), device.status().message(), 0}, true);
    // Another connection of the same device may have advanced it meanwhile.
    if (auto it = high_seq_.find(device->row_id); it != high_seq_.end())
      device->high_seq = std::max(device->high_seq, it->second);
    job.peer->stale_year = !hello->school_year.empty() && hello->school_year != directory_->school_year()
                               ? hello->school_year
                               : std::string();
    return welcome(job.peer, *device, "");
  }
  if (auto* login = std::get_if<Login>(&job.message)) return begin_login(job.peer, *login);
  if (peer.device_row == 0)
    return reply(job.peer, Error{ErrorCode::kUnauthenticated, "send hello or login first", 0}, true);
  if (auto st = still_allowed(peer); !st) return reply(job.peer, Error{st.code(), st.message(), 0}, true);
  const UserAccess* user = directory_->user(peer.user_id);
  if (!user) return reply(job.peer, Error{ErrorCode::kUnauthenticated, "unknown user", 0}, true);

  if (auto* pull = std::get_if<Pull>(&job.message)) {
    DeviceContext device{.row_id = peer.device_row,
                         .public_id = peer.device_public_id,
                         .user_id = peer.user_id,
                         .high_seq = high_seq_[peer.device_row]};
    return reply(job.peer, pull_->pull(device, *pull));
  }
  if (std::holds_alternative<RosterRequest>(job.message)) {
    auto roster = directory_->roster_for(*user);
    // The locks in force now, as the ingest would apply them to this user.
    const auto now = clock_.now_unix_seconds();
    LockBook locks;
    locks.load(*db_, now);
    roster.locks = locks.notices(user->username, roster, now);
    roster.moves = move_notices(*db_, roster.assignments);  // students gone from the user's classes
    return reply(job.peer, std::move(roster));
  }
  if (auto* change = std::get_if<PasswordChange>(&job.message))
    return begin_password_change(job.peer, user->username, *change);
  if (std::holds_alternative<CorrectionsRequest>(job.message)) {
    CorrectionList list;
    const bool leadership = user->has_role("HT") || user->has_role("PHT");
    for (const auto& c : corrections_visible_to(*db_, user->username, leadership)) list.items.push_back(c);
    return reply(job.peer, list);
  }
  if (auto* req = std::get_if<AuditRequest>(&job.message))
    return reply(job.peer, answer_audit_request(*db_, *audit_key_, epoch_, *req));
  if (auto* alarm = std::get_if<AuditAlarm>(&job.message)) {
    record_audit_alarm(*db_, *audit_key_, user->username, peer.device_public_id, *alarm, clock_.now_unix_seconds());
    return reply(job.peer, AuditAlarmNoted{});
  }
  if (auto* req = std::get_if<HistoryRequest>(&job.message)) {
    History h;
    const ClassRow* cls = directory_->class_by_name(req->cell.class_name);
    const SubjectRow* subj = directory_->subject_by_name(req->cell.subject);
    const std::int64_t subject_id = req->cell.subject == kHomeroomSubject ? kHomeroomSubjectId : subj ? subj->id : -1;
    if (!cls || subject_id < 0 || !user->may_read(cls->id, subject_id)) {
      h.error = "Không có ô này, hoặc tài khoản " + user->username + " không được xem ô này";
      return reply(job.peer, h);
    }
    auto events = cell_history(*db_, req->cell.class_name, req->cell.subject, req->cell.student_code, req->cell.column);
    if (!events) h.error = events.status().message();
    else
      for (const auto& e : *events)
        h.entries.push_back({e.at, e.author, e.device, e.outcome, e.old_value, e.new_value, e.reason});
    return reply(job.peer, h);
  }
  reply(job.peer, Error{ErrorCode::kMalformed, std::string("unexpected message '") + std::string(type_name(job.message)) + "'", 0},
       true);
}

void SyncService::apply_pushes(std::deque<Job>& group) {
  struct Reply {
    Peer* peer;
    Message message;
    bool close_after;
  };
  std::vector<Reply> replies;
  std::vector<std::pair<std::int64_t, std::uint64_t>> saved_high;  // restore on rollback
  try {
    const auto t0 = std::chrono::steady_clock::now();
    std::uint64_t ops = 0;
    // Restored under it: no new connection made for it (restore_held_ is
    // tried again by the Transaction's reconnect, which may find it over).
    if (replaced_) throw SchoolRestoring();
    // The commit writes the WAL without fsync; the syncer flushes it before any ack goes out.
    store::Transaction tx(*db_, sqlite::Durability::kRelaxed);
    // Inside the write transaction: a revocation committed before it is seen.
    notice_other_writers();
    for (Job& job : group) {
      Peer& peer = *job.peer;
      auto& push = std::get<Push>(job.message);
      ops += push.ops.size();
      if (peer.closed || peer.closing) continue;
      if (peer.device_row == 0) {
        peer.closing = true;
        replies.push_back({&peer, Error{ErrorCode::kUnauthenticated, "send hello or login first", push.batch_id}, true});
        continue;
      }
      if (auto st = still_allowed(peer); !st) {
        peer.closing = true;  // its later pushes in this group are not applied either
        replies.push_back({&peer, Error{st.code(), st.message(), push.batch_id}, true});
        continue;
      }
      DeviceContext device{peer.device_row, peer.device_public_id, peer.user_id, high_seq_[peer.device_row],
                           peer.session_floor, peer.stale_year};
      const std::uint64_t before = device.high_seq;
      db_->exec("SAVEPOINT push");
      auto ack = ingestor_->apply(device, push);
      if (!ack) {
        db_->exec("ROLLBACK TO push");
        db_->exec("RELEASE push");
        ingestor_->forget_cells();
        replies.push_back({&peer, Error{ack.status().code(), ack.status().message(), push.batch_id}, true});
        continue;
      }
      db_->exec("RELEASE push");
      saved_high.emplace_back(peer.device_row, before);
      high_seq_[peer.device_row] = device.high_seq;
      replies.push_back({&peer, std::move(*ack), false});
    }
    const auto t1 = std::chrono::steady_clock::now();
    tx.commit();
    tally_.apply_seconds += std::chrono::duration<double>(t1 - t0).count();
    tally_.commit_seconds += seconds_since(t1);
    if (tally_.commits++ == 0) tally_.first_start = t0;
    tally_.last_end = std::chrono::steady_clock::now();
    tally_.pushes += group.size();
    tally_.ops += ops;
  } catch (const std::exception& e) {
    // A restore holds or has replaced the school: said as such, not as a fault.
    const bool restoring = replaced_ || restore_held_ || dynamic_cast<const SchoolRestoring*>(&e);
    if (restoring)
      spdlog::info("push group of {} refused: {}", group.size(), e.what());
    else
      spdlog::error("push group of {} failed, rolled back: {}", group.size(), e.what());
    ingestor_->forget_cells();
    for (auto it = saved_high.rbegin(); it != saved_high.rend(); ++it) high_seq_[it->first] = it->second;
    replies.clear();
    const Status refusal = restoring ? restoring_refusal()
                                     : Status(ErrorCode::kInternal, "lỗi máy chủ khi ghi dữ liệu, hãy thử lại sau");
    for (Job& job : group)
      replies.push_back(
          {job.peer.get(), Error{refusal.code(), refusal.message(), std::get<Push>(job.message).batch_id}, true});
  }
  // Acknowledged once the WAL is on the disk; if that fails, nothing is:
  // the clients send those ops again and get the same outcomes.
  std::vector<std::shared_ptr<Peer>> peers;
  for (Job& job : group) peers.push_back(job.peer);
  syncer_->after_commit([this, replies = std::move(replies), peers = std::move(peers)](bool durable) mutable {
    for (auto& r : replies) {
      if (auto* ack = std::get_if<Ack>(&r.message); ack && !durable) {
        r.message = Error{ErrorCode::kInternal, kDiskFailed, ack->batch_id};
        r.close_after = true;
      }
      send(*r.peer, r.message, r.close_after);
    }
    for (auto& peer : peers) --peer->queued;
  });
}

}  // namespace sodiem::server
