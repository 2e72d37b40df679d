// sodiem-server audit verify, history, backup and restore: the audit trail
// and the grade records checked against it, a cell's full story, and copies
// of the data directory. Registered by main.cpp (see commands.hpp).
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/history_text.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/audit_verdict.hpp"
#include "sodiem/server/backup.hpp"
#include "sodiem/server/history.hpp"
#include "sodiem/server/serving_lock.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

struct AuditVerifyOptions {
  std::string dir;
};

int run_audit_verify(const AuditVerifyOptions& o) {
  auto db = open_existing(o.dir);
  const AuditVerdict v = check_audit_trail(*db);
  for (const auto& p : v.problems) std::cerr << "sodiem-server: " << p << "\n";
  if (!v.intact) return 1;
  std::cout << "Nhật ký kiểm toán nguyên vẹn: " << v.entries << " mục; " << v.versions << " phiên bản điểm khớp nhật ký\n";
  for (const auto& w : v.warnings) std::cout << "Cảnh báo: " << w << "\n";
  return 0;
}

struct HistoryOptions {
  std::string dir;
  std::vector<std::string> cell;  // CLASS SUBJECT STUDENT_CODE COLUMN
  bool json = false;
};

int run_history(const HistoryOptions& o) {
  const std::vector<std::string>& cell = o.cell;
  auto db = open_existing(o.dir);
  auto events = cell_history(*db, cell[0], cell[1], cell[2], cell[3]);
  if (!events) {
    std::cerr << "sodiem-server: " << events.status().message() << "\n";
    return 2;
  }
  if (o.json) {
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

struct BackupOptions {
  bool restore = false;  // restore BACKUP_DIR into --data; else back --data up into OUT_DIR
  std::string dir, backup_dir;
  int wait_seconds = static_cast<int>(std::chrono::seconds(tuning::kRestoreWait).count());
};

int run_backup(const BackupOptions& o) {
  const bool restore = o.restore;
  const RestoreWait wait{std::chrono::seconds(o.wait_seconds), [](const std::string& note) { std::cout << note << std::endl; }};
  auto summary = restore ? restore_data_dir(o.backup_dir, o.dir, wait) : backup_data_dir(o.dir, o.backup_dir);
  if (!summary) return fail_status(summary.status());
  std::cout << (restore ? "Đã khôi phục vào " : "Đã sao lưu vào ") << summary->path << ": " << summary->bytes
            << " byte, " << summary->versions << " phiên bản điểm, nhật ký kiểm toán nguyên vẹn ("
            << summary->audit_entries << " mục)\n";
  if (restore) std::cout << "Các máy giáo viên sẽ tải lại dữ liệu và gửi lại những gì bản sao lưu chưa có ở lần đồng bộ tới.\n";
  return 0;
}

}  // namespace

void add_audit_command(CLI::App& app, Context& ctx) {
  auto* audit = app.add_subcommand("audit", "Nhật ký kiểm tra (chuỗi băm, không sửa được)");
  audit->require_subcommand(1);
  auto [verify, o] = add_command(*audit, ctx, "verify",
                                 "Kiểm tra nhật ký: thoát với mã 0 nếu chuỗi còn nguyên vẹn, nếu không thì chỉ ra mục hỏng đầu tiên", run_audit_verify);
  add_data_option(*verify, o->dir);
}

void add_history_command(CLI::App& app, Context& ctx) {
  auto [history, o] = add_command(app, ctx, "history",
                                  "Toàn bộ lịch sử một ô điểm: ai, lúc nào, máy nào, cũ → mới, lý do", run_history);
  add_data_option(*history, o->dir);
  history->add_option("CELL", o->cell, "LỚP MÔN MÃ_HỌC_SINH CỘT (ví dụ: 6A Toán HS001 HK1.GK)")->required()->expected(4);
  history->add_flag("--json", o->json, "In kết quả dạng JSON (cho máy đọc)");
}

void add_backup_commands(CLI::App& app, Context& ctx) {
  auto [bkp, b] = add_command(app, ctx, "backup",
                              "Sao lưu thư mục dữ liệu (bản sao nhất quán, làm được khi máy chủ đang chạy)", run_backup);
  add_data_option(*bkp, b->dir);
  bkp->add_option("OUT_DIR", b->backup_dir, "Thư mục mới (hoặc rỗng) để chứa bản sao lưu")->required();
  auto [rst, r] = add_command(app, ctx, "restore",
                              "Khôi phục một bản sao lưu vào thư mục dữ liệu rỗng, hoặc vào thư mục của một trường lưu trong PostgreSQL "
                              "(thay toàn bộ dữ liệu của trường đó, khi các máy chủ `run --schools` đang chạy: chúng tự trả trường "
                              "trong lúc khôi phục; các máy giáo viên đồng bộ lại)", run_backup);
  r->restore = true;
  rst->add_option("--wait", r->wait_seconds,
                  "Trường trên PostgreSQL: số giây tối đa chờ các máy chủ đang phục vụ trường trả trường (mặc định 60)")
      ->check(CLI::Range(0, 3600));
  rst->add_option("BACKUP_DIR", r->backup_dir, "Thư mục do lệnh `backup` tạo ra")->required();
  add_data_option(*rst, r->dir, "Thư mục dữ liệu mới, rỗng (hoặc có database.json của trường trên PostgreSQL)");
}

}  // namespace sodiem::server::cli
