// sodiem-server: the school server. Thin: parses arguments, builds objects, runs.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <iostream>
#include <nlohmann/json.hpp>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/file_guard.hpp"
#include "sodiem/core/history_text.hpp"

#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/audit_heads.hpp"
#include "sodiem/server/backup.hpp"
#include "sodiem/server/records_check.hpp"
#include "sodiem/server/history.hpp"
#include "sodiem/server/corrections.hpp"
#include "sodiem/server/confirmations.hpp"
#include "sodiem/server/init.hpp"
#include "sodiem/server/progress.hpp"
#include "sodiem/server/locks.hpp"
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
  try {
    auto db = open_server_db(paths.db());
    if (auto st = check_database_pages(*db, dir); !st) {
      std::cerr << "sodiem-server: " << st.message() << "\n";
      return 3;
    }
  } catch (const std::exception& e) {
    std::cerr << "sodiem-server: cơ sở dữ liệu " << paths.db() << " bị hỏng, không mở được (" << e.what()
              << "). Khôi phục bản sao lưu gần nhất: sodiem-server restore THƯ_MỤC_SAO_LƯU --data THƯ_MỤC_MỚI\n";
    return 3;
  }
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

int cmd_export(const std::string& what, const std::string& dir, const std::string& file, const std::string& cls = "",
               const std::string& term = "") {
  auto db = open_existing(dir);
  if (what == "signed") {
    if (auto st = export_signed(*db, cls, term, file); !st) {
      std::cerr << "sodiem-server: " << st.message() << "\n";
      return 2;
    }
    std::cout << "Đã xuất hồ sơ đã ký của lớp " << cls << " " << term << " vào " << file << "\n";
    return 0;
  }
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
  auto records = verify_records(*db);
  if (!records.intact) {
    std::cerr << "sodiem-server: dữ liệu điểm KHÔNG khớp nhật ký kiểm toán: " << records.problem << "\n";
    return 1;
  }
  // What devices found when they compared the heads they kept (audit_heads.hpp).
  int evidence = 0;
  for (const auto& a : audit_alarms(*db)) {
    if (!a.kept_signature_valid) continue;
    ++evidence;
    std::cerr << "sodiem-server: máy " << a.device << " của " << a.username << " báo lúc " << format_local_time(a.at)
              << ": nhật ký từng có " << a.kept_size << " mục (đầu cây do chính máy chủ này ký) nhưng nay không còn "
              << "nối tiếp được (" << a.why << ") — nhật ký kiểm toán đã bị viết lại\n";
  }
  if (evidence) return 1;
  std::cout << "Nhật ký kiểm toán nguyên vẹn: " << check.entries << " mục; " << records.entries
            << " phiên bản điểm khớp nhật ký\n";
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
  std::vector<protocol::HistoryEntry> entries;
  for (const auto& e : *events) entries.push_back({e.at, e.author, e.device, e.outcome, e.old_value, e.new_value, e.reason});
  std::cout << history_text({cell[0], cell[1], cell[2], cell[3]}, entries);
  return 0;
}

struct LockArgs {
  std::string term, class_name, subject, column, kind, from, until, reason, by, user;
  int grade = 0;
  std::int64_t id = 0;
  bool json = false, all = false;
};

int fail_status(const Status& st) {
  std::cerr << "sodiem-server: " << st.message() << "\n";
  return st.code() == ErrorCode::kForbidden || st.code() == ErrorCode::kUnauthenticated ? 3 : 2;
}

std::optional<std::int64_t> time_arg(const std::string& text, const char* name) {
  if (text.empty() || text == "now") return SystemClock::instance().now_unix_seconds();
  auto t = parse_local_time(text);
  if (!t) std::cerr << "sodiem-server: " << name << " phải có dạng YYYY-MM-DD hoặc YYYY-MM-DDTHH:MM (giờ Việt Nam)\n";
  return t;
}

int cmd_lock(const std::string& action, const std::string& dir, const LockArgs& a) {
  auto db = open_existing(dir);
  const auto now = SystemClock::instance().now_unix_seconds();
  if (action == "set") {
    Lock l;
    l.term = a.term;
    if (a.grade) l.grade = a.grade;
    l.class_name = a.class_name;
    l.subject = a.subject;
    l.column_kind = a.column;
    l.kind = a.kind == "entry-closed" ? "entry_closed" : a.kind;
    auto from = time_arg(a.from, "--from");
    if (!from) return 2;
    l.starts_at = *from;
    if (!a.until.empty()) {
      auto until = time_arg(a.until, "--until");
      if (!until) return 2;
      l.ends_at = *until;
    }
    l.reason = a.reason;
    l.set_by = a.by;
    auto id = add_lock(*db, l, now);
    if (!id) return fail_status(id.status());
    std::cout << "Đã đặt khóa #" << *id << "\n";
    return 0;
  }
  if (action == "remove") {
    if (auto st = remove_lock(*db, a.id, a.by, a.reason, now); !st) return fail_status(st);
    std::cout << "Đã mở khóa #" << a.id << "\n";
    return 0;
  }
  auto locks = list_locks(*db, a.all);
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& l : locks)
      out.push_back({{"id", l.id}, {"term", l.term}, {"grade", l.grade ? nlohmann::json(*l.grade) : nullptr},
                     {"class", l.class_name}, {"subject", l.subject}, {"column_kind", l.column_kind}, {"kind", l.kind},
                     {"from", format_local_time(l.starts_at)}, {"until", l.ends_at ? format_local_time(l.ends_at) : ""},
                     {"reason", l.reason}, {"set_by", l.set_by}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (locks.empty()) std::cout << "Không có khóa nào.\n";
  for (const auto& l : locks)
    std::cout << "#" << l.id << "  " << (l.kind == "frozen" ? "KHÓA HẲN" : "HẾT HẠN NHẬP") << "  "
              << (l.term.empty() ? "cả năm" : l.term) << (l.grade ? " khối " + std::to_string(*l.grade) : "")
              << (l.class_name.empty() ? "" : " lớp " + l.class_name) << (l.subject.empty() ? "" : " môn " + l.subject)
              << (l.column_kind.empty() ? "" : " cột " + l.column_kind) << "  từ " << format_local_time(l.starts_at)
              << (l.ends_at ? " đến " + format_local_time(l.ends_at) : "") << "  do " << l.set_by << ": " << l.reason
              << "\n";
  return 0;
}

int cmd_exception(const std::string& action, const std::string& dir, const LockArgs& a) {
  auto db = open_existing(dir);
  const auto now = SystemClock::instance().now_unix_seconds();
  if (action == "add") {
    auto until = time_arg(a.until, "--until");
    if (!until) return 2;
    LockException e;
    e.username = a.user;
    e.class_name = a.class_name;
    e.subject = a.subject;
    e.column = a.column;
    e.expires_at = *until;
    e.reason = a.reason;
    e.created_by = a.by;
    auto id = add_exception(*db, e, now);
    if (!id) return fail_status(id.status());
    std::cout << "Đã mở ngoại lệ #" << *id << " đến " << format_local_time(e.expires_at) << "\n";
    return 0;
  }
  if (action == "remove") {
    if (auto st = remove_exception(*db, a.id, a.by, now); !st) return fail_status(st);
    std::cout << "Đã gỡ ngoại lệ #" << a.id << "\n";
    return 0;
  }
  auto list = list_exceptions(*db, now);
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : list)
      out.push_back({{"id", e.id}, {"user", e.username}, {"class", e.class_name}, {"subject", e.subject},
                     {"column", e.column}, {"until", format_local_time(e.expires_at)}, {"reason", e.reason},
                     {"by", e.created_by}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (list.empty()) std::cout << "Không có ngoại lệ nào.\n";
  for (const auto& e : list)
    std::cout << "#" << e.id << "  " << (e.username.empty() ? "mọi giáo viên" : e.username)
              << (e.class_name.empty() ? "" : " lớp " + e.class_name) << (e.subject.empty() ? "" : " môn " + e.subject)
              << (e.column.empty() ? "" : " cột " + e.column) << "  đến " << format_local_time(e.expires_at) << "  do "
              << e.created_by << ": " << e.reason << "\n";
  return 0;
}

int cmd_correction(const std::string& action, const std::string& dir, const LockArgs& a, const std::string& status) {
  auto db = open_existing(dir);
  const auto now = SystemClock::instance().now_unix_seconds();
  if (action == "approve") {
    auto version = approve_correction(*db, a.id, a.by, a.reason, now);
    if (!version) return fail_status(version.status());
    std::cout << "Đã duyệt yêu cầu #" << a.id << ": phiên bản mới " << *version << "\n";
    return 0;
  }
  if (action == "refuse") {
    if (auto st = refuse_correction(*db, a.id, a.by, a.reason, now); !st) return fail_status(st);
    std::cout << "Đã từ chối yêu cầu #" << a.id << "\n";
    return 0;
  }
  auto list = list_corrections(*db, status);
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : list)
      out.push_back({{"id", c.id}, {"class", c.cell.class_name}, {"subject", c.cell.subject}, {"student", c.cell.student_code},
                     {"name", c.student_name}, {"column", c.cell.column}, {"old", c.old_value}, {"new", c.new_value},
                     {"reason", c.reason}, {"requested_by", c.requested_by}, {"status", c.status},
                     {"decided_by", c.decided_by}, {"comment", c.decision_comment}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (list.empty()) std::cout << "Không có yêu cầu điều chỉnh nào.\n";
  for (const auto& c : list)
    std::cout << "#" << c.id << "  [" << c.status << "]  " << c.cell.class_name << " · " << c.cell.subject << " · "
              << c.cell.student_code << " " << c.student_name << " · " << c.cell.column << ": \"" << c.old_value << "\" → \""
              << c.new_value << "\"  do " << c.requested_by << " (" << format_local_time(c.requested_at)
              << "): " << c.reason << (c.decided_by.empty() ? "" : "  — " + c.decided_by + ": " + c.decision_comment)
              << "\n";
  return 0;
}

int cmd_account(const std::string& action, const std::string& dir, const std::string& username, const LockArgs& a) {
  auto db = open_existing(dir);
  Accounts accounts(*db, SystemClock::instance());
  if (action == "list") {
    auto list = accounts.list();
    if (a.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& x : list)
        out.push_back({{"username", x.username}, {"full_name", x.full_name}, {"roles", x.roles},
                       {"disabled", x.disabled}, {"must_change_password", x.must_change_password},
                       {"devices", x.devices},
                       {"last_seen", x.last_seen_at ? nlohmann::json(format_local_time(x.last_seen_at)) : nullptr}});
      std::cout << out.dump() << "\n";
      return 0;
    }
    for (const auto& x : list)
      std::cout << x.username << "  " << x.full_name << "  [" << x.roles << "]" << (x.disabled ? "  ĐÃ KHÓA" : "")
                << (x.must_change_password ? "  (chưa đổi mật khẩu được cấp)" : "") << "  " << x.devices
                << " thiết bị" << (x.last_seen_at ? ", đồng bộ lần cuối " + format_local_time(x.last_seen_at) : "")
                << "\n";
    return 0;
  }
  if (username.empty()) return fail_status(Status(ErrorCode::kInvalidValue, "cần tên tài khoản (USER)"));
  if (a.by.empty()) return fail_status(Status(ErrorCode::kInvalidValue, "cần --by: tài khoản quản trị hoặc Hiệu trưởng"));
  if (action == "reset-password") {
    auto password = accounts.reset_password(username, a.by);
    if (!password) return fail_status(password.status());
    std::cout << "Mật khẩu mới của " << username << ": " << *password
              << "\n(phải đổi ở lần đăng nhập đầu tiên: sodiem enroll … --password-stdin --new-password-stdin)\n";
    return 0;
  }
  const bool disable = action == "disable";
  if (auto st = accounts.set_disabled(username, disable, a.by, a.reason); !st) return fail_status(st);
  std::cout << (disable ? "Đã khóa tài khoản " : "Đã mở khóa tài khoản ") << username << "\n";
  return 0;
}

int cmd_device(const std::string& action, const std::string& dir, const std::string& device_id,
               const std::string& device_user, const LockArgs& la) {
  auto db = open_existing(dir);
  Accounts accounts(*db, SystemClock::instance());
  if (action == "revoke") {
    if (device_id.empty()) return fail_status(Status(ErrorCode::kInvalidValue, "cần mã thiết bị (DEVICE_ID)"));
    if (auto st = accounts.revoke_device(device_id, la.by, la.reason); !st) return fail_status(st);
    std::cout << "Đã thu hồi thiết bị " << device_id << "\n";
    return 0;
  }
  auto list = accounts.devices(device_user);
  if (la.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : list)
      out.push_back({{"device_id", d.public_id}, {"username", d.username}, {"name", d.name},
                     {"created", format_local_time(d.created_at)}, {"last_seen", format_local_time(d.last_seen_at)},
                     {"high_seq", d.high_seq}, {"revoked", d.revoked_at != 0}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  for (const auto& d : list)
    std::cout << d.public_id << "  " << d.username << "  " << d.name << "  đăng ký " << format_local_time(d.created_at)
              << ", đồng bộ lần cuối " << format_local_time(d.last_seen_at) << ", " << d.high_seq << " thao tác"
              << (d.revoked_at ? "  ĐÃ THU HỒI " + format_local_time(d.revoked_at) : std::string()) << "\n";
  return 0;
}

int cmd_backup(bool restore, const std::string& dir, const std::string& backup_dir) {
  auto summary = restore ? restore_data_dir(backup_dir, dir) : backup_data_dir(dir, backup_dir);
  if (!summary) return fail_status(summary.status());
  std::cout << (restore ? "Đã khôi phục vào " : "Đã sao lưu vào ") << summary->path << ": " << summary->bytes
            << " byte, " << summary->versions << " phiên bản điểm, nhật ký kiểm toán nguyên vẹn ("
            << summary->audit_entries << " mục)\n";
  if (restore) std::cout << "Các máy giáo viên sẽ tải lại dữ liệu và gửi lại những gì bản sao lưu chưa có ở lần đồng bộ tới.\n";
  return 0;
}

int cmd_delegate(const std::string& action, const std::string& dir, const std::string& who, const LockArgs& la) {
  auto db = open_existing(dir);
  const auto now = SystemClock::instance().now_unix_seconds();
  if (action == "add") {
    std::int64_t until = 0;
    if (!la.until.empty()) {
      auto t = time_arg(la.until, "--until");
      if (!t) return 2;
      until = *t;
    }
    auto id = delegate_corrections(*db, who, la.by, until, la.reason, now);
    if (!id) return fail_status(id.status());
    std::cout << "Đã ủy quyền #" << *id << ": " << who << " được duyệt yêu cầu điều chỉnh"
              << (until ? " đến " + format_local_time(until) : std::string(" đến khi thu hồi")) << "\n";
    return 0;
  }
  if (action == "remove") {
    std::int64_t id = 0;
    try {
      id = std::stoll(who);
    } catch (...) {
      return fail_status(Status(ErrorCode::kInvalidValue, "cần số ủy quyền (xem delegate list)"));
    }
    if (auto st = revoke_delegation(*db, id, la.by, now); !st) return fail_status(st);
    std::cout << "Đã thu hồi ủy quyền #" << id << "\n";
    return 0;
  }
  auto list = active_delegations(*db, now);
  if (la.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : list)
      out.push_back({{"id", d.id}, {"user", d.username}, {"granted_by", d.granted_by}, {"reason", d.reason},
                     {"until", d.expires_at ? nlohmann::json(format_local_time(d.expires_at)) : nullptr}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (list.empty()) std::cout << "Không có ủy quyền nào đang hiệu lực.\n";
  for (const auto& d : list)
    std::cout << "#" << d.id << "  " << d.username << " duyệt yêu cầu điều chỉnh, do " << d.granted_by << " ủy quyền"
              << (d.expires_at ? ", đến " + format_local_time(d.expires_at) : std::string()) << "\n";
  return 0;
}

// Shows the offline grace window; with hours >= 0 sets it first.
int cmd_grace(const std::string& dir, int hours, const std::string& by) {
  auto db = open_existing(dir);
  if (hours >= 0) {
    if (auto st = set_offline_grace_hours(*db, hours, by, SystemClock::instance().now_unix_seconds()); !st)
      return fail_status(st);
  }
  std::cout << "Thời gian ân hạn cho điểm nhập ngoại tuyến trước khi khóa: " << offline_grace_hours(*db) << " giờ\n";
  return 0;
}

int cmd_progress(const std::string& dir, const std::string& term, bool as_json) {
  auto db = open_existing(dir);
  auto rows = entry_progress(*db, term);
  if (!rows) return fail_status(rows.status());
  if (as_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : *rows)
      out.push_back({{"class", r.class_name}, {"subject", r.subject}, {"teachers", r.teachers},
                     {"required", r.required}, {"filled", r.filled}, {"deadline", r.deadline}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  std::cout << "Tiến độ cập nhật " << term << (rows->empty() || rows->front().deadline.empty() ? "" : ", hạn nhập "
                                                   + rows->front().deadline) << "\n";
  for (const auto& r : *rows) {
    const int pct = r.required ? r.filled * 100 / r.required : 100;
    std::cout << "  " << r.class_name << "  " << r.subject << "  " << r.filled << "/" << r.required << " (" << pct
              << "%)  " << r.teachers << (pct < 100 ? "" : "  ✔") << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  sodiem::restrict_new_files();  // server.db holds password hashes and every mark: this user's alone
  if (auto problem = sodiem::argument_problem(argc, argv)) {
    std::cerr << "sodiem-server: " << *problem << "\n";
    return 2;
  }
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
  LockArgs la;
  auto* import = app.add_subcommand("import", "Import students or staff from a UTF-8 CSV file (all or nothing)");
  import->add_option("WHAT", what, "students | staff")->required()->check(CLI::IsMember({"students", "staff"}));
  import->add_option("--data", dir, "Directory for all server state")->required();
  import->add_option("FILE", file, "CSV file")->required();
  import->add_option("--passwords-out", passwords_out, "Where to append new accounts' initial passwords");

  auto* exp = app.add_subcommand("export", "Export students or staff as CSV, in the shape import reads");
  exp->add_option("WHAT", what, "students | staff | signed")->required()->check(
      CLI::IsMember({"students", "staff", "signed"}));
  exp->add_option("--class", la.class_name, "signed: the class");
  exp->add_option("--term", la.term, "signed: HK1 | HK2");
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

  std::string action;
  auto* lock = app.add_subcommand("lock", "Lock periods: set | list | remove (HT, or ADMIN on the HT's decision)");
  lock->add_option("ACTION", action, "set | list | remove")->required()->check(CLI::IsMember({"set", "list", "remove"}));
  lock->add_option("ID", la.id, "Lock to remove");
  lock->add_option("--data", dir, "Directory for all server state")->required();
  lock->add_option("--term", la.term, "HK1 | HK2 (default: both)");
  lock->add_option("--grade", la.grade, "Grade (khối)");
  lock->add_option("--class", la.class_name, "Class");
  lock->add_option("--subject", la.subject, "Subject (\"Chủ nhiệm\" for homeroom cells)");
  lock->add_option("--column", la.column, "Column kind: TX GK CK NX RL NXCN CC");
  lock->add_option("--kind", la.kind, "entry-closed | frozen");
  lock->add_option("--from", la.from, "Start, YYYY-MM-DD[THH:MM] Vietnam time (default now)");
  lock->add_option("--until", la.until, "End (default: until removed)");
  lock->add_option("--reason", la.reason, "Why");
  lock->add_option("--by", la.by, "Username of the HT (or ADMIN acting for the HT)");
  lock->add_flag("--json", la.json);
  lock->add_flag("--all", la.all, "Also removed locks");

  auto* exc = app.add_subcommand("exception", "Narrow expiring unlocks: add | list | remove");
  exc->add_option("ACTION", action, "add | list | remove")->required()->check(CLI::IsMember({"add", "list", "remove"}));
  exc->add_option("ID", la.id, "Exception to remove");
  exc->add_option("--data", dir, "Directory for all server state")->required();
  exc->add_option("--user", la.user, "Teacher");
  exc->add_option("--class", la.class_name, "Class");
  exc->add_option("--subject", la.subject, "Subject");
  exc->add_option("--column", la.column, "Exact column, e.g. HK1.GK");
  exc->add_option("--until", la.until, "Expiry, YYYY-MM-DD[THH:MM] Vietnam time");
  exc->add_option("--reason", la.reason, "Why");
  exc->add_option("--by", la.by, "Username of the HT (or ADMIN)");
  exc->add_flag("--json", la.json);

  std::string status_filter;
  auto* corr = app.add_subcommand("correction",
                                  "Correction requests: list | approve | refuse (HT, or a PHT with the HT's delegation)");
  corr->add_option("ACTION", action, "list | approve | refuse")->required()->check(
      CLI::IsMember({"list", "approve", "refuse"}));
  corr->add_option("ID", la.id, "Request to decide");
  corr->add_option("--data", dir, "Directory for all server state")->required();
  corr->add_option("--by", la.by, "Username of the HT or PHT deciding");
  corr->add_option("--comment", la.reason, "Decision comment (required to refuse)");
  corr->add_option("--status", status_filter, "pending | approved | refused");
  corr->add_flag("--json", la.json);

  std::string backup_dir;
  auto* bkp = app.add_subcommand("backup", "Consistent copy of the data directory, safe while the server runs");
  bkp->add_option("--data", dir, "Directory for all server state")->required();
  bkp->add_option("OUT_DIR", backup_dir, "A new (or empty) directory for the backup")->required();
  auto* rst = app.add_subcommand("restore", "Put a backup into an empty data directory (clients re-sync)");
  rst->add_option("BACKUP_DIR", backup_dir, "A directory written by `backup`")->required();
  rst->add_option("--data", dir, "The new, empty data directory")->required();

  std::string delegate_arg;
  auto* deleg = app.add_subcommand("delegate", "HT delegates deciding correction requests to a PHT: add | list | remove");
  deleg->add_option("ACTION", action, "add | list | remove")->required()->check(CLI::IsMember({"add", "list", "remove"}));
  deleg->add_option("WHO", delegate_arg, "add: the PHT's username; remove: the delegation's id");
  deleg->add_option("--data", dir, "Directory for all server state")->required();
  deleg->add_option("--until", la.until, "Expiry, YYYY-MM-DD[THH:MM] Vietnam time (default: until removed)");
  deleg->add_option("--reason", la.reason, "Why");
  deleg->add_option("--by", la.by, "Username of the HT");
  deleg->add_flag("--json", la.json);

  int grace_hours = -1;
  auto* grace = app.add_subcommand("grace", "The offline grace window after a lock (school setting; HT or ADMIN)");
  grace->add_option("--data", dir, "Directory for all server state")->required();
  grace->add_option("--hours", grace_hours, "New value in hours (0–720); without it, show the current one");
  grace->add_option("--by", la.by, "Username of the HT (or ADMIN)");

  std::string device_id, device_user;
  auto* dev = app.add_subcommand("device", "Enrolled devices: list | revoke (a lost or stolen laptop; ADMIN or HT)");
  dev->add_option("ACTION", action, "list | revoke")->required()->check(CLI::IsMember({"list", "revoke"}));
  dev->add_option("DEVICE_ID", device_id, "The device to revoke (device list)");
  dev->add_option("--data", dir, "Directory for all server state")->required();
  dev->add_option("--user", device_user, "Only this user's devices");
  dev->add_option("--by", la.by, "Username of the administrator or HT");
  dev->add_option("--reason", la.reason, "Why (required to revoke)");
  dev->add_flag("--json", la.json);

  std::string account_user;
  auto* acct = app.add_subcommand("account", "Accounts: list | disable | enable | reset-password (ADMIN or HT)");
  acct->add_option("ACTION", action, "list | disable | enable | reset-password")->required()->check(
      CLI::IsMember({"list", "disable", "enable", "reset-password"}));
  acct->add_option("USER", account_user, "The account");
  acct->add_option("--data", dir, "Directory for all server state")->required();
  acct->add_option("--by", la.by, "Username of the administrator or HT");
  acct->add_option("--reason", la.reason, "Why (required to disable)");
  acct->add_flag("--json", la.json);

  std::string term = "HK1";
  auto* unapp = app.add_subcommand("unapprove", "Withdraw the principal's approval of a class and term (HT, with a reason)");
  unapp->add_option("--data", dir, "Directory for all server state")->required();
  unapp->add_option("--class", la.class_name)->required();
  unapp->add_option("--term", la.term)->required();
  unapp->add_option("--by", la.by)->required();
  unapp->add_option("--reason", la.reason)->required();

  std::string opens, closes;
  auto* termcmd = app.add_subcommand("term", "Entry windows of the current school year's terms");
  termcmd->require_subcommand(1);
  auto* termset = termcmd->add_subcommand("set", "Set when entry opens and closes for a term (HT, or ADMIN for the HT)");
  termset->add_option("--data", dir, "Directory for all server state")->required();
  termset->add_option("--term", la.term, "HK1 | HK2")->required();
  termset->add_option("--entry-opens", opens, "YYYY-MM-DD")->required();
  termset->add_option("--entry-closes", closes, "YYYY-MM-DD (entry allowed until the end of that day)")->required();
  termset->add_option("--by", la.by)->required();

  auto* vfy = app.add_subcommand("verify", "Check a signed export offline");
  vfy->add_option("FILE", file)->required();
  auto* progress = app.add_subcommand("progress", "Data-entry progress per class × subject (tiến độ cập nhật)");
  progress->add_option("--data", dir, "Directory for all server state")->required();
  progress->add_option("--term", term, "HK1 | HK2");
  progress->add_flag("--json", as_json);

  CLI11_PARSE(app, argc, argv);
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  try {
    if (*init) return cmd_init(dir, school, demo);
    if (*run) return cmd_run(dir, listen);
    if (*import) return cmd_import(what, dir, file, passwords_out);
    if (*exp) return cmd_export(what, dir, file, la.class_name, la.term);
    if (*unapp) {
      auto db = open_existing(dir);
      if (auto st = unapprove(*db, la.class_name, la.term, la.by, la.reason, SystemClock::instance().now_unix_seconds()); !st)
        return fail_status(st);
      std::cout << "Đã hủy phê duyệt " << la.term << " lớp " << la.class_name << "\n";
      return 0;
    }
    if (*termset) {
      auto db = open_existing(dir);
      if (auto st = set_entry_window(*db, la.term, opens, closes, la.by, SystemClock::instance().now_unix_seconds()); !st)
        return fail_status(st);
      std::cout << "Đã đặt thời gian nhập điểm " << la.term << ": từ " << opens << " đến hết " << closes << "\n";
      return 0;
    }
    if (*vfy) {
      std::string summary;
      if (auto st = verify_export(file, summary); !st) {
        std::cerr << "sodiem-server: KHÔNG hợp lệ: " << st.message() << "\n";
        return 1;
      }
      std::cout << "Hợp lệ: " << summary << "\n";
      return 0;
    }
    if (*verify) return cmd_audit_verify(dir);
    if (*history) return cmd_history(dir, cell, as_json);
    if (*lock) return cmd_lock(action, dir, la);
    if (*exc) return cmd_exception(action, dir, la);
    if (*corr) return cmd_correction(action, dir, la, status_filter);
    if (*acct) return cmd_account(action, dir, account_user, la);
    if (*dev) return cmd_device(action, dir, device_id, device_user, la);
    if (*bkp || *rst) return cmd_backup(static_cast<bool>(*rst), dir, backup_dir);
    if (*deleg) return cmd_delegate(action, dir, delegate_arg, la);
    if (*grace) return cmd_grace(dir, grace_hours, la.by);
    if (*progress) return cmd_progress(dir, term, as_json);
  } catch (const std::exception& e) {
    std::cerr << "sodiem-server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
