// LoginLimiter: per-account and per-address failure bounds, lockouts that
// grow, in-flight attempts, bounded memory; on a manual clock.
#include <catch2/catch.hpp>

#include "sodiem/server/login_limiter.hpp"

using namespace sodiem;
using server::LoginLimiter;

namespace {
constexpr std::int64_t kT0 = 1'800'000'000;

// One attempt that ends in a wrong password; returns the lockouts it started.
std::vector<LoginLimiter::Lockout> wrong(LoginLimiter& l, const std::string& who, const std::string& from) {
  REQUIRE(l.begin(who, from).allowed);
  return l.fail(who, from);
}
}  // namespace

TEST_CASE("five wrong passwords lock the account for 15 minutes, even the right one is refused", "[unit]") {
  ManualClock clock(kT0);
  LoginLimiter l(clock);
  for (int i = 0; i < 4; ++i) CHECK(wrong(l, "gv.toan.1", "10.0.0.1").empty());
  const auto started = wrong(l, "gv.toan.1", "10.0.0.1");
  REQUIRE(started.size() == 1);
  CHECK(started[0].scope == "account");
  CHECK(started[0].key == "gv.toan.1");
  CHECK(started[0].until == kT0 + 15 * 60);
  // Locked: refused before any check, from any address, with when to retry.
  auto gate = l.begin("gv.toan.1", "10.0.0.2");
  CHECK_FALSE(gate.allowed);
  CHECK(gate.retry_at == kT0 + 15 * 60);
  CHECK_THAT(gate.refusal, Catch::Contains("gv.toan.1") && Catch::Contains("còn khoảng 15 phút") &&
                               Catch::Contains(format_local_time(kT0 + 15 * 60)));
  // Other accounts are not affected.
  CHECK(l.begin("gv.van.1", "10.0.0.2").allowed);
  l.succeed("gv.van.1", "10.0.0.2");
  clock.advance(15 * 60 - 1);
  CHECK_FALSE(l.begin("gv.toan.1", "10.0.0.1").allowed);
  clock.advance(1);
  REQUIRE(l.begin("gv.toan.1", "10.0.0.1").allowed);
  l.succeed("gv.toan.1", "10.0.0.1");
}

TEST_CASE("each further lockout in a row lasts twice as long, a success starts over", "[unit]") {
  ManualClock clock(kT0);
  LoginLimiter l(clock);
  std::int64_t expected = 15 * 60;
  for (int round = 1; round <= 3; ++round) {
    std::vector<LoginLimiter::Lockout> started;
    for (int i = 0; i < 5; ++i) started = wrong(l, "gv.toan.1", "");
    REQUIRE(started.size() == 1);
    CHECK(started[0].lockouts == round);
    CHECK(started[0].until - clock.now_unix_seconds() == expected);
    clock.advance(expected);
    expected *= 2;
  }
  REQUIRE(l.begin("gv.toan.1", "").allowed);
  l.succeed("gv.toan.1", "");
  std::vector<LoginLimiter::Lockout> started;
  for (int i = 0; i < 5; ++i) started = wrong(l, "gv.toan.1", "");
  REQUIRE(started.size() == 1);
  CHECK(started[0].until - clock.now_unix_seconds() == 15 * 60);
}

TEST_CASE("failures older than the window are forgotten", "[unit]") {
  ManualClock clock(kT0);
  LoginLimiter l(clock);
  for (int i = 0; i < 4; ++i) wrong(l, "gv.toan.1", "");
  clock.advance(15 * 60 + 1);
  for (int i = 0; i < 4; ++i) CHECK(wrong(l, "gv.toan.1", "").empty());
}

TEST_CASE("an address has its own, higher bound: guesses spread over accounts are caught", "[unit]") {
  ManualClock clock(kT0);
  LoginLimiter l(clock);
  std::vector<LoginLimiter::Lockout> started;
  for (int i = 0; i < 20; ++i) started = wrong(l, "user" + std::to_string(i), "203.0.113.9");
  REQUIRE(started.size() == 1);
  CHECK(started[0].scope == "address");
  auto gate = l.begin("hieutruong", "203.0.113.9");
  CHECK_FALSE(gate.allowed);
  CHECK_THAT(gate.refusal, Catch::Contains("203.0.113.9"));
  REQUIRE(l.begin("hieutruong", "203.0.113.10").allowed);  // another address goes on
  l.succeed("hieutruong", "203.0.113.10");
}

TEST_CASE("a right password from an address does not forgive the address's failures", "[unit]") {
  ManualClock clock(kT0);
  LoginLimiter l(clock);
  for (int i = 0; i < 10; ++i) wrong(l, "user" + std::to_string(i), "203.0.113.9");
  REQUIRE(l.begin("gv.toan.1", "203.0.113.9").allowed);
  l.succeed("gv.toan.1", "203.0.113.9");  // the attacker's own valid account
  std::vector<LoginLimiter::Lockout> started;
  for (int i = 10; i < 20; ++i) started = wrong(l, "user" + std::to_string(i), "203.0.113.9");
  REQUIRE(started.size() == 1);
  CHECK(started[0].scope == "address");
}

TEST_CASE("attempts in flight count: parallel guesses cannot outrun the bound", "[unit]") {
  ManualClock clock(kT0);
  LoginLimiter l(clock);
  int allowed = 0;
  for (int i = 0; i < 60; ++i) allowed += l.begin("gv.toan.1", "10.0.0." + std::to_string(i)).allowed ? 1 : 0;
  CHECK(allowed == 5);
  for (int i = 0; i < 5; ++i) l.abandon("gv.toan.1", "10.0.0." + std::to_string(i));
  CHECK(l.begin("gv.toan.1", "10.0.0.1").allowed);  // abandoned attempts do not count
}

TEST_CASE("the limiter's memory is bounded — a lockout is never dropped to make room", "[unit]") {
  ManualClock clock(kT0);
  server::LoginLimits limits;
  limits.max_entries = 50;
  LoginLimiter l(clock, limits);
  for (int i = 0; i < 5; ++i) wrong(l, "victim", "");
  for (int i = 0; i < 500; ++i) {
    auto gate = l.begin("guess" + std::to_string(i), "");
    if (gate.allowed) l.fail("guess" + std::to_string(i), "");
  }
  CHECK_FALSE(l.begin("victim", "").allowed);
}
