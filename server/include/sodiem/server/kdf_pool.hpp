// Password hashing (PBKDF2, ~0.2 s a check) off the DB worker, on low-priority
// threads, so the DB worker never waits for it and ingest keeps its core.
// KdfThreads: the process's hashing threads (KdfThreads::process(): `run
// --password-threads N`, 1..the machine's cores; by default half the cores,
// at least one, default_size()), shared by every school a process serves:
// a hundred open schools do not make a hundred threads. A check is CPU
// alone (0.14–0.21 s of one core, no memory to speak of), so threads past the
// cores only queue, and half leaves the other half to ingest and the
// network (the threads also run at nice +10). KdfPool: one
// school's queue on them (owned by its SyncService; its console submits
// too), bounded: submit() refuses when it is full (the caller answers
// RATE_LIMITED). The threads take the schools' queues in turn, one job each,
// so one school's login flood delays another school's check by at most one
// check per thread. submit and stop are thread-safe; a job posts its result
// back to the DB worker itself.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sodiem::server {

class KdfThreads {
 public:
  explicit KdfThreads(std::size_t threads);
  ~KdfThreads();  // every KdfPool on it stopped first
  KdfThreads(const KdfThreads&) = delete;
  KdfThreads& operator=(const KdfThreads&) = delete;
  // The process's threads, started at the first use with the size set
  // before (set_process_size), or default_size().
  static KdfThreads& process();
  // Before the first school opens (`run --password-threads`); 0: the default.
  static void set_process_size(std::size_t threads);
  // The cores this process may run on (its CPU affinity; 1 if unknown).
  static std::size_t machine_cores();
  // Half of machine_cores(), at least one.
  static std::size_t default_size();
  std::size_t size() const { return threads_.size(); }

 private:
  friend class KdfPool;
  struct Queue {
    std::deque<std::function<void()>> jobs;
    std::size_t running = 0;
  };
  void run();

  std::mutex mutex_;
  std::condition_variable work_;  // a job queued, or stopping
  std::condition_variable done_;  // a job ended (KdfPool::stop waits for its own)
  std::vector<Queue*> queues_;    // one per KdfPool not stopped, taken in turn from next_
  std::size_t next_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

class KdfPool {
 public:
  KdfPool(KdfThreads& threads, std::size_t max_pending);
  ~KdfPool();
  KdfPool(const KdfPool&) = delete;
  KdfPool& operator=(const KdfPool&) = delete;

  // Queues `job`; false when max_pending jobs already wait (or stopped).
  [[nodiscard]] bool submit(std::function<void()> job);
  // Drops the jobs not started, waits for the running ones; idempotent.
  // Never from one of this pool's jobs.
  void stop();

 private:
  KdfThreads& threads_;
  const std::size_t max_pending_;
  KdfThreads::Queue queue_;
  bool stopped_ = false;  // under threads_.mutex_
};

}  // namespace sodiem::server
