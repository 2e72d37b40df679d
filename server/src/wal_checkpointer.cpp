#include "sodiem/server/wal_checkpointer.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "sodiem/core/tuning.hpp"

namespace sodiem::server {

WalCheckpointer::WalCheckpointer(const std::string& db_path, sqlite::Db& writer)
    : writer_(writer), own_(std::make_unique<sqlite::Db>(db_path, /*synchronous_full=*/true)) {
  writer_.exec("PRAGMA wal_autocheckpoint=0");
  sqlite3_wal_hook(writer_.handle(), &WalCheckpointer::on_commit, this);
  thread_ = std::thread([this] { run(); });
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

int WalCheckpointer::checkpoints() const {
  std::lock_guard lock(mutex_);
  return done_;
}

// Runs on the writer's thread right after each commit.
int WalCheckpointer::on_commit(void* self, sqlite3*, const char*, int wal_pages) {
  auto* me = static_cast<WalCheckpointer*>(self);
  if (wal_pages >= tuning::kWalCheckpointPages) {
    {
      std::lock_guard lock(me->mutex_);
      me->wanted_ = true;
    }
    me->cv_.notify_one();
  }
  return SQLITE_OK;
}

void WalCheckpointer::run() {
  pthread_setname_np(pthread_self(), "sodiem-ckpt");
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return wanted_ || stopping_; });
      if (stopping_) return;
      wanted_ = false;
    }
    int log_pages = 0, done_pages = 0;
    const int rc = sqlite3_wal_checkpoint_v2(own_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_pages, &done_pages);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
      spdlog::warn("WAL checkpoint failed: {}", sqlite3_errstr(rc));
    std::lock_guard lock(mutex_);
    ++done_;
  }
}

}  // namespace sodiem::server
