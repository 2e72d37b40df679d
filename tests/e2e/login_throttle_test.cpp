// Password logins against a real SyncService on a real SQLite file:
// throttling and lockouts, the `password` message, rehashing to the current
// KDF strength, hashing off the DB worker, and revocation that ends an open
// session at its next message.
#include <openssl/evp.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <optional>

#include "audited_write.hpp"
#include "loopback_transport.hpp"
#include "sodiem/client/local_store.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "sodiem/core/crypto.hpp"
#include "sodiem/protocol/codec.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/sync_service.hpp"
#include "test_school.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace std::chrono_literals;
using protocol::ErrorCode;

namespace {

// Wall time that the test moves forward; read by the server's threads.
class SteppingClock final : public Clock {
 public:
  std::int64_t now_unix_seconds() const override { return t_.load(); }
  void advance(std::int64_t s) { t_ += s; }

 private:
  std::atomic<std::int64_t> t_{SystemClock::instance().now_unix_seconds()};
};

// One connection straight into the service, from a given remote address.
class PeerClient {
 public:
  PeerClient(server::SyncService& service, const std::string& address) : service_(service) {
    std::weak_ptr<Inbox> weak = inbox_;
    server::SyncService::PeerInfo info;
    info.address = address;
    peer_ = service.open_peer(
        [weak](std::string bytes, bool close_after) {
          auto inbox = weak.lock();
          if (!inbox) return;
          std::lock_guard lock(inbox->mutex);
          inbox->messages.push_back(std::move(bytes));
          inbox->closed = inbox->closed || close_after;
          inbox->cv.notify_all();
        },
        info);
  }
  ~PeerClient() { service_.close_peer(peer_); }
  void send(const protocol::Message& m) { service_.on_message(peer_, protocol::encode(m)); }
  // The next reply, or none once the server closed and everything was read.
  std::optional<protocol::Message> receive(std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(inbox_->mutex);
    inbox_->cv.wait_for(lock, timeout, [&] { return !inbox_->messages.empty() || inbox_->closed; });
    if (inbox_->messages.empty()) return std::nullopt;
    auto d = protocol::decode(inbox_->messages.front());
    inbox_->messages.pop_front();
    return d.message;
  }
  bool closed() {
    std::lock_guard lock(inbox_->mutex);
    return inbox_->closed;
  }

 private:
  struct Inbox {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::string> messages;
    bool closed = false;
  };
  server::SyncService& service_;
  std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();
  std::shared_ptr<server::SyncService::Peer> peer_;
};

protocol::Login login_of(const std::string& user, const std::string& password) {
  protocol::Login l;
  l.username = user;
  l.password = password;
  l.device_name = "máy thử";
  return l;
}

protocol::Error as_error(const std::optional<protocol::Message>& m) {
  REQUIRE(m.has_value());
  const auto* e = std::get_if<protocol::Error>(&*m);
  INFO("got " << protocol::type_name(*m));
  REQUIRE(e != nullptr);
  return *e;
}

bool is_welcome(const std::optional<protocol::Message>& m) {
  return m && std::holds_alternative<protocol::Welcome>(*m);
}

struct Fixture {
  TempDir tmp;
  DemoServer demo = make_demo_server(tmp / "server");
  SteppingClock clock;
  std::unique_ptr<server::SyncService> service =
      std::make_unique<server::SyncService>(server::DataPaths{demo.dir}.db(), clock);

  std::unique_ptr<store::Db> db() { return server::open_server_db(server::DataPaths{demo.dir}.db()); }
  std::int64_t audit_count(const std::string& kind) {
    auto d = db();
    auto s = d->prepare("SELECT COUNT(*) FROM audit_log WHERE kind = ?");
    s.bind(1, kind);
    REQUIRE(s.step());
    return s.int64(0);
  }
  client::Enrollment enroll(const std::string& name, const std::string& user) {
    client::LocalStore store(tmp / name);
    LoopbackTransport t(*service);
    REQUIRE(client::enroll(store, t, {"wss://loopback", demo.fingerprint}, user, demo.password_of(user), name).is_ok());
    return *store.enrollment();
  }
};

// PBKDF2-SHA256 at an older iteration count, in the stored format.
std::string hash_with(const std::string& password, int iterations) {
  const std::string salt = crypto::random_hex(16);
  unsigned char out[32];
  REQUIRE(PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                            reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                            iterations, EVP_sha256(), 32, out) == 1);
  std::string hex;
  for (unsigned char c : out) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", c);
    hex += b;
  }
  return "pbkdf2$" + std::to_string(iterations) + "$" + salt + "$" + hex;
}

protocol::Push one_mark(std::uint64_t batch, std::uint64_t seq, const std::string& student, const std::string& value) {
  protocol::Op op;
  op.seq = seq;
  op.cell = {"6A", "Toán", student, "HK1.TX1"};
  op.value = value;
  op.recorded_at = SystemClock::instance().now_unix_seconds();
  return protocol::Push{batch, {op}};
}

}  // namespace

TEST_CASE("50 wrong passwords, then the right one: locked after 5, refused without hashing, audited once", "[e2e]") {
  Fixture f;
  const std::string right = f.demo.password_of("gv.toan.1");
  const auto t0 = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration refused_time{};
  for (int i = 0; i < 50; ++i) {
    PeerClient c(*f.service, "192.0.2.10");
    const auto start = std::chrono::steady_clock::now();
    c.send(login_of("gv.toan.1", "sai-mat-khau-" + std::to_string(i)));
    const auto e = as_error(c.receive());
    INFO("attempt " << i + 1 << ": " << e.message);
    if (i < 5) {
      CHECK(e.code == ErrorCode::kUnauthenticated);
      CHECK(e.message == server::kBadLoginMessage);
    } else {
      refused_time += std::chrono::steady_clock::now() - start;
      CHECK(e.code == ErrorCode::kRateLimited);
      CHECK_THAT(e.message, Catch::Contains("gv.toan.1") && Catch::Contains("còn khoảng 15 phút") &&
                                Catch::Contains("thử lại"));
    }
    CHECK(c.closed());
  }
  // Refused before any hashing: 45 refusals cost far less than 45 checks (~0.2 s each).
  CHECK(std::chrono::duration<double>(refused_time).count() < 4.0);
  INFO("50 attempts took " << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s");
  {
    PeerClient c(*f.service, "192.0.2.11");  // the right password, from elsewhere: still locked
    c.send(login_of("gv.toan.1", right));
    CHECK(as_error(c.receive()).code == ErrorCode::kRateLimited);
  }
  CHECK(f.audit_count("login_failed") == 5);
  CHECK(f.audit_count("login_locked") == 1);
  CHECK(f.audit_count("login") == 0);

  f.clock.advance(15 * 60);
  PeerClient c(*f.service, "192.0.2.10");
  c.send(login_of("gv.toan.1", right));
  CHECK(is_welcome(c.receive()));
  CHECK(f.audit_count("login") == 1);
}

TEST_CASE("lockouts in a row grow: the second lasts 30 minutes", "[e2e]") {
  Fixture f;
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 5; ++i) {
      PeerClient c(*f.service, "192.0.2.30");
      c.send(login_of("gv.van.1", "sai-" + std::to_string(i)));
      CHECK(as_error(c.receive()).code == ErrorCode::kUnauthenticated);
    }
    PeerClient c(*f.service, "192.0.2.30");
    c.send(login_of("gv.van.1", f.demo.password_of("gv.van.1")));
    const auto e = as_error(c.receive());
    CHECK(e.code == ErrorCode::kRateLimited);
    CHECK_THAT(e.message, Catch::Contains(round == 0 ? "còn khoảng 15 phút" : "còn khoảng 30 phút"));
    f.clock.advance(round == 0 ? 15 * 60 : 30 * 60);
  }
  CHECK(f.audit_count("login_locked") == 2);
}

TEST_CASE("an address guessing across accounts is stopped at its own bound", "[e2e]") {
  Fixture f;
  for (int i = 0; i < 20; ++i) {
    PeerClient c(*f.service, "198.51.100.7");
    c.send(login_of("khong-co-" + std::to_string(i), "doan-mo"));
    CHECK(as_error(c.receive()).code == ErrorCode::kUnauthenticated);
  }
  {
    PeerClient c(*f.service, "198.51.100.7");
    c.send(login_of("gv.toan.1", f.demo.password_of("gv.toan.1")));
    const auto e = as_error(c.receive());
    CHECK(e.code == ErrorCode::kRateLimited);
    CHECK_THAT(e.message, Catch::Contains("198.51.100.7"));
  }
  PeerClient c(*f.service, "198.51.100.8");
  c.send(login_of("gv.toan.1", f.demo.password_of("gv.toan.1")));
  CHECK(is_welcome(c.receive()));
  CHECK(f.audit_count("login_locked") == 1);
}

TEST_CASE("password: a wrong current password ends the session, guesses sent behind it are never tried", "[e2e]") {
  Fixture f;
  const std::string right = f.demo.password_of("gv.toan.1");
  const auto device = f.enroll("laptop", "gv.toan.1");
  {
    PeerClient c(*f.service, "192.0.2.20");
    c.send(protocol::Hello{protocol::kProtocolVersion, protocol::kSchemaVersion, device.device_id, device.token});
    c.send(protocol::PasswordChange{"doan-sai-1", "mật khẩu mới dài"});
    c.send(protocol::PasswordChange{right, "mật khẩu mới dài"});  // pipelined: never looked at
    CHECK(is_welcome(c.receive()));
    const auto e = as_error(c.receive());
    CHECK(e.code == ErrorCode::kUnauthenticated);
    CHECK_THAT(e.message, Catch::Contains("không đúng"));
    CHECK_FALSE(c.receive(1s).has_value());
    CHECK(c.closed());
  }
  {  // the password did not change
    auto db = f.db();
    auto q = db->prepare("SELECT password_hash FROM users WHERE username = 'gv.toan.1'");
    REQUIRE(q.step());
    CHECK(crypto::verify_password(right, q.text(0)));
  }
  // Wrong current passwords count as failed logins.
  for (int i = 2; i <= 5; ++i) {
    PeerClient c(*f.service, "192.0.2.20");
    c.send(protocol::Hello{protocol::kProtocolVersion, protocol::kSchemaVersion, device.device_id, device.token});
    c.send(protocol::PasswordChange{"doan-sai-" + std::to_string(i), "mật khẩu mới dài"});
    CHECK(is_welcome(c.receive()));
    CHECK(as_error(c.receive()).code == ErrorCode::kUnauthenticated);
  }
  PeerClient c(*f.service, "192.0.2.22");
  c.send(login_of("gv.toan.1", right));
  CHECK(as_error(c.receive()).code == ErrorCode::kRateLimited);
  CHECK(f.audit_count("password_change_failed") == 5);
  CHECK(f.audit_count("login_locked") == 1);
}

TEST_CASE("password: a refused new password keeps the session open for another, a password changed meanwhile ends it", "[e2e]") {
  Fixture f;
  const std::string right = f.demo.password_of("gv.toan.1");
  const auto laptop = f.enroll("laptop", "gv.toan.1");
  const auto desk = f.enroll("desk", "gv.toan.1");
  const protocol::Hello hello_laptop{protocol::kProtocolVersion, protocol::kSchemaVersion, laptop.device_id, laptop.token};
  const protocol::Hello hello_desk{protocol::kProtocolVersion, protocol::kSchemaVersion, desk.device_id, desk.token};
  const std::string first = "mật khẩu mới dài";
  {  // INVALID_VALUE: the one error that does not close (sync-protocol/README.md)
    PeerClient c(*f.service, "192.0.2.30");
    c.send(hello_laptop);
    c.send(protocol::PasswordChange{right, "ngắn"});
    CHECK(is_welcome(c.receive()));
    const auto e = as_error(c.receive());
    CHECK(e.code == ErrorCode::kInvalidValue);
    CHECK_THAT(e.message, Catch::Contains("8 ký tự"));
    CHECK_FALSE(c.closed());
    c.send(protocol::PasswordChange{right, first});
    const auto changed = c.receive();
    REQUIRE(changed.has_value());
    CHECK(std::holds_alternative<protocol::PasswordChanged>(*changed));
  }
  // Two devices change it at once from the same current password: both
  // checks pass (hashing takes hundreds of ms, both start before either
  // ends), the second to store finds it changed and its session ends.
  PeerClient a(*f.service, "192.0.2.31"), b(*f.service, "192.0.2.32");
  a.send(hello_laptop);
  a.send(protocol::PasswordChange{first, "mật khẩu của laptop"});
  b.send(hello_desk);
  b.send(protocol::PasswordChange{first, "mật khẩu của máy bàn"});
  CHECK(is_welcome(a.receive()));
  CHECK(is_welcome(b.receive()));
  const auto from_a = a.receive(), from_b = b.receive();
  REQUIRE(from_a.has_value());
  REQUIRE(from_b.has_value());
  const bool a_won = std::holds_alternative<protocol::PasswordChanged>(*from_a);
  auto& loser = a_won ? b : a;
  const auto e = as_error(a_won ? from_b : from_a);
  CHECK(e.code == ErrorCode::kUnauthenticated);
  CHECK_THAT(e.message, Catch::Contains("nơi khác"));
  CHECK_FALSE(loser.receive(1s).has_value());
  CHECK(loser.closed());
  CHECK_FALSE((a_won ? a : b).closed());
}

TEST_CASE("a stored hash with fewer iterations is replaced at the next successful login", "[e2e]") {
  Fixture f;
  {
    auto db = f.db();
    audited_write(*db, [&] {
      db->prepare("UPDATE users SET password_hash = ? WHERE username = 'gv.toan.1'")
          .bind(1, hash_with("mat-khau-cu-1", 100000))
          .run();
    });
  }
  PeerClient c(*f.service, "192.0.2.40");
  c.send(login_of("gv.toan.1", "mat-khau-cu-1"));
  REQUIRE(is_welcome(c.receive()));
  auto db = f.db();
  auto s = db->prepare("SELECT password_hash FROM users WHERE username = 'gv.toan.1'");
  REQUIRE(s.step());
  const std::string stored = s.text(0);
  CHECK(stored.rfind("pbkdf2$600000$", 0) == 0);
  CHECK(crypto::verify_password("mat-khau-cu-1", stored));
}

TEST_CASE("parallel bad logins do not stall an honest sync: passwords are hashed off the DB worker", "[e2e]") {
  Fixture f;
  const auto device = f.enroll("laptop", "gv.toan.1");
  std::vector<std::unique_ptr<PeerClient>> guessers;
  for (int i = 0; i < 30; ++i) {
    guessers.push_back(std::make_unique<PeerClient>(*f.service, "10.1.0." + std::to_string(i)));
    guessers.back()->send(login_of("khong-co-" + std::to_string(i), "doan-mo"));
  }
  // 30 checks take ~6 s of hashing; the sync must not wait for them.
  const auto t0 = std::chrono::steady_clock::now();
  PeerClient honest(*f.service, "192.0.2.50");
  honest.send(protocol::Hello{protocol::kProtocolVersion, protocol::kSchemaVersion, device.device_id, device.token});
  honest.send(one_mark(1, 1, "HS6A01", "8"));
  REQUIRE(is_welcome(honest.receive()));
  auto ack = honest.receive();
  REQUIRE(ack.has_value());
  CHECK(std::holds_alternative<protocol::Ack>(*ack));
  const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO("hello + push answered in " << waited << " s while 30 logins were checked");
  CHECK(waited < 2.0);
  for (auto& g : guessers) CHECK(as_error(g->receive(30s)).code == ErrorCode::kUnauthenticated);
}

TEST_CASE("a device revoked or an account disabled by the CLI loses its open session at the next message", "[e2e]") {
  Fixture f;
  const auto laptop = f.enroll("laptop", "gv.toan.1");
  const auto other = f.enroll("other", "gv.van.1");
  PeerClient a(*f.service, "192.0.2.60");
  a.send(protocol::Hello{protocol::kProtocolVersion, protocol::kSchemaVersion, laptop.device_id, laptop.token});
  a.send(one_mark(1, 1, "HS6A01", "8"));
  REQUIRE(is_welcome(a.receive()));
  auto ack = a.receive();
  REQUIRE(ack.has_value());
  REQUIRE(std::holds_alternative<protocol::Ack>(*ack));
  PeerClient b(*f.service, "192.0.2.61");
  b.send(protocol::Hello{protocol::kProtocolVersion, protocol::kSchemaVersion, other.device_id, other.token});
  REQUIRE(is_welcome(b.receive()));

  {  // What `sodiem-server device revoke` and `account disable` run, on their own connection.
    auto db = f.db();
    server::Accounts accounts(*db, SystemClock::instance());
    REQUIRE(accounts.revoke_device(laptop.device_id, "admin", "Máy bị mất cắp").is_ok());
    REQUIRE(accounts.set_disabled("gv.van.1", true, "admin", "Chuyển công tác").is_ok());
  }
  a.send(one_mark(2, 2, "HS6A02", "9"));
  const auto refused = as_error(a.receive());
  CHECK(refused.code == ErrorCode::kUnauthenticated);
  CHECK(refused.batch_id == 2);
  CHECK_THAT(refused.message, Catch::Contains("thu hồi") && Catch::Contains("Máy bị mất cắp"));
  CHECK(a.closed());
  b.send(protocol::Pull{});
  const auto disabled = as_error(b.receive());
  CHECK(disabled.code == ErrorCode::kUnauthenticated);
  CHECK_THAT(disabled.message, Catch::Contains("khóa"));
  CHECK(b.closed());
  auto db = f.db();
  auto s = db->prepare("SELECT COUNT(*) FROM cells WHERE value = '9'");
  REQUIRE(s.step());
  CHECK(s.int64(0) == 0);
  auto h = db->prepare("SELECT high_seq FROM devices WHERE public_id = ?");
  h.bind(1, laptop.device_id);
  REQUIRE(h.step());
  CHECK(h.int64(0) == 1);
}
