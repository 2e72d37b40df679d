// For tests that set up a state no command makes (data stored by an older
// version, a role listed twice): the write goes through the server's own
// connection (open_server_db) with an audit entry, as the software's changes
// to the access tables must (access_seal.hpp). Not for insiders' edits.
#pragma once
#include "sodiem/server/audit.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::testing {

template <class Write>
void audited_write(store::Db& db, Write&& write) {
  store::Transaction tx(db);
  write();
  server::append_audit(db, {0, "test", "", "test_setup", "{}"});
  tx.commit();
}

}  // namespace sodiem::testing
