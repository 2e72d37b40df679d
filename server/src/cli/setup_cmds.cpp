// sodiem-server setup: set the school up from a curriculum file, or from the
// shipped defaults of the 2018 programme (--level), with its school year;
// sodiem-server exempt: a student's exemption (miễn học) from a subject.
// Registered by main.cpp (see commands.hpp).
#include <fstream>
#include <iostream>
#include <sstream>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/curriculum.hpp"
#include "sodiem/server/exemptions.hpp"
#include "sodiem/server/school_setup.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

struct SetupOptions {
  std::string dir, file, year;
  std::vector<std::string> levels;
  ActorOptions actor;
};

int refuse(const std::string& what, const std::vector<std::string>& errors) {
  std::cerr << "sodiem-server: không thay đổi gì; " << errors.size() << " lỗi trong " << what << ":\n";
  constexpr std::size_t kShown = 30;
  for (std::size_t i = 0; i < errors.size() && i < kShown; ++i) std::cerr << "  " << errors[i] << "\n";
  if (errors.size() > kShown) std::cerr << "  … và " << errors.size() - kShown << " lỗi khác\n";
  return 2;
}

int run_setup(const SetupOptions& o) {
  if (o.file.empty() == o.levels.empty()) {
    std::cerr << "sodiem-server: cần đúng một nguồn: tệp chương trình (FILE) hoặc --level " << kShippedLevels
              << " (có thể nêu nhiều --level)\n";
    return 2;
  }
  std::vector<Curriculum> parts;
  std::string what;
  if (!o.file.empty()) {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) {
      std::cerr << "sodiem-server: không mở được tệp " << o.file << "\n";
      return 2;
    }
    std::string text(kMaxCurriculumBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    auto parsed = parse_curriculum(text);
    if (!parsed.curriculum) return refuse(o.file, parsed.errors);
    parts.push_back(std::move(*parsed.curriculum));
    what = o.file;
  }
  for (const auto& level : o.levels) {
    auto text = shipped_curriculum(level);
    if (!text) {
      std::cerr << "sodiem-server: không có chương trình mặc định \"" << level << "\"; có: " << kShippedLevels << "\n";
      return 2;
    }
    auto parsed = parse_curriculum(*text);
    if (!parsed.curriculum) return refuse("chương trình mặc định " + level, parsed.errors);  // a build defect
    parts.push_back(std::move(*parsed.curriculum));
    what += (what.empty() ? "" : ", ") + std::string("chương trình mặc định ") + level;
  }
  auto merged = merge_curricula(std::move(parts));
  if (!merged.curriculum) return refuse(what, merged.errors);
  std::optional<YearPlan> year;
  if (!o.year.empty()) {
    year = default_year(o.year);
    if (!year) {
      std::cerr << "sodiem-server: --year phải có dạng 2026-2027, không phải \"" << o.year << "\"\n";
      return 2;
    }
  }
  auto db = open_existing(o.dir);
  auto by = authenticate(*db, o.dir, o.actor, "setup");
  if (!by) return fail_status(by.status());
  auto report = apply_curriculum(*db, *merged.curriculum, year, SystemClock::instance(), *by);
  if (!report) {
    std::cerr << "sodiem-server: " << report.status().message() << "\n";
    return report.status().code() == ErrorCode::kForbidden ? 3 : 2;
  }
  std::string levels;
  for (const auto& l : report->levels) levels += (levels.empty() ? "" : ", ") + l;
  if (!report->changed) {
    std::cout << "Chương trình học đã đúng như " << what << "; không có gì thay đổi (cấp học " << levels
              << ", năm học " << report->year << ")\n";
    return 0;
  }
  std::cout << "Đã thiết lập chương trình học theo " << what << ": cấp học " << levels << "; thêm "
            << report->subjects_added << " môn, cập nhật " << report->subjects_updated << " môn, "
            << report->grade_settings_changed << " thiết lập môn theo khối; năm học " << report->year
            << (report->year_changed ? " (đã đặt ngày học kì và thời gian nhập điểm)" : "") << "\n"
            << "Tiếp theo: sodiem-server import students --data " << o.dir << " HOC_SINH.csv --maintenance, rồi "
            << "sodiem-server import staff --data " << o.dir << " GIAO_VIEN.csv --maintenance\n";
  return 0;
}

struct ExemptOptions {
  std::string dir;
  ExemptionRequest request;
  bool remove = false;
  ActorOptions actor;
};

int run_exempt(const ExemptOptions& o) {
  ExemptionRequest r = o.request;
  for (std::string* text : {&r.class_name, &r.subject, &r.student, &r.reason}) {
    auto nfc = to_nfc(*text);
    if (!nfc) {
      std::cerr << "sodiem-server: lớp, môn, mã học sinh hoặc lý do không phải văn bản UTF-8 hợp lệ\n";
      return 2;
    }
    *text = std::move(*nfc);
  }
  if (o.remove != r.reason.empty()) {
    std::cerr << "sodiem-server: ghi miễn học cần --reason LÝ_DO; bỏ miễn học dùng --remove (không kèm --reason)\n";
    return 2;
  }
  auto db = open_existing(o.dir);
  canonical_class(*db, r.class_name);
  canonical_subject(*db, r.subject);
  canonical_student(*db, r.student);
  auto by = authenticate(*db, o.dir, o.actor, "exempt");
  if (!by) return fail_status(by.status());
  auto versions = set_exemption(*db, r, *by, SystemClock::instance().now_unix_seconds());
  if (!versions) return fail_status(versions.status());
  const std::string what = "học sinh " + r.student + " lớp " + r.class_name + " môn " + r.subject + " (" + r.term + ")";
  if (versions->empty()) std::cout << "Không có gì thay đổi: " << what << " đã như vậy\n";
  else if (o.remove) std::cout << "Đã bỏ miễn học cho " << what << "\n";
  else std::cout << "Đã ghi miễn học cho " << what << ": " << r.reason << "\n";
  return 0;
}

}  // namespace

void add_exempt_command(CLI::App& app, Context& ctx) {
  auto [exempt, o] = add_command(app, ctx, "exempt",
                                 "Miễn học một môn cho học sinh trong một học kỳ hoặc cả năm, kèm lý do; các ô điểm "
                                 "môn đó của học sinh được tính là đã đủ",
                                 run_exempt);
  add_data_option(*exempt, o->dir);
  exempt->add_option("--class", o->request.class_name, "Lớp của học sinh")->required();
  exempt->add_option("--subject", o->request.subject, "Môn")->required();
  exempt->add_option("--student", o->request.student, "Mã học sinh")->required();
  exempt->add_option("--term", o->request.term, "HK1 | HK2 | CN (cả hai học kỳ)")->required();
  exempt->add_option("--reason", o->request.reason, "Lý do (giấy khám sức khỏe, khuyết tật, …)");
  exempt->add_flag("--remove", o->remove, "Bỏ việc miễn học này");
  add_actor_options(*exempt, o->actor, "HT (hoặc ADMIN thay HT)");
}

void add_setup_command(CLI::App& app, Context& ctx) {
  auto [setup, o] = add_command(app, ctx, "setup",
                                "Thiết lập trường theo chương trình học: cấp học, môn của từng khối, năm học "
                                "(làm hết hoặc không làm gì; chạy lại cùng tệp thì không thay đổi gì)",
                                run_setup);
  add_data_option(*setup, o->dir);
  setup->add_option("FILE", o->file, "Tệp chương trình học (JSON, định dạng sodiem-curriculum/1; xem server/curriculum/)");
  setup->add_option("--level", o->levels,
                    std::string("Dùng chương trình 2018 có sẵn thay cho FILE: ") + kShippedLevels +
                        " (lặp lại cho trường nhiều cấp học)");
  setup->add_option("--year", o->year, "Năm học YYYY-YYYY theo lịch thông thường (mặc định: năm học trong tệp, "
                                       "nếu không có thì năm học hiện tại, nếu không thì năm học của hôm nay)");
  add_actor_options(*setup, o->actor, "quản trị viên hoặc HT");
}

}  // namespace sodiem::server::cli
