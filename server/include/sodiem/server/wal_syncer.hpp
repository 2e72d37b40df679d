// WalSyncer: makes the DB worker's group commits durable off its thread
// (group commit with a separate flush, as database servers do). The worker
// commits a group with synchronous=NORMAL (SQLite writes the WAL frames but
// does not fsync), hands the group's replies to after_commit() and goes on
// applying the next group while this thread runs fdatasync on the WAL file.
// Replies are released only after the fdatasync that covers their commit
// returned, in commit order; so every ack still follows a durable commit.
// Anything that could show committed data to someone else (a pull, a
// welcome) must go out through after_commit() too, or after wait_durable().
// After a failed flush nothing is released as durable again until the
// server restarts: the kernel may have dropped the WAL pages it could not
// write, so a later flush that succeeds proves nothing (SQLite's recovery
// stops at the first missing frame).
// Owned by SyncService: after_commit / wait_durable are called by its worker.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace sodiem::server {

class WalSyncer {
 public:
  // Runs once the commit is durable (true) or when the flush failed (false:
  // nothing may be acknowledged; the client must send again).
  using Release = std::function<void(bool durable)>;
  // Flushes the WAL to the disk; returns false on an I/O error. Tests pass
  // their own to hold or fail a flush.
  using Flush = std::function<bool()>;

  // Flushes `db_path`-wal, which must exist (the database is open in WAL mode).
  explicit WalSyncer(const std::string& db_path);
  explicit WalSyncer(Flush flush);
  ~WalSyncer();  // releases what is queued (flushing first), then stops
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  // Queues the replies of a group just committed.
  void after_commit(Release release);
  // Returns once every commit queued so far is durable and released.
  void wait_durable();
  // Every commit queued so far is released (nothing waits for a flush).
  bool all_released() const;
  // fdatasync calls made so far (one may cover several commits).
  std::uint64_t flushes() const;
  // A flush has failed: every commit since is released as not durable.
  bool failed() const;

 private:
  void run();
  bool flush_wal();

  std::string wal_path_;
  int fd_ = -1;
  std::uint64_t inode_ = 0;
  Flush flush_;
  mutable std::mutex mutex_;
  std::condition_variable cv_, done_cv_;
  std::deque<Release> queued_;
  std::uint64_t queued_total_ = 0, released_total_ = 0, flushes_ = 0;
  bool stopping_ = false, failed_ = false;
  std::thread thread_;
};

}  // namespace sodiem::server
