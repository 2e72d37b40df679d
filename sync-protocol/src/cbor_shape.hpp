// A bounded, non-recursive walk over CBOR bytes that decides whether they
// may be handed to the generic decoder (nlohmann's from_cbor, which recurses
// once per nesting level and allocates what a header declares). Internal to
// sodiem_protocol; called by codec.cpp before any tree is built.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "sodiem/protocol/error_code.hpp"

namespace sodiem::protocol::detail {

// Every message nests at most three containers deep (map → array of
// entries → entry); one more level of slack.
inline constexpr int kMaxCborDepth = 4;

struct CborShapeProblem {
  ErrorCode code = ErrorCode::kOk;  // kOk: fine
  std::string what;
};

// Accepts exactly one data item of definite-length maps, arrays, unsigned
// and negative integers, UTF-8 text, floats, false, true and null, nested at most
// max_depth containers deep, every declared length backed by the bytes
// present. Refuses byte strings, tags, other simple values, indefinite lengths, trailing
// bytes and invalid UTF-8.
CborShapeProblem check_cbor_shape(std::string_view bytes, int max_depth = kMaxCborDepth);

}  // namespace sodiem::protocol::detail
