// PostgreSQL array literals in text form (sodiem/pg/array.hpp).
#include "sodiem/pg/array.hpp"

namespace sodiem::pg {

void ArrayLiteral::add(std::int64_t v) {
  open();
  if (count_++) text_ += ',';
  text_ += std::to_string(v);
}

void ArrayLiteral::add(std::string_view v) {
  open();
  if (count_++) text_ += ',';
  text_ += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
}

void ArrayLiteral::add_null() {
  open();
  if (count_++) text_ += ',';
  text_ += "NULL";
}

void ArrayLiteral::open() {
  if (closed_) text_.pop_back();
  closed_ = false;
}

const std::string& ArrayLiteral::str() {
  if (!closed_) text_ += '}';
  closed_ = true;
  return text_;
}

}  // namespace sodiem::pg
