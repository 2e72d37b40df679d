// sodiem-server transfer out|in: a student's transfer packet to another
// school, and admitting one from another school (transfer.hpp). Registered
// by main.cpp (commands.hpp).
#include <iostream>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/transfer.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

struct TransferOptions {
  std::string action, dir, student, to, class_name, file;
  ActorOptions actor;
};

int run_transfer(const TransferOptions& o) {
  auto db = open_existing(o.dir);
  auto by = authenticate(*db, o.dir, o.actor, "transfer " + o.action);
  if (!by) return fail_status(by.status());
  if (o.action == "out") {
    if (o.student.empty() || o.to.empty()) {
      std::cerr << "sodiem-server: transfer out cần --student MÃ_HS và --to \"TÊN TRƯỜNG\"\n";
      return 2;
    }
    std::string student = to_nfc(o.student).value_or(o.student);
    canonical_student(*db, student);
    auto r = transfer_out(*db, o.dir, student, to_nfc(o.to).value_or(o.to), o.file,
                          SystemClock::instance(), *by);
    if (!r) return fail_status(r.status());
    std::cout << "Đã lập hồ sơ chuyển trường " << r->path << " (" << r->cells << " ô điểm, ký số; SHA-256 "
              << r->digest.substr(0, 16) << "…). Học sinh " << o.student << " chuyển sang trạng thái Chuyển trường.\n";
    return 0;
  }
  if (o.class_name.empty()) {
    std::cerr << "sodiem-server: transfer in cần --class LỚP (lớp nhận học sinh)\n";
    return 2;
  }
  std::string class_name = o.class_name;
  canonical_class(*db, class_name);
  auto r = transfer_in(*db, o.file, to_nfc(class_name).value_or(class_name), SystemClock::instance(), *by);
  if (!r) return fail_status(r.status());
  std::cout << "Đã nhận học sinh " << r->student << " từ " << r->from_school << " vào lớp " << r->class_name << " với "
            << r->versions.size() << " ô điểm. Khóa ký hồ sơ: " << r->fingerprint
            << "… — hãy đối chiếu với trường cũ.\n";
  for (const auto& l : r->left_behind) std::cout << "  không nhận: " << l << "\n";
  return 0;
}

}  // namespace

void add_transfer_command(CLI::App& app, Context& ctx) {
  auto [sub, o] = add_command(app, ctx, "transfer",
                              "Chuyển trường: out (chuyển đi: gói hồ sơ năm nay có chữ ký số) "
                              "hoặc in (chuyển đến: nhận học sinh cùng các điểm đã có)",
                              run_transfer);
  add_choice(*sub, "ACTION", o->action, {"out", "in"});
  sub->add_option("FILE", o->file, "out: gói hồ sơ cần ghi; in: gói hồ sơ cần đọc")->required();
  add_data_option(*sub, o->dir);
  sub->add_option("--student", o->student, "out: mã học sinh");
  sub->add_option("--to", o->to, "out: trường học sinh chuyển đến");
  sub->add_option("--class", o->class_name, "in: lớp nhận học sinh");
  add_actor_options(*sub, o->actor, "HT hoặc ADMIN");
}

}  // namespace sodiem::server::cli
