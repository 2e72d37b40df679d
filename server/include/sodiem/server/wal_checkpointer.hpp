// WalCheckpointer: moves SQLite's WAL checkpoints off the DB worker. The
// worker's connection stops checkpointing inside its commits (one in a few
// thousand ops cost 15–20 ms there, stalling every ack queued behind it);
// when its WAL passes kWalCheckpointPages this thread runs a PASSIVE
// checkpoint on its own connection, which never blocks the writer.
// Owned by SyncService; constructed and destroyed on the thread that owns
// the writer, while the writer is not in use.
#pragma once
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "sodiem/sqlite/db.hpp"

namespace sodiem::server {

class WalCheckpointer {
 public:
  // Opens its own connection to `db_path` and takes over the checkpoints of `writer`.
  WalCheckpointer(const std::string& db_path, sqlite::Db& writer);
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints run so far (for tests and logs).
  int checkpoints() const;

 private:
  static int on_commit(void* self, struct sqlite3*, const char*, int wal_pages);
  void run();

  sqlite::Db& writer_;
  std::unique_ptr<sqlite::Db> own_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool wanted_ = false, stopping_ = false;
  int done_ = 0;
  std::thread thread_;
};

}  // namespace sodiem::server
