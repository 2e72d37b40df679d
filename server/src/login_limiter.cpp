// LoginLimiter: per-account and per-address failure counts and lockouts
// (see the header). Any thread; one mutex.
#include "sodiem/server/login_limiter.hpp"

#include <algorithm>

namespace sodiem::server {
namespace {

std::int64_t seconds(std::chrono::seconds s) { return static_cast<std::int64_t>(s.count()); }

std::string minutes_left(std::int64_t until, std::int64_t now) {
  return std::to_string(std::max<std::int64_t>(1, (until - now + 59) / 60));
}

LoginLimiter::Gate refuse(std::int64_t retry_at, std::string why) { return {false, retry_at, std::move(why)}; }

}  // namespace

LoginLimiter::LoginLimiter(const Clock& clock, LoginLimits limits, std::shared_ptr<LockoutStore> store)
    : clock_(clock), limits_(limits), store_(std::move(store)) {}

// The stored counts replace this process's: another process (a command, the
// server) may have failed or succeeded meanwhile. In-flight stays local.
void LoginLimiter::load(Entry& e, const std::string& account) {
  if (!store_) return;
  if (auto s = store_->load(account)) {
    e.failures = s->failures;
    e.lockouts = s->lockouts;
    e.last_failure = s->last_failure;
    e.locked_until = s->locked_until;
    e.stored = true;
  }
}

void LoginLimiter::save(const Entry& e, const std::string& account) {
  if (store_ && e.stored) store_->save(account, {e.failures, e.lockouts, e.last_failure, e.locked_until});
}

// An address's stored counts likewise: another server process of the school
// may have counted failures from it meanwhile.
void LoginLimiter::load_address(Entry& e, const std::string& address) {
  if (!store_) return;
  if (auto s = store_->load_address(address)) {
    e.failures = s->failures;
    e.lockouts = s->lockouts;
    e.last_failure = s->last_failure;
    e.locked_until = s->locked_until;
    e.stored = true;
  }
}

void LoginLimiter::save_address(const Entry& e, const std::string& address) {
  if (store_ && e.stored) store_->save_address(address, {e.failures, e.lockouts, e.last_failure, e.locked_until});
}

void LoginLimiter::forget_stale(Entry& e, std::int64_t now) const {
  if (e.failures > 0 && now - e.last_failure > seconds(limits_.failure_window)) e.failures = 0;
  if (e.lockouts > 0 && now - std::max(e.last_failure, e.locked_until) > seconds(limits_.max_lockout)) e.lockouts = 0;
}

bool LoginLimiter::stale(const Entry& e, std::int64_t now) const {
  return e.in_flight == 0 && e.failures == 0 && e.lockouts == 0 && e.locked_until <= now;
}

LoginLimiter::Entry* LoginLimiter::find(Table& table, const std::string& key, std::int64_t now) {
  auto it = table.find(key);
  if (it == table.end()) return nullptr;
  forget_stale(it->second, now);
  return &it->second;
}

LoginLimiter::Entry* LoginLimiter::slot(Table& table, const std::string& key, std::int64_t now) {
  if (Entry* e = find(table, key, now)) return e;
  if (table.size() >= limits_.max_entries) {
    for (auto it = table.begin(); it != table.end();) {
      forget_stale(it->second, now);
      it = stale(it->second, now) ? table.erase(it) : std::next(it);
    }
  }
  if (table.size() >= limits_.max_entries) {
    // Still full of recent failures: drop the quietest one that is neither
    // locked nor being checked (a lock is never dropped to make room).
    auto victim = table.end();
    for (auto it = table.begin(); it != table.end(); ++it)
      if (it->second.in_flight == 0 && it->second.locked_until <= now &&
          (victim == table.end() || it->second.last_failure < victim->second.last_failure))
        victim = it;
    if (victim == table.end()) return nullptr;
    table.erase(victim);
  }
  return &table[key];
}

LoginLimiter::Gate LoginLimiter::begin(const std::string& account, const std::string& address) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = clock_.now_unix_seconds();
  Entry* a = slot(accounts_, account, now);
  Entry* i = address.empty() ? nullptr : slot(addresses_, address, now);
  if (a) {
    load(*a, account);
    forget_stale(*a, now);
  }
  if (i) {
    load_address(*i, address);
    forget_stale(*i, now);
  }
  if (!a || (!address.empty() && !i))
    return refuse(now + 60, "Máy chủ đang nhận quá nhiều lần đăng nhập sai; hãy thử lại sau 1 phút.");
  if (a->locked_until > now)
    return refuse(a->locked_until, "Đăng nhập sai quá nhiều lần: tài khoản " + account +
                                       " tạm thời không đăng nhập được đến " + format_local_time(a->locked_until) +
                                       " (còn khoảng " + minutes_left(a->locked_until, now) +
                                       " phút). Hãy thử lại sau thời điểm đó, hoặc nhờ quản trị đặt lại mật khẩu.");
  if (i && i->locked_until > now)
    return refuse(i->locked_until, "Có quá nhiều lần đăng nhập sai từ địa chỉ " + address +
                                       ": máy chủ tạm ngừng nhận đăng nhập từ địa chỉ này đến " +
                                       format_local_time(i->locked_until) + " (còn khoảng " +
                                       minutes_left(i->locked_until, now) + " phút). Hãy thử lại sau thời điểm đó.");
  // Attempts still being checked could reach the bound: wait for their verdicts.
  if (a->failures + a->in_flight >= limits_.account_failures)
    return refuse(now + 60, "Đang có nhiều lần đăng nhập vào tài khoản " + account +
                                " cùng lúc; hãy thử lại sau 1 phút.");
  if (i && i->failures + i->in_flight >= limits_.address_failures)
    return refuse(now + 60, "Đang có nhiều lần đăng nhập từ địa chỉ " + address + " cùng lúc; hãy thử lại sau 1 phút.");
  ++a->in_flight;
  if (i) ++i->in_flight;
  return {true, 0, {}};
}

bool LoginLimiter::fail_one(Entry& e, int bound, std::int64_t now) {
  forget_stale(e, now);
  e.in_flight = std::max(0, e.in_flight - 1);
  ++e.failures;
  e.last_failure = now;
  if (e.failures < bound) return false;
  e.failures = 0;
  ++e.lockouts;
  const auto doubled = limits_.first_lockout * (std::int64_t{1} << std::min(e.lockouts - 1, 20));
  e.locked_until = now + seconds(std::min<std::chrono::seconds>(doubled, limits_.max_lockout));
  return true;
}

std::vector<LoginLimiter::Lockout> LoginLimiter::fail(const std::string& account, const std::string& address) {
  std::lock_guard lock(mutex_);
  const std::int64_t now = clock_.now_unix_seconds();
  std::vector<Lockout> started;
  if (Entry* a = slot(accounts_, account, now)) {
    load(*a, account);
    if (fail_one(*a, limits_.account_failures, now)) started.push_back({"account", account, a->locked_until, a->lockouts});
    save(*a, account);
  }
  if (!address.empty())
    if (Entry* i = slot(addresses_, address, now)) {
      load_address(*i, address);
      if (fail_one(*i, limits_.address_failures, now))
        started.push_back({"address", address, i->locked_until, i->lockouts});
      save_address(*i, address);
    }
  return started;
}

void LoginLimiter::release(Table& table, const std::string& key) {
  if (auto it = table.find(key); it != table.end() && it->second.in_flight > 0) --it->second.in_flight;
}

void LoginLimiter::succeed(const std::string& account, const std::string& address) {
  std::lock_guard lock(mutex_);
  if (auto it = accounts_.find(account); it != accounts_.end()) {
    const int in_flight = std::max(0, it->second.in_flight - 1);
    const bool counted = it->second.failures || it->second.lockouts || it->second.locked_until;
    const bool stored = it->second.stored;
    it->second = Entry{};
    it->second.in_flight = in_flight;
    it->second.stored = stored;
    if (counted) save(it->second, account);  // begin() loaded the stored counts: forgive them there too
  }
  if (!address.empty()) release(addresses_, address);
}

void LoginLimiter::abandon(const std::string& account, const std::string& address) {
  std::lock_guard lock(mutex_);
  release(accounts_, account);
  if (!address.empty()) release(addresses_, address);
}

std::vector<LoginLimiter::Lockout> LoginLimiter::address_lockouts() {
  std::lock_guard lock(mutex_);
  const std::int64_t now = clock_.now_unix_seconds();
  std::vector<Lockout> out;
  if (auto stored = store_ ? store_->locked_addresses(now) : std::nullopt) {
    for (const auto& [address, s] : *stored) out.push_back({"address", address, s.locked_until, s.lockouts});
  } else {
    for (const auto& [address, e] : addresses_)
      if (e.locked_until > now) out.push_back({"address", address, e.locked_until, e.lockouts});
  }
  std::sort(out.begin(), out.end(), [](const Lockout& a, const Lockout& b) {
    return a.until != b.until ? a.until < b.until : a.key < b.key;
  });
  return out;
}

bool LoginLimiter::lift_address(const std::string& address) {
  std::lock_guard lock(mutex_);
  Entry held;
  auto it = addresses_.find(address);
  Entry& e = it == addresses_.end() ? held : it->second;
  load_address(e, address);  // another process may have locked it
  if (e.locked_until <= clock_.now_unix_seconds()) return false;
  const int in_flight = e.in_flight;
  const bool stored = e.stored;
  e = Entry{};
  e.in_flight = in_flight;
  e.stored = stored;
  save_address(e, address);
  return true;
}

}  // namespace sodiem::server
