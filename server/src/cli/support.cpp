// Helpers shared by the sodiem-server command handlers (see support.hpp).
#include "support.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/protocol/messages.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/lockout_store.hpp"
#include "sodiem/server/password_gate.hpp"
#include "sodiem/server/school_year.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/store_config.hpp"

namespace fs = std::filesystem;

namespace sodiem::server::cli {

CLI::Option* add_data_option(CLI::App& sub, std::string& dir, const std::string& about) {
  return sub.add_option("--data", dir, about)->required();
}

CLI::Option* add_choice(CLI::App& sub, const std::string& name, std::string& into, const std::vector<std::string>& choices) {
  std::string about;
  for (const auto& c : choices) about += (about.empty() ? "" : " | ") + c;
  return sub.add_option(name, into, about)->required()->check(CLI::IsMember(choices));
}

void add_actor_options(CLI::App& sub, ActorOptions& actor, const std::string& who) {
  auto* by = sub.add_option("--by", actor.by, "Tên đăng nhập của " + who + "; dùng cùng --password-stdin");
  sub.add_flag("--password-stdin", actor.password_stdin,
               "Đọc mật khẩu của người ở --by từ dòng đầu của đầu vào chuẩn (hỏi trực tiếp nếu gõ tại màn hình)");
  sub.add_flag("--new-password-stdin", actor.new_password_stdin,
               "Mật khẩu được cấp phải đổi ở lần dùng đầu tiên: mật khẩu mới ở dòng thứ hai");
  sub.add_flag("--maintenance", actor.maintenance,
               "Thực hiện với danh nghĩa bảo trì máy chủ (quyền quản trị viên, không phải quyền của HT), ghi nhật ký là "
               "\"bảo trì (máy chủ) — <người dùng hệ điều hành>\"; chỉ dành cho người dùng hệ điều hành sở hữu thư "
               "mục dữ liệu")
      ->excludes(by);
  sub.footer(
      "Chỉ thay đổi khi đã xác thực người thực hiện: --by TÊN_ĐĂNG_NHẬP --password-stdin (mật khẩu ở dòng đầu của "
      "đầu vào chuẩn, hoặc được hỏi khi gõ tại màn hình), hoặc --maintenance. Sai mật khẩu thì không có gì thay đổi, "
      "lần sai được ghi nhật ký và tính vào giới hạn đăng nhập như khi đăng nhập từ máy giáo viên (README của "
      "sodiem-server, mục \"Who acts\").");
}

namespace {

std::string os_user_name() {
  if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) return pw->pw_name;
  return "uid " + std::to_string(geteuid());
}

// One line of standard input; on a terminal, asked for with `prompt` and not echoed.
std::optional<std::string> read_secret_line(const std::string& prompt) {
  const bool tty = isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

Result<std::string> authenticate(store::Db& db, const std::string& dir, const ActorOptions& actor,
                                 const std::string& command) {
  if (const std::string year = archived_year(db); !year.empty())
    return Status(ErrorCode::kForbidden, "Thư mục " + dir + " là bản lưu trữ năm học " + year +
                                             ": chỉ để xem và in, không thay đổi được; không có gì được thay đổi.");
  const std::string os_user = os_user_name();
  if (actor.maintenance) {
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0 || st.st_uid != geteuid())
      return Status(ErrorCode::kForbidden, "--maintenance chỉ dành cho người dùng hệ điều hành sở hữu thư mục dữ liệu " +
                                               dir + " (" + os_user + " không phải); không có gì được thay đổi.");
    return maintenance_actor(os_user);
  }
  if (!actor.password_stdin)
    return Status(ErrorCode::kUnauthenticated,
                  "Lệnh \"" + command + "\" cần xác thực người thực hiện: --by TÊN_ĐĂNG_NHẬP --password-stdin (mật khẩu ở "
                  "dòng đầu của đầu vào chuẩn), hoặc --maintenance cho chủ thư mục dữ liệu; không có gì được thay đổi.");
  if (actor.by.empty())
    return Status(ErrorCode::kUnauthenticated, "Lệnh \"" + command + "\" cần --by: tên đăng nhập của người thực hiện");
  auto password = read_secret_line("Mật khẩu của " + actor.by + ": ");
  if (!password)
    return Status(ErrorCode::kUnauthenticated, "Không đọc được mật khẩu từ đầu vào chuẩn (--password-stdin); không có "
                                               "gì được thay đổi.");
  std::string new_password;
  if (actor.new_password_stdin) {
    auto next = read_secret_line("Mật khẩu mới: ");
    if (!next) return Status(ErrorCode::kInvalidValue, "Không đọc được mật khẩu mới (dòng thứ hai, --new-password-stdin)");
    new_password = *next;
  }
  const Clock& clock = SystemClock::instance();
  LoginLimiter limiter(clock, LoginLimits{}, std::make_shared<DbLockoutStore>(DataPaths{dir}.db()));
  if (auto st = verify_actor_password(db, limiter, clock, {actor.by, *password, new_password, command, os_user, ""}); !st)
    return st;
  return actor.by;
}

std::unique_ptr<store::Db> open_existing(const std::string& dir) {
  DataPaths paths{dir};
  if (!has_school_database(dir)) throw std::runtime_error("chưa có cơ sở dữ liệu trong " + dir + "; hãy chạy `sodiem-server init --data " + dir + "` trước");
  return open_server_db(paths.db());
}

namespace {

void canonical(store::Db& db, std::string& typed, const char* sql, std::string_view extra = {}) {
  if (typed.empty()) return;
  const auto key = match_key(typed);
  if (!key) return;
  std::vector<std::string> found;
  auto s = db.prepare(sql);
  while (s.step())
    if (match_key(s.view(0)) == key) found.push_back(s.text(0));
  if (!extra.empty() && match_key(extra) == key) found.emplace_back(extra);
  if (found.size() == 1) typed = found.front();
}

}  // namespace

void canonical_class(store::Db& db, std::string& typed) { canonical(db, typed, "SELECT name FROM current_classes"); }
void canonical_subject(store::Db& db, std::string& typed) {
  canonical(db, typed, "SELECT name FROM subjects", protocol::kHomeroomSubject);
}
void canonical_student(store::Db& db, std::string& typed) { canonical(db, typed, "SELECT code FROM students"); }

int fail_status(const Status& st) {
  std::cerr << "sodiem-server: " << st.message() << "\n";
  return st.code() == ErrorCode::kForbidden || st.code() == ErrorCode::kUnauthenticated ? 3 : 2;
}

std::optional<std::int64_t> time_arg(const std::string& text, const char* name) {
  if (text.empty() || text == "now") return SystemClock::instance().now_unix_seconds();
  auto t = typed_local_time(text);
  if (!t)
    std::cerr << "sodiem-server: " << name << " phải là một ngày " << kTypedDateFormats
              << ", có thể thêm giờ hh:mm (giờ Việt Nam)\n";
  return t;
}

}  // namespace sodiem::server::cli
