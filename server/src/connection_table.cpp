// ConnectionTable: admission of connections by address (see the header).
#include "sodiem/server/connection_table.hpp"

namespace sodiem::server {

ConnectionTable::Admission ConnectionTable::admit(Id id, const std::string& address) {
  if (auto it = pre_auth_by_address_.find(address);
      it != pre_auth_by_address_.end() && it->second.size() >= limits_.max_pre_auth_per_address)
    return {};
  if (limits_.max_pre_auth_per_address == 0) return {};
  Admission a{true, 0};
  if (pre_auth_ >= limits_.max_pre_auth) {
    // The address holding the most; between equals, the one with the oldest.
    auto most = pre_auth_by_address_.end();
    for (auto it = pre_auth_by_address_.begin(); it != pre_auth_by_address_.end(); ++it) {
      if (it->second.empty()) continue;
      if (most == pre_auth_by_address_.end() || it->second.size() > most->second.size() ||
          (it->second.size() == most->second.size() && *it->second.begin() < *most->second.begin()))
        most = it;
    }
    if (most == pre_auth_by_address_.end()) return {};
    a.evict = *most->second.begin();
    remove(a.evict);
  }
  connections_[id] = Connection{address, false};
  pre_auth_by_address_[address].insert(id);
  ++pre_auth_;
  return a;
}

ConnectionTable::Admission ConnectionTable::authenticate(Id id, std::size_t school) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return {};
  if (it->second.authenticated) return {true, 0};
  Admission a{true, 0};
  if (authenticated_ >= limits_.max_authenticated) {
    // The school holding the most; between equals, the one with the oldest.
    auto most = authenticated_by_school_.end();
    for (auto s = authenticated_by_school_.begin(); s != authenticated_by_school_.end(); ++s) {
      if (s->second.empty()) continue;
      if (most == authenticated_by_school_.end() || s->second.size() > most->second.size() ||
          (s->second.size() == most->second.size() && *s->second.begin() < *most->second.begin()))
        most = s;
    }
    const auto own = authenticated_by_school_.find(school);
    const std::size_t holds = own == authenticated_by_school_.end() ? 0 : own->second.size();
    // Made room only while the biggest holder keeps at least as many as the
    // newcomer's school will have: never its own school, never a swap.
    if (most == authenticated_by_school_.end() || most->first == school || most->second.size() < holds + 2) return {};
    a.evict = *most->second.begin();
    remove(a.evict);
  }
  auto by = pre_auth_by_address_.find(it->second.address);
  by->second.erase(id);
  if (by->second.empty()) pre_auth_by_address_.erase(by);
  --pre_auth_;
  it->second.authenticated = true;
  it->second.school = school;
  authenticated_by_school_[school].insert(id);
  ++authenticated_;
  return a;
}

void ConnectionTable::remove(Id id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  if (it->second.authenticated) {
    auto by = authenticated_by_school_.find(it->second.school);
    by->second.erase(id);
    if (by->second.empty()) authenticated_by_school_.erase(by);
    --authenticated_;
  } else {
    auto by = pre_auth_by_address_.find(it->second.address);
    by->second.erase(id);
    if (by->second.empty()) pre_auth_by_address_.erase(by);
    --pre_auth_;
  }
  connections_.erase(it);
}

}  // namespace sodiem::server
