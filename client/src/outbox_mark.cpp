// See outbox_mark.hpp. The file holds the seq as 20 decimal digits and a
// newline, rewritten in place (one pwrite of a fixed size: never half a
// number after a crash of the process).
#include "sodiem/client/outbox_mark.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace sodiem::client {
namespace {
constexpr std::size_t kWidth = 21;  // 20 digits + '\n'
}

OutboxMark::OutboxMark(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error("không mở được " + path_ + ": " + std::strerror(errno));
}

OutboxMark::~OutboxMark() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::uint64_t> OutboxMark::read() const {
  char buf[kWidth + 1] = {};
  const ssize_t n = ::pread(fd_, buf, kWidth, 0);
  if (n <= 0) return std::nullopt;
  std::uint64_t v = 0;
  bool digits = false;
  for (ssize_t i = 0; i < n && buf[i] != '\n'; ++i) {
    if (buf[i] < '0' || buf[i] > '9') return std::nullopt;  // not ours: written afresh
    v = v * 10 + static_cast<std::uint64_t>(buf[i] - '0');
    digits = true;
  }
  if (!digits) return std::nullopt;
  return v;
}

void OutboxMark::advance(std::uint64_t seq) {
  char buf[kWidth + 1];
  std::snprintf(buf, sizeof buf, "%020llu\n", static_cast<unsigned long long>(seq));
  if (::pwrite(fd_, buf, kWidth, 0) != static_cast<ssize_t>(kWidth))
    throw std::runtime_error("không ghi được " + path_ + ": " + std::strerror(errno));
}

}  // namespace sodiem::client
