#include "test_school.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>

#include "sodiem/core/crypto.hpp"
#include "sodiem/pg/db.hpp"
#include "sodiem/server/init.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/store_config.hpp"

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

std::string read_line(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  if (line.empty()) throw std::runtime_error("cannot read " + path);
  return line;
}

// SODIEM_TEST_PG=DIR (the folder `scripts/pg.sh start` wrote): the schools of
// this test binary live in that PostgreSQL, each under its own school id.
struct PgCluster {
  std::string app_url, owner_url, super_url;
};
std::optional<PgCluster> test_pg() {
  const char* dir = std::getenv("SODIEM_TEST_PG");
  if (!dir || !*dir) return std::nullopt;
  const std::string d = dir;
  return PgCluster{read_line(d + "/app-url"), read_line(d + "/url"),
                   "postgresql://postgres@127.0.0.1:" + read_line(d + "/port") + "/sodiem"};
}

std::optional<server::PostgresInit> pg_init(const std::string& school_id) {
  auto pg = test_pg();
  if (!pg) return std::nullopt;
  return server::PostgresInit{{pg->app_url, school_id}, pg->owner_url};
}

// Every row of school `from` again as school `to` (the cluster's superuser,
// which row-level security does not hold; foreign keys are not checked while
// copying, the rows being a school that already satisfied them).
void copy_pg_school(const std::string& super_url, const std::string& from, const std::string& to) {
  pg::Db db(super_url);
  pg::Transaction tx(db);
  db.exec("SET LOCAL session_replication_role = replica");
  std::vector<std::pair<std::string, std::string>> tables;
  {
    auto s = db.prepare(
        "SELECT c.relname, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> 'sodiem_schema' "
        "AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'school_id' GROUP BY c.relname");
    while (s.step()) tables.emplace_back(s.text(0), s.text(1));
  }
  for (const auto& [table, cols] : tables) {
    auto s = db.prepare("INSERT INTO " + table + "(school_id, " + cols + ") SELECT ?, " + cols + " FROM " + table +
                        " WHERE school_id = ?");
    s.bind(1, to).bind(2, from).run();
  }
  tx.commit();
}

// The demo school made once per test binary (its accounts' passwords are
// hashed with 600,000 PBKDF2 iterations: ~8 s of CPU for the school) and
// copied for each test. Keyed by the binary's identity, so a rebuilt binary
// (maybe with a new schema) makes its own; a lock file serialises the tests
// CTest runs in parallel.
std::string demo_template() {
  namespace fs = std::filesystem;
  const fs::path exe = fs::read_symlink("/proc/self/exe");
  const auto stamp = fs::last_write_time(exe).time_since_epoch().count();
  const auto pg = test_pg();
  // On PostgreSQL the template is a school in that (throw-away) cluster.
  const std::string cluster = pg ? "-pg" + crypto::sha256_hex(pg->app_url).substr(0, 12) : "";
  const fs::path dir = fs::temp_directory_path() / ("sodiem-demo-" + exe.filename().string() + "-" +
                                                    std::to_string(fs::file_size(exe)) + "-" + std::to_string(stamp) +
                                                    cluster);
  const int lock = ::open((dir.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) throw std::runtime_error("cannot lock the demo school template");
  // Released on every way out: a failed build must not leave the next test
  // of this process waiting for its own lock.
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock};
  if (!server::has_school_database(dir.string())) {
    const fs::path building = dir.string() + ".building";
    fs::remove_all(building);
    server::DataPaths paths{building.string()};
    auto r = server::init_data_dir(paths, "Trường THCS Thử Nghiệm", true, pg_init("tmpl-" + crypto::random_hex(6)));
    if (!r) throw std::runtime_error(r.status().message());
    fs::rename(building, dir);
  }
  return dir.string();
}

}  // namespace

std::string copy_school(const std::string& from, const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  fs::copy(from, dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  ::chmod(dir.c_str(), 0700);
  if (auto config = server::read_store_config(dir)) {
    const std::string school = "t-" + crypto::random_hex(8);
    copy_pg_school(test_pg()->super_url, config->school_id, school);
    server::write_store_config(dir, {config->url, school});
  }
  return dir;
}

void damage_last_pages(const std::string& db_path) {
  const auto size = std::filesystem::file_size(db_path);
  if (size <= 40 * 4096) throw std::runtime_error(db_path + " is too small to damage past its schema");
  std::fstream f(db_path, std::ios::in | std::ios::out | std::ios::binary);
  const std::string junk(3000, '\x5a');
  for (std::uintmax_t page = size / 4096 - 6; page < size / 4096; ++page) {
    f.seekp(static_cast<std::streamoff>(page * 4096 + 600));
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
}

std::string pg_owner_url() {
  const auto pg = test_pg();
  return pg ? pg->owner_url : "";
}

std::string pg_super_url() {
  const auto pg = test_pg();
  return pg ? pg->super_url : "";
}

DemoServer make_demo_server(const std::string& dir) {
  copy_school(demo_template(), dir);
  server::DataPaths paths{dir};
  std::ifstream f(paths.demo_accounts());
  auto j = nlohmann::json::parse(f);
  return DemoServer{dir, j["server_fingerprint"], j["accounts"]};
}

DemoServer make_plain_server(const std::string& dir, const std::string& school_name) {
  auto r = server::init_data_dir(server::DataPaths{dir}, school_name, false, pg_init("p-" + crypto::random_hex(8)));
  if (!r) throw std::runtime_error(r.status().message());
  return DemoServer{dir, r->fingerprint,
                    nlohmann::json::array({{{"username", "admin"}, {"password", r->admin_password}}})};
}

}  // namespace sodiem::testing
