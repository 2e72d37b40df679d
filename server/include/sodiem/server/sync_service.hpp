// SyncService: the server's sync core, independent of the socket. Every
// transport (Beast WSS, or the in-process loopback of the tests) hands it
// each received message; one worker thread owns the database and handles
// messages in arrival order, applying queued pushes of all connections in
// one transaction (group commit) and sending each Ack only once the commit
// is durable (WalSyncer flushes the WAL while the worker goes on).
// Passwords are checked on a KdfPool (never on the worker), throttled by
// a LoginLimiter; a peer's later messages wait for its password verdict.
// Before handling a welcomed peer's message the worker notices writes by
// another process (PRAGMA data_version) and re-reads whether its device was
// revoked or its account disabled: such a session ends at its next message.
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
#include "sodiem/core/status.hpp"
#include "sodiem/protocol/messages.hpp"
#include "sodiem/server/serving_lock.hpp"

namespace sodiem::store {
class Db;
}

namespace sodiem::server {

class Directory;
struct DeviceContext;
class Ingestor;
class PullService;
class Accounts;
class AuditKey;
class KdfPool;
class LoginLimiter;
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

  // What the transport knows of a peer.
  struct PeerInfo {
    std::string address;  // remote IP, for login throttling per address ("" = unknown)
    // Called once (from the worker) when the peer is welcomed: the transport
    // may lift its limits for unauthenticated connections. Must be thread-safe.
    std::function<void()> on_authenticated;
  };

  std::shared_ptr<Peer> open_peer(Sender sender, PeerInfo info = {});
  void on_message(const std::shared_ptr<Peer>& peer, std::string_view bytes);
  void close_peer(const std::shared_ptr<Peer>& peer);

  // Finishes queued work (commits and acks), then stops the worker.
  void stop();

  const std::string& epoch() const { return epoch_; }
  // PostgreSQL: a restore of the school asked its servers to let go of it
  // (serving_lock.hpp), as this process last looked (every
  // tuning::kRestoreLookInterval, one look per database: the workers take
  // turns, between batches), or the school was restored while this
  // service's connection was lost (its epoch changed), or a new connection
  // found a restore holding the school: every request is refused until it
  // is let go of and opened again. Any thread.
  bool restore_requested() const;
  // The server's one login throttle (for any other way of logging in).
  LoginLimiter& login_limiter() { return *limiter_; }
  // The server's one pool for password hashing (the web console's logins too).
  KdfPool& kdf_pool() { return *kdf_; }

 private:
  struct Job {
    std::shared_ptr<Peer> peer;
    protocol::Message message;
    bool close_after = false;  // decode error: send message then close
    std::function<void()> resume;  // set: a password verdict back from the KdfPool (not a message)
  };
  void run_worker();
  // The next job to run from batch_, or none: jobs of a peer waiting for its
  // password verdict are parked on the peer until it comes.
  bool take_runnable(Job& out);
  void handle(Job& job);
  // sync_login.cpp: the password paths and the standing check.
  void begin_login(const std::shared_ptr<Peer>& peer, const protocol::Login& login);
  void begin_password_change(const std::shared_ptr<Peer>& peer, const std::string& username,
                             const protocol::PasswordChange& change);
  // Runs `check` on the KdfPool, then `done` on the worker; false if busy.
  bool check_off_worker(const std::shared_ptr<Peer>& peer, std::function<void()> check, std::function<void()> done);
  void resume_parked(Peer& peer);
  void welcome(const std::shared_ptr<Peer>& peer, const DeviceContext& device, const std::string& token);
  // Another process wrote the database since the last look: standings must be re-read.
  // The connection to PostgreSQL was replaced: high_seq_ is read again too.
  void notice_other_writers();
  // PostgreSQL: this process's look at the database's restore requests, if
  // no other school's worker made it lately (worker).
  void look_for_restore_request();
  // The peer's device is still allowed (not revoked, account not disabled).
  Status still_allowed(Peer& peer);
  void apply_pushes(std::deque<Job>& group);
  void send(Peer& peer, const protocol::Message& m, bool close_after = false);
  // The answer to a request other than a push. It may show what the last
  // groups committed (a pull's changes, a welcome's high-water mark), so it
  // leaves with their acks, after the WAL flush; at once if all is flushed.
  void reply(const std::shared_ptr<Peer>& peer, protocol::Message m, bool close_after = false);

  const Clock& clock_;
  std::unique_ptr<store::Db> db_;
  std::unique_ptr<WalCheckpointer> checkpointer_;  // after db_: stops before it closes
  std::unique_ptr<WalSyncer> syncer_;              // likewise
  std::unique_ptr<Directory> directory_;
  std::unique_ptr<Ingestor> ingestor_;
  std::unique_ptr<PullService> pull_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<AuditKey> audit_key_;
  std::unique_ptr<LoginLimiter> limiter_;
  std::unique_ptr<KdfPool> kdf_;
  std::string epoch_;
  // Worker: PRAGMA data_version last seen, and a counter bumped when it moves.
  std::int64_t data_version_ = 0;
  std::uint64_t standing_epoch_ = 1;
  std::uint64_t reconnects_ = 0;  // store::Db::reconnects() last seen
  std::deque<Job> batch_;  // worker: the jobs taken from queue_, in order
  std::chrono::steady_clock::time_point next_restore_look_{};  // worker (PostgreSQL)
  RestoreLookKey restore_key_;  // PostgreSQL: the school's request in its database (set at construction)
  std::chrono::steady_clock::time_point opened_at_{};  // looks older than the opening's own are not trusted
  bool restore_logged_ = false;  // worker: the request was logged
  // notice_other_writers: another epoch after a reconnect (for good: the
  // school is let go of and opened again).
  std::atomic<bool> replaced_{false};
  // hold_serving_lock: the last new connection found a restore holding the
  // school; cleared when a later one gets the lock (a restore rolled back
  // changed nothing: notice_other_writers compares the epoch).
  std::atomic<bool> restore_held_{false};
  std::mutex stop_mutex_;              // stop(): once, whichever thread calls first (the others wait)
  bool stopped_ = false;

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
