// Hostile bytes at the protocol edge: nesting bombs, lying lengths, invalid
// UTF-8 and control characters, overflowing deltas. Each case reproduces a
// probe that crashed the server or let bad text into the audit trail.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sodiem/protocol/codec.hpp"
#include "sodiem/protocol/text.hpp"

using namespace sodiem::protocol;

namespace {
std::string cbor(const nlohmann::json& j) {
  std::string out;
  nlohmann::json::to_cbor(j, out);
  return out;
}
Op op_with(std::string class_name, std::string value, std::string note = {}) {
  Op op{1, {std::move(class_name), "Toán", "HS6A01", "HK1.TX1"}, std::move(value), 0, 1763900000};
  if (!note.empty()) {
    op.kind = OpKind::kCorrectionRequest;
    op.note = std::move(note);
  }
  return op;
}
void refused_by_both(const std::string& bytes, ErrorCode code, const std::string& names) {
  for (const Decoded& d : {decode(bytes), decode_via_json(bytes)}) {
    CHECK_FALSE(d.message.has_value());
    CHECK(d.code == code);
    CHECK_THAT(d.error, Catch::Contains(names));
  }
}
}  // namespace

TEST_CASE("100,000 nested arrays are refused without recursion", "[protocol][fault]") {
  // The 220-byte (deflated) frame that overflowed the stack before login.
  std::string bomb(100000, '\x81');
  bomb += '\x00';
  refused_by_both(bomb, ErrorCode::kMalformed, "nested");
  // Inside a map that looks like a login, too.
  std::string inside = cbor({{"t", "login"}});
  inside[0] = '\xa2';  // the map now has two entries: "t" and the bomb under "x"
  inside += cbor("x") + bomb;
  refused_by_both(inside, ErrorCode::kMalformed, "nested");
  // The deepest real message still decodes.
  Push p{1, {op_with("6A", "8")}};
  CHECK(decode_via_json(encode(p)).message.has_value());
}

TEST_CASE("declared lengths beyond the bytes present are refused before allocation", "[protocol][fault]") {
  // A map of 2^32 entries, an array of 2^62, a text of 2^31 bytes.
  refused_by_both(std::string("\xba\xff\xff\xff\xff", 5), ErrorCode::kMalformed, "declares more items");
  refused_by_both(std::string("\x9b\x40\x00\x00\x00\x00\x00\x00\x00\x01", 10), ErrorCode::kMalformed,
                  "declares more items");
  refused_by_both(std::string("\xa1\x61t\x7a\x80\x00\x00\x00ab", 10), ErrorCode::kMalformed, "longer than");
  // Indefinite lengths, tags and byte strings are not part of the protocol.
  refused_by_both(std::string("\xbf\x61t\x64push\xff", 9), ErrorCode::kMalformed, "indefinite");
  refused_by_both(std::string("\xa1\x61t\xc1\x00", 5), ErrorCode::kMalformed, "tags");
  refused_by_both(std::string("\xa1\x61t\x42\x00\x00", 6), ErrorCode::kMalformed, "byte strings");
  refused_by_both(cbor({{"t", "roster?"}}) + "x", ErrorCode::kMalformed, "after");
}

TEST_CASE("invalid UTF-8 and control characters never reach a message", "[protocol][fault]") {
  // The comment and the class name the clerk sent.
  refused_by_both(encode(Push{1, {op_with("6A", "Ch\xe1m \xff", "")}}), ErrorCode::kMalformed, "UTF-8");
  refused_by_both(encode(Push{1, {op_with("6A\xff", "8")}}), ErrorCode::kMalformed, "UTF-8");
  refused_by_both(encode(Push{1, {op_with("6A", "8", "l\xc3\xbd do \xc0\xaf")}}), ErrorCode::kMalformed, "UTF-8");
  // Well-formed, but a control character in a name, or NUL in a value.
  refused_by_both(encode(Push{1, {op_with("6A\x1b[2J", "8")}}), ErrorCode::kInvalidValue, "o.class");
  refused_by_both(encode(Push{1, {op_with("6A", std::string("8\0", 2))}}), ErrorCode::kInvalidValue, "o.value");
  refused_by_both(encode(Login{kProtocolVersion, kSchemaVersion, "gv\ntoan", "password1", "máy", ""}),
                  ErrorCode::kInvalidValue, "'u'");
  // A comment may span lines; Vietnamese text passes.
  const Push ok{1, {op_with("6A", "Chăm ngoan,\r\n\ttiến bộ", "Nhập nhầm cột")}};
  const Decoded d = decode(encode(ok));
  REQUIRE(d.message.has_value());
  CHECK(std::get<Push>(*d.message).ops == ok.ops);
}

TEST_CASE("delta-coded seqs and times that overflow are refused", "[protocol][fault]") {
  const auto max = std::numeric_limits<std::int64_t>::max();
  Push p{1, {op_with("6A", "8"), op_with("6A", "9")}};
  p.ops[1].seq = 2;
  p.ops[0].recorded_at = max;
  p.ops[1].recorded_at = max;  // delta 0: fine
  CHECK(decode(encode(p)).message.has_value());
  // First delta max, second delta max: the sum leaves int64.
  nlohmann::json ops = nlohmann::json::array();
  ops.push_back({1, "6A", "Toán", "HS6A01", "HK1.TX1", "8", 0, max});
  ops.push_back({1, "6A", "Toán", "HS6A01", "HK1.TX2", "8", 0, max});
  refused_by_both(cbor({{"b", 1}, {"o", ops}, {"t", "push"}}), ErrorCode::kMalformed, "overflows");
  ops = nlohmann::json::array();
  ops.push_back({std::numeric_limits<std::uint64_t>::max(), "6A", "Toán", "HS6A01", "HK1.TX1", "8", 0, 0});
  ops.push_back({2, "6A", "Toán", "HS6A01", "HK1.TX2", "8", 0, 0});
  refused_by_both(cbor({{"b", 1}, {"o", ops}, {"t", "push"}}), ErrorCode::kMalformed, "overflows");
}

TEST_CASE("strict UTF-8: overlong forms, surrogates and code points above U+10FFFF", "[unit]") {
  CHECK(is_valid_utf8("Nguyễn Thị Ánh — 𝄞"));
  CHECK(is_valid_utf8(""));
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong, three bytes
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // U+D800
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // U+110000
  CHECK_FALSE(is_valid_utf8("abcdefgh\xe1\xbb"));  // cut after an ASCII run
  CHECK_FALSE(is_valid_utf8("\x80"));
  CHECK(text_problem("8,5", TextKind::kName) == nullptr);
  CHECK(text_problem("a\tb", TextKind::kName) != nullptr);
  CHECK(text_problem("a\tb", TextKind::kMultiline) == nullptr);
  CHECK(text_problem("a\xc2\x85z", TextKind::kMultiline) != nullptr);  // U+0085, a C1 control
  CHECK(text_problem("\x7f", TextKind::kMultiline) != nullptr);
}

namespace {
std::string utf8_of(char32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}
// text.hpp's list, by code point.
bool invisible(char32_t cp) {
  return cp == 0x00AD || cp == 0x034F || cp == 0x180E || cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF;
}
}  // namespace

TEST_CASE("a name holds no bidi override, zero-width or separator character — values and passwords may", "[protocol][fault]") {
  // Every code point, alone and between letters: refused in a name exactly
  // when it is on the list (C1 controls stay control characters).
  std::size_t refused = 0;
  for (char32_t cp = 0x80; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    const std::string alone = utf8_of(cp), between = "Ng" + alone + "a";
    const TextFault expected = cp <= 0x9F ? TextFault::kControl : invisible(cp) ? TextFault::kInvisible : TextFault::kNone;
    if (text_fault(alone, TextKind::kName) != expected || text_fault(between, TextKind::kName) != expected) {
      FAIL_CHECK("U+" << std::hex << static_cast<std::uint32_t>(cp));
    }
    if (expected == TextFault::kInvisible) {
      ++refused;
      CHECK(text_fault(between, TextKind::kMultiline) == TextFault::kNone);
      CHECK(text_fault(between, TextKind::kSecret) == TextFault::kNone);
    }
  }
  CHECK(refused == 33);
  // All of Vietnamese, composed and decomposed (as some editors save it).
  const std::string vietnamese =
      "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
      "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬBCDĐEÈÉẺẼẸÊỀẾỂỄỆGHIÌÍỈĨỊKLMNOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢPQRSTUÙÚỦŨỤƯỪỨỬỮỰVXYỲÝỶỸỴ"
      " Nguye\xCC\x82\xCC\x83n Va\xCC\x86n A\xCC\x89nh";
  CHECK(text_fault(vietnamese, TextKind::kName) == TextFault::kNone);

  // At the protocol edge: a right-to-left override in a user name, a
  // zero-width space in a student's name sent by a server.
  refused_by_both(encode(Login{kProtocolVersion, kSchemaVersion, "gv.\xE2\x80\xAEnaot", "password1", "máy", ""}),
                  ErrorCode::kInvalidValue, "'u' holds an invisible");
  Roster roster;
  roster.classes = {{"6A", 6}};
  roster.students = {{"HS6A01", "Nguyễn\xE2\x80\x8B Văn An", "6A"}};
  refused_by_both(encode(roster), ErrorCode::kInvalidValue, "invisible");
  // A password is never shown: one chosen with a zero-width joiner logs in.
  const Login login{kProtocolVersion, kSchemaVersion, "gv.toan", "m\xE2\x80\x8Dt kh\xE1\xBA\xA9u", "máy", "m\xEF\xBB\xBFi"};
  const Decoded d = decode(encode(login));
  REQUIRE(d.message.has_value());
  CHECK(std::get<Login>(*d.message).password == login.password);
  CHECK(std::get<Login>(*d.message).new_password == login.new_password);
}
