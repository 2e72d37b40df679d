// SQLite → PostgreSQL statement translation (see dialect.hpp).
#include "sodiem/pg/dialect.hpp"

#include <algorithm>
#include <cctype>

#include "sodiem/pg/db.hpp"

namespace sodiem::pg {
namespace {

bool word_at(std::string_view s, std::size_t i, std::string_view w) {
  if (i + w.size() > s.size()) return false;
  for (std::size_t k = 0; k < w.size(); ++k)
    if (std::toupper(static_cast<unsigned char>(s[i + k])) != w[k]) return false;
  const bool left = i == 0 || !(std::isalnum(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '_');
  const std::size_t e = i + w.size();
  const bool right = e == s.size() || !(std::isalnum(static_cast<unsigned char>(s[e])) || s[e] == '_');
  return left && right;
}

// Copies s[i] and, for a literal, identifier or comment starting there, the
// whole of it; returns the index after what was copied.
std::size_t copy_opaque(std::string_view s, std::size_t i, std::string& out) {
  const char c = s[i];
  if (c == '\'' || c == '"') {
    std::size_t j = i + 1;
    while (j < s.size()) {
      if (s[j] == c) {
        if (j + 1 < s.size() && s[j + 1] == c) {
          j += 2;  // doubled quote inside
          continue;
        }
        ++j;
        break;
      }
      ++j;
    }
    out.append(s.substr(i, j - i));
    return j;
  }
  if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
    std::size_t j = s.find('\n', i);
    j = j == std::string_view::npos ? s.size() : j;
    out.append(s.substr(i, j - i));
    return j;
  }
  if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
    std::size_t j = s.find("*/", i + 2);
    j = j == std::string_view::npos ? s.size() : j + 2;
    out.append(s.substr(i, j - i));
    return j;
  }
  return i;
}

}  // namespace

Translated to_postgres(std::string_view s, std::string_view key_prefix) {
  Translated t;
  t.sql.reserve(s.size() + 16);
  int next = 0;
  bool ignore = false;
  std::size_t returning_at = std::string_view::npos;  // in t.sql
  for (std::size_t i = 0; i < s.size();) {
    if (const std::size_t j = copy_opaque(s, i, t.sql); j != i) {
      i = j;
      continue;
    }
    if (s[i] == '?') {
      std::size_t j = i + 1;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      int n = j > i + 1 ? std::stoi(std::string(s.substr(i + 1, j - i - 1))) : ++next;
      if (j > i + 1) next = std::max(next, n);
      t.params = std::max(t.params, n);
      t.sql += '$' + std::to_string(n);
      i = j;
      continue;
    }
    if (word_at(s, i, "INSERT")) {
      std::size_t j = i + 6;
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (word_at(s, j, "OR")) {
        std::size_t k = j + 2;
        while (k < s.size() && std::isspace(static_cast<unsigned char>(s[k]))) ++k;
        if (word_at(s, k, "IGNORE")) {
          if (ignore) throw Error("", "to_postgres: more than one INSERT OR IGNORE in one statement");
          ignore = true;
          t.sql += "INSERT";
          i = k + 6;
          continue;
        }
        throw Error("", "to_postgres: no faithful translation of INSERT OR … in: " + std::string(s.substr(0, 80)));
      }
    }
    if (!key_prefix.empty() && word_at(s, i, "CONFLICT")) {
      std::size_t j = i + 8;
      while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j]))) ++j;
      if (j < s.size() && s[j] == '(') {
        t.sql.append(s.substr(i, j + 1 - i));
        t.sql.append(key_prefix);
        t.sql += ", ";
        i = j + 1;
        continue;
      }
    }
    // SQLite's functions that PostgreSQL spells otherwise.
    if (word_at(s, i, "INSTR") && s.substr(i + 5, 1) == "(") {
      t.sql += "strpos";
      i += 5;
      continue;
    }
    if (word_at(s, i, "JSON_EXTRACT") && s.substr(i + 12, 1) == "(") {
      // json_extract(expr, '$.key') with a plain expression and one key.
      const std::size_t open = i + 13, comma = s.find(',', open), close = s.find(')', open);
      const std::string_view expr = comma == std::string_view::npos ? "" : s.substr(open, comma - open);
      std::string_view path = comma < close ? s.substr(comma + 1, close - comma - 1) : "";
      while (!path.empty() && path.front() == ' ') path.remove_prefix(1);
      const bool plain = !expr.empty() && expr.find_first_of("()'\"") == std::string_view::npos &&
                         path.size() > 4 && path.starts_with("'$.") && path.ends_with("'") &&
                         path.substr(3, path.size() - 4).find_first_of(".[]'") == std::string_view::npos;
      if (!plain) throw Error("", "to_postgres: json_extract beyond (column, '$.key'): " + std::string(s.substr(0, 80)));
      t.sql += "(" + std::string(expr) + "::jsonb ->> '" + std::string(path.substr(3, path.size() - 4)) + "')";
      i = close + 1;
      continue;
    }
    if (word_at(s, i, "PRAGMA")) throw Error("", "to_postgres: PRAGMA is SQLite's own: " + std::string(s.substr(0, 80)));
    if (ignore && word_at(s, i, "RETURNING")) returning_at = t.sql.size();
    t.sql += s[i++];
  }
  if (ignore) {
    // The clause goes before RETURNING, or at the end (before a final ';').
    std::size_t at = returning_at;
    if (at == std::string::npos) {
      at = t.sql.size();
      while (at > 0 && (std::isspace(static_cast<unsigned char>(t.sql[at - 1])) || t.sql[at - 1] == ';')) --at;
    }
    t.sql.insert(at, returning_at == std::string::npos ? " ON CONFLICT DO NOTHING" : "ON CONFLICT DO NOTHING ");
  }
  return t;
}

}  // namespace sodiem::pg
