// Unicode helpers for text people type: NFC (the composed form), so a name
// typed as "e" + combining marks and the same name typed with precomposed
// letters ("ệ") are one string, byte for byte; counting characters; and the
// start of a long text quoted in a message. Pure functions over UTF-8,
// thread-safe (ICU's NFC normaliser is a shared immutable instance). Used
// by the roster import, the value rules and the CLIs.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sodiem {

// The NFC form of well-formed UTF-8; nullopt if `utf8` is not well-formed
// (check it with protocol::text_problem first to say why).
std::optional<std::string> to_nfc(std::string_view utf8);

// The form two names are compared in when a person typed one of them: NFC,
// case-folded and each word's tone mark wherever it was typed ("TOÁN",
// "toán" and a decomposed "Toán" all match "Toán"; "Hoá học" matches "Hóa
// học", "Thuỷ" "Thủy"); a missing accent stays another word. Only for
// comparing; nullopt for invalid UTF-8.
std::optional<std::string> match_key(std::string_view utf8);

// Number of Unicode code points in well-formed UTF-8: the characters a
// person counts in an NFC name.
std::size_t code_points(std::string_view utf8);

// `text` if it has at most `max_chars` code points, else its first
// max_chars followed by "…": what a message quotes of a value that may be
// long, so the message stays short (an op's refusal travels in an ack).
std::string excerpt(std::string_view text, std::size_t max_chars = 40);

}  // namespace sodiem
