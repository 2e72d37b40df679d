// DIR/database.json: the PostgreSQL store of a data directory (see the header).
#include "sodiem/server/store_config.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace sodiem::server {

namespace {
std::string path_of(const std::string& data_dir) { return data_dir + "/database.json"; }
}  // namespace

bool valid_school_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::optional<StoreConfig> read_store_config(const std::string& data_dir) {
  const std::string path = path_of(data_dir);
  if (!std::filesystem::exists(path)) return std::nullopt;
  std::ifstream f(path);
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (!f.good() && !f.eof()) throw std::runtime_error("không đọc được " + path);
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("postgresql") || !j["postgresql"].is_string() || !j.contains("school_id") ||
      !j["school_id"].is_string() || !valid_school_id(j["school_id"].get<std::string>()))
    throw std::runtime_error(path + " hỏng: cần {\"postgresql\": \"postgresql://…\", \"school_id\": \"…\"}");
  return StoreConfig{j["postgresql"].get<std::string>(), j["school_id"].get<std::string>()};
}

void write_store_config(const std::string& data_dir, const StoreConfig& config) {
  const std::string path = path_of(data_dir);
  const mode_t old = umask(077);
  std::ofstream f(path, std::ios::trunc);
  umask(old);
  f << nlohmann::json{{"postgresql", config.url}, {"school_id", config.school_id}}.dump(2) << "\n";
  f.close();
  if (!f) throw std::runtime_error("không ghi được " + path);
  ::chmod(path.c_str(), 0600);
}

bool has_school_database(const std::string& data_dir) {
  return std::filesystem::exists(data_dir + "/server.db") || std::filesystem::exists(path_of(data_dir));
}

}  // namespace sodiem::server
