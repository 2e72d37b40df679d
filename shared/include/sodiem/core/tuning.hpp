// Every tunable of client and server in one place, with why it has its value.
#pragma once
#include <chrono>
#include <cstddef>

namespace sodiem::tuning {

using namespace std::chrono_literals;

// Push batches: bounded by op count and encoded bytes. 500 ops of a term's
// marks encode to ~10 KiB before deflate; the byte bound guards long comments.
inline constexpr std::size_t kPushBatchOps = 500;
inline constexpr std::size_t kPushBatchBytes = 256 * 1024;
// Batches in flight per connection, so a 300 ms RTT link is not paid per
// batch, and the server finds several queued to commit with one fsync
// (ingest_1: 6 commits for 20,000 ops; 21 with 4 in flight, 11 with 8).
inline constexpr std::size_t kPushWindow = 16;
// Changes per pull page.
inline constexpr std::size_t kPullPageChanges = 2000;

// Reconnect backoff: capped exponential with full jitter.
inline constexpr auto kBackoffInitial = 1s;
inline constexpr auto kBackoffMax = 300s;

// permessage-deflate: level 1-9 trades CPU for bytes. Beast's default (8)
// made deflate a third of the client's CPU in a push; level 1 costs a tenth
// of a byte per op more than 3 (wire: 6.5 bytes/op) for less client CPU.
inline constexpr int kDeflateLevel = 1;
inline constexpr int kDeflateMemLevel = 8;

// Connection timeouts.
inline constexpr auto kConnectTimeout = 20s;
inline constexpr auto kHandshakeTimeout = 30s;
// Idle connection: a ping after half of this, closed after all of it.
inline constexpr auto kIdleTimeout = 60s;
// Waiting for a reply to a request on a slow link.
inline constexpr auto kReplyTimeout = 60s;

// Server: the largest WebSocket message accepted (see protocol codec).
inline constexpr std::size_t kServerMaxMessageBytes = 4 * 1024 * 1024;
// Server: WAL size (pages) at which a background checkpoint copies it into
// the database file (SQLite's own default threshold, off the commit path).
inline constexpr int kWalCheckpointPages = 1000;
// Server: pushes queued at once are applied in one transaction (group commit).
inline constexpr std::size_t kGroupCommitMaxPushes = 32;
// Server: authenticated sessions (welcomed) at once; a session welcomed
// beyond it is closed and its client retries later. Counted apart from the
// unauthenticated connections below, so bare sockets cannot lock teachers out.
inline constexpr std::size_t kMaxConnections = 1000;

// Roster import (CSV from the school's clerks): a school has at most some
// 3,000 students and 200 staff, ~100 bytes a row; anything far beyond is not
// a roster and is refused before it is read into memory.
inline constexpr std::size_t kRosterMaxFileBytes = 16 * 1024 * 1024;
inline constexpr std::size_t kRosterMaxRows = 20000;
inline constexpr std::size_t kRosterMaxFields = 64;         // per row: the roster's 6 and a clerk's extra columns
inline constexpr std::size_t kRosterMaxFieldBytes = 4096;   // a teacher's "Phân công" is the longest
// A person's full name, in characters (the protocol's byte limit applies too).
inline constexpr std::size_t kMaxPersonNameChars = 100;

// Server network edge. A connection is unauthenticated until its welcome.
// TLS handshake + HTTP request (upgrade or status page) must be done within
// this; an honest client needs a few round trips.
inline constexpr auto kServerHandshakeTimeout = 10s;
// After the WebSocket upgrade, a hello or login must earn a welcome within
// this (the time the server itself spends checking a password is not counted).
inline constexpr auto kLoginDeadline = 10s;
// Largest message before the welcome: a hello or login is well under 1 KiB,
// so a stranger cannot make the server buffer 4 MiB (kServerMaxMessageBytes
// applies once welcomed).
inline constexpr std::size_t kPreAuthMaxMessageBytes = 16 * 1024;
// Unauthenticated connections from one remote address (more are closed at
// once; a school behind one NAT address opens a few at a time), and in all
// (when full, the oldest connection of the address holding the most is
// closed to make room: one address cannot fill it for everybody).
inline constexpr std::size_t kMaxPreAuthPerAddress = 32;
inline constexpr std::size_t kMaxPreAuthConnections = 512;
// File descriptors kept free for the database, logs and the listener; the
// connection limits above shrink if the process's descriptor limit is lower.
inline constexpr std::size_t kReservedFds = 64;
// accept() failing for want of descriptors (EMFILE/ENFILE): wait this long
// before trying again, instead of spinning on the ready listener.
inline constexpr auto kAcceptBackoff = 100ms;
// A welcomed session with no application message either way for this long
// is closed (WebSocket pings do not count: they cannot keep a session open).
// A sync is a burst of messages; 5 min of silence is a forgotten connection.
inline constexpr auto kSessionIdleTimeout = 5min;

// One process serving many schools (`run --data A --data B …`, `--schools
// PARENT`): a school's service and console open at its first connection and
// close once no connection has used it for kSchoolIdleClose (its queued
// commits and acks finish first). At most kMaxOpenSchools are open at once
// (run --max-open-schools; each holds database connections and two threads):
// past it, an unused one closes early; with none unused, a new one is refused.
// A school that failed to open is refused for kSchoolRetryAfterFailure
// before it is tried again.
inline constexpr auto kSchoolIdleClose = 10min;
inline constexpr std::size_t kMaxOpenSchools = 64;
inline constexpr auto kSchoolRetryAfterFailure = 30s;

// PostgreSQL connections of one multi-school process (`run --schools`, run
// --max-db-connections / --db-spare-connections): an open school on
// PostgreSQL holds kDbConnectionsPerOpenSchool (its service, its login
// lockouts, its console), and an opening one a fourth for its checks. The
// process holds at most kMaxDbConnections (two processes fit a default
// max_connections = 100 with room to spare); past it, or when opening would
// leave the cluster fewer than kDbSpareConnections free slots for the other
// processes and clients, the longest unused school on PostgreSQL is closed
// first, and with none unused the school is refused ("thử lại sau ít phút").
inline constexpr std::size_t kDbConnectionsPerOpenSchool = 3;
inline constexpr std::size_t kMaxDbConnections = 42;
inline constexpr std::size_t kDbSpareConnections = 10;

// Password login throttling (LoginLimiter). Failures within the window count;
// reaching the bound locks logins for the account (or from the address) for
// kLoginLockout, doubling with each further lockout up to kLoginLockoutMax.
// The address bound is higher: a school's teachers may share one address.
inline constexpr int kLoginFailuresPerAccount = 5;
inline constexpr int kLoginFailuresPerAddress = 20;
inline constexpr auto kLoginFailureWindow = 15min;
inline constexpr auto kLoginLockout = 15min;
inline constexpr auto kLoginLockoutMax = 24h;
// Accounts and addresses tracked at once (memory bound; stale entries go first).
inline constexpr std::size_t kLoginLimiterMaxEntries = 10000;

// Password hashes: PBKDF2-HMAC-SHA256 iterations for new hashes (OWASP 2023:
// 600,000; ~0.21 s on the 2-core test VM). Older hashes are verified with the
// count they carry and rehashed at the next successful login.
inline constexpr int kPasswordHashIterations = 600000;
// The signer's key file (PKCS#8, PBKDF2) is protected as strongly; opening
// it for a signature costs the same ~0.2 s.
inline constexpr int kKeyFileIterations = kPasswordHashIterations;
// Threads that run password checks off the DB worker, for the whole
// process, every school it serves (KdfThreads: run --password-threads, by
// default half the cores; this many when the cores cannot be counted);
// each school's checks waiting beyond the bound are refused RATE_LIMITED
// instead of queueing without end, and the schools' queues are taken in
// turn (one school's flood never starves another's logins).
inline constexpr std::size_t kPasswordCheckThreads = 1;
inline constexpr std::size_t kMaxPendingPasswordChecks = 32;

// The school's web console (server/src/console) on the sync port: a login
// session ends after kConsoleSessionIdle without a request, and
// kConsoleSessionMax after its login whatever happens (a shared office PC);
// a request body is at most kConsoleMaxBodyBytes (a login, a decision with
// its comment), its JSON at most kConsoleMaxJsonDepth deep; at most
// kConsoleMaxQueued requests wait for the console's database thread (more:
// 503, try again).
inline constexpr auto kConsoleSessionIdle = 30min;
inline constexpr auto kConsoleSessionMax = 12h;
inline constexpr std::size_t kConsoleMaxBodyBytes = 16 * 1024;
// Only the roster and staff import's upload (the file, base64 in JSON: a
// file of at most about 1.5 MB) may be larger.
inline constexpr std::size_t kConsoleMaxImportBytes = 2 * 1024 * 1024;
inline constexpr int kConsoleMaxJsonDepth = 8;
inline constexpr std::size_t kConsoleMaxQueued = 64;
// The console's audit search (Nhật ký): a page shows at most
// kAuditSearchMaxPage entries (kAuditSearchPage unless asked), newest
// first; one request reads at most kAuditSearchWindow entries of the trail
// (a push's detail is parsed only when a filter needs it), then says where
// it stopped so the page can search further back: bounded work per request
// on a trail of millions of entries, on the console's one thread.
inline constexpr std::size_t kAuditSearchPage = 50;
inline constexpr std::size_t kAuditSearchMaxPage = 200;
inline constexpr std::int64_t kAuditSearchWindow = 20000;

// PostgreSQL lost (a restart, a failover: pg::Db): the next use outside a
// transaction connects again at once; if that fails, the uses in the next
// kPgReconnectFirstDelay fail without trying, then the delay doubles up to
// kPgReconnectMaxDelay (a request meanwhile gets "try again" at once: the
// server's threads never spin or sleep on a database that is down). A
// connection attempt gives up after kPgConnectTimeoutSeconds (libpq's
// connect_timeout, unless the URL sets it); a host that vanished without a
// word is noticed after about kPgKeepaliveIdleSeconds + 3 x 5 s idle, or
// kPgTcpUserTimeoutMs with data unacknowledged (a URL may set these too).
inline constexpr auto kPgReconnectFirstDelay = 200ms;
inline constexpr auto kPgReconnectMaxDelay = 5s;
inline constexpr int kPgConnectTimeoutSeconds = 5;
inline constexpr int kPgKeepaliveIdleSeconds = 15;
inline constexpr int kPgTcpUserTimeoutMs = 30000;

}  // namespace sodiem::tuning
