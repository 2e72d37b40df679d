// The audit trail: an append-only log where each entry's SHA-256 hash covers
// its content and the previous entry's hash. Entries are appended inside the
// caller's open transaction, in the same transaction as the change they
// record; the chain head is also kept in meta. verify_audit() walks the
// chain and names the first entry that was edited, deleted or reordered.
// Stateless (reads the head from the database each time), so any process
// holding the write transaction may append.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct AuditEntry {
  std::int64_t at = 0;
  std::string actor;   // username, or "system"
  std::string device;  // device public id, or ""
  std::string kind;    // "push", "login", "login_failed", "import_students", ...
  std::string detail;  // JSON text
};

// An entry's chain hash: SHA-256 over the previous entry's hash and the
// entry's fields, each length-prefixed ("0"×64 before the first entry).
// `access`: the digests of the access tables after the change
// (access_seal.hpp), which append_audit adds when the transaction changed
// them; "" otherwise, and in every entry from before it existed (the hash
// then reads as it did).
std::string audit_entry_hash(std::int64_t seq, const AuditEntry& entry, const std::string& prev_hash,
                             const std::string& access = "");

// Appends inside the caller's open transaction; returns the entry's seq.
std::int64_t append_audit(store::Db& db, const AuditEntry& entry);

struct AuditCheck {
  bool intact = true;
  std::int64_t entries = 0;
  std::string problem;  // names the first bad entry
};
AuditCheck verify_audit(store::Db& db);

}  // namespace sodiem::server
