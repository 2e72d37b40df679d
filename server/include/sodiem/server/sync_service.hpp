// SyncService: the server's sync core, independent of the socket. Every
// transport (Beast WSS, or the in-process loopback of the tests) hands it
// each received message; one worker thread owns the database and handles
// messages in arrival order, applying queued pushes of all connections in
// one transaction (group commit) and sending each Ack only once the commit
// is durable (WalSyncer flushes the WAL while the worker goes on).
// open_peer / on_message / close_peer are thread-safe.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "sodiem/core/clock.hpp"
#include "sodiem/protocol/messages.hpp"

namespace sodiem::sqlite {
class Db;
}

namespace sodiem::server {

class Directory;
class Ingestor;
class PullService;
class Accounts;
class AuditKey;
class WalCheckpointer;
class WalSyncer;

class SyncService {
 public:
  // Sends one encoded message to the peer; close_after asks the transport to
  // close the connection once it is written. Must be thread-safe.
  using Sender = std::function<void(std::string bytes, bool close_after)>;
  struct Peer;

  // flush_wal: how a commit is made durable before its acks go out; empty =
  // fdatasync of the WAL file. Tests pass their own to hold or fail it.
  SyncService(const std::string& db_path, const Clock& clock, std::function<bool()> flush_wal = {});
  ~SyncService();

  std::shared_ptr<Peer> open_peer(Sender sender);
  void on_message(const std::shared_ptr<Peer>& peer, std::string_view bytes);
  void close_peer(const std::shared_ptr<Peer>& peer);

  // Finishes queued work (commits and acks), then stops the worker.
  void stop();

  const std::string& epoch() const { return epoch_; }

 private:
  struct Job {
    std::shared_ptr<Peer> peer;
    protocol::Message message;
    bool close_after = false;  // decode error: send message then close
  };
  void run_worker();
  void handle(Job& job);
  void apply_pushes(std::deque<Job>& group);
  void send(Peer& peer, const protocol::Message& m, bool close_after = false);
  // The answer to a request other than a push. It may show what the last
  // groups committed (a pull's changes, a welcome's high-water mark), so it
  // leaves with their acks, after the WAL flush; at once if all is flushed.
  void reply(const std::shared_ptr<Peer>& peer, protocol::Message m, bool close_after = false);

  const Clock& clock_;
  std::unique_ptr<sqlite::Db> db_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // after db_: stops before it closes
  std::unique_ptr<WalSyncer> syncer_;              // likewise
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<Ingestor> ingestor_;
  std::unique_ptr<PullService> pull_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<AuditKey> audit_key_;
  std::string epoch_;

  // Worker-thread state: the single authoritative copy of each device's
  // high-water seq while connected.
  std::unordered_map<std::int64_t, std::uint64_t> high_seq_;
  // Worker-thread tallies of pushes, logged at shutdown (how ingest time
  // splits between applying ops and committing them).
  struct IngestTally {
    std::uint64_t commits = 0, pushes = 0, ops = 0;
    double apply_seconds = 0, commit_seconds = 0;
    std::chrono::steady_clock::time_point first_start, last_end;  // span of the work
  } tally_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace sodiem::server
