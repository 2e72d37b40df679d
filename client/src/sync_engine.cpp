#include "sodiem/client/sync_engine.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <thread>

#include "sodiem/client/audit_watch.hpp"
#include "sodiem/protocol/codec.hpp"

namespace sodiem::client {

using namespace protocol;

namespace {

Result<Message> receive_message(Transport& t, std::chrono::milliseconds timeout) {
  auto bytes = t.receive(timeout);
  if (!bytes) return bytes.status();
  Decoded d = decode(*bytes);
  if (!d.message) return Status(d.code, "máy chủ gửi dữ liệu không hợp lệ: " + d.error);
  if (auto* e = std::get_if<Error>(&*d.message)) return Status(e->code, e->message);
  return std::move(*d.message);
}

bool retryable(ErrorCode code) {
  switch (advice(code)) {
    case RetryAdvice::kRetryLater: return true;
    case RetryAdvice::kFatal: return code == ErrorCode::kMalformed;  // e.g. a seq gap: resend from the mark
    default: return false;
  }
}

}  // namespace

SyncEngine::SyncEngine(LocalStore& store, TransportFactory factory, SyncOptions options)
    : store_(store), factory_(std::move(factory)), options_(options) {}

Result<SyncReport> SyncEngine::sync() {
  // A closed year's copy never reaches the server (nor is any of it changed).
  if (auto st = store_.closed_year_refusal(); !st) return st;
  SyncReport report;
  std::mt19937_64 rng(std::random_device{}());
  Status last;
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (attempt > 0) {
      // Capped exponential backoff with full jitter in [d/2, d].
      std::chrono::milliseconds d = options_.backoff_initial * (1LL << std::min(attempt - 1, 20));
      d = std::min(d, options_.backoff_max);
      std::uniform_int_distribution<long long> jitter(d.count() / 2, std::max<long long>(d.count(), 1));
      std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
    }
    ++report.attempts;
    auto transport = factory_();
    last = sync_round(*transport, report);
    const auto traffic = transport->stats();
    report.bytes_sent += traffic.bytes_sent;
    report.bytes_received += traffic.bytes_received;
    if (last.is_ok()) {
      store_.set_last_sync(SystemClock::instance().now_unix_seconds());
      return report;
    }
    if (!retryable(last.code())) break;
  }
  return last;
}

Status SyncEngine::sync_round(Transport& t, SyncReport& report) {
  auto enrollment = store_.enrollment();
  if (!enrollment) return Status(ErrorCode::kUnauthenticated, "máy này chưa đăng ký: chạy `sodiem enroll` trước");
  if (auto st = store_.closed_year_refusal(); !st) return st;
  if (auto st = t.connect(); !st) return st;

  std::uint64_t outstanding = 0;
  auto send_bytes = [&](std::string bytes) -> Status {
    if (outstanding == 0) ++report.round_trips;
    ++outstanding;
    return t.send(std::move(bytes));
  };
  auto send = [&](const Message& m) -> Status { return send_bytes(encode(m)); };

  if (auto st = send(Hello{kProtocolVersion, kSchemaVersion, enrollment->device_id, enrollment->token,
                           store_.school_year()});
      !st)
    return st;
  // The audit trail's head, checked against the one kept at the last sync.
  AuditWatch audit(store_.db());
  AuditRequest audit_asked = audit.request();
  bool audit_pending = true;
  std::string audit_alarm;  // this sync found the trail rewritten
  if (auto st = send(audit_asked); !st) return st;
  if (auto st = send(Pull{store_.cursor(), static_cast<std::uint32_t>(options_.pull_page)}); !st) return st;

  std::uint64_t next_after = 0;  // the highest seq sent on this connection
  std::uint64_t batch_id = 0;
  std::map<std::uint64_t, std::size_t> in_flight;  // batch → op count
  // Correction requests are asked for once everything is sent: the server
  // answers in order, so the list reflects this sync's own requests and decisions.
  bool corrections_asked = false, corrections_pending = false;
  auto fill_window = [&]() -> Status {
    while (in_flight.size() < options_.window) {
      auto push = store_.pending_push(batch_id + 1, next_after, options_.batch_ops, options_.batch_bytes);
      if (push.ops == 0) {
        if (!corrections_asked && store_.wants_corrections()) {
          corrections_asked = corrections_pending = true;
          if (auto st = send(CorrectionsRequest{}); !st) return st;
        }
        break;
      }
      next_after = push.last_seq;
      in_flight[++batch_id] = push.ops;
      if (auto st = send_bytes(std::move(push.message)); !st) return st;
    }
    return Status::ok();
  };
  if (auto st = fill_window(); !st) return st;

  bool welcomed = false, pull_done = false, roster_pending = false;
  while (!(welcomed && pull_done && !roster_pending && !corrections_pending && !audit_pending && in_flight.empty())) {
    auto msg = receive_message(t, options_.reply_timeout);
    if (!msg) return msg.status();
    if (outstanding > 0) --outstanding;
    if (auto* w = std::get_if<Welcome>(&*msg)) {
      welcomed = true;
      // A new school year: this device's pushes (of the old one) are refused
      // and kept by the server; the old year's cells leave this store.
      store_.enter_school_year(w->school_year);
      // The server knows less than we delivered (restored from a backup):
      // give it back everything above its mark.
      if (w->device_high_seq < store_.max_acked_seq()) {
        store_.requeue_after(w->device_high_seq);
        next_after = std::min(next_after, w->device_high_seq);
      }
      if (w->roster_version != store_.roster_version()) {
        roster_pending = true;
        if (auto st = send(RosterRequest{}); !st) return st;
      }
      if (auto st = fill_window(); !st) return st;
    } else if (auto* ack = std::get_if<Ack>(&*msg)) {
      // The next batch goes out first, so the server works on it while this
      // ack is recorded (the outbox read does not depend on it).
      in_flight.erase(ack->batch_id);
      if (auto st = fill_window(); !st) return st;
      store_.apply_ack(*ack);
      for (const auto& run : ack->accepted) report.pushed += run.count;
      for (const auto& o : ack->outcomes) {
        ++report.pushed;
        if (o.code == ErrorCode::kConflict) ++report.conflicts;
        else if (advice(o.code) == RetryAdvice::kShowUser) ++report.rejected;
      }
    } else if (auto* changes = std::get_if<Changes>(&*msg)) {
      store_.apply_changes(*changes);
      report.pulled += changes->changes.size();
      if (changes->more) {
        if (auto st = send(Pull{changes->cursor, static_cast<std::uint32_t>(options_.pull_page)}); !st) return st;
      } else {
        pull_done = true;
      }
    } else if (auto* list = std::get_if<CorrectionList>(&*msg)) {
      store_.apply_corrections(*list);
      corrections_pending = false;
    } else if (auto* roster = std::get_if<Roster>(&*msg)) {
      store_.apply_roster(*roster);
      roster_pending = false;
    } else if (auto* head = std::get_if<AuditHead>(&*msg)) {
      auto verdict = audit.check(audit_asked, *head);
      if (verdict.kind == AuditWatch::Verdict::kAskAgain) {
        audit_asked = verdict.again;
        if (auto st = send(audit_asked); !st) return st;
      } else if (verdict.kind == AuditWatch::Verdict::kRewritten) {
        audit_alarm = verdict.message;
        if (auto st = send(verdict.alarm); !st) return st;  // the server records it, then answers
      } else {
        audit_pending = false;
      }
    } else if (std::holds_alternative<AuditAlarmNoted>(*msg)) {
      audit_pending = false;
    } else {
      return Status(ErrorCode::kMalformed, std::string("unexpected message '") + std::string(type_name(*msg)) + "'");
    }
  }
  t.close();
  // Every mark went through; the alarm stands until a person looks.
  if (!audit_alarm.empty()) return Status(ErrorCode::kAuditMismatch, audit_alarm);
  return Status::ok();
}

Result<History> fetch_history(LocalStore& store, Transport& t, const CellKey& cell) {
  auto e = store.enrollment();
  if (!e) return Status(ErrorCode::kUnauthenticated, "máy này chưa đăng ký: chạy `sodiem enroll` trước");
  if (auto st = store.closed_year_refusal(); !st) return st;
  if (auto st = t.connect(); !st) return st;
  if (auto st = t.send(encode(Hello{.device_id = e->device_id, .token = e->token})); !st) return st;
  if (auto st = t.send(encode(HistoryRequest{cell})); !st) return st;
  for (int i = 0; i < 2; ++i) {
    auto msg = receive_message(t, tuning::kReplyTimeout);
    if (!msg) return msg.status();
    if (auto* h = std::get_if<History>(&*msg)) {
      t.close();
      if (!h->error.empty()) return Status(ErrorCode::kForbidden, h->error);
      return std::move(*h);
    }
  }
  return Status(ErrorCode::kMalformed, "máy chủ không trả lời yêu cầu lịch sử");
}

Status change_password(LocalStore& store, Transport& t, const std::string& current, const std::string& next) {
  auto e = store.enrollment();
  if (!e) return Status(ErrorCode::kUnauthenticated, "máy này chưa đăng ký: chạy `sodiem enroll` trước");
  if (auto st = store.closed_year_refusal(); !st) return st;
  if (auto st = t.connect(); !st) return st;
  if (auto st = t.send(encode(Hello{.device_id = e->device_id, .token = e->token})); !st) return st;
  if (auto st = t.send(encode(PasswordChange{current, next})); !st) return st;
  for (int i = 0; i < 2; ++i) {
    auto msg = receive_message(t, tuning::kReplyTimeout);
    if (!msg) return msg.status();
    if (std::holds_alternative<PasswordChanged>(*msg)) {
      t.close();
      return Status::ok();
    }
  }
  return Status(ErrorCode::kMalformed, "máy chủ không trả lời yêu cầu đổi mật khẩu");
}

Status enroll(LocalStore& store, Transport& t, const Endpoint& endpoint, const std::string& username,
              const std::string& password, const std::string& device_name, const std::string& new_password) {
  if (auto st = store.closed_year_refusal(); !st) return st;
  if (auto st = t.connect(); !st) return st;
  if (auto st = t.send(encode(Login{kProtocolVersion, kSchemaVersion, username, password, device_name, new_password}));
      !st)
    return st;
  if (auto st = t.send(encode(RosterRequest{})); !st) return st;
  auto welcome = receive_message(t, tuning::kReplyTimeout);
  if (!welcome) return welcome.status();
  auto* w = std::get_if<Welcome>(&*welcome);
  if (!w || w->token.empty()) return Status(ErrorCode::kMalformed, "máy chủ không trả về mã thiết bị");
  auto roster = receive_message(t, tuning::kReplyTimeout);
  if (!roster) return roster.status();
  auto* r = std::get_if<Roster>(&*roster);
  if (!r) return Status(ErrorCode::kMalformed, "máy chủ không gửi danh sách lớp");
  Enrollment e;
  e.server_url = endpoint.url;
  e.fingerprint = endpoint.fingerprint.empty() ? seen_fingerprint(t) : endpoint.fingerprint;
  e.device_id = w->device_id;
  e.token = w->token;
  e.username = w->username;
  store.save_enrollment(e, w->server_epoch);
  store.apply_roster(*r);
  t.close();
  return Status::ok();
}

}  // namespace sodiem::client
