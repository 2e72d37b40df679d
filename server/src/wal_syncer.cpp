#include "sodiem/server/wal_syncer.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sodiem::server {

WalSyncer::WalSyncer(const std::string& db_path) : wal_path_(db_path + "-wal") {
  fd_ = ::open(wal_path_.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error("cannot open " + wal_path_ + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) == 0) inode_ = st.st_ino;
  flush_ = [this] { return flush_wal(); };
  thread_ = std::thread([this] { run(); });
}

WalSyncer::WalSyncer(Flush flush) : flush_(std::move(flush)) {
  thread_ = std::thread([this] { run(); });
}

WalSyncer::~WalSyncer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  // SQLite may still have the WAL open: closing our descriptor drops none of
  // its locks (POSIX drops a process's locks on a file at any close, but
  // SQLite locks the database and -shm files, never the WAL).
  if (fd_ >= 0) ::close(fd_);
}

void WalSyncer::after_commit(Release release) {
  {
    std::lock_guard lock(mutex_);
    queued_.push_back(std::move(release));
    ++queued_total_;
  }
  cv_.notify_one();
}

void WalSyncer::wait_durable() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = queued_total_;
  done_cv_.wait(lock, [&] { return released_total_ >= target; });
}

bool WalSyncer::all_released() const {
  std::lock_guard lock(mutex_);
  return released_total_ == queued_total_;
}

bool WalSyncer::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

std::uint64_t WalSyncer::flushes() const {
  std::lock_guard lock(mutex_);
  return flushes_;
}

bool WalSyncer::flush_wal() {
  // The WAL keeps its inode while SQLite has the database open; should it
  // ever have been replaced, the new file is the one that holds the commits.
  struct stat st {};
  if (::stat(wal_path_.c_str(), &st) != 0) {
    spdlog::error("cannot flush {}: {}", wal_path_, std::strerror(errno));
    return false;
  }
  if (st.st_ino != inode_) {
    const int fd = ::open(wal_path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      spdlog::error("cannot reopen {}: {}", wal_path_, std::strerror(errno));
      return false;
    }
    ::close(fd_);
    fd_ = fd;
    inode_ = st.st_ino;
  }
  if (::fdatasync(fd_) != 0) {
    spdlog::error("fdatasync {} failed: {}", wal_path_, std::strerror(errno));
    return false;
  }
  return true;
}

void WalSyncer::run() {
  pthread_setname_np(pthread_self(), "sodiem-sync");
  std::deque<Release> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
      if (queued_.empty()) return;  // stopping, nothing left
      batch.swap(queued_);
    }
    // One flush covers every commit queued before it started.
    bool durable = false;
    if (!failed()) {
      durable = flush_();
      std::lock_guard lock(mutex_);
      ++flushes_;
      if (!durable) {
        spdlog::critical("the WAL could not be written to the disk: no sync is acknowledged until sodiem-server "
                         "is restarted (check the disk; clients send again what was not acknowledged)");
        failed_ = true;
      }
    }
    for (auto& release : batch) {
      try {
        release(durable);
      } catch (const std::exception& e) {
        spdlog::error("releasing replies failed: {}", e.what());
      }
    }
    {
      std::lock_guard lock(mutex_);
      released_total_ += batch.size();
    }
    batch.clear();
    done_cv_.notify_all();
  }
}

}  // namespace sodiem::server
