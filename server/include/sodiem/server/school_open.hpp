// Opening a school's data folder for `sodiem-server run`: the startup checks
// (the folder holds a school, its pages read back, it is not an archived
// year; access tables changed from outside warned about) and the school's
// sync service and console. Callers: run (once for a single school; at each
// opening of a school for a multi-school server), tests.
#pragma once
#include <cstddef>
#include <string>

#include "sodiem/core/status.hpp"
#include "sodiem/server/console/console.hpp"
#include "sodiem/server/serving_lock.hpp"
#include "sodiem/server/wss_server.hpp"

namespace sodiem::server {


// kInternal: the database is damaged or unreadable (run exits 3); any
// other refusal: the folder is not one to serve (run exits 2). db_spare > 0
// (a multi-school process): on PostgreSQL, kUnavailable when opening the
// school would leave the cluster fewer than db_spare free connections.
// restoring_refusal(): a restore of the school (PostgreSQL) asks its servers
// to let go of it, or holds it now (serving_lock.hpp); said to its devices.
[[nodiscard]] Status check_school(const std::string& dir, std::size_t db_spare = 0);

// Its pages (PRAGMA quick_check) and access tables are read through at the
// first opening in this process, and again only if the SQLite file changed
// since this process last closed the school (a multi-school server reopens
// a school after each idle close, at anyone's handshake). For tests: how
// many times they were read through in this process.
std::size_t full_school_checks();

// The checked school's SyncService and Console (printing with `printers`),
// owned by the result's `keep`; the console is destroyed before the service.
Result<ServedSchool> open_school(const std::string& dir, console::ConsolePrinters printers = {},
                                 std::size_t db_spare = 0);

}  // namespace sodiem::server
