// Error codes carried on the wire and in stored op outcomes, and what a
// client should do about each. Pure data; safe to use from any thread.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace sodiem::protocol {

enum class ErrorCode : std::uint8_t {
  kOk,                // accepted
  kDuplicate,         // already applied earlier; original outcome returned
  kTermLocked,        // period frozen: no change at all
  kEntryClosed,       // entry window closed for new marks
  kApprovedReadOnly,  // data approved by the principal: read-only
  kForbidden,         // user may not write this cell
  kInvalidValue,      // value out of range / wrong form / unknown class etc.
  kConflict,          // concurrent edit; kept as a conflict, not current
  kUnauthenticated,   // bad or expired token, wrong password
  kVersionMismatch,   // incompatible protocol or schema version
  kRateLimited,       // slow down, retry later
  kTooLarge,          // message or batch over the limits
  kMalformed,         // undecodable frame or missing field
  kInternal,          // server fault; retry later
  kUnavailable,       // cannot reach the peer; retry later
  kPasswordChangeRequired,  // an issued password: log in again with a new one
  kAuditMismatch,     // the server's audit trail does not extend the head this device kept
};

// What the client should do with an op or request that got this code.
enum class RetryAdvice : std::uint8_t {
  kDone,            // delivered: nothing to do
  kShowUser,        // delivered but refused: put it in the teacher's inbox
  kRetryLater,      // transient: back off and retry the same request
  kReauthenticate,  // enroll again (token/password problem)
  kFatal,           // fix the software or the input; retrying cannot help
};

std::string_view to_string(ErrorCode code);
std::optional<ErrorCode> parse_error_code(std::string_view text);
RetryAdvice advice(ErrorCode code);

}  // namespace sodiem::protocol
