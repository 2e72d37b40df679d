// Status and Result<T>: the error type returned everywhere. The code says
// whether a retry can help (see protocol::advice). Value types, thread-safe.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "sodiem/protocol/error_code.hpp"

namespace sodiem {

using protocol::ErrorCode;

class [[nodiscard]] Status {
 public:
  // What a refusal is, for the program only (never sent, never shown): tells
  // one refusal from others of its code without reading its words. kNone
  // for nearly every Status.
  enum class Detail : std::uint8_t {
    kNone,
    kSchoolRestoring,  // a restore of the school asks its servers to let go of it (server/serving_lock.hpp)
  };
  Status() = default;
  Status(ErrorCode code, std::string message, Detail detail = Detail::kNone)
      : code_(code), detail_(detail), message_(std::move(message)) {}
  static Status ok() { return {}; }

  bool is_ok() const { return code_ == ErrorCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorCode code() const { return code_; }
  Detail detail() const { return detail_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  Detail detail_ = Detail::kNone;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) {}

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  Status status() const { return is_ok() ? Status() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sodiem
