// LoopbackTransport: an in-process Transport straight into a SyncService,
// for sync tests without sockets. It can cut the connection at a chosen
// point: before the Nth message sent reaches the server, or after the
// server's Nth reply is produced (the reply is lost). Single test thread.
#pragma once
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "sodiem/client/transport.hpp"
#include "sodiem/server/sync_service.hpp"

namespace sodiem::testing {

struct CutPlan {
  int before_send = -1;     // cut instead of delivering send #N (1-based)
  int after_receive = -1;   // cut after reply #N is produced, dropping it and the rest
};

class LoopbackTransport final : public client::Transport {
 public:
  explicit LoopbackTransport(server::SyncService& service, CutPlan plan = {});
  ~LoopbackTransport() override;

  Status connect() override;
  Status send(std::string bytes) override;
  Result<std::string> receive(std::chrono::milliseconds timeout) override;
  void close() override;
  client::TrafficStats stats() const override { return stats_; }

  bool was_cut() const { return cut_; }

 private:
  struct Inbox {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::string> messages;
    bool closed = false;
    int produced = 0;
    int drop_after = -1;
  };
  void cut();

  server::SyncService& service_;
  CutPlan plan_;
  std::shared_ptr<Inbox> inbox_;
  std::shared_ptr<server::SyncService::Peer> peer_;
  int sends_ = 0;
  bool cut_ = false;
  client::TrafficStats stats_{};
};

}  // namespace sodiem::testing
