// Console: the school's web console, served on the server's HTTPS port (the
// same listener as sync). The principal, vice principals and department
// heads log in with their school accounts and see data-entry progress, the
// grade books read-only and the correction queue; the leadership decides
// corrections and manages lock periods. Transport-free: the WSS session
// (wss_session.cpp) hands it every HTTP request that is not a WebSocket
// upgrade and writes the answer it gets back. Page files (server/console/web,
// embedded) are answered at once from memory; API requests run on the
// console's own thread with its own database connection, as a
// `sodiem-server` command would (never on the I/O thread nor the sync
// worker), calling the same functions as the CLI; password hashing runs on
// the SyncService's KdfPool, throttled by its LoginLimiter (lockouts shared
// with devices and the CLI). handle() is thread-safe.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/status.hpp"
#include "sodiem/core/tuning.hpp"

namespace sodiem::store {
class Db;
}
namespace sodiem::server {
class SyncService;
}

namespace sodiem::server::console {

// Session lifetimes (tuning.hpp); tests shorten them.
struct ConsoleLimits {
  std::chrono::seconds session_idle = tuning::kConsoleSessionIdle;
  std::chrono::seconds session_max = tuning::kConsoleSessionMax;
};

// The printed records (records_print.hpp: print_gradebook, print_board,
// print_transcript), the very functions of `sodiem-server print`. They live
// in sodiem_print, which is built on this library, so the program hands
// them in (init_run.cpp); without them the print buttons answer that this
// server does not print.
struct ConsolePrinters {
  Status (*gradebook)(store::Db&, const std::string& class_name, const std::string& subject, const std::string& term,
                      const std::string& path) = nullptr;
  Status (*board)(store::Db&, const std::string& class_name, const std::string& term, const std::string& path) = nullptr;
  Status (*transcript)(store::Db&, const std::string& class_name, const std::string& student,
                       const std::string& path) = nullptr;
};

// One HTTP request as the console sees it: plain strings, no Beast.
struct Request {
  std::string method, target;  // "GET", "/api/progress?term=HK1"
  std::string host;            // "" when absent or given twice
  std::string origin, cookie, csrf_header, content_type;
  std::string body;
  std::string address;  // the remote IP, for login throttling and the audit trail
  // The TLS host name (normalized) the connection's school was chosen by,
  // when one process serves many schools; "" when one school takes any name.
  std::string server_name;
  // Filled by the guard: the decoded path and query parameters.
  std::string path;
  std::map<std::string, std::string> query;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // the security headers are added by the console
};

class Console {
 public:
  // `db_path`: the server database, already migrated; `clock`: for
  // sessions and the audit trail (the server's own in production).
  Console(SyncService& service, const std::string& db_path, const Clock& clock, ConsoleLimits limits = {},
          ConsolePrinters printers = {});
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  using Reply = std::function<void(Response)>;
  // Answers `req` through `reply`, exactly once, from any thread (the
  // caller's for page files and refusals, the console's for the API).
  void handle(Request req, Reply reply);
  // Before the body of an upload past kConsoleMaxBodyBytes (the roster
  // import) is read: whether its head passes the guard and names a session
  // that may import (signed in, its CSRF token, the role), so a stranger's
  // upload holds no memory and no upload slot. `done` gets the refusal to
  // send instead, or none (read the body, then handle() it). Thread-safe.
  using UploadCheck = std::function<void(std::optional<Response>)>;
  void check_upload(Request head, UploadCheck done);
  // Ends the console's thread; requests still queued are dropped unanswered
  // (run_wss_server calls it before its loop ends; their connections close).
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sodiem::server::console
