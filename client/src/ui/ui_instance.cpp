// The one-ui-per-data-directory lock (see ui_instance.hpp).
#include "ui_instance.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

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

std::string write_launch_page(const std::string& dir, const std::string& url) {
  std::error_code ec;
  const auto path = std::filesystem::absolute(dir + "/ui-open.html", ec).string();
  if (ec) return {};
  // url is http://127.0.0.1:PORT/?token=HEX: nothing to escape in HTML.
  const std::string page = "<!doctype html>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"refresh\" content=\"0;url=" +
                           url + "\">\n<title>Sổ điểm</title>\n<p><a href=\"" + url + "\">Mở Sổ điểm</a></p>\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return {};
  const bool written = ::write(fd, page.data(), page.size()) == static_cast<ssize_t>(page.size());
  ::close(fd);
  return written ? path : std::string();
}

}  // namespace sodiem::client::ui
