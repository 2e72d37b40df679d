// See audit_tree.hpp. Leaf i (0-based) is audit entry seq i + 1.
#include "sodiem/server/audit_tree.hpp"

#include <stdexcept>

#include "sodiem/core/merkle.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {
namespace {

// A node as the transaction's memo knows it (store::Db::recall): the
// entry after this one reads the nodes this one wrote.
std::string node_key(int level, std::uint64_t index) {
  return "audit_tree:" + std::to_string(level) + ":" + std::to_string(index);
}

std::string stored_node(store::Db& db, int level, std::uint64_t index) {
  if (auto m = db.recall(node_key(level, index)); m && *m) return merkle::from_hex(**m);
  auto s = db.cached("SELECT hash FROM audit_tree WHERE level = ? AND idx = ?");
  s->bind(1, level).bind(2, static_cast<std::int64_t>(index));
  if (!s->step()) throw std::runtime_error("audit tree lacks node " + std::to_string(level) + "/" + std::to_string(index));
  db.remember(node_key(level, index), s->text(0));
  return merkle::from_hex(s->view(0));
}

void put_node(store::Db& db, int level, std::uint64_t index, const std::string& hash) {
  const std::string hex = merkle::to_hex(hash);
  db.cached("INSERT INTO audit_tree(level, idx, hash) VALUES(?, ?, ?) ON CONFLICT(level, idx) DO UPDATE SET hash = excluded.hash")
      ->bind(1, level)
      .bind(2, static_cast<std::int64_t>(index))
      .bind(3, hex)
      .run();
  db.remember(node_key(level, index), hex);
}

// Leaf `index` and the perfect subtrees it completes.
void add_leaf(store::Db& db, std::uint64_t index, const std::string& entry_hash_hex) {
  std::string hash = merkle::leaf_hash(entry_hash_hex);
  put_node(db, 0, index, hash);
  int level = 0;
  while (index & 1) {
    hash = merkle::node_hash(stored_node(db, level, index - 1), hash);
    index >>= 1;
    ++level;
    put_node(db, level, index, hash);
  }
}

std::uint64_t tree_size(store::Db& db) { return std::stoull(get_meta(db, "audit_tree_size", "0")); }

// Leaves for entries tree_size+1 … up_to, read from audit_log.
void catch_up(store::Db& db, std::int64_t up_to) {
  std::uint64_t size = tree_size(db);
  if (static_cast<std::int64_t>(size) >= up_to) return;
  auto s = db.prepare("SELECT seq, hash FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq");
  s.bind(1, static_cast<std::int64_t>(size)).bind(2, up_to);
  while (s.step()) {
    if (s.int64(0) != static_cast<std::int64_t>(size) + 1)
      throw std::runtime_error("audit_log lacks entry " + std::to_string(size + 1));
    add_leaf(db, size, s.text(1));
    ++size;
  }
  set_meta(db, "audit_tree_size", std::to_string(size));
}

merkle::SubtreeFn stored(store::Db& db) {
  return [&db](int level, std::uint64_t index) { return stored_node(db, level, index); };
}

}  // namespace

void extend_audit_tree(store::Db& db, std::int64_t seq, const std::string& entry_hash_hex) {
  catch_up(db, seq - 1);
  if (tree_size(db) != static_cast<std::uint64_t>(seq - 1))
    throw std::runtime_error("audit tree out of step with entry " + std::to_string(seq));
  add_leaf(db, static_cast<std::uint64_t>(seq - 1), entry_hash_hex);
  set_meta(db, "audit_tree_size", std::to_string(seq));
}

AuditTreeHead audit_tree_head(store::Db& db) {
  const std::int64_t entries = std::stoll(get_meta(db, "audit_head_seq", "0"));
  if (tree_size(db) < static_cast<std::uint64_t>(entries)) {
    store::Transaction tx(db);
    catch_up(db, entries);
    tx.commit();
  }
  AuditTreeHead head;
  head.size = tree_size(db);
  if (head.size > 0) head.root_hex = merkle::to_hex(merkle::root(head.size, stored(db)));
  return head;
}

std::vector<std::string> audit_consistency_proof(store::Db& db, std::uint64_t m, std::uint64_t n) {
  std::vector<std::string> out;
  for (const auto& h : merkle::consistency_proof(m, n, stored(db))) out.push_back(merkle::to_hex(h));
  return out;
}

std::string check_audit_tree(store::Db& db) {
  const std::uint64_t size = tree_size(db);
  std::vector<std::string> level;  // hashes of the current level, recomputed from the entries
  {
    auto s = db.prepare("SELECT hash FROM audit_log WHERE seq <= ? ORDER BY seq");
    s.bind(1, static_cast<std::int64_t>(size));
    while (s.step()) level.push_back(merkle::leaf_hash(s.text(0)));
  }
  if (level.size() != size) return "cây Merkle có " + std::to_string(size) + " lá nhưng nhật ký có " + std::to_string(level.size()) + " mục";
  for (int l = 0; !level.empty(); ++l) {
    for (std::size_t i = 0; i < level.size(); ++i) {
      auto s = db.cached("SELECT hash FROM audit_tree WHERE level = ? AND idx = ?");
      s->bind(1, l).bind(2, static_cast<std::int64_t>(i));
      if (!s->step() || s->view(0) != merkle::to_hex(level[i]))
        return "nút " + std::to_string(l) + "/" + std::to_string(i) + " của cây Merkle không khớp các mục nhật ký " +
               std::to_string((i << l) + 1) + "–" + std::to_string(((i + 1) << l));
    }
    std::vector<std::string> up;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) up.push_back(merkle::node_hash(level[i], level[i + 1]));
    level = std::move(up);
  }
  return "";
}

}  // namespace sodiem::server
