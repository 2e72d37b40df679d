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
// Server: concurrent connections before new ones are refused.
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

}  // namespace sodiem::tuning
