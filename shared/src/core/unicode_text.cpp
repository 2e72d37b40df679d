// NFC through ICU, character counts and excerpts (see unicode_text.hpp).
#include "sodiem/core/unicode_text.hpp"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "sodiem/protocol/text.hpp"

namespace sodiem {

std::optional<std::string> to_nfc(std::string_view utf8) {
  if (!protocol::is_valid_utf8(utf8)) return std::nullopt;
  bool ascii = true;
  for (unsigned char c : utf8) ascii = ascii && c < 0x80;
  if (ascii) return std::string(utf8);  // ASCII is always NFC: most input
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || !nfc) return std::nullopt;
  const icu::UnicodeString in = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  const icu::UnicodeString out = nfc->normalize(in, status);
  if (U_FAILURE(status)) return std::nullopt;
  std::string result;
  out.toUTF8String(result);
  return result;
}

namespace {

// The five Vietnamese tone marks, as combining characters (NFD).
bool tone_mark(char16_t c) { return c == 0x0300 || c == 0x0301 || c == 0x0303 || c == 0x0309 || c == 0x0323; }

// `nfd` with each word's tone marks moved to the word's end: where a
// syllable's tone sits is a typing convention ("Hóa"/"Hoá", "Thủy"/"Thuỷ":
// old and new style, Unikey's "đặt dấu oà, uý"), not another word.
icu::UnicodeString tone_at_word_end(const icu::UnicodeString& nfd) {
  icu::UnicodeString out, tones;
  for (int32_t i = 0; i < nfd.length(); ++i) {
    const char16_t c = nfd.charAt(i);
    if (tone_mark(c)) {
      tones.append(c);
      continue;
    }
    if (c == u' ' || c == u'-' || c == u',' || c == u';' || c == u':' || c == u'(' || c == u')') {
      out.append(tones);
      tones.remove();
    }
    out.append(c);
  }
  return out.append(tones);
}

}  // namespace

std::optional<std::string> match_key(std::string_view utf8) {
  auto nfc = to_nfc(utf8);
  if (!nfc) return std::nullopt;
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(nfc->data(), static_cast<int32_t>(nfc->size())));
  u.foldCase();
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd_norm = icu::Normalizer2::getNFDInstance(status);
  const icu::Normalizer2* nfc_norm = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || !nfc_norm || !nfd_norm) return std::nullopt;
  const icu::UnicodeString decomposed = nfd_norm->normalize(u, status);
  if (U_FAILURE(status)) return std::nullopt;
  const icu::UnicodeString folded = nfc_norm->normalize(tone_at_word_end(decomposed), status);
  if (U_FAILURE(status)) return std::nullopt;
  std::string out;
  folded.toUTF8String(out);
  return out;
}

std::size_t code_points(std::string_view utf8) {
  std::size_t n = 0;
  for (unsigned char c : utf8) n += (c & 0xC0) != 0x80;  // every byte but continuation bytes starts one
  return n;
}

std::string excerpt(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0, i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars++ == max_chars) return std::string(text.substr(0, i)) + "…";
  }
  return std::string(text);
}

}  // namespace sodiem
