// ConnectionTable: which connections the WSS listener admits and keeps.
// Unauthenticated connections (not yet welcomed) are bounded per remote
// address and in all, apart from welcomed sessions, so bare sockets cannot
// lock teachers out: a newcomer from an address at its bound is refused; when
// the whole unauthenticated pool is full, the newcomer is admitted and the
// oldest connection of the address holding the most is evicted (one address
// cannot fill the pool for everybody; an honest client, done in a few round
// trips, is rarely the oldest). Welcomed sessions are bounded in all and
// belong to a school (one process may serve many): when the bound is
// reached, a newcomer of a school holding at least two fewer than the school
// holding the most is admitted and that school's oldest session evicted (one
// school's devices, or one misbehaving device, cannot keep every other
// school out); a newcomer of the biggest holder is refused, as when one
// school is served. Used by the listener's io thread only.
#pragma once
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>

namespace sodiem::server {

struct ConnectionLimits {
  std::size_t max_pre_auth = 0;
  std::size_t max_pre_auth_per_address = 0;
  std::size_t max_authenticated = 0;
};

class ConnectionTable {
 public:
  using Id = std::uint64_t;  // increasing: a lower id is an older connection
  struct Admission {
    bool admitted = false;
    Id evict = 0;  // admitted by evicting this connection (already forgotten here): close it; 0 = none
  };

  explicit ConnectionTable(ConnectionLimits limits) : limits_(limits) {}

  Admission admit(Id id, const std::string& address);
  // The connection was welcomed, for `school` (its index; 0 when one is
  // served). Not admitted when welcomed sessions are at their bound (the
  // caller closes it; it stays counted until remove()); admitted with
  // `evict` when another school's session made room (close that one).
  [[nodiscard]] Admission authenticate(Id id, std::size_t school = 0);
  // The connection closed (unknown ids are ignored).
  void remove(Id id);

  std::size_t pre_auth() const { return pre_auth_; }
  std::size_t authenticated() const { return authenticated_; }
  const ConnectionLimits& limits() const { return limits_; }

 private:
  struct Connection {
    std::string address;
    bool authenticated = false;
    std::size_t school = 0;  // once authenticated
  };
  ConnectionLimits limits_;
  std::unordered_map<Id, Connection> connections_;
  std::unordered_map<std::string, std::set<Id>> pre_auth_by_address_;
  std::unordered_map<std::size_t, std::set<Id>> authenticated_by_school_;
  std::size_t pre_auth_ = 0;
  std::size_t authenticated_ = 0;
};

}  // namespace sodiem::server
