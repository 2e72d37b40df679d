#include "test_school.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "sodiem/server/init.hpp"

namespace sodiem::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sodiem-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}
TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("SODIEM_KEEP_TMP")) std::filesystem::remove_all(path_, ec);
}

std::string DemoServer::password_of(const std::string& username) const {
  for (const auto& a : accounts)
    if (a["username"] == username) return a["password"];
  throw std::runtime_error("no demo account " + username);
}

DemoServer make_demo_server(const std::string& dir) {
  server::DataPaths paths{dir};
  auto r = server::init_data_dir(paths, "Trường THCS Thử Nghiệm", true);
  if (!r) throw std::runtime_error(r.status().message());
  std::ifstream f(paths.demo_accounts());
  auto j = nlohmann::json::parse(f);
  return DemoServer{dir, r->fingerprint, j["accounts"]};
}

}  // namespace sodiem::testing
