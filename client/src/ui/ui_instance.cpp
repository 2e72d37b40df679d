// The one-ui-per-data-directory lock (see ui_instance.hpp).
#include "ui_instance.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sodiem::client::ui {

std::optional<UiInstance> UiInstance::claim(const std::string& dir, std::string& refusal) {
  const std::string path = dir + "/ui.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    refusal = "không mở được " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[256] = {};
    const auto n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string first(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!first.empty() && (first.back() == '\n' || first.back() == ' ')) first.pop_back();
    ::close(fd);
    refusal = "thư mục " + dir + " đang được một sodiem ui khác dùng" +
              (first.empty() ? std::string(" (đang khởi động)") : " tại " + first) +
              ": hãy dùng cửa sổ đó, hoặc dừng nó (Ctrl+C) rồi chạy lại";
    return std::nullopt;
  }
  return UiInstance(fd);
}

UiInstance::UiInstance(UiInstance&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

UiInstance::~UiInstance() {
  if (fd_ < 0) return;
  if (::ftruncate(fd_, 0) != 0) {
    // The next ui overwrites it anyway.
  }
  ::close(fd_);
}

void UiInstance::announce(const std::string& address) {
  const std::string line = address + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size())) {
    // Only the second ui's message is poorer for it.
  }
}

}  // namespace sodiem::client::ui
