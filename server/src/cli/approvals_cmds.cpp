// sodiem-server unapprove, verify and progress: withdrawing the principal's
// approval of a class and term, checking a signed export offline, and the
// data-entry progress per class and subject. Registered by main.cpp (see
// commands.hpp).
#include <iostream>
#include <nlohmann/json.hpp>

#include "sodiem/core/clock.hpp"
#include "sodiem/server/confirmations.hpp"
#include "sodiem/server/progress.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

struct UnapproveOptions {
  std::string dir, class_name, term, reason;
  ActorOptions actor;
};

int run_unapprove(const UnapproveOptions& o) {
  auto db = open_existing(o.dir);
  auto by = authenticate(*db, o.dir, o.actor, "unapprove");
  if (!by) return fail_status(by.status());
  std::string class_name = o.class_name;
  canonical_class(*db, class_name);
  if (auto st = unapprove(*db, class_name, o.term, *by, o.reason, SystemClock::instance().now_unix_seconds()); !st)
    return fail_status(st);
  std::cout << "Đã hủy phê duyệt " << o.term << " lớp " << class_name << "\n";
  return 0;
}

struct VerifyOptions {
  std::string file;
};

int run_verify(const VerifyOptions& o) {
  std::string summary;
  if (auto st = verify_export(o.file, summary); !st) {
    std::cerr << "sodiem-server: KHÔNG hợp lệ: " << st.message() << "\n";
    return 1;
  }
  std::cout << "Hợp lệ: " << summary << "\n";
  return 0;
}

struct ProgressOptions {
  std::string dir, term = "HK1";
  bool json = false;
};

int run_progress(const ProgressOptions& o) {
  const std::string& term = o.term;
  auto db = open_existing(o.dir);
  auto rows = entry_progress(*db, term);
  if (!rows) return fail_status(rows.status());
  if (o.json) {
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

void add_unapprove_command(CLI::App& app, Context& ctx) {
  auto [unapp, o] = add_command(app, ctx, "unapprove",
                                "Rút lại phê duyệt của hiệu trưởng cho một lớp, một học kỳ (HT, kèm lý do)", run_unapprove);
  add_data_option(*unapp, o->dir);
  unapp->add_option("--class", o->class_name, "Lớp")->required();
  unapp->add_option("--term", o->term, "Học kỳ đã phê duyệt: HK1 | HK2")->required();
  add_actor_options(*unapp, o->actor, "HT");
  unapp->add_option("--reason", o->reason, "Lý do rút lại phê duyệt")->required();
}

void add_verify_command(CLI::App& app, Context& ctx) {
  auto [vfy, o] = add_command(app, ctx, "verify", "Kiểm tra một tệp xuất có chữ ký số (không cần mạng)", run_verify);
  vfy->add_option("FILE", o->file, "Tệp đã xuất bằng `export signed`")->required();
}

void add_progress_command(CLI::App& app, Context& ctx) {
  auto [progress, o] = add_command(app, ctx, "progress",
                                   "Tiến độ cập nhật điểm theo từng lớp × môn", run_progress);
  add_data_option(*progress, o->dir);
  progress->add_option("--term", o->term, "HK1 | HK2");
  progress->add_flag("--json", o->json, "In kết quả dạng JSON (cho máy đọc)");
}

}  // namespace sodiem::server::cli
