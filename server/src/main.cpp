// sodiem-server: the school server. Thin: parses arguments, builds objects, runs.
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "sodiem/core/crypto.hpp"
#include "sodiem/net/tls.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/demo_school.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/sync_service.hpp"
#include "sodiem/server/wss_server.hpp"

namespace fs = std::filesystem;
using namespace sodiem;
using namespace sodiem::server;

namespace {

void write_private_file(const std::string& path, const std::string& text) {
  const mode_t old = umask(077);
  std::ofstream f(path, std::ios::trunc);
  umask(old);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
  ::chmod(path.c_str(), 0600);
}

int cmd_init(const std::string& dir, const std::string& school_name, bool demo) {
  DataPaths paths{dir};
  fs::create_directories(dir);
  if (fs::exists(paths.db())) {
    std::cerr << "sodiem-server: " << paths.db() << " already exists; refusing to overwrite it\n";
    return 2;
  }
  auto db = open_server_db(paths.db());
  const std::string admin_password = crypto::random_hex(8);
  {
    sqlite::Transaction tx(*db);
    set_meta(*db, "epoch", crypto::random_hex(8));
    set_meta(*db, "school_name", school_name);
    set_meta(*db, "roster_version", "1");
    Accounts accounts(*db, SystemClock::instance());
    auto admin = accounts.create_user("admin", "Quản trị hệ thống", admin_password, {"ADMIN"});
    if (!admin) throw std::runtime_error(admin.status().message());
    tx.commit();
  }
  net::make_self_signed_certificate(paths.cert(), paths.key(), school_name);
  const std::string fingerprint = net::fingerprint_of_pem_file(paths.cert());
  write_private_file(dir + "/admin-password.txt", admin_password + "\n");
  if (demo) {
    const std::string accounts = load_demo_school(*db, SystemClock::instance());
    nlohmann::json j = {{"server_fingerprint", fingerprint}, {"accounts", nlohmann::json::parse(accounts)}};
    write_private_file(paths.demo_accounts(), j.dump(2) + "\n");
  }
  std::cout << "Đã khởi tạo máy chủ cho " << school_name << " tại " << dir << "\n"
            << "  tài khoản quản trị: admin (mật khẩu trong " << dir << "/admin-password.txt)\n"
            << "  vân tay chứng chỉ (SHA-256): " << fingerprint << "\n";
  if (demo) std::cout << "  trường mẫu: 8 lớp, 320 học sinh; tài khoản trong " << paths.demo_accounts() << "\n";
  return 0;
}

int cmd_run(const std::string& dir, const std::string& listen) {
  DataPaths paths{dir};
  if (!fs::exists(paths.db())) {
    std::cerr << "sodiem-server: no database in " << dir << "; run `sodiem-server init --data " << dir
              << "` first\n";
    return 2;
  }
  WssOptions options;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "sodiem-server: --listen must be HOST:PORT\n";
    return 2;
  }
  options.host = listen.substr(0, colon);
  if (options.host.size() > 2 && options.host.front() == '[') options.host = options.host.substr(1, options.host.size() - 2);
  try {
    int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    options.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    std::cerr << "sodiem-server: bad port in --listen " << listen << "\n";
    return 2;
  }
  options.cert_path = paths.cert();
  options.key_path = paths.key();
  SyncService service(paths.db(), SystemClock::instance());
  {
    auto db = open_server_db(paths.db());
    options.school_name = get_meta(*db, "school_name");
  }
  run_wss_server(service, options, [](const std::string& where) {
    std::cout << "sodiem-server listening on " << where << std::endl;
  });
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sodiem-server — máy chủ sổ điểm của trường (school server)"};
  app.require_subcommand(1);
  std::string dir, school = "Trường THCS Sổ Điểm", listen = "127.0.0.1:8443";
  bool demo = false;

  auto* init = app.add_subcommand("init", "Create the database, TLS certificate and admin account");
  init->add_option("--data", dir, "Directory for all server state")->required();
  init->add_option("--school-name", school, "School name");
  init->add_flag("--demo", demo, "Also load the demo school and write demo-accounts.json");

  auto* run = app.add_subcommand("run", "Serve sync (WSS) and the status page (HTTPS)");
  run->add_option("--data", dir, "Directory for all server state")->required();
  run->add_option("--listen", listen, "HOST:PORT (port 0 picks a free port)");

  CLI11_PARSE(app, argc, argv);
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  try {
    if (*init) return cmd_init(dir, school, demo);
    if (*run) return cmd_run(dir, listen);
  } catch (const std::exception& e) {
    std::cerr << "sodiem-server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
