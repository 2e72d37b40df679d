// See file_guard.hpp.
#include "sodiem/core/file_guard.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <string_view>

#include "sodiem/protocol/text.hpp"

namespace sodiem {

void restrict_new_files() { ::umask(077); }

void restrict_data_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  ::chmod(dir.c_str(), 0700);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file(ec) && !entry.is_symlink(ec)) ::chmod(entry.path().c_str(), 0600);
}

std::optional<std::string> argument_problem(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (protocol::text_problem(arg, protocol::TextKind::kMultiline))
      return "tham số thứ " + std::to_string(i) +
             (protocol::is_valid_utf8(arg) ? " có ký tự điều khiển" : " không phải văn bản UTF-8 hợp lệ") +
             "; hãy gõ lại bằng bảng mã Unicode (UTF-8)";
  }
  return std::nullopt;
}

}  // namespace sodiem
