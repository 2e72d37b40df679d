// Backup and restore of a server's data directory, for the administrator.
// backup() takes a consistent snapshot while the server runs (SQLite
// VACUUM INTO reads one WAL snapshot) with the TLS certificate and key, so a
// restored server keeps its fingerprint and no device re-enrolls; it checks
// the copy (integrity, audit chain, marks against the trail) before
// reporting success. restore() copies a backup into an empty data directory
// under a new epoch, checks the copy the same way and removes it if bad (the
// backup itself is never opened); clients see the epoch change, re-pull the
// server's state from the start, and resend what the backup lacks.
// A school kept in PostgreSQL (its folder holds database.json) is backed up
// into the same kind of folder (its rows copied into a SQLite server.db,
// school_copy.hpp), and restore() onto such a folder replaces that school's
// rows, in one transaction, with the backup's (other schools untouched).
// Before that it asks the processes serving the school to let go of it
// (serving_lock.hpp: a request withdrawn when restore() returns, or dies)
// and waits up to RestoreWait::wait for none to serve it; past that, or if
// the restore fails, nothing is changed.
// CLI commands; not thread-safe.
#pragma once
#include <chrono>
#include <functional>
#include <string>

#include "sodiem/core/status.hpp"

namespace sodiem::server {

struct BackupSummary {
  std::string path;
  std::int64_t bytes = 0;
  std::int64_t versions = 0;       // changes in the log
  std::int64_t audit_entries = 0;  // intact hash chain
};

Result<BackupSummary> backup_data_dir(const std::string& data_dir, const std::string& out_dir);
// A restore onto a PostgreSQL school: how long to wait for its servers to
// let go of it (0: refused at once while one serves it), and what to tell
// the administrator once while waiting.
struct RestoreWait {
  std::chrono::milliseconds wait{0};
  std::function<void(const std::string&)> note;
};

Result<BackupSummary> restore_data_dir(const std::string& backup_dir, const std::string& data_dir,
                                       const RestoreWait& wait = {});

}  // namespace sodiem::server
