// The ui's background sync thread (see sync_agent.hpp).
#include "sync_agent.hpp"

#include <exception>

namespace sodiem::client::ui {

using Clock = std::chrono::steady_clock;

SyncAgent::SyncAgent(std::string data_dir, AgentTiming timing)
    : dir_(std::move(data_dir)), timing_(timing), due_(Clock::now()) {
  wanted_ = true;  // a first sync soon after start
}

SyncAgent::~SyncAgent() {
  // The thread uses this object until it returns: wait for its round (bounded
  // by the transport's timeouts). `sodiem ui` ends the process with _Exit
  // instead when it does not want to wait.
  stop(std::chrono::milliseconds(0));
  if (thread_.joinable()) thread_.join();
}

void SyncAgent::start() { thread_ = std::thread([this] { run(); }); }

bool SyncAgent::stop(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  stopping_ = true;
  cv_.notify_all();
  return done_cv_.wait_for(lock, wait, [this] { return finished_; });
}

void SyncAgent::local_change() {
  std::lock_guard lock(mu_);
  const auto now = Clock::now();
  if (!due_by_edit_) first_edit_ = now;
  const auto at = std::min(now + timing_.debounce, first_edit_ + timing_.debounce_max);
  // A sync already planned sooner for another reason (sync now, a retry) stays.
  if (wanted_ && !due_by_edit_ && due_ <= at) return;
  due_ = at;
  due_by_edit_ = true;
  wanted_ = true;
  cv_.notify_all();
}

void SyncAgent::sync_now() {
  std::lock_guard lock(mu_);
  due_by_edit_ = false;
  wanted_ = true;
  due_ = Clock::now();
  cv_.notify_all();
}

void SyncAgent::post(Job job) {
  std::lock_guard lock(mu_);
  jobs_.push_back(std::move(job));
  cv_.notify_all();
}

SyncAgent::Snapshot SyncAgent::snapshot() const {
  std::lock_guard lock(mu_);
  return snap_;
}

Status SyncAgent::sync_once(LocalStore& store) {
  // A closed year's copy: refused before anything is tried (a job's sync).
  if (auto st = store.closed_year_refusal(); !st) return st;
  auto e = store.enrollment();
  if (!e) return Status(ErrorCode::kUnauthenticated, "máy này chưa đăng ký với máy chủ");
  {
    std::lock_guard lock(mu_);
    snap_.syncing = true;
    snap_.pending_at_start = store.status().pending;
  }
  SyncOptions options;
  options.max_attempts = 1;  // the agent paces its own retries
  SyncEngine engine(store, [&] { return make_wss_transport({e->server_url, e->fingerprint}); }, options);
  Status st;
  try {
    auto report = engine.sync();
    if (!report) st = report.status();
  } catch (const std::exception& ex) {
    st = Status(ErrorCode::kInternal, ex.what());
  }
  std::lock_guard lock(mu_);
  snap_.syncing = false;
  snap_.pending_at_start = 0;
  // Reached the server unless the connection itself failed.
  snap_.online = st.code() != ErrorCode::kUnavailable;
  snap_.last_error = st ? "" : st.message();
  return st;
}

void SyncAgent::run() {
  std::unique_ptr<LocalStore> store;
  std::string open_error, archived;
  try {
    store = std::make_unique<LocalStore>(dir_);
    archived = store->archived_year();
  } catch (const std::exception& ex) {
    open_error = ex.what();
    store.reset();
  }
  auto backoff = timing_.backoff_initial;
  std::unique_lock lock(mu_);
  if (!store) {
    snap_.last_error = open_error;
    wanted_ = false;
  }
  snap_.archived_year = archived;
  while (!stopping_) {
    if (!jobs_.empty() && store) {
      auto job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      std::string failure;
      try {
        job(*store, [&] { return sync_once(*store); });
      } catch (const std::exception& ex) {
        failure = ex.what();  // the job's owner answers for it (see UiApi)
      }
      lock.lock();
      if (!failure.empty()) snap_.last_error = failure;
      continue;
    }
    if (!wanted_ || Clock::now() < due_) {
      if (wanted_) cv_.wait_until(lock, due_);
      else cv_.wait(lock);
      continue;
    }
    if (!store || !archived.empty()) {  // nothing to sync: no store, or a closed year's copy
      wanted_ = false;
      continue;
    }
    wanted_ = false;
    due_by_edit_ = false;  // this sync takes every edit made so far
    lock.unlock();
    const auto st = sync_once(*store);
    lock.lock();
    if (st || st.code() != ErrorCode::kUnavailable) {
      backoff = timing_.backoff_initial;
      // Online (or a refusal no retry can mend soon): the periodic sync.
      if (!wanted_) {
        wanted_ = st.code() != ErrorCode::kUnauthenticated;
        due_ = Clock::now() + timing_.period;
      }
    } else {
      // Offline: try again after a growing pause (an edit or "sync now" sooner).
      if (!wanted_) {
        wanted_ = true;
        due_ = Clock::now() + backoff;
      }
      backoff = std::min(backoff * 2, timing_.backoff_max);
    }
  }
  // Jobs left unrun are answered as refused by their owners' timeouts.
  store.reset();
  finished_ = true;
  done_cv_.notify_all();
}

}  // namespace sodiem::client::ui
