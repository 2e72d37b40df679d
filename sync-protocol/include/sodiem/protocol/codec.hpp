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
// A person's full name (a student on a roster or a correction request).
inline constexpr std::size_t kMaxNameBytes = 256;
inline constexpr std::size_t kMaxValueBytes = 4000;

struct Decoded {
  std::optional<Message> message;  // set on success
  ErrorCode code = ErrorCode::kOk;
  std::string error;  // what was wrong, naming the field
};

std::string encode(const Message& message);

// One op as views into its storage (a sender's database row): what
// PushEncoder takes, so a push can be written without building Ops first.
struct OpView {
  std::uint64_t seq = 0;
  std::string_view class_name, subject, student_code, column, value;
  std::uint64_t base_version = 0;
  std::int64_t recorded_at = 0;
  OpKind kind = OpKind::kSet;
  std::string_view note;
};

// Writes one Push op by op: exactly the bytes encode() makes of a Push with
// the same ops. For the client, which reads a batch from its outbox straight
// into the message: reading and encoding are a quarter of its time in a
// large sync, and building Ops in between cost 40 % of that. Ops must come
// in seq order.
class PushEncoder {
 public:
  explicit PushEncoder(std::uint64_t batch_id, std::size_t expected_ops = 0);
  void add(const OpView& op);
  std::size_t ops() const { return count_; }
  // The whole message; the encoder is spent.
  std::string finish();

 private:
  std::uint64_t batch_id_;
  std::string body_;
  std::size_t count_ = 0;
  std::uint64_t prev_seq_ = 0;
  std::int64_t prev_recorded_at_ = 0;
};

Decoded decode(std::string_view bytes);
// The generic decoder, by way of a JSON tree. decode() reads pushes without
// it and must agree with it on every input: the tests compare the two.
Decoded decode_via_json(std::string_view bytes);

// Name of the message type, for logs and errors ("push", "ack", ...).
std::string_view type_name(const Message& message);

}  // namespace sodiem::protocol
