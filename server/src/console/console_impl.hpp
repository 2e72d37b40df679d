// The console's inside (internal to server/src/console/): its thread and
// database connection, the request guard, sessions, and the API handlers.
// Everything here but the guard and the page files runs on the console's
// own thread; a password check runs on the SyncService's KdfPool and comes
// back to that thread as a queued task.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "sodiem/core/status.hpp"
#include "sodiem/protocol/text.hpp"
#include "sodiem/server/console/console.hpp"
#include "sodiem/server/directory.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {
class KdfPool;
class LoginLimiter;
}  // namespace sodiem::server

namespace sodiem::server::console {

// Who sees which page: one place for the page list and every handler.
inline bool any_role(const UserAccess& u, std::initializer_list<std::string_view> roles) {
  for (auto r : roles)
    if (u.has_role(r)) return true;
  return false;
}
inline bool sees_progress(const UserAccess& u) { return any_role(u, {"HT", "PHT", "TTCM"}); }
inline bool decides_corrections(const UserAccess& u) { return any_role(u, {"HT", "PHT"}); }
inline bool manages_locks(const UserAccess& u) { return any_role(u, {"HT", "PHT", "ADMIN"}); }
inline bool reads_audit(const UserAccess& u) { return any_role(u, {"HT", "PHT", "ADMIN"}); }
inline bool sees_approvals(const UserAccess& u) { return any_role(u, {"HT", "PHT"}); }
inline bool unapproves(const UserAccess& u) { return u.has_role("HT"); }
// Cuối năm: the year-end lists and what still keeps boards from being signed.
inline bool sees_year_end(const UserAccess& u) { return sees_approvals(u); }
inline bool manages_accounts(const UserAccess& u) { return any_role(u, {"ADMIN", "HT"}); }
// Nhập danh sách: the roster and staff import (and its upload's slot, Console::check_upload).
inline bool imports_rosters(const UserAccess& u) { return manages_accounts(u); }
inline constexpr const char* kImportOnly = "Nhập danh sách chỉ dành cho quản trị hệ thống và Hiệu trưởng";
// Môn lựa chọn: the page; setting a choice is checked again by set_class_choices.
inline bool chooses_class_subjects(const UserAccess& u) { return any_role(u, {"HT", "ADMIN"}); }
// A cell's history: from Tiến độ and the queue, and from the audit trail.
inline bool sees_cell_history(const UserAccess& u) { return sees_progress(u) || reads_audit(u); }

// ---- answers (console_guard.cpp) ----
Response json_response(const nlohmann::json& body, int status = 200);
Response error_response(int status, std::string_view code, std::string_view message);
// The HTTP status and answer for a refusal by a server function.
Response status_response(const Status& st);
// The embedded page file at `path` ("/" = index.html), or none.
std::optional<Response> page_file(const std::string& path);

// ---- the guard (console_guard.cpp): every request, on the caller's thread ----
// Fills req.path and req.query; the refusal to send instead, or none. GET
// and HEAD read; POST (JSON only, same origin) changes; nothing else.
std::optional<Response> admit(Request& req);
// The JSON object of a POST body: bounded depth, then parsed (well-formed UTF-8).
Result<nlohmann::json> body_object(const Request& req);
// A string field of a JSON object as acceptable text of `kind`, in NFC, at
// most max_chars characters; "" when absent and !required.
Result<std::string> text_field(const nlohmann::json& obj, const char* key, protocol::TextKind kind,
                               std::size_t max_chars, bool required);

// The positive integer "id" of a POST body (a request, a lock, an exception).
Result<std::int64_t> id_field(const nlohmann::json& body);
// A date or time field: "" → `fallback`; "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" (Vietnam time).
Result<std::int64_t> time_field(const nlohmann::json& body, const char* key, std::int64_t fallback);

// A private directory (mkdtemp, 0700) for one request's files, removed with
// them; throws when none can be made (the request's 500).
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const;

 private:
  std::string dir_;
};

// ---- sessions (console_sessions.cpp) ----
inline constexpr const char* kCookieName = "__Host-sodiem_console";
struct Session {
  std::int64_t id = 0, user_id = 0;
  std::string csrf;  // derived from the token, never stored
  std::int64_t created_at = 0, last_used_at = 0;
};
// The CSRF token of a session token (SHA-256 of it under a label): the page
// reads it from /api/session; the database keeps neither.
std::string csrf_of(const std::string& token);
// A new session for the user, inside the caller's transaction, with the
// audit entry of the login (console_login) it is bound to: its random token
// (only its hash is stored).
std::string open_session(store::Db& db, std::int64_t user_id, const std::string& username, const std::string& address,
                         std::int64_t now);
// The live session of `token`, its last use moved to now; none when
// unknown, ended, idle too long or too old (an expired one is ended).
std::optional<Session> find_session(store::Db& db, const std::string& token, std::int64_t now,
                                    const ConsoleLimits& limits);
void end_session(store::Db& db, std::int64_t id, std::int64_t now);
std::string session_cookie(const std::string& token);
std::string cleared_cookie();

// ---- the thread ----
struct Actor {
  Session session;
  UserAccess user;
};

struct Console::Impl {
  Impl(SyncService& service, const std::string& db_path, const Clock& clock, ConsoleLimits limits,
       ConsolePrinters printers);
  ~Impl();
  // Queues a task for the thread; false (nothing queued) when stopped, or
  // when `bounded` and kConsoleMaxQueued tasks already wait.
  bool post(std::function<void()> task, bool bounded);
  void stop();
  void run();
  // On the thread: an API request, answered through reply.
  void route(Request& req, const Reply& reply);
  // The signed-in user of req, or the refusal (401).
  Result<Actor> actor_of(const Request& req);
  // On the thread: why an upload's head may not send its body (see
  // Console::check_upload), or none.
  std::optional<Response> upload_refusal(const Request& head);
  // The roster and accounts, re-read when another writer changed them.
  const Directory& directory();

  // console_login.cpp
  void login(const Request& req, const Reply& reply);
  Response logout(const Actor& actor, const Request& req);
  Response session_info(const Actor& actor, const Request& req);

  LoginLimiter& limiter;
  KdfPool& kdf;
  const Clock& clock;
  const ConsoleLimits limits;
  const ConsolePrinters printers;
  std::unique_ptr<store::Db> db;
  std::string school_name;
  Directory dir;
  std::int64_t roster_version = -1;  // of `dir`

  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::function<void()>> queue;
  bool stopping = false;
  std::thread worker;
};

// ---- the pages' API (console_pages.cpp, console_corrections.cpp) ----
// Which pages the user's roles open: "progress", "corrections",
// "locks", "approvals", "yearend", "audit", "accounts", "import", and
// "subjects" when the school has THPT classes (`thpt`: class_choice_rows
// is not empty).
std::vector<std::string> pages_of(const UserAccess& user, bool thpt);
Response api_progress(Console::Impl& c, const Actor& a, const Request& req);
Response api_gradebook(Console::Impl& c, const Actor& a, const Request& req);
// A cell's story (the same cell_history as `sodiem-server history`).
Response api_history(Console::Impl& c, const Actor& a, const Request& req);
Response api_corrections(Console::Impl& c, const Actor& a, const Request& req);
Response api_decide(Console::Impl& c, const Actor& a, const Request& req);
Response api_locks(Console::Impl& c, const Actor& a, const Request& req);
Response api_lock_add(Console::Impl& c, const Actor& a, const Request& req);
Response api_lock_remove(Console::Impl& c, const Actor& a, const Request& req);
inline constexpr const char* kLocksOnly = "Trang khóa sổ chỉ dành cho Ban giám hiệu và quản trị viên";
// Exceptions and the offline grace window (console_exceptions.cpp), as
// `sodiem-server exception add|remove` and `grace --hours`: the exceptions
// in force for api_locks; add {user, class, subject, column, until, reason},
// remove {id}, grace {hours}.
nlohmann::json exceptions_json(store::Db& db, std::int64_t now);
Response api_exception_add(Console::Impl& c, const Actor& a, const Request& req);
Response api_exception_remove(Console::Impl& c, const Actor& a, const Request& req);
Response api_grace(Console::Impl& c, const Actor& a, const Request& req);
// Entry windows (console_terms.cpp), as `sodiem-server term set`: the
// current year's terms [{"term", "starts_on", "ends_on", "opens", "closes"}]
// for api_locks; set {term, opens, closes} (YYYY-MM-DD).
nlohmann::json entry_windows_json(store::Db& db);
Response api_entry_window(Console::Impl& c, const Actor& a, const Request& req);
// Nhật ký (console_audit.cpp): the trail searched, and its verdict.
Response api_audit(Console::Impl& c, const Actor& a, const Request& req);
Response api_audit_verify(Console::Impl& c, const Actor& a, const Request& req);
// Phê duyệt (console_approvals.cpp): the chain of each class, the board a
// class-level step signs with its digest, unapprove {"class", "term", "reason"}.
Response api_approvals(Console::Impl& c, const Actor& a, const Request& req);
Response api_approval_board(Console::Impl& c, const Actor& a, const Request& req);
Response api_unapprove(Console::Impl& c, const Actor& a, const Request& req);
// Cuối năm (console_year_end.cpp): ?term=HK1|HK2 (HK2 by default) [&class]:
// {"term", "outcomes": the JSON of `sodiem-server outcomes --json`,
// "missing": [{"class", "grade", "count", "by_subject": {subject: count},
// "cells": [{"student", "name", "subject", "column"}] (the first 200)}]} —
// each class board's empty required cells.
Response api_year_end(Console::Impl& c, const Actor& a, const Request& req);
// Tài khoản (console_accounts.cpp): list, create, reset / unlock / disable /
// enable ({"action", "username", "reason"}), revoke a device.
Response api_accounts(Console::Impl& c, const Actor& a, const Request& req);
Response api_account_create(Console::Impl& c, const Actor& a, const Request& req);
Response api_account_action(Console::Impl& c, const Actor& a, const Request& req);
Response api_device_revoke(Console::Impl& c, const Actor& a, const Request& req);
// Tạm khóa đăng nhập (console_lockouts.cpp): the accounts and addresses
// locked out now; lift one ({"scope": "account"|"address", "key"}).
Response api_lockouts(Console::Impl& c, const Actor& a, const Request& req);
Response api_lockout_lift(Console::Impl& c, const Actor& a, const Request& req);
// Môn lựa chọn (console_class_subjects.cpp), as `sodiem-server class
// subjects`: each THPT class's choice and what its grade offers
// {"classes": [{"class", "grade", "chosen", "electives", "topics",
// "offer": {"electives", "topics"}}]}; set {"class", "electives": [..], "topics": [..]}.
Response api_class_subjects(Console::Impl& c, const Actor& a, const Request& req);
Response api_class_subjects_set(Console::Impl& c, const Actor& a, const Request& req);

// Nhập danh sách (console_import.cpp): the roster or staff file, all or
// nothing, as `sodiem-server import students|staff`; the one route whose
// body may reach kConsoleMaxImportBytes (console_beast.cpp).
inline constexpr std::string_view kImportPath = "/api/import";
Response api_import(Console::Impl& c, const Actor& a, const Request& req);
// The printed records as PDF downloads (console_print.cpp), by the functions
// of `sodiem-server print` (c.printers): a class × subject grade book
// (?class&subject&term, who may read that book), the class board
// (?class&term) and transcripts (?class[&student]) for whoever may read the
// whole class (the leadership, its homeroom teacher).
Response api_print_gradebook(Console::Impl& c, const Actor& a, const Request& req);
Response api_print_board(Console::Impl& c, const Actor& a, const Request& req);
Response api_print_transcript(Console::Impl& c, const Actor& a, const Request& req);

}  // namespace sodiem::server::console
