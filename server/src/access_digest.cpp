// The one digest of an access table's rows (access_tables.hpp), over either
// store: each backend's SELECT gives every value as its SQLite type and its
// bytes; the rows are formatted, ordered and hashed here. Callers: the seal
// (access_seal.cpp, pg/pg_access_seal.cpp).
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "access_tables.hpp"
#include "sodiem/core/crypto.hpp"

namespace sodiem::server::access {
namespace {

std::vector<std::string> columns_of(const AccessTable& t) {
  std::vector<std::string> out;
  const std::string cols = t.columns;
  for (std::size_t start = 0; start < cols.size();) {
    std::size_t end = cols.find(',', start);
    if (end == std::string::npos) end = cols.size();
    std::string c = cols.substr(start, end - start);
    while (!c.empty() && c.front() == ' ') c.erase(0, 1);
    out.push_back(std::move(c));
    start = end + 1;
  }
  return out;
}

// One value as SQLite's typeof() names it and its bytes (CAST(c AS BLOB)).
struct Value {
  std::string type;
  std::string bytes;
  int rank() const {  // SQLite's ORDER BY: NULL, numbers, text, blobs
    if (type == "null") return 0;
    if (type == "integer" || type == "real") return 1;
    return type == "text" ? 2 : 3;
  }
};

// SQLite's comparison of two values of a column without a collation (BINARY).
int compare(const Value& a, const Value& b) {
  if (a.rank() != b.rank()) return a.rank() < b.rank() ? -1 : 1;
  if (a.rank() == 0) return 0;
  if (a.rank() == 1) {
    if (a.type == "integer" && b.type == "integer") {
      std::int64_t x = 0, y = 0;
      std::from_chars(a.bytes.data(), a.bytes.data() + a.bytes.size(), x);
      std::from_chars(b.bytes.data(), b.bytes.data() + b.bytes.size(), y);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const double x = std::strtod(a.bytes.c_str(), nullptr), y = std::strtod(b.bytes.c_str(), nullptr);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const int c = std::string_view(a.bytes).compare(b.bytes);  // bytewise (unsigned), then the shorter first
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// PostgreSQL's column type as the SQLite type its values have in SQLite's
// schema (INTEGER is BIGINT there; text is text).
std::string sqlite_type_of(std::string_view pg_type) {
  if (pg_type == "bigint" || pg_type == "integer" || pg_type == "smallint") return "integer";
  if (pg_type == "double precision" || pg_type == "real" || pg_type == "numeric") return "real";
  if (pg_type == "bytea") return "blob";
  return "text";
}

std::string hex_upper(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::string bytes_of_bytea(std::string_view text) {  // PostgreSQL's "\x0a1b…"
  std::string out;
  for (std::size_t i = 2; i + 1 < text.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16));
  return out;
}

}  // namespace

const AccessTable* find_table(std::string_view name) {
  for (const auto& t : kTables)
    if (name == t.name) return &t;
  return nullptr;
}

std::string digest_of(store::Db& db, const AccessTable& t, std::string_view from) {
  const auto cols = columns_of(t);
  const std::string source = from.empty() ? std::string(t.name) : std::string(from);
  const bool pg = db.backend() == store::Backend::kPostgres;
  std::string select;
  for (const auto& c : cols) {
    if (!select.empty()) select += ", ";
    select += pg ? "CAST(pg_typeof(" + c + ") AS TEXT), CAST(" + c + " AS TEXT)"
                 : "typeof(" + c + "), CAST(" + c + " AS BLOB)";
  }
  auto s = db.prepare("SELECT " + select + " FROM " + source + (pg ? " WHERE school_id = ?" : ""));
  if (pg) s.bind(1, db.school_id());
  std::vector<std::vector<Value>> rows;
  while (s.step()) {
    auto& row = rows.emplace_back();
    row.reserve(cols.size());
    for (int i = 0; i < static_cast<int>(cols.size()); ++i) {
      Value v;
      if (!pg) {
        v.type = s.text(2 * i);
        if (v.type != "null") v.bytes = s.text(2 * i + 1);
      } else if (s.is_null(2 * i + 1)) {
        v.type = "null";
      } else {
        v.type = sqlite_type_of(s.view(2 * i));
        v.bytes = v.type == "blob" ? bytes_of_bytea(s.view(2 * i + 1)) : s.text(2 * i + 1);
      }
      row.push_back(std::move(v));
    }
  }
  std::vector<std::string> lines(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    // Each value as its type and every byte in hex (quote() would stop at a
    // NUL inside a text that the software reads whole), so NULL, 1 and '1'
    // differ and no two rows concatenate alike.
    std::string& line = lines[r];
    for (const auto& v : rows[r]) line += (line.empty() ? "" : ",") + v.type + ":" + hex_upper(v.bytes);
  }
  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    for (std::size_t c = 0; c < cols.size(); ++c)
      if (const int d = compare(rows[a][c], rows[b][c]); d != 0) return d < 0;
    return lines[a] < lines[b];  // equal as SQLite orders (1 and 1.0): any fixed order
  });
  std::string text;
  for (const auto i : order) {
    text += std::to_string(lines[i].size()) + ":";
    text += lines[i];
    text += "\n";
  }
  return crypto::sha256_hex(text);
}

}  // namespace sodiem::server::access
