// The audit trail's Merkle tree (sodiem/core/merkle.hpp) kept beside
// audit_log: its leaves are the entries' chain hashes. append_audit() adds
// each entry's leaf in the same transaction; the sync service shows devices
// signed tree heads and consistency proofs, so the next device that syncs
// detects a rewritten history (docs/security.md). Stateless functions over
// the database; the caller holds the connection (and the write transaction
// for extend_audit_tree).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sodiem/store/db.hpp"

namespace sodiem::server {

// Adds leaves for every audit entry up to and including `seq` that has
// none yet (entries from before the tree existed, then this one).
void extend_audit_tree(store::Db& db, std::int64_t seq, const std::string& entry_hash_hex);

struct AuditTreeHead {
  std::uint64_t size = 0;
  std::string root_hex;  // "" for an empty tree
};
// The head over every entry (catching up on entries from before the tree).
AuditTreeHead audit_tree_head(store::Db& db);
// Consistency proof from size m to size n (hex hashes); 0 < m ≤ n ≤ size.
std::vector<std::string> audit_consistency_proof(store::Db& db, std::uint64_t m, std::uint64_t n);
// Whether the stored tree is the tree of the stored entries: "" or the
// first subtree that differs. An edit that recomputed the chain but not the
// tree (or the other way) shows here; one that recomputed both does not,
// and is what devices' kept heads catch.
std::string check_audit_tree(store::Db& db);

}  // namespace sodiem::server
