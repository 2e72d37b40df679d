// sodiem-server init and run: create a data directory; serve sync (WSS) and
// the status page (HTTPS). Registered by main.cpp (see commands.hpp).
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "sodiem/core/clock.hpp"
#include "sodiem/server/access_seal.hpp"
#include "sodiem/server/console/console.hpp"
#include "sodiem/server/init.hpp"
#include "sodiem/server/records_print.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/store_config.hpp"
#include "sodiem/server/sync_service.hpp"
#include "sodiem/server/wss_server.hpp"
#include "sodiem/server/school_year.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "support.hpp"

namespace fs = std::filesystem;

namespace sodiem::server::cli {
namespace {

struct InitOptions {
  std::string dir, school = "Trường THCS Sổ Điểm";
  bool demo = false;
  std::string database, database_owner, school_id;
};

int run_init(const InitOptions& o) {
  std::optional<PostgresInit> postgres;
  if (!o.database.empty()) {
    if (o.school_id.empty()) {
      std::cerr << "sodiem-server: với --database cần --school-id (mã trường trong cơ sở dữ liệu chung, vd. thcs-tan-lap)\n";
      return 2;
    }
    postgres = PostgresInit{{o.database, o.school_id}, o.database_owner};
  }
  Result<InitResult> result = Status(ErrorCode::kInternal, "");
  try {
    result = init_data_dir(DataPaths{o.dir}, o.school, o.demo, postgres);
  } catch (const std::exception& e) {
    std::cerr << "sodiem-server: không khởi tạo được cơ sở dữ liệu: " << e.what() << "\n";
    return 2;
  }
  if (!result) {
    std::cerr << "sodiem-server: " << result.status().message() << "\n";
    return 2;
  }
  std::cout << "Đã khởi tạo máy chủ cho " << o.school << " tại " << o.dir << "\n"
            << "  tài khoản quản trị: admin (mật khẩu trong " << o.dir << "/admin-password.txt)\n"
            << "  vân tay chứng chỉ (SHA-256): " << result->fingerprint << "\n";
  if (o.demo) {
    std::cout << "  trường mẫu: 8 lớp, 320 học sinh; tài khoản trong " << DataPaths{o.dir}.demo_accounts() << "\n";
    return 0;
  }
  // A real school starts empty: say what comes next, with the exact commands
  // (run on the server by the data directory's owner: --maintenance).
  const std::string& d = o.dir;
  // The level(s) the school's name says ("Trường Tiểu học …", "THCS và THPT
  // …"); THCS when it says none.
  std::string levels;
  if (const auto name = match_key(o.school)) {
    const auto says = [&](std::initializer_list<const char*> words) {
      for (const char* w : words)
        if (name->find(*match_key(w)) != std::string::npos) return true;
      return false;
    };
    if (says({"tiểu học", "th&thcs", "th và thcs"})) levels += " --level tieu-hoc";
    if (says({"thcs", "trung học cơ sở"})) levels += " --level thcs";
    if (says({"thpt", "trung học phổ thông"})) levels += " --level thpt";
  }
  if (levels.empty()) levels = " --level thcs";
  const std::string as = " --maintenance";
  std::cout << "\nTrường chưa có môn học, năm học, giáo viên hay học sinh. Các bước tiếp theo:\n"
            << "  1. Thiết lập chương trình học và năm học (chọn cấp học: tieu-hoc, thcs, thpt; trường nhiều cấp nêu "
               "nhiều --level; hoặc tự soạn tệp theo mẫu server/curriculum/*.json):\n"
            << "       sodiem-server setup --data " << d << levels << as << "\n"
            << "  2. Nhập danh sách học sinh (CSV: Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp); lớp được tạo theo "
               "tên (6A, 10A1):\n"
            << "       sodiem-server import students --data " << d << " HOC_SINH.csv" << as << "\n"
            << "  3. Nhập giáo viên với vai trò, chủ nhiệm và phân công giảng dạy (CSV: Tên đăng nhập,Họ và tên,Vai "
               "trò,Tổ chuyên môn,Chủ nhiệm,Phân công — vd. Phân công \"6A:Toán;6B:Toán\"):\n"
            << "       sodiem-server import staff --data " << d << " GIAO_VIEN.csv" << as << "\n"
            << "     Mật khẩu ban đầu của giáo viên được ghi vào " << d << "/new-passwords.csv.\n"
            << "  4. Chạy máy chủ: sodiem-server run --data " << d << " --listen 0.0.0.0:8443\n"
            << "  (--maintenance: chỉ người dùng hệ điều hành sở hữu " << d << " dùng được. Hoặc --by admin "
               "--password-stdin; lần đầu admin phải đổi mật khẩu: thêm --new-password-stdin, mật khẩu mới ở dòng thứ hai.)\n";
  return 0;
}

struct RunOptions {
  std::string dir, listen = "127.0.0.1:8443";
};

int run_run(const RunOptions& o) {
  const std::string& dir = o.dir;
  const std::string& listen = o.listen;
  DataPaths paths{dir};
  if (!has_school_database(dir)) {
    std::cerr << "sodiem-server: chưa có cơ sở dữ liệu trong " << dir << "; hãy chạy `sodiem-server init --data " << dir
              << "` trước\n";
    return 2;
  }
  WssOptions options;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "sodiem-server: --listen phải có dạng MÁY:CỔNG\n";
    return 2;
  }
  options.host = listen.substr(0, colon);
  if (options.host.size() > 2 && options.host.front() == '[') options.host = options.host.substr(1, options.host.size() - 2);
  try {
    int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    options.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    std::cerr << "sodiem-server: cổng không hợp lệ trong --listen " << listen << "\n";
    return 2;
  }
  options.cert_path = paths.cert();
  options.key_path = paths.key();
  try {
    auto db = open_server_db(paths.db());
    if (auto st = check_database_pages(*db, dir); !st) {
      std::cerr << "sodiem-server: " << st.message() << "\n";
      return 3;
    }
    if (const std::string year = archived_year(*db); !year.empty()) {
      std::cerr << "sodiem-server: " << dir << " là bản lưu trữ năm học " << year
                << ", chỉ để xem và in; máy chủ không phục vụ đồng bộ trên đó.\n";
      return 2;
    }
    // Accounts, assignments or locks edited from outside the software: said
    // loudly at each start (the server still serves; the principal decides).
    for (const auto& problem : check_access_tables(*db).problems)
      std::cerr << "sodiem-server: CẢNH BÁO: " << problem << " — xem sodiem-server audit verify\n";
  } catch (const std::exception& e) {
    std::cerr << "sodiem-server: cơ sở dữ liệu " << paths.db() << " bị hỏng, không mở được (" << e.what()
              << "). Khôi phục bản sao lưu gần nhất: sodiem-server restore THƯ_MỤC_SAO_LƯU --data THƯ_MỤC_MỚI\n";
    return 3;
  }
  SyncService service(paths.db(), SystemClock::instance());
  // The console prints with the functions of `sodiem-server print`.
  const console::ConsolePrinters printers{print_gradebook, print_board, print_transcript};
  console::Console console(service, paths.db(), SystemClock::instance(), {}, printers);  // stops before the service
  options.console = &console;
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

void add_init_command(CLI::App& app, Context& ctx) {
  auto [init, o] = add_command(app, ctx, "init", "Tạo cơ sở dữ liệu, chứng chỉ TLS và tài khoản quản trị", run_init);
  add_data_option(*init, o->dir);
  init->add_option("--school-name", o->school, "Tên trường");
  init->add_flag("--demo", o->demo, "Nạp thêm trường mẫu để thử và ghi tệp demo-accounts.json");
  init->add_option("--database", o->database,
                   "Giữ dữ liệu trong PostgreSQL thay cho tệp server.db: postgresql://VAI_TRÒ_ỨNG_DỤNG@MÁY:CỔNG/CSDL");
  init->add_option("--database-owner", o->database_owner,
                   "URL của vai trò sở hữu lược đồ, để tạo hoặc cập nhật bảng (mặc định: --database)");
  init->add_option("--school-id", o->school_id, "Mã trường trong cơ sở dữ liệu chung (chữ thường, số, gạch ngang)");
}

void add_run_command(CLI::App& app, Context& ctx) {
  auto [run, o] = add_command(app, ctx, "run", "Chạy máy chủ: đồng bộ (WSS) và trang quản lý của trường (HTTPS)", run_run);
  add_data_option(*run, o->dir);
  run->add_option("--listen", o->listen, "MÁY:CỔNG (cổng 0: tự chọn một cổng còn trống)");
}

}  // namespace sodiem::server::cli
