// SyncService::Peer: one connection's state, shared by the SyncService
// sources (sync_service.cpp, sync_login.cpp) only.
#pragma once
#include <atomic>
#include <deque>

#include "sodiem/server/sync_service.hpp"

namespace sodiem::server {

struct SyncService::Peer {
  Peer(Sender s, PeerInfo i) : sender(std::move(s)), info(std::move(i)) {}
  Sender sender;
  const PeerInfo info;
  std::atomic<int> queued{0};
  std::atomic<bool> closed{false};
  // Worker-thread only:
  bool closing = false;         // a reply that closes is on its way: ignore the rest
  std::int64_t device_row = 0;  // 0 = not authenticated
  std::string device_public_id;
  std::int64_t user_id = 0;
  std::int64_t session_floor = 0;
  std::string stale_year;  // the hello's school year when it is not the current one
  std::uint64_t standing_checked = 0;  // standing_epoch_ when revoked/disabled were last read
  bool awaiting_verdict = false;       // a password check is on the KdfPool
  std::deque<Job> parked;              // its messages received meanwhile, in order
};

}  // namespace sodiem::server
