// The shared in-process school for sync tests: the demo school's server
// data in a temporary directory, a real SyncService on it, and teachers'
// LocalStores enrolled over the loopback transport, one per username.
// Tests build on it instead of each spelling its own; single test thread.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "loopback_transport.hpp"
#include "sodiem/client/local_store.hpp"
#include "sodiem/client/sync_engine.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/sync_service.hpp"
#include "sodiem/store/db.hpp"
#include "test_school.hpp"

namespace sodiem::testing {

class LoopbackSchool {
 public:
  // `clock` (default: the system clock) is the server's and every device's.
  explicit LoopbackSchool(const Clock& clock = SystemClock::instance());
  // A school from a plain init instead of the demo (make_plain_server): set
  // it up, import its people and add their accounts to demo.accounts.
  struct PlainInit {
    std::string school_name;
  };
  LoopbackSchool(const PlainInit& plain, const Clock& clock);

  TempDir tmp;
  DemoServer demo;
  const Clock& clock;
  std::unique_ptr<server::SyncService> service;

  std::string db_path() const { return server::DataPaths{demo.dir}.db(); }
  // The user's device, enrolled at first use; `name` tells apart several
  // devices of one user (default: the username).
  client::LocalStore& device(const std::string& user, const std::string& name = "");
  // A sync of the user's device with fast retries; the result as it came.
  Result<client::SyncReport> try_sync(const std::string& user);
  Result<client::SyncReport> try_sync(client::LocalStore& store);
  // Same, and the test fails unless it succeeded.
  client::SyncReport sync(const std::string& user);
  // One sync round over one connection, cut as `plan` says; whether it completed.
  bool session(client::LocalStore& store, CutPlan plan = {});
  // A separate connection to the server's database (open_server_db: its
  // changes to access tables need an audit entry, see audited_write.hpp).
  std::unique_ptr<store::Db> server_db() const;
  std::int64_t server_scalar(const std::string& sql) const;
  // Stops the service and starts a new one on the same files.
  void restart();
  // The principal `by` (the demo school's hieutruong) freezes `term` from
  // now on (khóa sổ), for one column kind or ("") all of them; the lock's id.
  std::int64_t freeze(const std::string& by, const std::string& term, const std::string& column_kind = "");

 private:
  std::map<std::string, std::unique_ptr<client::LocalStore>> devices_;
};

// Queues an op as a modified client could, skipping the client's own
// checks (only the server decides); its outbox seq.
std::int64_t queue_unchecked(client::LocalStore& store, const protocol::CellKey& cell, const std::string& value);

// The server's answer to an op ("OK", "INVALID_VALUE", …), or "PENDING".
std::string outcome_of(client::LocalStore& store, std::int64_t seq);

}  // namespace sodiem::testing
