#include "test_school.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "sodiem/server/init.hpp"
#include "sodiem/server/server_db.hpp"

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

std::string DemoServer::new_password_of(const std::string& username) const {
  for (const auto& a : accounts)
    if (a["username"] == username) return a.value("new_password", "");
  return "";
}

namespace {

// The demo school made once per test binary (its accounts' passwords are
// hashed with 600,000 PBKDF2 iterations: ~8 s of CPU for the school) and
// copied for each test. Keyed by the binary's identity, so a rebuilt binary
// (maybe with a new schema) makes its own; a lock file serialises the tests
// CTest runs in parallel.
std::string demo_template() {
  namespace fs = std::filesystem;
  const fs::path exe = fs::read_symlink("/proc/self/exe");
  const auto stamp = fs::last_write_time(exe).time_since_epoch().count();
  const fs::path dir = fs::temp_directory_path() / ("sodiem-demo-" + exe.filename().string() + "-" +
                                                    std::to_string(fs::file_size(exe)) + "-" + std::to_string(stamp));
  const int lock = ::open((dir.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) throw std::runtime_error("cannot lock the demo school template");
  // Released on every way out: a failed build must not leave the next test
  // of this process waiting for its own lock.
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock};
  if (!fs::exists(dir / "server.db")) {
    const fs::path building = dir.string() + ".building";
    fs::remove_all(building);
    server::DataPaths paths{building.string()};
    auto r = server::init_data_dir(paths, "Trường THCS Thử Nghiệm", true);
    if (!r) throw std::runtime_error(r.status().message());
    fs::rename(building, dir);
  }
  return dir.string();
}

}  // namespace

DemoServer make_demo_server(const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  fs::copy(demo_template(), dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  ::chmod(dir.c_str(), 0700);
  server::DataPaths paths{dir};
  std::ifstream f(paths.demo_accounts());
  auto j = nlohmann::json::parse(f);
  return DemoServer{dir, j["server_fingerprint"], j["accounts"]};
}

DemoServer make_plain_server(const std::string& dir, const std::string& school_name) {
  auto r = server::init_data_dir(server::DataPaths{dir}, school_name, false);
  if (!r) throw std::runtime_error(r.status().message());
  return DemoServer{dir, r->fingerprint,
                    nlohmann::json::array({{{"username", "admin"}, {"password", r->admin_password}}})};
}

}  // namespace sodiem::testing
