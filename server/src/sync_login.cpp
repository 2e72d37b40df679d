// SyncService, continued: the password paths (login, `password` change) with
// throttling and hashing off the worker, the welcome, and the re-check of a
// welcomed device's standing. Runs on the SyncService worker thread, except
// the `check` closures, which run on the KdfPool.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/directory.hpp"
#include "sodiem/server/kdf_pool.hpp"
#include "sodiem/server/login_limiter.hpp"
#include "sodiem/server/password_gate.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/sync_service.hpp"
#include "sodiem/server/wal_syncer.hpp"
#include "sync_peer.hpp"

namespace sodiem::server {

using namespace protocol;

namespace {

constexpr const char* kBusy = "Máy chủ đang bận kiểm tra nhiều lần đăng nhập; hãy thử lại sau 1 phút.";
constexpr const char* kWrongCurrent = "Mật khẩu hiện tại không đúng";

}  // namespace

void SyncService::notice_other_writers() {
  // Let go of for a restore (found on a new connection, or another epoch):
  // nothing more from this service's caches, nor its connection.
  if (replaced_ || restore_held_) throw SchoolRestoring();
  const std::int64_t v = db_->data_version();  // first: replaces a lost connection
  if (v != data_version_) {
    data_version_ = v;
    ++standing_epoch_;
  }
  if (db_->reconnects() != reconnects_) {
    // A restore may have replaced the school while the connection was lost
    // (the serving lock, taken again on the new one, waited for it): this
    // service's epoch, caches and high-water marks are another school's now.
    // Nothing more is served from them; the school is let go of and opened
    // again (restore_requested()), so devices see the new epoch.
    if (get_meta(*db_, "epoch") != epoch_) {
      if (!replaced_.exchange(true)) spdlog::warn("the school was restored while this server's connection was lost: "
                                                  "refusing its requests until it is opened again");
      throw std::runtime_error("the school was restored meanwhile (another epoch)");
    }
    // A push group whose COMMIT the lost connection cut off is in doubt: it
    // may have been applied though it was rolled back here. The database's
    // high-water marks decide, so that a resent op is known as applied.
    auto s = db_->prepare("SELECT id, high_seq FROM devices");  // the school's: one read, not one per device
    while (s.step()) {
      if (auto it = high_seq_.find(s.int64(0)); it != high_seq_.end())
        it->second = static_cast<std::uint64_t>(s.int64(1));
    }
    reconnects_ = db_->reconnects();
  }
}

Status SyncService::still_allowed(Peer& peer) {
  if (peer.standing_checked == standing_epoch_) return Status::ok();
  Status st = accounts_->device_standing(peer.device_row);
  if (st) peer.standing_checked = standing_epoch_;
  else spdlog::info("device {} refused mid-session: {}", peer.device_public_id, st.message());
  return st;
}

void SyncService::welcome(const std::shared_ptr<Peer>& peer, const DeviceContext& device, const std::string& token) {
  peer->device_row = device.row_id;
  peer->device_public_id = device.public_id;
  peer->user_id = device.user_id;
  peer->session_floor = device.session_floor;
  peer->standing_checked = standing_epoch_;
  high_seq_[device.row_id] = device.high_seq;
  if (peer->info.on_authenticated) peer->info.on_authenticated();
  Welcome w;
  w.device_id = device.public_id;
  w.token = token;
  w.server_epoch = epoch_;
  w.device_high_seq = device.high_seq;
  w.username = directory_->username_of(device.user_id);
  w.roster_version = directory_->version();
  w.school_year = directory_->school_year();
  reply(peer, w);
}

bool SyncService::check_off_worker(const std::shared_ptr<Peer>& peer, std::function<void()> check,
                                   std::function<void()> done) {
  peer->awaiting_verdict = true;
  const bool queued = kdf_->submit([this, peer, check = std::move(check), done = std::move(done)]() mutable {
    check();  // does not throw: it records its own failure for `done`
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(Job{peer, {}, false, std::move(done)});
    }
    cv_.notify_one();
  });
  if (!queued) peer->awaiting_verdict = false;
  return queued;
}

void SyncService::begin_login(const std::shared_ptr<Peer>& peer, const Login& login) {
  const std::string address = peer->info.address;
  const auto gate = limiter_->begin(login.username, address);
  if (!gate.allowed) return reply(peer, Error{ErrorCode::kRateLimited, gate.refusal, 0}, true);
  struct State {
    Login login;
    PasswordRecord record;
    CheckedPassword check;
    bool failed = false;
  };
  auto st = std::make_shared<State>(State{login, accounts_->password_record(login.username), {}, false});
  auto check = [st] {
    try {
      st->check = Accounts::check_password(st->record, st->login.password,
                                           st->record.must_change ? st->login.new_password : std::string());
    } catch (const std::exception& e) {
      spdlog::error("password check failed: {}", e.what());
      st->failed = true;
    }
  };
  auto done = [this, peer, st, address] {
    resume_parked(*peer);
    const Login& login = st->login;
    if (st->failed) {
      limiter_->abandon(login.username, address);
      return reply(peer, Error{ErrorCode::kInternal, "lỗi máy chủ, hãy thử lại sau", 0}, true);
    }
    const auto now = clock_.now_unix_seconds();
    if (!st->check.matches) {
      const auto lockouts = limiter_->fail(login.username, address);
      store::Transaction tx(*db_);
      audit_refused_password(*db_, now, login.username, "", "login_failed",
                             nlohmann::json{{"device_name", login.device_name}, {"why", kBadLoginMessage}, {"address", address}}.dump(),
                             lockouts);
      tx.commit();
      return reply(peer, Error{ErrorCode::kUnauthenticated, kBadLoginMessage, 0}, true);
    }
    limiter_->succeed(login.username, address);
    if (peer->closed) return;  // gone while its password was checked: enroll nothing
    store::Transaction tx(*db_);
    auto enrollment =
        accounts_->enroll(login.username, st->record, st->check, login.password, login.device_name, login.new_password);
    if (enrollment && enrollment->password_changed)
      append_audit(*db_, {now, login.username, enrollment->device.public_id, "password_changed", "{}"});
    append_audit(*db_, {now, login.username, enrollment ? enrollment->device.public_id : std::string(),
                        enrollment ? "login" : "login_failed",
                        nlohmann::json{{"device_name", login.device_name},
                                       {"why", enrollment ? std::string() : enrollment.status().message()}}
                            .dump()});
    tx.commit();
    if (!enrollment) return reply(peer, Error{enrollment.status().code(), enrollment.status().message(), 0}, true);
    spdlog::info("device {} enrolled for {}", enrollment->device.public_id, login.username);
    welcome(peer, enrollment->device, enrollment->token);
  };
  if (!check_off_worker(peer, std::move(check), std::move(done))) {
    limiter_->abandon(login.username, address);
    reply(peer, Error{ErrorCode::kRateLimited, kBusy, 0}, true);
  }
}

void SyncService::begin_password_change(const std::shared_ptr<Peer>& peer, const std::string& username,
                                        const PasswordChange& change) {
  const std::string address = peer->info.address;
  const auto gate = limiter_->begin(username, address);
  if (!gate.allowed) return reply(peer, Error{ErrorCode::kRateLimited, gate.refusal, 0}, true);
  struct State {
    PasswordChange change;
    PasswordRecord record;
    CheckedPassword check;
    bool failed = false;
  };
  auto st = std::make_shared<State>(State{change, accounts_->password_record(peer->user_id), {}, false});
  auto check = [st] {
    try {
      st->check = Accounts::check_password(st->record, st->change.current_password, st->change.new_password);
    } catch (const std::exception& e) {
      spdlog::error("password check failed: {}", e.what());
      st->failed = true;
    }
  };
  auto done = [this, peer, st, username, address] {
    resume_parked(*peer);
    if (st->failed) {
      limiter_->abandon(username, address);
      return reply(peer, Error{ErrorCode::kInternal, "lỗi máy chủ, hãy thử lại sau", 0}, true);
    }
    const auto now = clock_.now_unix_seconds();
    // The limiter's verdict first: its lockout store writes on its own
    // connection, which must not wait for this worker's transaction.
    if (!st->check.matches) {
      // A wrong current password ends the session: no second guess on it.
      const auto lockouts = limiter_->fail(username, address);
      store::Transaction tx(*db_);
      audit_refused_password(*db_, now, username, peer->device_public_id, "password_change_failed",
                             nlohmann::json{{"why", kWrongCurrent}, {"address", address}}.dump(), lockouts);
      tx.commit();
      return reply(peer, Error{ErrorCode::kUnauthenticated, kWrongCurrent, 0}, true);
    }
    limiter_->succeed(username, address);
    if (peer->closed || peer->closing) return;  // refused meanwhile (revoked…): change nothing
    store::Transaction tx(*db_);
    const Status s = accounts_->change_password(st->record, st->check, st->change.current_password,
                                                st->change.new_password);
    append_audit(*db_, {now, username, peer->device_public_id, s ? "password_changed" : "password_change_failed",
                        s ? "{}" : nlohmann::json{{"why", s.message()}}.dump()});
    tx.commit();
    // A new password refused (too short, the same): the current one was
    // right, so the session stays open to try another. Any other refusal
    // (changed elsewhere meanwhile) ends it, as every error does.
    if (!s) return reply(peer, Error{s.code(), s.message(), 0}, s.code() != ErrorCode::kInvalidValue);
    reply(peer, PasswordChanged{});
  };
  if (!check_off_worker(peer, std::move(check), std::move(done))) {
    limiter_->abandon(username, address);
    reply(peer, Error{ErrorCode::kRateLimited, kBusy, 0}, true);
  }
}

}  // namespace sodiem::server
