// The audit trail's Merkle tree: heads and consistency proofs against a
// direct computation of RFC 6962's MTH, for every pair of sizes up to 70,
// and refusal of every rewritten history.
#include <catch2/catch.hpp>

#include "sodiem/core/merkle.hpp"

using namespace sodiem::merkle;

namespace {
// MTH straight from the definition, over the leaves' data.
std::string mth(const std::vector<std::string>& d, std::size_t lo, std::size_t hi) {
  if (hi - lo == 1) return leaf_hash(d[lo]);
  std::size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return node_hash(mth(d, lo, lo + k), mth(d, lo + k, hi));
}
SubtreeFn subtrees_of(const std::vector<std::string>& d) {
  return [&d](int level, std::uint64_t index) {
    const std::size_t lo = static_cast<std::size_t>(index) << level;
    return mth(d, lo, lo + (std::size_t{1} << level));
  };
}
std::vector<std::string> entries(std::size_t n, const std::string& tag = "e") {
  std::vector<std::string> d;
  for (std::size_t i = 0; i < n; ++i) d.push_back(tag + std::to_string(i));
  return d;
}
}  // namespace

TEST_CASE("tree heads from stored subtrees equal MTH", "[unit]") {
  const auto d = entries(70);
  for (std::uint64_t n = 1; n <= d.size(); ++n) CHECK(root(n, subtrees_of(d)) == mth(d, 0, n));
}

TEST_CASE("consistency proofs verify for every pair of sizes and fail for rewritten histories", "[unit]") {
  const auto d = entries(70);
  const auto f = subtrees_of(d);
  for (std::uint64_t n = 1; n <= 70; ++n) {
    const std::string new_root = root(n, f);
    for (std::uint64_t m = 1; m <= n; ++m) {
      const std::string old_root = root(m, f);
      const auto proof = consistency_proof(m, n, f);
      INFO("m=" << m << " n=" << n);
      REQUIRE(verify_consistency(m, n, old_root, new_root, proof));
      CHECK(proof.size() <= 2 * 7);
      // A different old head, a different new head, a damaged proof: refused.
      // (The size itself is bound by the server's signature over the head.)
      CHECK_FALSE(verify_consistency(m, n, leaf_hash("forged"), new_root, proof));
      if (m < n) {
        CHECK_FALSE(verify_consistency(m, n, old_root, leaf_hash("forged"), proof));
        auto bad = proof;
        bad.back()[0] ^= 1;
        CHECK_FALSE(verify_consistency(m, n, old_root, new_root, bad));
      }
    }
  }
}

TEST_CASE("a history rewritten below the old head is inconsistent with it", "[unit]") {
  const auto d = entries(40);
  for (std::size_t changed : {0u, 7u, 16u, 22u}) {
    auto rewritten = d;
    rewritten[changed] = "rewritten";
    const auto f = subtrees_of(d), g = subtrees_of(rewritten);
    const std::uint64_t m = 23, n = 40;
    // The insider recomputes everything: the new head and proof are honest
    // for the rewritten log, but not for the head the client kept.
    INFO("entry " << changed);
    CHECK_FALSE(verify_consistency(m, n, root(m, f), root(n, g), consistency_proof(m, n, g)));
  }
  // Rewriting only entries after the old head is just appending.
  auto appended = d;
  appended[30] = "later";
  const auto f = subtrees_of(d), g = subtrees_of(appended);
  CHECK(verify_consistency(23, 40, root(23, f), root(40, g), consistency_proof(23, 40, g)));
}

TEST_CASE("hex round trip of a tree head", "[unit]") {
  const std::string h = leaf_hash("x");
  CHECK(from_hex(to_hex(h)) == h);
  CHECK(from_hex("zz").empty());
  CHECK(from_hex(std::string(64, 'g')).empty());
}
