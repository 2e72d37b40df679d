// Whether SQL text begins with given keywords: how the stores tell a
// rollback, a savepoint or a write from the statement text alone
// (store::Db, pg::Db). No parsing beyond that.
#pragma once
#include <initializer_list>
#include <string_view>

namespace sodiem {

// True when `sql` begins with `words`, in that order: ASCII letters in any
// case, each a whole word (not the start of a longer name: "insert" does
// not begin "inserted"), with whitespace or comments (`-- …` to the end of
// the line, `/* … */`) before and between them. Words are given lower case.
bool sql_begins(std::string_view sql, std::initializer_list<std::string_view> words);

}  // namespace sodiem
