// KdfPool: runs password hashing (PBKDF2, ~0.2 s a check) on its own
// low-priority threads, so the DB worker never waits for it and ingest keeps
// its core. The queue is bounded: submit() refuses when it is full (the
// caller answers RATE_LIMITED). Owned by SyncService; submit and stop are
// thread-safe. A job posts its result back to the DB worker itself.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sodiem::server {

class KdfPool {
 public:
  KdfPool(std::size_t threads, std::size_t max_pending);
  ~KdfPool();
  KdfPool(const KdfPool&) = delete;
  KdfPool& operator=(const KdfPool&) = delete;

  // Queues `job`; false when max_pending jobs already wait (or stopped).
  [[nodiscard]] bool submit(std::function<void()> job);
  // Drops the jobs not started, waits for the running ones; idempotent.
  void stop();

 private:
  void run();

  const std::size_t max_pending_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sodiem::server
