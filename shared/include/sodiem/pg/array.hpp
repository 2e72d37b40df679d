// PostgreSQL array literals in text form ("{1,2}", {"a","b \"c\""}), for a
// statement that takes many rows as one array parameter per column
// (`… FROM unnest($1::bigint[], $2::text[])`): one statement and one round
// trip for a whole group of rows. Callers: the server's ingest on
// PostgreSQL (server/src/ingest_pg.cpp), tests/pg/pg_db_test.cpp.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sodiem::pg {

// Appends elements to a literal; str() closes it.
class ArrayLiteral {
 public:
  ArrayLiteral() { text_ = "{"; }
  void add(std::int64_t v);
  void add(std::string_view v);  // quoted; '"' and '\' escaped
  void add_null();
  void clear() {
    text_ = "{";
    count_ = 0;
    closed_ = false;
  }
  std::size_t size() const { return count_; }
  // The literal, valid until the next add() or clear().
  const std::string& str();

 private:
  void open();  // reopens a literal closed by str()
  std::string text_;
  std::size_t count_ = 0;
  bool closed_ = false;
};

}  // namespace sodiem::pg
