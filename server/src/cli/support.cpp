// Helpers shared by the sodiem-server command handlers (see support.hpp).
#include "support.hpp"

#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "sodiem/core/clock.hpp"
#include "sodiem/server/server_db.hpp"

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

std::unique_ptr<sqlite::Db> open_existing(const std::string& dir) {
  DataPaths paths{dir};
  if (!fs::exists(paths.db())) throw std::runtime_error("no database in " + dir + "; run `sodiem-server init` first");
  return open_server_db(paths.db());
}

int fail_status(const Status& st) {
  std::cerr << "sodiem-server: " << st.message() << "\n";
  return st.code() == ErrorCode::kForbidden || st.code() == ErrorCode::kUnauthenticated ? 3 : 2;
}

std::optional<std::int64_t> time_arg(const std::string& text, const char* name) {
  if (text.empty() || text == "now") return SystemClock::instance().now_unix_seconds();
  auto t = parse_local_time(text);
  if (!t) std::cerr << "sodiem-server: " << name << " phải có dạng YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM (giờ Việt Nam)\n";
  return t;
}

}  // namespace sodiem::server::cli
