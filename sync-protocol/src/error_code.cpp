#include "sodiem/protocol/error_code.hpp"

#include <array>
#include <utility>

namespace sodiem::protocol {
namespace {
constexpr std::array<std::pair<ErrorCode, std::string_view>, 17> kNames{{
    {ErrorCode::kOk, "OK"},
    {ErrorCode::kDuplicate, "DUPLICATE"},
    {ErrorCode::kTermLocked, "TERM_LOCKED"},
    {ErrorCode::kEntryClosed, "ENTRY_CLOSED"},
    {ErrorCode::kApprovedReadOnly, "APPROVED_READ_ONLY"},
    {ErrorCode::kForbidden, "FORBIDDEN"},
    {ErrorCode::kInvalidValue, "INVALID_VALUE"},
    {ErrorCode::kConflict, "CONFLICT"},
    {ErrorCode::kUnauthenticated, "UNAUTHENTICATED"},
    {ErrorCode::kVersionMismatch, "VERSION_MISMATCH"},
    {ErrorCode::kRateLimited, "RATE_LIMITED"},
    {ErrorCode::kTooLarge, "TOO_LARGE"},
    {ErrorCode::kMalformed, "MALFORMED"},
    {ErrorCode::kInternal, "INTERNAL"},
    {ErrorCode::kUnavailable, "UNAVAILABLE"},
    {ErrorCode::kPasswordChangeRequired, "PASSWORD_CHANGE_REQUIRED"},
    {ErrorCode::kAuditMismatch, "AUDIT_MISMATCH"},
}};
}  // namespace

std::string_view to_string(ErrorCode code) {
  for (const auto& [c, name] : kNames)
    if (c == code) return name;
  return "INTERNAL";
}

std::optional<ErrorCode> parse_error_code(std::string_view text) {
  for (const auto& [c, name] : kNames)
    if (name == text) return c;
  return std::nullopt;
}

RetryAdvice advice(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
    case ErrorCode::kDuplicate:
      return RetryAdvice::kDone;
    case ErrorCode::kTermLocked:
    case ErrorCode::kEntryClosed:
    case ErrorCode::kApprovedReadOnly:
    case ErrorCode::kForbidden:
    case ErrorCode::kInvalidValue:
    case ErrorCode::kConflict:
    case ErrorCode::kAuditMismatch:
      return RetryAdvice::kShowUser;
    case ErrorCode::kRateLimited:
    case ErrorCode::kInternal:
    case ErrorCode::kUnavailable:
      return RetryAdvice::kRetryLater;
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPasswordChangeRequired:
      return RetryAdvice::kReauthenticate;
    case ErrorCode::kVersionMismatch:
    case ErrorCode::kTooLarge:
    case ErrorCode::kMalformed:
      return RetryAdvice::kFatal;
  }
  return RetryAdvice::kFatal;
}

}  // namespace sodiem::protocol
