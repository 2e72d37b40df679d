// The server's network front: accepts TLS connections, upgrades WebSocket
// requests to sync sessions fed to a SyncService, hands other HTTPS requests
// to the school's web console (or answers a status page), and stops
// gracefully on SIGTERM/SIGINT. It defends its edge: deadlines for the
// handshake and the login, a small message bound until the welcome, unauthenticated connections bounded per address and in
// all (ConnectionTable), an idle bound that pings cannot defeat, back-off
// when descriptors run out, TLS 1.2 with ECDHE+AEAD suites only (or 1.3).
// Beast/Asio stay inside the .cpp. run_wss_server blocks the calling thread.
// run_wss_schools serves many schools on one port: each keeps its own TLS
// certificate and is chosen by the TLS SNI host name; a school's service and
// console open at its first connection and close when idle (wss_schools.hpp).
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sodiem/core/status.hpp"
#include "sodiem/core/tuning.hpp"

namespace sodiem::tuning {
using namespace std::chrono_literals;
// Descriptors one open school may hold: its database connections (the sync
// service's, the login lockout's, the console's, the WAL checkpointer's;
// on SQLite each is the file, its WAL and its shared memory; on PostgreSQL
// a socket each) and its threads' (many_schools_test measures an opening
// against it). The descriptor limit is shared out at start: first the
// reserve (kReservedFds), then kMinConnectionFds for connections, then the
// open schools (kMaxOpenSchools shrinks to what fits, said in the log);
// a limit that fits not one school beside those is refused at start,
// naming the `ulimit -n` needed.
inline constexpr std::size_t kFdsPerOpenSchool = 24;
inline constexpr std::size_t kMinConnectionFds = 64;
// `run --schools PARENT`: a TLS host name no school has makes the server
// read PARENT again (a school added since the start is served without a
// restart), at most once per kSchoolRescanInterval, at most
// kMaxSchoolFolders folders looked at; at most kMaxHostedSchools served.
inline constexpr auto kSchoolRescanInterval = 10s;
inline constexpr std::size_t kMaxSchoolFolders = 4096;
inline constexpr std::size_t kMaxHostedSchools = 2048;
// The PostgreSQL cluster short of free connections (an opening refused
// kUnavailable): one unused school on PostgreSQL is closed and the opening
// tried once more; for kDbBusyBackoff after, every further opening of a
// school on PostgreSQL is refused at once ("thử lại sau ít phút") without
// closing more, unless the process's open schools hold fewer connections
// than then (one closed meanwhile), or the retry after the close opened
// (closing helps: then as at max_open_schools, one unused school closed for
// each asked for). A burst of devices of closed schools cannot churn
// through every unused school while closing does not help.
inline constexpr auto kDbBusyBackoff = 5s;
}  // namespace sodiem::tuning

namespace sodiem::server {

class SyncService;
namespace console {
class Console;
}

// A school as served: its sync service and console (null: the status
// page), alive as long as `keep` (what opened them, if anything owns them).
struct ServedSchool {
  std::string name;
  SyncService* service = nullptr;
  console::Console* console = nullptr;
  std::shared_ptr<void> keep;
};

// A school one process may serve: the host names devices and browsers reach
// it by (TLS SNI), its TLS identity, and how to open it (called off the io
// thread; a refusal, in Vietnamese, keeps it closed and is logged).
struct HostedSchool {
  std::string dir;  // named in the log
  std::vector<std::string> host_names;
  std::string cert_path, key_path;
  std::function<Result<ServedSchool>()> open;
  // PostgreSQL connections it holds while open (0: SQLite), counted against
  // WssLimits::max_db_connections. `open` refuses with kUnavailable when the
  // cluster has too few free connections: the school then stays closed
  // (an unused one is closed to make room, or the connection is refused).
  std::size_t db_connections = 0;
};

// The edge's bounds (tuning.hpp and the above explain each); tests shorten the times.
struct WssLimits {
  std::chrono::milliseconds handshake_timeout = tuning::kServerHandshakeTimeout;
  std::chrono::milliseconds login_deadline = tuning::kLoginDeadline;
  std::chrono::milliseconds session_idle_timeout = tuning::kSessionIdleTimeout;
  std::size_t pre_auth_message_bytes = tuning::kPreAuthMaxMessageBytes;
  std::size_t max_pre_auth_per_address = tuning::kMaxPreAuthPerAddress;
  std::size_t max_pre_auth = tuning::kMaxPreAuthConnections;
  std::size_t max_authenticated = tuning::kMaxConnections;
  // Many schools in one process (run_wss_schools with two or more).
  std::chrono::milliseconds school_idle_close = tuning::kSchoolIdleClose;
  std::size_t max_open_schools = tuning::kMaxOpenSchools;
  std::chrono::milliseconds school_retry_after_failure = tuning::kSchoolRetryAfterFailure;
  std::chrono::milliseconds school_rescan_interval = tuning::kSchoolRescanInterval;
  // PostgreSQL connections the open (and opening) schools hold at most.
  std::size_t max_db_connections = tuning::kMaxDbConnections;
  std::chrono::milliseconds db_busy_backoff = tuning::kDbBusyBackoff;
};

struct WssOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8443;
  std::string cert_path;
  std::string key_path;
  std::string school_name;
  WssLimits limits;
  // Answers the HTTPS requests that are not a WebSocket upgrade (the
  // school's web console); null: the status page. Outlives run_wss_server,
  // which stops it before returning.
  console::Console* console = nullptr;
  // For embedding (tests): called once listening with a thread-safe function
  // that stops the server as SIGTERM does.
  std::function<void(std::function<void()> stop)> on_stop_handle;
  // For tests: called on the io thread when a school (its index in
  // run_wss_schools' list) has opened (true) or closed (false).
  std::function<void(std::size_t school, bool open)> on_school_change;
  // `run --schools PARENT`: the schools PARENT holds now. Called again, on
  // the io thread, when a TLS host name no school has arrives (at most once
  // per limits.school_rescan_interval); the folders not served yet are
  // added (a school created since the start, no restart). Null: the list
  // given is all. Only with two or more schools, or this set.
  std::function<std::vector<HostedSchool>()> find_schools;
};

// Calls on_listening("HOST:PORT") once the socket accepts connections.
// Returns after a signal asked it to stop and sessions closed.
void run_wss_server(SyncService& service, const WssOptions& options,
                    const std::function<void(const std::string&)>& on_listening);

// Serves `schools` on one port (options' cert, key, school_name and console
// unused). One school: it answers every connection, whatever host name (as
// run_wss_server, which is this), opened before listening and never closed.
// Two or more: a connection without the host name of one is refused at the
// TLS handshake (alert unrecognized_name); a school opens on its first
// connection and closes after options.limits.school_idle_close unused.
// Throws when a certificate or key cannot be loaded or a host name is
// given to two schools.
void run_wss_schools(std::vector<HostedSchool> schools, const WssOptions& options,
                     const std::function<void(const std::string&)>& on_listening);

}  // namespace sodiem::server
