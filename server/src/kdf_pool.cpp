// KdfThreads and KdfPool: the process's password-hashing threads and each
// school's bounded queue on them (see the header).
#include "sodiem/server/kdf_pool.hpp"

#include <pthread.h>
#include <sched.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "sodiem/core/tuning.hpp"

namespace sodiem::server {

KdfThreads::KdfThreads(std::size_t threads) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i) threads_.emplace_back([this] { run(); });
}

KdfThreads::~KdfThreads() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

namespace {
std::atomic<std::size_t> process_size{0};  // 0: default_size()
}

void KdfThreads::set_process_size(std::size_t threads) { process_size = threads; }

std::size_t KdfThreads::machine_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return static_cast<std::size_t>(CPU_COUNT(&set));
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? n : tuning::kPasswordCheckThreads;
}

std::size_t KdfThreads::default_size() { return std::max<std::size_t>(1, machine_cores() / 2); }

KdfThreads& KdfThreads::process() {
  static KdfThreads threads(process_size > 0 ? process_size.load() : default_size());
  return threads;
}

void KdfThreads::run() {
  pthread_setname_np(pthread_self(), "sodiem-kdf");
  // Nice +10 for this thread only (Linux: a thread id is a process id here):
  // password checks yield the CPU to ingest and the network.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  std::unique_lock lock(mutex_);
  for (;;) {
    Queue* from = nullptr;
    work_.wait(lock, [&] {
      if (stopping_) return true;
      // The next queue with a job, from where the last take left off.
      for (std::size_t k = 0; k < queues_.size(); ++k) {
        const std::size_t i = (next_ + k) % queues_.size();
        if (!queues_[i]->jobs.empty()) {
          from = queues_[i];
          next_ = i + 1;
          return true;
        }
      }
      return false;
    });
    if (stopping_) return;
    auto job = std::move(from->jobs.front());
    from->jobs.pop_front();
    ++from->running;
    lock.unlock();
    try {
      job();
    } catch (const std::exception& e) {
      spdlog::error("password check failed: {}", e.what());
    }
    job = nullptr;  // what it holds goes before its pool may end
    lock.lock();
    --from->running;
    done_.notify_all();
  }
}

KdfPool::KdfPool(KdfThreads& threads, std::size_t max_pending) : threads_(threads), max_pending_(max_pending) {
  std::lock_guard lock(threads_.mutex_);
  threads_.queues_.push_back(&queue_);
}

KdfPool::~KdfPool() { stop(); }

bool KdfPool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(threads_.mutex_);
    if (stopped_ || queue_.jobs.size() >= max_pending_) return false;
    queue_.jobs.push_back(std::move(job));
  }
  threads_.work_.notify_one();
  return true;
}

void KdfPool::stop() {
  std::unique_lock lock(threads_.mutex_);
  if (stopped_) return;
  stopped_ = true;
  queue_.jobs.clear();
  auto& queues = threads_.queues_;
  const auto at = std::find(queues.begin(), queues.end(), &queue_);
  if (at != queues.end()) {
    const auto index = static_cast<std::size_t>(at - queues.begin());
    queues.erase(at);
    if (threads_.next_ > index) --threads_.next_;
  }
  threads_.done_.wait(lock, [&] { return queue_.running == 0; });
}

}  // namespace sodiem::server
