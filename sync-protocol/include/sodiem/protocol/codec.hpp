// Encodes and decodes protocol messages as CBOR (binary WebSocket frames).
// Decoding validates types, required fields and limits; it never throws.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "sodiem/protocol/messages.hpp"

namespace sodiem::protocol {

// Limits a peer must respect; larger input is refused with kTooLarge.
inline constexpr std::size_t kMaxMessageBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxOpsPerPush = 2000;
inline constexpr std::size_t kMaxChangesPerPull = 5000;
inline constexpr std::size_t kMaxKeyBytes = 64;
inline constexpr std::size_t kMaxValueBytes = 4000;

struct Decoded {
  std::optional<Message> message;  // set on success
  ErrorCode code = ErrorCode::kOk;
  std::string error;  // what was wrong, naming the field
};

std::string encode(const Message& message);
Decoded decode(std::string_view bytes);
// The generic decoder, by way of a JSON tree. decode() reads pushes without
// it and must agree with it on every input: the tests compare the two.
Decoded decode_via_json(std::string_view bytes);

// Name of the message type, for logs and errors ("push", "ack", ...).
std::string_view type_name(const Message& message);

}  // namespace sodiem::protocol
