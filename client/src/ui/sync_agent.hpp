// SyncAgent: the background sync of a running `sodiem ui`. One thread with
// its own LocalStore (its own SQLite connection) that syncs a little after
// local edits, periodically while the server answers, with growing pauses
// while it does not, and at once when asked; it also runs the ui's jobs that
// need the server (enroll, sign, password), between syncs. On a closed
// year's copy (LocalStore::archived_year: read-only) it never syncs: there
// is nothing to send or fetch, and the page says so once. Never holds the
// ui's store: typing is never blocked by the network. Its public methods may
// be called from any thread.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "sodiem/client/local_store.hpp"
#include "sodiem/client/sync_engine.hpp"

namespace sodiem::client::ui {

struct AgentTiming {
  std::chrono::milliseconds debounce{2000};       // after the last of a run of local edits
  std::chrono::milliseconds debounce_max{10000};  // at the latest after the first of them
  std::chrono::milliseconds period{30000};   // while online
  std::chrono::milliseconds backoff_initial{2000};
  std::chrono::milliseconds backoff_max{60000};
};

class SyncAgent {
 public:
  struct Snapshot {
    std::optional<bool> online;  // nullopt before the first attempt
    bool syncing = false;
    std::string last_error;      // of the last attempt ("" when it succeeded)
    std::int64_t pending_at_start = 0;  // of the sync in progress
    std::string archived_year;   // the store is this closed year's copy: never synced
  };
  // A job runs on the agent's thread with its store and a way to sync now;
  // what it throws ends that job only (its message becomes last_error).
  using Job = std::function<void(LocalStore& store, const std::function<Status()>& sync_now)>;

  SyncAgent(std::string data_dir, AgentTiming timing = {});
  ~SyncAgent();  // stops and waits for the job or sync round in progress
  SyncAgent(const SyncAgent&) = delete;
  SyncAgent& operator=(const SyncAgent&) = delete;

  void start();
  // Asks the thread to stop after the current sync or job; waits up to
  // `wait` for it. False if it is still busy (its work is transactional: the
  // process may end anyway).
  bool stop(std::chrono::milliseconds wait);

  void local_change();  // sync once typing pauses (debounce), or debounce_max after the first edit
  void sync_now();      // sync as soon as possible
  void post(Job job);   // run between syncs, in order
  Snapshot snapshot() const;

 private:
  void run();
  Status sync_once(LocalStore& store);

  const std::string dir_;
  const AgentTiming timing_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false, finished_ = false, wanted_ = false;
  std::chrono::steady_clock::time_point due_;
  bool due_by_edit_ = false;  // due_ was set by local_change (and may move later)
  std::chrono::steady_clock::time_point first_edit_;
  Snapshot snap_;
  std::condition_variable done_cv_;
  std::thread thread_;
};

}  // namespace sodiem::client::ui
