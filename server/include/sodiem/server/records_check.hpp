// Cross-checks the grade records against the audit trail, so an edit made
// straight in the SQLite file to a mark's history (`changes`) or to a
// current value (`cells`) is caught, not only an edit to the audit log:
// - every version an audited push accepted (or found unchanged) and every
//   approved correction exists in `changes` with the same cell and value;
// - every accepted version in `changes` is named by an audit entry;
// - every current cell equals the version it points to.
// Run after verify_audit() (which proves the audit entries themselves).
// Read-only; used by `sodiem-server audit verify` and backup checks.
#pragma once
#include "sodiem/server/audit.hpp"

namespace sodiem::server {

AuditCheck verify_records(store::Db& db);

}  // namespace sodiem::server
