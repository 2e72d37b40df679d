// sodiem-server outcomes (the year-end lists per class and for the school:
// each outcome, the final one after re-tests and summer training, awards;
// text or the --json contract of the README), retest and summer (the
// leadership records a re-test or summer training result) and recognise (a
// primary pupil's Học sinh Tiêu biểu), see year_outcomes.hpp. Registered by
// main.cpp (commands.hpp).
#include <iostream>
#include <nlohmann/json.hpp>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/primary_board.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/school_year.hpp"
#include "sodiem/server/year_outcomes.hpp"
#include "sodiem/server/year_outcomes_json.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

using nlohmann::json;

void print_lists(const json& lists, bool with_class) {
  for (const char* group : {"outcome", "final", "award", "result"})
    for (const auto& [name, people] : lists[group].items()) {
      if (people.empty()) continue;
      std::cout << "  " << (std::string(group) == "final" ? "Sau kiểm tra lại, rèn luyện hè — " : "") << name << " ("
                << people.size() << "):";
      for (const auto& p : people)
        std::cout << "\n    " << (with_class ? p["class"].get<std::string>() + " " : "")
                  << p["student"].get<std::string>() << " " << p["name"].get<std::string>();
      std::cout << "\n";
    }
}

void print_text(const json& j) {
  std::cout << "Kết quả cuối năm học " << j["year"].get<std::string>() << " (Thông tư 22; tiểu học: Thông tư 27)\n";
  for (const auto& c : j["classes"]) {
    const std::string name = c["class"];
    std::cout << "\nLớp " << name << (c["primary"].get<bool>() ? " (tiểu học)" : "")
              << (c["approved"].get<bool>() ? " (đã phê duyệt kết quả cả năm)\n"
                                            : " (CHƯA phê duyệt kết quả cả năm: kết quả dưới đây là tạm tính)\n");
    for (const auto& s : c["students"]) {
      std::cout << "  " << s["student"].get<std::string>() << " " << s["name"].get<std::string>() << ": ";
      if (s["outcome"].is_null()) {
        std::cout << "chưa đủ kết quả";
      } else if (!s["result"].is_null()) {  // primary (TT27)
        std::cout << "kết quả giáo dục " << s["result"].get<std::string>() << " — " << s["completion"].get<std::string>();
        if (s["summer_training"].get<bool>())
          std::cout << "; rèn luyện trong hè, đánh giá bổ sung: "
                    << (s["summer_result"].is_null() ? "chưa có kết quả" : s["summer_result"].get<std::string>());
        if (!s["award"].is_null()) std::cout << "; " << s["award"].get<std::string>();
      } else {
        std::cout << "học tập " << s["learning"].get<std::string>() << ", rèn luyện " << s["conduct"].get<std::string>()
                  << ", nghỉ " << s["absent_sessions"].get<int>() << " buổi — " << s["outcome"].get<std::string>();
        for (const auto& r : s["retests"])
          std::cout << "; " << r["subject"].get<std::string>() << " " << r["year_result"].get<std::string>() << " → "
                    << (r["result"].is_null() ? "chưa kiểm tra lại" : r["result"].get<std::string>());
        if (s["summer_training"].get<bool>())
          std::cout << "; rèn luyện hè: "
                    << (s["summer_result"].is_null() ? "chưa có kết quả" : s["summer_result"].get<std::string>());
        if (!s["award"].is_null()) std::cout << "; " << s["award"].get<std::string>();
      }
      std::cout << " ⇒ " << s["final"].get<std::string>();
      if (!s["awaiting"].empty()) {
        constexpr std::size_t kShown = 3;  // the whole list is in --json
        std::string awaiting;
        for (std::size_t i = 0; i < s["awaiting"].size() && i < kShown; ++i)
          awaiting += (i ? ", " : "") + s["awaiting"][i].get<std::string>();
        if (s["awaiting"].size() > kShown) awaiting += " và " + std::to_string(s["awaiting"].size() - kShown) + " mục khác";
        std::cout << " (còn: " << awaiting << ")";
      }
      std::cout << "\n";
    }
    std::cout << "Danh sách lớp " << name << ":\n";
    print_lists(c["lists"], false);
  }
  std::cout << "\nToàn trường (các lớp đã phê duyệt):\n";
  print_lists(j["school"]["lists"], true);
}

struct OutcomesOptions {
  std::string dir, class_name;
  bool json = false;
};

int run_outcomes(const OutcomesOptions& o) {
  auto db = open_existing(o.dir);
  std::string class_name = to_nfc(o.class_name).value_or(o.class_name);
  canonical_class(*db, class_name);
  auto classes = load_year_outcomes(*db, class_name);
  if (!classes) return fail_status(classes.status());
  const json j = outcomes_json(current_year_name(*db), *classes);
  if (o.json) std::cout << j.dump(2) << "\n";
  else print_text(j);
  return 0;
}

struct RecordOptions {
  std::string dir;
  YearEndRecord record;
  ActorOptions actor;
};

enum Record { kRetest, kSummer, kRecognise };

template <Record kKind>
int run_record(const RecordOptions& o) {
  YearEndRecord r = o.record;
  for (std::string* text : {&r.class_name, &r.student, &r.subject, &r.value}) {
    auto nfc = to_nfc(*text);
    if (!nfc) {
      std::cerr << "sodiem-server: lớp, mã học sinh, môn hoặc kết quả không phải văn bản UTF-8 hợp lệ\n";
      return 2;
    }
    *text = std::move(*nfc);
  }
  auto db = open_existing(o.dir);
  canonical_class(*db, r.class_name);
  canonical_student(*db, r.student);
  canonical_subject(*db, r.subject);
  auto by = authenticate(*db, o.dir, o.actor, kKind == kRetest ? "retest" : kKind == kSummer ? "summer" : "recognise");
  if (!by) return fail_status(by.status());
  const auto now = SystemClock::instance().now_unix_seconds();
  auto version = kKind == kRetest   ? record_retest(*db, r, *by, now)
                 : kKind == kSummer ? record_summer_training(*db, r, *by, now)
                                    : record_recognition(*db, r, *by, now);
  if (!version) return fail_status(version.status());
  const std::string what = (kKind == kRetest   ? "kết quả kiểm tra lại môn " + r.subject
                            : kKind == kSummer ? std::string("kết quả rèn luyện trong hè")
                                               : std::string("khen thưởng Học sinh Tiêu biểu")) +
                           " của học sinh " + r.student + " lớp " + r.class_name;
  if (*version == 0) std::cout << "Không có gì thay đổi: " << what << " đã như vậy\n";
  else std::cout << "Đã ghi " << what << ". Xem kết quả: sodiem-server outcomes --data " << o.dir << " --class "
                 << r.class_name << "\n";
  return 0;
}

}  // namespace

void add_outcomes_commands(CLI::App& app, Context& ctx) {
  {
    auto [sub, o] = add_command(app, ctx, "outcomes",
                                "Kết quả cuối năm (TT22; tiểu học: TT27): kết quả của từng học sinh, kiểm tra lại và "
                                "rèn luyện hè, danh sách theo từng kết quả và khen thưởng của từng lớp và toàn trường",
                                run_outcomes);
    add_data_option(*sub, o->dir);
    sub->add_option("--class", o->class_name, "Chỉ lớp này");
    sub->add_flag("--json", o->json, "Dạng JSON cho máy đọc (theo mô tả trong README)");
  }
  {
    auto [sub, o] = add_command(app, ctx, "retest",
                                "Ghi kết quả kiểm tra lại một môn của học sinh; kết quả cả năm được tính lại "
                                "(ban giám hiệu)",
                                run_record<kRetest>);
    add_data_option(*sub, o->dir);
    sub->add_option("--class", o->record.class_name, "Lớp của học sinh")->required();
    sub->add_option("--student", o->record.student, "Mã học sinh")->required();
    sub->add_option("--subject", o->record.subject, "Môn kiểm tra lại")->required();
    sub->add_option("--result", o->record.value, "Điểm 0–10 (môn đánh giá bằng nhận xét: Đ hoặc CĐ); Vắng nếu học sinh không dự kiểm tra "
                    "lại (kết quả cả năm giữ nguyên)")->required();
    add_actor_options(*sub, o->actor, "HT, PHT (hoặc ADMIN thay họ)");
  }
  auto [sub, o] = add_command(app, ctx, "summer",
                              "Ghi kết quả rèn luyện trong hè của học sinh; kết quả rèn luyện cả năm được tính "
                              "lại (ban giám hiệu)",
                              run_record<kSummer>);
  add_data_option(*sub, o->dir);
  sub->add_option("--class", o->record.class_name, "Lớp của học sinh")->required();
  sub->add_option("--student", o->record.student, "Mã học sinh")->required();
  sub->add_option("--result", o->record.value, "Đạt hoặc Chưa đạt")->required();
  add_actor_options(*sub, o->actor, "HT, PHT (hoặc ADMIN thay họ)");
  auto [rec, ro] = add_command(app, ctx, "recognise",
                               "Ghi việc lớp công nhận học sinh tiểu học có kết quả năm Hoàn thành tốt là Học sinh "
                               "Tiêu biểu (TT27 Điều 13), kèm thành tích hoặc sự tiến bộ nổi bật (ban giám hiệu)",
                               run_record<kRecognise>);
  add_data_option(*rec, ro->dir);
  rec->add_option("--class", ro->record.class_name, "Lớp của học sinh")->required();
  rec->add_option("--student", ro->record.student, "Mã học sinh")->required();
  rec->add_option("--reason", ro->record.value, "Thành tích hoặc sự tiến bộ được lớp công nhận")->required();
  add_actor_options(*rec, ro->actor, "HT, PHT (hoặc ADMIN thay họ)");
}

}  // namespace sodiem::server::cli
