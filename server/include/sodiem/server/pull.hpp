// PullService: reads the change feed after a cursor, keeping only what the
// user may read and what other devices wrote (a device learns its own
// versions from acks). Owned by the SyncService worker; not thread-safe.
#pragma once
#include "sodiem/protocol/messages.hpp"
#include "sodiem/server/directory.hpp"
#include "sodiem/server/ingest.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

class PullService {
 public:
  PullService(store::Db& db, const Directory& directory, std::string server_epoch);

  // A cursor from another epoch (server restored from a backup) restarts at 0.
  protocol::Changes pull(const DeviceContext& device, const protocol::Pull& request);

 private:
  store::Db& db_;
  const Directory& directory_;
  std::string epoch_;
  store::Stmt select_changes_;
};

}  // namespace sodiem::server
