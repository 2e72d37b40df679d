// The console's front door and thread (see console.hpp): page files and
// refusals at once on the caller's thread, API requests queued (bounded) to
// the console's thread, which checks the session and its CSRF token and
// routes them to the pages' handlers.
#include "sodiem/server/console/console.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include "console_impl.hpp"
#include "sodiem/core/web_guard.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/status_page.hpp"
#include "sodiem/server/sync_service.hpp"

namespace sodiem::server::console {

namespace {

constexpr const char* kCsrfRefused = "yêu cầu thiếu mã chống giả mạo (CSRF) hoặc mã không đúng: hãy tải lại trang";
constexpr const char* kSignedOut = "chưa đăng nhập hoặc phiên làm việc đã hết hạn: hãy đăng nhập lại";

using Handler = Response (*)(Console::Impl&, const Actor&, const Request&);
struct Route {
  const char* method;
  const char* path;
  Handler handler;
};

Response do_logout(Console::Impl& c, const Actor& a, const Request& r) { return c.logout(a, r); }
Response do_session(Console::Impl& c, const Actor& a, const Request& r) { return c.session_info(a, r); }

constexpr Route kRoutes[] = {
    {"GET", "/api/session", do_session},
    {"POST", "/api/logout", do_logout},
    {"GET", "/api/progress", api_progress},
    {"GET", "/api/gradebook", api_gradebook},
    {"GET", "/api/history", api_history},
    {"GET", "/api/corrections", api_corrections},
    {"POST", "/api/corrections/decide", api_decide},
    {"GET", "/api/locks", api_locks},
    {"POST", "/api/locks/add", api_lock_add},
    {"POST", "/api/locks/remove", api_lock_remove},
    {"GET", "/api/approvals", api_approvals},
    {"GET", "/api/approvals/board", api_approval_board},
    {"POST", "/api/approvals/unapprove", api_unapprove},
    {"GET", "/api/yearend", api_year_end},
    {"POST", "/api/locks/exception/add", api_exception_add},
    {"POST", "/api/locks/exception/remove", api_exception_remove},
    {"POST", "/api/locks/grace", api_grace},
    {"POST", "/api/locks/term", api_entry_window},
    {"GET", "/api/audit", api_audit},
    {"GET", "/api/audit/verify", api_audit_verify},
    {"GET", "/api/accounts", api_accounts},
    {"POST", "/api/accounts/create", api_account_create},
    {"POST", "/api/accounts/action", api_account_action},
    {"POST", "/api/devices/revoke", api_device_revoke},
    {"GET", "/api/lockouts", api_lockouts},
    {"POST", "/api/lockouts/lift", api_lockout_lift},
    {"GET", "/api/class-subjects", api_class_subjects},
    {"POST", "/api/class-subjects/set", api_class_subjects_set},
    {"POST", kImportPath.data(), api_import},
    {"GET", "/api/print/gradebook", api_print_gradebook},
    {"GET", "/api/print/board", api_print_board},
    {"GET", "/api/print/transcript", api_print_transcript},
};

}  // namespace

Console::Impl::Impl(SyncService& service, const std::string& db_path, const Clock& c, ConsoleLimits l,
                    ConsolePrinters p)
    : limiter(service.login_limiter()), kdf(service.kdf_pool()), clock(c), limits(l), printers(p),
      db(open_server_db(db_path)) {
  school_name = get_meta(*db, "school_name");
  worker = std::thread([this] { run(); });
}

Console::Impl::~Impl() { stop(); }

bool Console::Impl::post(std::function<void()> task, bool bounded) {
  {
    std::lock_guard lock(mutex);
    if (stopping || (bounded && queue.size() >= tuning::kConsoleMaxQueued)) return false;
    queue.push_back(std::move(task));
  }
  cv.notify_one();
  return true;
}

void Console::Impl::stop() {
  {
    std::lock_guard lock(mutex);
    stopping = true;
  }
  cv.notify_all();
  if (worker.joinable()) worker.join();
  std::lock_guard lock(mutex);
  queue.clear();  // the requests never answered: their connections are closed by the server
}

void Console::Impl::run() {
  pthread_setname_np(pthread_self(), "sodiem-console");
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex);
      cv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (stopping) return;  // queued tasks are dropped: their connections close with the server
      task = std::move(queue.front());
      queue.pop_front();
    }
    task();
  }
}

const Directory& Console::Impl::directory() {
  const auto version = std::stoull(get_meta(*db, "roster_version", "1"));
  if (roster_version < 0 || static_cast<std::uint64_t>(roster_version) != version) {
    dir = Directory();
    dir.load(*db);
    roster_version = static_cast<std::int64_t>(version);
  }
  return dir;
}

Result<Actor> Console::Impl::actor_of(const Request& req) {
  const std::string token = web::cookie_value(req.cookie, kCookieName);
  if (token.empty()) return Status(ErrorCode::kUnauthenticated, kSignedOut);
  const auto now = clock.now_unix_seconds();
  auto session = find_session(*db, token, now, limits);
  if (!session) return Status(ErrorCode::kUnauthenticated, kSignedOut);
  const UserAccess* user = directory().user(session->user_id);
  if (!user || user->disabled) {
    end_session(*db, session->id, now);
    return Status(ErrorCode::kUnauthenticated, "tài khoản đã bị khóa: phiên làm việc đã kết thúc");
  }
  return Actor{*session, *user};
}

void Console::Impl::route(Request& req, const Reply& reply) {
  try {
    if (req.path == "/api/login") {
      if (req.method != "POST") return reply(error_response(405, "METHOD", "đăng nhập bằng POST"));
      return login(req, reply);
    }
    const Route* route = nullptr;
    bool path_known = false;
    for (const auto& r : kRoutes) {
      if (req.path != r.path) continue;
      path_known = true;
      if (req.method == r.method || (req.method == "HEAD" && std::string_view(r.method) == "GET")) route = &r;
    }
    if (!path_known) return reply(error_response(404, "NOT_FOUND", "không có chức năng này"));
    auto actor = actor_of(req);
    if (!actor) {
      Response res = status_response(actor.status());
      res.headers.emplace_back("Set-Cookie", cleared_cookie());
      return reply(std::move(res));
    }
    if (!route) return reply(error_response(405, "METHOD", "thao tác không được hỗ trợ"));
    if (req.method == "POST" && !web::same_secret(req.csrf_header, actor->session.csrf))
      return reply(error_response(403, "CSRF", kCsrfRefused));
    reply(route->handler(*this, *actor, req));
  } catch (const std::exception& e) {
    spdlog::error("console: {} {}: {}", req.method, req.path, e.what());
    reply(error_response(500, "INTERNAL", "lỗi máy chủ, hãy thử lại sau"));
  }
}

std::optional<Response> Console::Impl::upload_refusal(const Request& head) {
  auto actor = actor_of(head);
  if (!actor) {
    Response res = status_response(actor.status());
    res.headers.emplace_back("Set-Cookie", cleared_cookie());
    return res;
  }
  if (!web::same_secret(head.csrf_header, actor->session.csrf)) return error_response(403, "CSRF", kCsrfRefused);
  if (!imports_rosters(actor->user)) return error_response(403, "FORBIDDEN", kImportOnly);
  return std::nullopt;
}

Console::Console(SyncService& service, const std::string& db_path, const Clock& clock, ConsoleLimits limits,
                 ConsolePrinters printers)
    : impl_(std::make_unique<Impl>(service, db_path, clock, limits, printers)) {}

Console::~Console() { stop(); }

void Console::stop() { impl_->stop(); }

void Console::handle(Request req, Reply reply) {
  Reply answer = [reply = std::move(reply)](Response res) {
    web::add_security_headers(res.headers);
    reply(std::move(res));
  };
  if (auto refusal = admit(req)) return answer(std::move(*refusal));
  if (req.path.rfind("/api/", 0) != 0) {
    if (req.method != "GET" && req.method != "HEAD") return answer(error_response(405, "METHOD", "thao tác không được hỗ trợ"));
    if (req.path == "/status") {  // the server's status page, as before the console
      Response res;
      res.content_type = "text/html; charset=utf-8";
      res.body = status_page_html(impl_->school_name);
      return answer(std::move(res));
    }
    if (auto page = page_file(req.path)) return answer(std::move(*page));
    return answer(error_response(404, "NOT_FOUND", "không có trang này"));
  }
  auto shared = std::make_shared<Request>(std::move(req));
  Impl* impl = impl_.get();
  if (!impl->post([impl, shared, answer] { impl->route(*shared, answer); }, /*bounded=*/true))
    answer(error_response(503, "BUSY", "máy chủ đang bận, hãy thử lại sau ít phút"));
}

void Console::check_upload(Request head, UploadCheck done) {
  auto refuse = [done](Response res) {
    web::add_security_headers(res.headers);
    done(std::move(res));
  };
  if (auto refusal = admit(head)) return refuse(std::move(*refusal));
  auto shared = std::make_shared<Request>(std::move(head));
  Impl* impl = impl_.get();
  if (!impl->post(
          [impl, shared, done, refuse] {
            try {
              if (auto refusal = impl->upload_refusal(*shared)) return refuse(std::move(*refusal));
              done(std::nullopt);
            } catch (const std::exception& e) {
              spdlog::error("console: upload check {}: {}", shared->path, e.what());
              refuse(error_response(500, "INTERNAL", "lỗi máy chủ, hãy thử lại sau"));
            }
          },
          /*bounded=*/true))
    refuse(error_response(503, "BUSY", "máy chủ đang bận, hãy thử lại sau ít phút"));
}

}  // namespace sodiem::server::console
