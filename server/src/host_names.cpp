// DIR/host-names.txt: the names one multi-school server picks this school by
// (see host_names.hpp).
#include "sodiem/server/host_names.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

namespace sodiem::server {

namespace {
std::string path_of(const std::string& dir) { return dir + "/host-names.txt"; }

}  // namespace

std::string normalize_host_name(std::string name) {
  while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
  const auto start = name.find_first_not_of(" \t");
  name = start == std::string::npos ? "" : name.substr(start);
  while (!name.empty() && name.back() == '.') name.pop_back();
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

bool valid_host_name(const std::string& name) {
  return !name.empty() && name.size() <= 253 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
}

bool host_field_names(const std::string& host_field, const std::string& name) {
  std::string host = host_field;
  // A port after the name; an IPv6 literal ("[::1]:443") is never a school's name.
  if (const auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos)
    host.resize(colon);
  return !name.empty() && normalize_host_name(host) == name;
}

std::vector<std::string> read_host_names(const std::string& data_dir) {
  std::ifstream in(path_of(data_dir));
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    line = normalize_host_name(line);
    if (line.empty()) continue;
    if (!valid_host_name(line)) throw std::runtime_error(path_of(data_dir) + ": tên máy không hợp lệ: " + line);
    names.push_back(line);
  }
  return names;
}

void write_host_names(const std::string& data_dir, const std::vector<std::string>& names) {
  std::ofstream out(path_of(data_dir), std::ios::trunc);
  out << "# Tên máy của trường này khi một máy chủ phục vụ nhiều trường (sodiem-server run --data … --data …)\n";
  for (const auto& n : names) out << normalize_host_name(n) << "\n";
  if (!out) throw std::runtime_error("không ghi được " + path_of(data_dir));
}

}  // namespace sodiem::server
