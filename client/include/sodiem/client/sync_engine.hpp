// SyncEngine: one full sync of a LocalStore with the server over a
// Transport: hello + pull + a window of push batches pipelined on one
// connection; acks and pulled pages stored as they arrive; resumes from the
// server's high-water seq after any disconnect; retries transient failures
// with capped exponential backoff and full jitter. Not thread-safe.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "sodiem/client/local_store.hpp"
#include "sodiem/client/transport.hpp"
#include "sodiem/core/tuning.hpp"

namespace sodiem::client {

struct SyncOptions {
  std::size_t batch_ops = tuning::kPushBatchOps;
  std::size_t batch_bytes = tuning::kPushBatchBytes;
  std::size_t window = tuning::kPushWindow;
  std::size_t pull_page = tuning::kPullPageChanges;
  std::chrono::milliseconds reply_timeout = tuning::kReplyTimeout;
  int max_attempts = 4;
  std::chrono::milliseconds backoff_initial = tuning::kBackoffInitial;
  std::chrono::milliseconds backoff_max = tuning::kBackoffMax;
};

struct SyncReport {
  std::uint64_t pushed = 0;     // ops delivered (accepted, refused or conflicting)
  std::uint64_t pulled = 0;     // changes received
  std::uint64_t rejected = 0;
  std::uint64_t conflicts = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t round_trips = 0;  // message-level waits for the server, after connecting
  int attempts = 0;
};

using TransportFactory = std::function<std::unique_ptr<Transport>()>;

class SyncEngine {
 public:
  SyncEngine(LocalStore& store, TransportFactory factory, SyncOptions options = {});

  // Syncs until nothing is left to push and the pull is complete, retrying
  // transient failures. The Status of the last attempt on failure.
  Result<SyncReport> sync();
  // One attempt on one connection.
  Status sync_round(Transport& transport, SyncReport& report);

 private:
  LocalStore& store_;
  TransportFactory factory_;
  SyncOptions options_;
};

// Asks the server for a cell's story (online only).
Result<protocol::History> fetch_history(LocalStore& store, Transport& transport, const protocol::CellKey& cell);
// Changes the user's password on the server (online only).
Status change_password(LocalStore& store, Transport& transport, const std::string& current, const std::string& next);

// Enrolls this device: password login, roster download, certificate pinned.
// An empty endpoint.fingerprint trusts the certificate seen (and stores it).
// new_password replaces an issued password (required at first login).
Status enroll(LocalStore& store, Transport& transport, const Endpoint& endpoint, const std::string& username,
              const std::string& password, const std::string& device_name, const std::string& new_password = "");

}  // namespace sodiem::client
