// See merkle.hpp. Recursions follow RFC 6962 §2.1 and §2.1.2 word for word;
// the verifier is RFC 9162 §2.1.4.2.
#include "sodiem/core/merkle.hpp"

#include <openssl/evp.h>

#include <bit>

namespace sodiem::merkle {
namespace {

std::string sha256(std::string_view a, std::string_view b = {}, std::string_view c = {}) {
  unsigned char md[32];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  EVP_DigestUpdate(ctx, b.data(), b.size());
  EVP_DigestUpdate(ctx, c.data(), c.size());
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<const char*>(md), len);
}

// The largest power of two smaller than n (n ≥ 2).
std::uint64_t split_point(std::uint64_t n) { return std::bit_floor(n - 1); }

// MTH(D[lo : lo + n]); lo is always a multiple of the largest power of two
// ≤ n here, so a power-of-two n is one stored subtree.
std::string range_hash(std::uint64_t lo, std::uint64_t n, const SubtreeFn& subtree) {
  if (std::has_single_bit(n)) {
    const int level = std::countr_zero(n);
    return subtree(level, lo >> level);
  }
  const std::uint64_t k = split_point(n);
  return node_hash(range_hash(lo, k, subtree), range_hash(lo + k, n - k, subtree));
}

void subproof(std::uint64_t m, std::uint64_t lo, std::uint64_t n, bool complete, const SubtreeFn& subtree,
              std::vector<std::string>& out) {
  if (m == n) {
    if (!complete) out.push_back(range_hash(lo, n, subtree));
    return;
  }
  const std::uint64_t k = split_point(n);
  if (m <= k) {
    subproof(m, lo, k, complete, subtree, out);
    out.push_back(range_hash(lo + k, n - k, subtree));
  } else {
    subproof(m - k, lo + k, n - k, false, subtree, out);
    out.push_back(range_hash(lo, k, subtree));
  }
}

}  // namespace

std::string leaf_hash(std::string_view data) { return sha256(std::string_view("\x00", 1), data); }
std::string node_hash(std::string_view left, std::string_view right) { return sha256("\x01", left, right); }

std::string root(std::uint64_t size, const SubtreeFn& subtree) { return range_hash(0, size, subtree); }

std::vector<std::string> consistency_proof(std::uint64_t m, std::uint64_t n, const SubtreeFn& subtree) {
  std::vector<std::string> out;
  if (m == 0 || m >= n) return out;
  subproof(m, 0, n, true, subtree, out);
  return out;
}

bool verify_consistency(std::uint64_t m, std::uint64_t n, std::string_view old_root, std::string_view new_root,
                        const std::vector<std::string>& proof) {
  if (m == 0 || m > n) return false;
  if (m == n) return proof.empty() && old_root == new_root;
  if (proof.empty()) return false;
  std::vector<std::string> path = proof;
  if (std::has_single_bit(m)) path.insert(path.begin(), std::string(old_root));
  std::uint64_t fn = m - 1, sn = n - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  std::string fr = path[0], sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    const std::string& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == old_root && sr == new_root;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 15];
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  if (hex.size() != 64) return {};
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out(32, '\0');
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return {};
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

}  // namespace sodiem::merkle
