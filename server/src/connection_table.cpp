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

bool ConnectionTable::authenticate(Id id) {
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second.authenticated) return it != connections_.end();
  if (authenticated_ >= limits_.max_authenticated) return false;
  auto by = pre_auth_by_address_.find(it->second.address);
  by->second.erase(id);
  if (by->second.empty()) pre_auth_by_address_.erase(by);
  --pre_auth_;
  it->second.authenticated = true;
  ++authenticated_;
  return true;
}

void ConnectionTable::remove(Id id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  if (it->second.authenticated) {
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
