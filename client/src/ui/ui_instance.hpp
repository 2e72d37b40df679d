// UiInstance: what a running `sodiem ui` keeps in its data directory. One ui
// per data directory: it holds an exclusive lock on DIR/ui.lock (released by
// the kernel however the process ends, also SIGKILL) and writes its address
// there, so a second `sodiem ui` on the same directory is refused with a
// message naming the first's address instead of serving the same store and
// syncing the same outbox twice. Also the launch page DIR/ui-open.html that
// the browser is pointed at, so that the token never appears in a command
// line (any local user can read those in /proc). Called by cmd_ui only.
#pragma once
#include <optional>
#include <string>

namespace sodiem::client::ui {

class UiInstance {
 public:
  // Takes the lock; nullopt and a Vietnamese refusal in `refusal` when
  // another process holds it.
  static std::optional<UiInstance> claim(const std::string& dir, std::string& refusal);
  UiInstance(UiInstance&& other) noexcept;
  UiInstance& operator=(UiInstance&&) = delete;
  ~UiInstance();

  // Records the address the ui serves on (without the token), for the
  // refusal a second ui prints.
  void announce(const std::string& address);

 private:
  explicit UiInstance(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Writes DIR/ui-open.html (0600, under the umask of restrict_new_files):
// a page without script that forwards to url. Its absolute path, or "" if it
// could not be written.
std::string write_launch_page(const std::string& dir, const std::string& url);

}  // namespace sodiem::client::ui
