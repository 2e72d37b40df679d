// sodiem-server year: the school years (list) and the rollover to the next
// one (new), see school_year.hpp. Registered by main.cpp (commands.hpp).
#include <fstream>
#include <iostream>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/roster_csv.hpp"
#include "sodiem/server/school_year.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

struct YearNewOptions {
  std::string dir, name, outcomes;
  bool force = false;
  ActorOptions actor;
};

// The outcomes file: "Mã học sinh", "Kết quả" (Lên lớp | Ở lại lớp | Nghỉ
// học | Chuyển trường), read through the roster file checks.
bool read_outcomes(const std::string& path, std::map<std::string, YearOutcome>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "sodiem-server: không mở được tệp " << path << "\n";
    return false;
  }
  RosterTable t;
  std::vector<std::string> errors;
  if (read_roster_table(in, {"Mã học sinh", "Kết quả"}, t, errors)) {
    for (std::size_t r = 1; r < t.rows.size(); ++r) {
      if (t.blank(r)) continue;
      const std::string code = t.cell(r, "Mã học sinh"), result = t.cell(r, "Kết quả");
      auto outcome = parse_year_outcome(result);
      if (!outcome)
        errors.push_back("dòng " + std::to_string(r + 1) + ": kết quả \"" + excerpt(result) +
                         "\" phải là Lên lớp, Ở lại lớp, Nghỉ học hoặc Chuyển trường");
      else if (!out.emplace(code, *outcome).second)
        errors.push_back("dòng " + std::to_string(r + 1) + ": mã học sinh " + excerpt(code) + " có hai lần");
    }
  }
  if (errors.empty()) return true;
  std::cerr << "sodiem-server: không chuyển năm học; " << errors.size() << " lỗi trong " << path << ":\n";
  for (std::size_t i = 0; i < errors.size() && i < 30; ++i) std::cerr << "  " << errors[i] << "\n";
  return false;
}

int run_year_new(const YearNewOptions& o) {
  auto plan = default_year(o.name);
  if (!plan) {
    std::cerr << "sodiem-server: --name phải có dạng 2027-2028, không phải \"" << o.name << "\"\n";
    return 2;
  }
  NewYearRequest request{*plan, {}, o.dir, o.force};
  if (!o.outcomes.empty() && !read_outcomes(o.outcomes, request.outcomes)) return 2;
  auto db = open_existing(o.dir);
  auto by = authenticate(*db, o.dir, o.actor, "year new");
  if (!by) return fail_status(by.status());
  auto report = start_new_year(*db, request, SystemClock::instance(), *by);
  if (!report) return fail_status(report.status());
  std::string moves;
  for (const auto& m : report->class_moves) moves += (moves.empty() ? "" : ", ") + m;
  std::cout << "Đã sang năm học " << report->new_year << ". Lớp lên: " << (moves.empty() ? "không có" : moves) << ".\n"
            << "Học sinh: " << report->promoted << " lên lớp, " << report->retained << " ở lại lớp, "
            << report->graduated << " ra trường, " << report->left << " nghỉ học hoặc chuyển trường"
            << " (" << report->from_boards << " theo kết quả cả năm đã phê duyệt).\n";
  if (!report->pending_retained.empty()) {
    std::cout << "Ở lại lớp vì chưa có kết quả kiểm tra lại hoặc rèn luyện trong hè (--force):";
    for (const auto& p : report->pending_retained) std::cout << "\n  " << p;
    std::cout << "\n";
  }
  std::cout
            << "Năm học " << report->old_year << " được lưu trữ (chỉ xem và in) tại " << report->archive_dir
            << ", ví dụ: sodiem-server progress --data " << report->archive_dir << "\n"
            << "Tiếp theo: nhập học sinh lớp đầu cấp (sodiem-server import students), rồi phân công giảng dạy và chủ "
               "nhiệm năm mới (sodiem-server import staff).\n";
  return 0;
}

struct YearListOptions {
  std::string dir;
};

int run_year_list(const YearListOptions& o) {
  auto db = open_existing(o.dir);
  auto s = db->prepare("SELECT y.name, y.starts_on, y.ends_on, y.current, "
                       "(SELECT COUNT(*) FROM classes c WHERE c.school_year_id = y.id) FROM school_years y ORDER BY y.name");
  std::cout << "Năm học     Từ ngày     Đến ngày    Số lớp\n";
  while (s.step())
    std::cout << s.text(0) << "   " << s.text(1) << "  " << s.text(2) << "  " << s.int64(4)
              << (s.int64(3) ? "   (hiện tại)" : "   (lưu trữ: " + o.dir + "/years/" + s.text(0) + ")") << "\n";
  if (const std::string a = archived_year(*db); !a.empty())
    std::cout << "Thư mục này là bản lưu trữ năm học " << a << " (chỉ xem và in).\n";
  return 0;
}

}  // namespace

void add_year_command(CLI::App& app, Context& ctx) {
  CLI::App* year = app.add_subcommand("year", "Năm học: xem danh sách, hoặc chuyển trường sang năm học mới");
  year->require_subcommand(1);
  {
    auto [sub, o] = add_command(*year, ctx, "list", "Danh sách năm học, có đánh dấu năm hiện tại", run_year_list);
    add_data_option(*sub, o->dir);
  }
  auto [sub, o] = add_command(*year, ctx, "new",
                              "Bắt đầu năm học mới: lưu trữ năm nay chỉ để xem (DATA/years/NAME), lên lớp "
                              "(6A → 7A), chuyển học sinh sang năm mới",
                              run_year_new);
  add_data_option(*sub, o->dir);
  sub->add_option("--name", o->name, "Năm học mới, ví dụ 2027-2028")->required();
  sub->add_option("--outcomes", o->outcomes,
                  "Tệp CSV (hoặc CSV xuất từ XLSX) có cột \"Mã học sinh\", \"Kết quả\" (Lên lớp | Ở lại lớp | Nghỉ học | "
                  "Chuyển trường), thay cho kết quả tính từ bảng tổng hợp cả năm đã phê duyệt (sodiem-server "
                  "outcomes); học sinh không có trong tệp theo kết quả đã tính, hoặc được lên lớp nếu lớp chưa được phê duyệt");
  sub->add_flag("--force", o->force,
                "Vẫn tiếp tục dù có lớp chưa được phê duyệt kết quả cả năm (học sinh được lên lớp nếu không có trong tệp) "
                "hoặc chưa ghi kết quả kiểm tra lại / rèn luyện hè (học sinh đó ở lại lớp nếu không có trong tệp)");
  add_actor_options(*sub, o->actor, "HT hoặc ADMIN");
}

}  // namespace sodiem::server::cli
