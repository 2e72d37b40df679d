// Text rules every edge applies before a string is decoded into a message,
// stored, or written to the audit trail: well-formed UTF-8 (no overlong
// forms, no surrogates, nothing above U+10FFFF) and no control characters
// (a value or note may hold tab and line breaks). Pure functions, no
// allocation; callable from any thread. Used by the protocol decoder, the
// CLIs' argument check and the CSV import.
#pragma once
#include <cstddef>
#include <string_view>

namespace sodiem::protocol {

// Well-formed UTF-8 (RFC 3629). NUL and other control characters are
// well-formed; check_text refuses them.
bool is_valid_utf8(std::string_view s);

enum class TextKind {
  kName,       // a key or a name: class, subject, student code, column, user, person's name
  kMultiline,  // a value, comment or reason: may hold \t, \n, \r
};

// nullptr if `s` is acceptable text of this kind, otherwise why not (English,
// for logs and the protocol's error message; callers facing a person say it
// in Vietnamese).
const char* text_problem(std::string_view s, TextKind kind);

}  // namespace sodiem::protocol
