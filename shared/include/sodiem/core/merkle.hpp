// A Merkle tree over the audit trail (RFC 9162 §2.1, the certificate-
// transparency log's tree): a client that holds the tree head of size m can
// check, with about log2(n) hashes, that the head of size n the server shows
// now contains the same first m entries (a consistency proof). An insider
// who rewrites any old entry, and recomputes every hash the server stores,
// still cannot make the new tree consistent with the heads clients hold.
// Pure functions over 32-byte SHA-256 strings; thread-safe.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sodiem::merkle {

// H(0x00 || data): the hash of leaf `data` (an audit entry's chain hash).
std::string leaf_hash(std::string_view data);
// H(0x01 || left || right).
std::string node_hash(std::string_view left, std::string_view right);

// The hash of the perfect subtree of 2^level leaves starting at leaf
// index << level. Every hash below is built from such subtrees only, so a
// store that keeps them (the server's audit_tree) answers in O(log n).
using SubtreeFn = std::function<std::string(int level, std::uint64_t index)>;

// The tree head (MTH) of the first `size` leaves; size ≥ 1.
std::string root(std::uint64_t size, const SubtreeFn& subtree);

// PROOF(m, D[n]) of RFC 6962 §2.1.2, 0 < m ≤ n: empty when m == n.
std::vector<std::string> consistency_proof(std::uint64_t m, std::uint64_t n, const SubtreeFn& subtree);

// RFC 9162 §2.1.4.2: whether `proof` shows that the tree of size n with
// head new_root extends the tree of size m with head old_root.
bool verify_consistency(std::uint64_t m, std::uint64_t n, std::string_view old_root, std::string_view new_root,
                        const std::vector<std::string>& proof);

std::string to_hex(std::string_view bytes);
// 32 bytes from 64 hex digits; "" if `hex` is not that.
std::string from_hex(std::string_view hex);

}  // namespace sodiem::merkle
