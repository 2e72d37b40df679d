// sodiem-server: the school server. Thin: parses arguments, builds objects, runs.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <iostream>
#include <nlohmann/json.hpp>

#include "sodiem/core/clock.hpp"

#include "sodiem/server/audit.hpp"
#include "sodiem/server/history.hpp"
#include "sodiem/server/init.hpp"
#include "sodiem/server/roster_io.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/sync_service.hpp"
#include "sodiem/server/wss_server.hpp"

namespace fs = std::filesystem;
using namespace sodiem;
using namespace sodiem::server;

namespace {

int cmd_init(const std::string& dir, const std::string& school_name, bool demo) {
  auto result = init_data_dir(DataPaths{dir}, school_name, demo);
  if (!result) {
    std::cerr << "sodiem-server: " << result.status().message() << "\n";
    return 2;
  }
  std::cout << "Đã khởi tạo máy chủ cho " << school_name << " tại " << dir << "\n"
            << "  tài khoản quản trị: admin (mật khẩu trong " << dir << "/admin-password.txt)\n"
            << "  vân tay chứng chỉ (SHA-256): " << result->fingerprint << "\n";
  if (demo) std::cout << "  trường mẫu: 8 lớp, 320 học sinh; tài khoản trong " << DataPaths{dir}.demo_accounts() << "\n";
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

std::unique_ptr<sqlite::Db> open_existing(const std::string& dir) {
  DataPaths paths{dir};
  if (!fs::exists(paths.db())) throw std::runtime_error("no database in " + dir + "; run `sodiem-server init` first");
  return open_server_db(paths.db());
}

int cmd_import(const std::string& what, const std::string& dir, const std::string& file, std::string passwords_out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "sodiem-server: không mở được tệp " << file << "\n";
    return 2;
  }
  auto db = open_existing(dir);
  ImportReport report = what == "students" ? import_students(*db, in) : import_staff(*db, in, SystemClock::instance());
  if (!report.ok) {
    std::cerr << "sodiem-server: không nhập gì cả; " << report.errors.size() << " lỗi trong " << file << ":\n";
    constexpr std::size_t kShown = 30;
    for (std::size_t i = 0; i < report.errors.size() && i < kShown; ++i) std::cerr << "  " << report.errors[i] << "\n";
    if (report.errors.size() > kShown) std::cerr << "  … và " << report.errors.size() - kShown << " lỗi khác\n";
    return 2;
  }
  std::cout << "Đã nhập " << file << ": thêm " << report.inserted << ", cập nhật " << report.updated << "\n";
  if (!report.new_passwords.empty()) {
    if (passwords_out.empty()) passwords_out = dir + "/new-passwords.csv";
    const mode_t old = umask(077);
    std::ofstream out(passwords_out, std::ios::app);
    umask(old);
    for (const auto& [user, password] : report.new_passwords) out << user << ',' << password << "\n";
    std::cout << "Mật khẩu ban đầu của " << report.new_passwords.size() << " tài khoản mới: " << passwords_out << "\n";
  }
  return 0;
}

int cmd_export(const std::string& what, const std::string& dir, const std::string& file) {
  auto db = open_existing(dir);
  std::ofstream out(file, std::ios::trunc);
  if (!out) {
    std::cerr << "sodiem-server: không ghi được tệp " << file << "\n";
    return 2;
  }
  if (what == "students") export_students(*db, out);
  else export_staff(*db, out);
  return out ? 0 : 1;
}

int cmd_audit_verify(const std::string& dir) {
  auto db = open_existing(dir);
  auto check = verify_audit(*db);
  if (!check.intact) {
    std::cerr << "sodiem-server: nhật ký kiểm toán KHÔNG nguyên vẹn: " << check.problem << "\n";
    return 1;
  }
  std::cout << "Nhật ký kiểm toán nguyên vẹn: " << check.entries << " mục\n";
  return 0;
}

int cmd_history(const std::string& dir, const std::vector<std::string>& cell, bool as_json) {
  auto db = open_existing(dir);
  auto events = cell_history(*db, cell[0], cell[1], cell[2], cell[3]);
  if (!events) {
    std::cerr << "sodiem-server: " << events.status().message() << "\n";
    return 2;
  }
  if (as_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : *events)
      out.push_back({{"at", iso8601_utc(e.at)}, {"author", e.author}, {"device", e.device}, {"outcome", e.outcome},
                     {"old", e.old_value}, {"new", e.new_value}, {"reason", e.reason}, {"version", e.version}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  std::cout << "Lịch sử ô " << cell[0] << " · " << cell[1] << " · " << cell[2] << " · " << cell[3] << "\n";
  if (events->empty()) std::cout << "  (chưa có thay đổi)\n";
  for (const auto& e : *events) {
    std::cout << "  " << iso8601_utc(e.at) << "  " << e.author << "  " << e.device << "  ";
    if (e.outcome == "OK") std::cout << (e.old_value.empty() ? "(trống)" : e.old_value) << " → " << e.new_value;
    else std::cout << e.outcome << " \"" << e.new_value << "\"";
    if (!e.reason.empty()) std::cout << "  — " << e.reason;
    std::cout << "\n";
  }
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

  std::string what, file, passwords_out;
  auto* import = app.add_subcommand("import", "Import students or staff from a UTF-8 CSV file (all or nothing)");
  import->add_option("WHAT", what, "students | staff")->required()->check(CLI::IsMember({"students", "staff"}));
  import->add_option("--data", dir, "Directory for all server state")->required();
  import->add_option("FILE", file, "CSV file")->required();
  import->add_option("--passwords-out", passwords_out, "Where to append new accounts' initial passwords");

  auto* exp = app.add_subcommand("export", "Export students or staff as CSV, in the shape import reads");
  exp->add_option("WHAT", what, "students | staff")->required()->check(CLI::IsMember({"students", "staff"}));
  exp->add_option("--data", dir, "Directory for all server state")->required();
  exp->add_option("FILE", file, "CSV file to write")->required();

  auto* audit = app.add_subcommand("audit", "The hash-chained audit trail");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand("verify", "Exit 0 iff the chain is intact; else name the first bad entry");
  verify->add_option("--data", dir, "Directory for all server state")->required();

  std::vector<std::string> cell;
  bool as_json = false;
  auto* history = app.add_subcommand("history", "A cell's full story: who, when, device, old → new, why");
  history->add_option("--data", dir, "Directory for all server state")->required();
  history->add_option("CELL", cell, "CLASS SUBJECT STUDENT_CODE COLUMN")->required()->expected(4);
  history->add_flag("--json", as_json);

  CLI11_PARSE(app, argc, argv);
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  try {
    if (*init) return cmd_init(dir, school, demo);
    if (*run) return cmd_run(dir, listen);
    if (*import) return cmd_import(what, dir, file, passwords_out);
    if (*exp) return cmd_export(what, dir, file);
    if (*verify) return cmd_audit_verify(dir);
    if (*history) return cmd_history(dir, cell, as_json);
  } catch (const std::exception& e) {
    std::cerr << "sodiem-server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
