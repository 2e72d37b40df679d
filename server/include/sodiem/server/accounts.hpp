// Accounts: users, password login and device tokens. A login enrolls a new
// device and issues a random token; only its SHA-256 is stored. Used by the
// SyncService worker or a CLI command; not thread-safe.
#pragma once
#include <string>
#include <vector>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/status.hpp"
#include "sodiem/server/ingest.hpp"
#include "sodiem/sqlite/db.hpp"

namespace sodiem::server {

struct Enrollment {
  DeviceContext device;
  std::string token;
};

// For commands run by a named person (locks, approvals): the account must
// exist, be enabled and hold one of `roles`; otherwise FORBIDDEN with
// `refusal` (Vietnamese, naming what needs the role) and the username.
Status require_role(sqlite::Db& db, const std::string& username, const std::vector<std::string>& roles,
                    const std::string& refusal);

class Accounts {
 public:
  Accounts(sqlite::Db& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Creates a user; returns its id. Roles: HT, PHT, ADMIN, TTCM, GVCN, GVBM, VANTHU.
  Result<std::int64_t> create_user(const std::string& username, const std::string& full_name,
                                   const std::string& password, const std::vector<std::string>& roles);
  Result<Enrollment> login(const std::string& username, const std::string& password, const std::string& device_name);
  Result<DeviceContext> authenticate(const std::string& device_public_id, const std::string& token);

 private:
  sqlite::Db& db_;
  const Clock& clock_;
};

}  // namespace sodiem::server
