// Test fixtures: temporary directories and demo-school data directories.
// The demo school costs ~7 s to make (31 accounts, each password hashed
// with PBKDF2 at 600,000 iterations), so each test executable makes it once
// into a template beside itself (remade when the executable is newer) and
// every test copies it: the same real data, same certificate and passwords.
#include "test_school.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "sodiem/server/init.hpp"

namespace sodiem::testing {

namespace fs = std::filesystem;

namespace {
constexpr const char* kSchoolName = "Trường THCS Thử Nghiệm";

// An exclusive lock on a file, held for the scope (tests run in parallel).
class FileLock {
 public:
  explicit FileLock(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT, 0600)) {
    if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) throw std::runtime_error("cannot lock " + path);
  }
  ~FileLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

void make_fresh(const std::string& dir) {
  auto r = server::init_data_dir(server::DataPaths{dir}, kSchoolName, true);
  if (!r) throw std::runtime_error(r.status().message());
}

// The template of this executable, made if missing or older than it.
std::string template_dir() {
  const fs::path exe = fs::read_symlink("/proc/self/exe");
  const fs::path root = exe.parent_path() / "demo-templates";
  fs::create_directories(root);
  const fs::path dir = root / exe.filename();
  const fs::path done = dir / ".complete";
  FileLock lock((root / (exe.filename().string() + ".lock")).string());
  std::error_code ec;
  if (!fs::exists(done) || fs::last_write_time(done) < fs::last_write_time(exe)) {
    fs::remove_all(dir, ec);
    make_fresh(dir.string());
    std::ofstream(done.string()) << "made by " << exe.string() << "\n";
  }
  return dir.string();
}
}  // namespace

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "sodiem-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}
TempDir::~TempDir() {
  std::error_code ec;
  if (!std::getenv("SODIEM_KEEP_TMP")) fs::remove_all(path_, ec);
}

std::string DemoServer::password_of(const std::string& username) const {
  for (const auto& a : accounts)
    if (a["username"] == username) return a["password"];
  throw std::runtime_error("no demo account " + username);
}

DemoServer make_demo_server(const std::string& dir) {
  const std::string from = template_dir();
  fs::copy(from, dir, fs::copy_options::recursive);
  fs::remove(fs::path(dir) / ".complete");
  const server::DataPaths paths{dir};
  std::ifstream f(paths.demo_accounts());
  auto j = nlohmann::json::parse(f);
  return DemoServer{dir, j["server_fingerprint"], j["accounts"]};
}

}  // namespace sodiem::testing
