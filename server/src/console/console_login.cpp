// The console's login, logout and session answer. A login is the same
// password check as a `sodiem-server` command acting for a person
// (password_gate.hpp: the shared LoginLimiter and lockouts, audited refusals,
// an issued password replaced at first use), in its steps: the record on the
// console's thread, the hashing on the SyncService's KdfPool, the verdict
// back on the console's thread, where the session is opened and audited.
#include <nlohmann/json.hpp>

#include "console_impl.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/class_choices.hpp"
#include "sodiem/server/kdf_pool.hpp"
#include "sodiem/server/login_limiter.hpp"
#include "sodiem/server/password_gate.hpp"

namespace sodiem::server::console {

namespace {

constexpr const char* kMustChange =
    "Mật khẩu này do nhà trường cấp: hãy đặt mật khẩu mới (ít nhất 8 kí tự) trước khi dùng bảng điều khiển.";
constexpr const char* kBusy = "Máy chủ đang bận kiểm tra nhiều lần đăng nhập; hãy thử lại sau 1 phút.";

// A password as typed (never normalised: it must match what was set), at most 256 bytes.
Result<std::string> secret_field(const nlohmann::json& obj, const char* key, bool required) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty())) {
    if (required) return Status(ErrorCode::kInvalidValue, "hãy nhập mật khẩu");
    return std::string();
  }
  if (!it->is_string() || it->get_ref<const std::string&>().size() > 256 ||
      protocol::text_problem(it->get_ref<const std::string&>(), protocol::TextKind::kSecret))
    return Status(ErrorCode::kInvalidValue, "mật khẩu có kí tự không hợp lệ hoặc quá dài");
  return it->get<std::string>();
}

}  // namespace

void Console::Impl::login(const Request& req, const Reply& reply) {
  auto body = body_object(req);
  if (!body) return reply(status_response(body.status()));
  auto username = text_field(*body, "username", protocol::TextKind::kName, 64, true);
  if (!username) return reply(status_response(username.status()));
  auto password = secret_field(*body, "password", true);
  if (!password) return reply(status_response(password.status()));
  auto new_password = secret_field(*body, "new_password", false);
  if (!new_password) return reply(status_response(new_password.status()));

  struct State {
    ActorCredentials who;
    PasswordRecord record;
    CheckedPassword check;
    bool failed = false;
  };
  auto st = std::make_shared<State>();
  st->who.username = *username;
  st->who.password = *password;
  st->who.new_password = *new_password;
  st->who.command = "console login";
  st->who.address = req.address;
  auto record = begin_actor_check(*db, limiter, clock, st->who);
  if (!record) return reply(status_response(record.status()));
  st->record = *record;

  auto finish = [this, st, reply] {
    try {
      if (st->failed) {
        limiter.abandon(st->who.username, st->who.address);
        return reply(error_response(500, "INTERNAL", "lỗi máy chủ, hãy thử lại sau"));
      }
      const Status verdict = finish_actor_check(*db, limiter, clock, st->who, st->record, st->check);
      if (verdict.code() == ErrorCode::kPasswordChangeRequired)
        return reply(error_response(403, "PASSWORD_CHANGE_REQUIRED", kMustChange));
      if (!verdict) return reply(status_response(verdict));
      const auto now = clock.now_unix_seconds();
      store::Transaction tx(*db);
      const std::string token = open_session(*db, st->record.user_id, st->who.username, st->who.address, now);
      tx.commit();
      Response res = json_response({{"username", st->who.username}, {"csrf", csrf_of(token)}});
      res.headers.emplace_back("Set-Cookie", session_cookie(token));
      reply(std::move(res));
    } catch (const std::exception& e) {
      reply(error_response(500, "INTERNAL", "lỗi máy chủ, hãy thử lại sau"));
    }
  };
  auto check = [this, st, finish = std::move(finish)]() mutable {
    try {
      st->check = check_actor_password(st->record, st->who);
    } catch (const std::exception&) {
      st->failed = true;
    }
    post(std::move(finish), /*bounded=*/false);  // a verdict is never dropped while the console runs
  };
  if (!kdf.submit(std::move(check))) {
    limiter.abandon(st->who.username, st->who.address);
    reply(error_response(429, "RATE_LIMITED", kBusy));
  }
}

Response Console::Impl::logout(const Actor& actor, const Request& req) {
  const auto now = clock.now_unix_seconds();
  {
    store::Transaction tx(*db);
    db->prepare("UPDATE console_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL")
        .bind(1, now)
        .bind(2, actor.session.id)
        .run();
    append_audit(*db, {now, actor.user.username, "", "console_logout", nlohmann::json{{"address", req.address}}.dump()});
    tx.commit();
  }
  Response res = json_response({{"ok", true}});
  res.headers.emplace_back("Set-Cookie", cleared_cookie());
  return res;
}

Response Console::Impl::session_info(const Actor& actor, const Request&) {
  return json_response({{"username", actor.user.username},
                        {"roles", actor.user.roles},
                        {"pages", pages_of(actor.user, chooses_class_subjects(actor.user) && has_choosing_classes(*db))},
                        {"csrf", actor.session.csrf},
                        {"school", school_name},
                        {"idle_minutes", limits.session_idle.count() / 60}});
}

}  // namespace sodiem::server::console
