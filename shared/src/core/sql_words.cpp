// SQL keyword tests (see sql_words.hpp).
#include "sodiem/core/sql_words.hpp"

namespace sodiem {

namespace {

bool word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// `sql` without its leading whitespace and comments.
std::string_view skip_blank(std::string_view sql) {
  for (;;) {
    while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n' || sql.front() == '\t' || sql.front() == '\r'))
      sql.remove_prefix(1);
    if (sql.substr(0, 2) == "--") {
      const auto end = sql.find('\n');
      sql.remove_prefix(end == std::string_view::npos ? sql.size() : end + 1);
    } else if (sql.substr(0, 2) == "/*") {
      const auto end = sql.find("*/", 2);
      sql.remove_prefix(end == std::string_view::npos ? sql.size() : end + 2);
    } else {
      return sql;
    }
  }
}

}  // namespace

bool sql_begins(std::string_view sql, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words) {
    sql = skip_blank(sql);
    if (w.empty() || sql.size() < w.size()) return false;
    for (std::size_t i = 0; i < w.size(); ++i) {
      const char c = sql[i] >= 'A' && sql[i] <= 'Z' ? static_cast<char>(sql[i] - 'A' + 'a') : sql[i];
      if (c != w[i]) return false;
    }
    sql.remove_prefix(w.size());
    if (!sql.empty() && word_char(sql.front())) return false;
  }
  return true;
}

}  // namespace sodiem
