// sodiem-server init and run: create a data directory; serve sync (WSS) and
// the status page (HTTPS). Registered by main.cpp (see commands.hpp).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/tuning.hpp"
#include "sodiem/server/access_seal.hpp"
#include "sodiem/server/console/console.hpp"
#include "sodiem/server/host_names.hpp"
#include "sodiem/server/init.hpp"
#include "sodiem/server/kdf_pool.hpp"
#include "sodiem/server/school_open.hpp"
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
  std::vector<std::string> host_names;
};

int run_init(const InitOptions& o) {
  for (const auto& name : o.host_names)
    if (!valid_host_name(normalize_host_name(name))) {
      std::cerr << "sodiem-server: tên máy không hợp lệ: " << name << " (chữ, số, '-' và '.')\n";
      return 2;
    }
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
  if (!o.host_names.empty()) write_host_names(o.dir, o.host_names);
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
  std::vector<std::string> dirs;
  std::string schools, listen = "127.0.0.1:8443";
  // Many schools on PostgreSQL (tuning.hpp): the process's connections, and
  // the cluster's free ones it never takes.
  std::size_t max_db_connections = tuning::kMaxDbConnections;
  std::size_t db_spare_connections = tuning::kDbSpareConnections;
  std::size_t max_open_schools = tuning::kMaxOpenSchools;
  std::string password_threads;  // empty: KdfThreads::default_size()
};

// The console prints with the functions of `sodiem-server print`.
console::ConsolePrinters printers() { return {print_gradebook, print_board, print_transcript}; }

bool parse_listen(const std::string& listen, WssOptions& options) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "sodiem-server: --listen phải có dạng MÁY:CỔNG\n";
    return false;
  }
  options.host = listen.substr(0, colon);
  if (options.host.size() > 2 && options.host.front() == '[') options.host = options.host.substr(1, options.host.size() - 2);
  try {
    int port = std::stoi(listen.substr(colon + 1));
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    options.port = static_cast<std::uint16_t>(port);
  } catch (const std::exception&) {
    std::cerr << "sodiem-server: cổng không hợp lệ trong --listen " << listen << "\n";
    return false;
  }
  return true;
}

// The sub-folders of `parent` that hold a school, in name order (at most
// kMaxSchoolFolders looked at); one without host names is skipped (said on
// stderr when `warn`).
std::vector<std::string> schools_in(const std::string& parent, bool warn) {
  std::vector<std::string> found;
  std::size_t looked = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(parent, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (++looked > tuning::kMaxSchoolFolders) {
      if (warn)
        std::cerr << "sodiem-server: CẢNH BÁO: " << parent << " có hơn " << tuning::kMaxSchoolFolders
                  << " mục; chỉ xem " << tuning::kMaxSchoolFolders << " mục đầu\n";
      break;
    }
    std::error_code dir_ec;
    if (it->is_directory(dir_ec) && has_school_database(it->path().string())) found.push_back(it->path().string());
  }
  if (ec && warn) std::cerr << "sodiem-server: CẢNH BÁO: không đọc được " << parent << ": " << ec.message() << "\n";
  std::sort(found.begin(), found.end());
  std::vector<std::string> dirs;
  for (const auto& dir : found) {
    if (read_host_names(dir).empty()) {
      if (warn)
        std::cerr << "sodiem-server: CẢNH BÁO: bỏ qua " << dir << ": chưa có tên máy (" << dir << "/host-names.txt)\n";
      continue;
    }
    dirs.push_back(dir);
  }
  return dirs;
}

// The folders to serve: each --data, then each school of --schools.
std::vector<std::string> school_dirs(const RunOptions& o) {
  std::vector<std::string> dirs = o.dirs;
  if (o.schools.empty()) return dirs;
  for (auto& dir : schools_in(o.schools, /*warn=*/true)) dirs.push_back(std::move(dir));
  return dirs;
}

HostedSchool hosted_school(const std::string& dir, std::size_t db_spare) {
  HostedSchool school;
  school.dir = dir;
  school.host_names = read_host_names(dir);
  school.cert_path = DataPaths{dir}.cert();
  school.key_path = DataPaths{dir}.key();
  school.open = [dir, db_spare] { return open_school(dir, printers(), db_spare); };
  if (read_store_config(dir)) school.db_connections = tuning::kDbConnectionsPerOpenSchool;
  return school;
}

int run_one(const std::string& dir, WssOptions options) {
  DataPaths paths{dir};
  auto school = open_school(dir, printers());
  if (!school) {
    std::cerr << "sodiem-server: " << school.status().message() << "\n";
    return school.status().code() == ErrorCode::kInternal ? 3 : 2;
  }
  options.cert_path = paths.cert();
  options.key_path = paths.key();
  options.console = school->console;
  options.school_name = school->name;
  run_wss_server(*school->service, options, [](const std::string& where) {
    std::cout << "sodiem-server listening on " << where << std::endl;
  });
  spdlog::info("stopped");
  return 0;
}

int run_run(const RunOptions& o) {
  WssOptions options;
  if (!parse_listen(o.listen, options)) return 2;
  if (o.dirs.empty() && o.schools.empty()) {
    std::cerr << "sodiem-server: cần --data THƯ_MỤC (một hoặc nhiều) hoặc --schools THƯ_MỤC_CHA\n";
    return 2;
  }
  // Password checks: the process's threads, before any school opens.
  const std::size_t cores = KdfThreads::machine_cores();
  std::size_t password_threads = KdfThreads::default_size();
  if (!o.password_threads.empty()) {
    const auto& t = o.password_threads;
    const bool digits = t.size() <= 4 && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
    password_threads = digits ? std::stoul(t) : 0;
    if (password_threads < 1 || password_threads > cores) {
      std::cerr << "sodiem-server: --password-threads phải là một số từ 1 đến " << cores
                << " (số lõi CPU máy này dành cho máy chủ), không phải \"" << t << "\"\n";
      return 2;
    }
  }
  KdfThreads::set_process_size(password_threads);
  spdlog::info("password checks: {} thread(s) of {} cores{}", password_threads, cores,
               o.password_threads.empty() ? " (the default: half of them)" : "");
  if (o.dirs.size() == 1 && o.schools.empty()) return run_one(o.dirs.front(), options);
  if (o.max_open_schools < 1 || o.max_open_schools > tuning::kMaxHostedSchools) {
    std::cerr << "sodiem-server: --max-open-schools phải từ 1 đến " << tuning::kMaxHostedSchools << "\n";
    return 2;
  }
  options.limits.max_open_schools = o.max_open_schools;
  if (o.max_db_connections < tuning::kDbConnectionsPerOpenSchool + 1) {
    std::cerr << "sodiem-server: --max-db-connections phải từ " << tuning::kDbConnectionsPerOpenSchool + 1
              << " trở lên (mỗi trường đang mở trên PostgreSQL giữ " << tuning::kDbConnectionsPerOpenSchool
              << " kết nối, thêm một khi đang mở)\n";
    return 2;
  }
  options.limits.max_db_connections = o.max_db_connections;
  std::vector<HostedSchool> hosted;
  try {
    for (const auto& dir : school_dirs(o)) {
      if (!has_school_database(dir)) {
        std::cerr << "sodiem-server: chưa có cơ sở dữ liệu trong " << dir << "; hãy chạy `sodiem-server init --data "
                  << dir << "` trước\n";
        return 2;
      }
      hosted.push_back(hosted_school(dir, o.db_spare_connections));
    }
    // A school added to --schools' folder later is found without a restart
    // (on a host name no school has, at most once per 10 s).
    if (!o.schools.empty())
      options.find_schools = [parent = o.schools, spare = o.db_spare_connections] {
        std::vector<HostedSchool> found;
        for (const auto& dir : schools_in(parent, /*warn=*/false)) found.push_back(hosted_school(dir, spare));
        return found;
      };
    if (hosted.empty()) {
      std::cerr << "sodiem-server: không có trường nào để phục vụ trong " << o.schools << "\n";
      return 2;
    }
    const std::size_t count = hosted.size();
    run_wss_schools(std::move(hosted), options, [count](const std::string& where) {
      std::cout << "sodiem-server listening on " << where << " (" << count << " trường)" << std::endl;
    });
  } catch (const std::exception& e) {
    std::cerr << "sodiem-server: " << e.what() << "\n";
    return 2;
  }
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
                   "URL của vai trò sở hữu lược đồ, để tạo hoặc cập nhật bảng; không cần khi lược đồ đã đúng phiên bản (các "
                   "trường sau trường đầu tiên trong cùng cơ sở dữ liệu)");
  init->add_option("--school-id", o->school_id, "Mã trường trong cơ sở dữ liệu chung (chữ thường, số, gạch ngang)");
  init->add_option("--host-name", o->host_names,
                   "Tên máy của trường khi một máy chủ phục vụ nhiều trường (vd. thcs-tan-lap.sodiem.example.vn; "
                   "nêu lại để thêm tên); ghi vào THƯ_MỤC/host-names.txt");
}

void add_run_command(CLI::App& app, Context& ctx) {
  auto [run, o] = add_command(app, ctx, "run", "Chạy máy chủ: đồng bộ (WSS) và trang quản lý của trường (HTTPS)", run_run);
  run->add_option("--data", o->dirs,
                  "Thư mục dữ liệu của trường; nêu nhiều lần để một máy chủ phục vụ nhiều trường trên cùng cổng, "
                  "chọn trường theo tên máy (THƯ_MỤC/host-names.txt)");
  run->add_option("--schools", o->schools,
                  "Phục vụ mọi thư mục con là dữ liệu của một trường (mỗi thư mục có host-names.txt)");
  run->add_option("--listen", o->listen, "MÁY:CỔNG (cổng 0: tự chọn một cổng còn trống)");
  run->add_option("--max-db-connections", o->max_db_connections,
                  "Nhiều trường trên PostgreSQL: số kết nối tối đa tiến trình này giữ (mỗi trường đang mở giữ 3; "
                  "mặc định 42)");
  run->add_option("--max-open-schools", o->max_open_schools,
                  "Nhiều trường: số trường mở cùng lúc tối đa (1–" + std::to_string(tuning::kMaxHostedSchools) +
                      "; mặc định " + std::to_string(tuning::kMaxOpenSchools) +
                      "); trường lâu không dùng được đóng để nhường chỗ. Mỗi trường đang mở giữ tới " +
                      std::to_string(tuning::kFdsPerOpenSchool) +
                      " tệp mở: nếu giới hạn số tệp mở (ulimit -n) không đủ, số này tự giảm cho vừa (ghi trong nhật ký)");
  run->add_option("--password-threads", o->password_threads,
                  "Số luồng kiểm tra mật khẩu của cả tiến trình, chung cho mọi trường (1 đến số lõi CPU; mặc định: "
                  "một nửa số lõi, ít nhất 1 — máy này: " + std::to_string(KdfThreads::default_size()) +
                      "). Mỗi lần kiểm tra tốn khoảng 0,15–0,2 giây của một lõi và gần như không tốn bộ nhớ, nên "
                      "mỗi luồng kiểm tra được chừng 5–7 lần đăng nhập mỗi giây; nửa số lõi còn lại dành cho việc nhận "
                      "điểm và mạng")
      ->type_name("SỐ_TỰ_NHIÊN");
  run->add_option("--db-spare-connections", o->db_spare_connections,
                  "Nhiều trường trên PostgreSQL: số kết nối luôn để trống trên cụm PostgreSQL cho các tiến trình và "
                  "ứng dụng khác (mặc định 10; 0: không hỏi cụm)");
}

}  // namespace sodiem::server::cli
