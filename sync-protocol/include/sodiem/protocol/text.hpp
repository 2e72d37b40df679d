// Text rules every edge applies before a string is decoded into a message,
// stored, or written to the audit trail: well-formed UTF-8 (no overlong
// forms, no surrogates, nothing above U+10FFFF) and no control characters
// (a value or note may hold tab and line breaks); a name or key also holds no
// invisible character that reorders or hides text. Pure functions, no
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
  kSecret,     // a password: no control characters, but never shown, so invisible ones deceive no one
  kMultiline,  // a value, comment or reason: may hold \t, \n, \r
};

// Why a text is refused. kInvisible (names and keys only): a bidi control
// (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), a zero-width or
// invisible format character (U+00AD soft hyphen, U+034F, U+180E,
// U+200B–U+200D, U+2060–U+2064, U+206A–U+206F, U+FEFF) or a line or paragraph separator (U+2028, U+2029). None is needed to write Vietnamese,
// including ZWJ/ZWNJ (used by Persian and Indic scripts, emoji): in a name
// they only make two names that look the same differ, or make a name display
// as another ("\u202Egnaht" shows as "thang").
enum class TextFault { kNone, kNotUtf8, kControl, kInvisible };
TextFault text_fault(std::string_view s, TextKind kind);

// nullptr if `s` is acceptable text of this kind, otherwise why not (English,
// for logs and the protocol's error message; callers facing a person say it
// in Vietnamese, from text_fault).
const char* text_problem(std::string_view s, TextKind kind);

}  // namespace sodiem::protocol
