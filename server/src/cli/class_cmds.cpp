// sodiem-server class subjects: a THPT class's elective subjects and study
// topics (class_choices.hpp), shown or set; or every class's from a file. Registered by main.cpp (see
// commands.hpp).
#include <fstream>
#include <iostream>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/class_choices.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

struct ClassOptions {
  std::string what, dir, class_name, electives, topics, file;
  ActorOptions actor;
};

// The class's subjects now, one line: "Toán (chuyên đề), Vật lí, …".
int show_class_subjects(store::Db& db, const std::string& class_name) {
  auto id = db.prepare("SELECT id FROM current_classes WHERE name = ?");
  id.bind(1, class_name);
  if (!id.step()) return fail_status(Status(ErrorCode::kInvalidValue, "không có lớp " + excerpt(class_name) + " trong năm học hiện tại"));
  std::string line;
  for (const auto& cs : class_subjects_of(db, id.int64(0)))
    line += (line.empty() ? "" : ", ") + cs.info.name + (cs.info.study_topics ? " (chuyên đề)" : "");
  std::cout << "Lớp " << class_name << " học: " << line << "\n";
  return 0;
}

// Every class of a choices file (Lớp;Môn lựa chọn;Chuyên đề), all or nothing.
int run_class_file(const ClassOptions& o) {
  std::ifstream in(o.file, std::ios::binary);
  if (!in) return fail_status(Status(ErrorCode::kInvalidValue, "không mở được tệp " + o.file));
  auto file = read_choices_csv(in);
  if (!file.errors.empty()) {
    std::cerr << "sodiem-server: không thay đổi gì; " << file.errors.size() << " lỗi trong " << o.file << ":\n";
    for (const auto& e : file.errors) std::cerr << "  " << e << "\n";
    return 2;
  }
  auto db = open_existing(o.dir);
  for (auto& c : file.choices) canonical_class(*db, c.class_name);
  auto by = authenticate(*db, o.dir, o.actor, "class subjects");
  if (!by) return fail_status(by.status());
  auto changed = set_class_choices(*db, file.choices, *by, SystemClock::instance().now_unix_seconds());
  if (!changed) return fail_status(changed.status());
  std::cout << "Đã đọc " << o.file << ": " << file.choices.size() << " lớp, " << *changed << " lớp thay đổi lựa chọn\n";
  return 0;
}

int run_class(const ClassOptions& given) {
  if (!given.file.empty()) {
    if (!given.class_name.empty() || !given.electives.empty() || !given.topics.empty())
      return fail_status(Status(ErrorCode::kInvalidValue, "--file dùng riêng, không kèm LỚP, môn hay --topics"));
    return run_class_file(given);
  }
  if (given.class_name.empty())
    return fail_status(Status(ErrorCode::kInvalidValue, "cần LỚP (hoặc --file TỆP.csv cho nhiều lớp)"));
  ClassOptions o = given;
  for (std::string* text : {&o.class_name, &o.electives, &o.topics}) {
    auto nfc = to_nfc(*text);
    if (!nfc) return fail_status(Status(ErrorCode::kInvalidValue, "lớp hoặc tên môn không phải văn bản UTF-8 hợp lệ"));
    *text = std::move(*nfc);
  }
  auto db = open_existing(o.dir);
  canonical_class(*db, o.class_name);
  if (o.electives.empty() && o.topics.empty()) return show_class_subjects(*db, o.class_name);
  ClassChoice choice{o.class_name, split_subject_list(o.electives), split_subject_list(o.topics)};
  auto by = authenticate(*db, o.dir, o.actor, "class subjects");
  if (!by) return fail_status(by.status());
  auto changed = set_class_choice(*db, choice, *by, SystemClock::instance().now_unix_seconds());
  if (!changed) return fail_status(changed.status());
  if (!*changed) std::cout << "Không có gì thay đổi: lớp " << o.class_name << " đã chọn như vậy\n";
  else std::cout << "Đã ghi lựa chọn của lớp " << o.class_name << "\n";
  return show_class_subjects(*db, o.class_name);
}

}  // namespace

void add_class_command(CLI::App& app, Context& ctx) {
  auto [cls, o] = add_command(app, ctx, "class",
                              "Môn học của một lớp THPT: 4 môn lựa chọn và 3 môn có chuyên đề học tập (Chương trình GDPT "
                              "2018); không nêu môn thì in các môn lớp đang học",
                              run_class);
  add_choice(*cls, "WHAT", o->what, {"subjects"});
  add_data_option(*cls, o->dir);
  cls->add_option("CLASS", o->class_name, "Lớp của năm học hiện tại, vd. 10A1");
  cls->add_option("ELECTIVES", o->electives,
                  "4 môn lựa chọn, ngăn bởi dấu phẩy hoặc chấm phẩy, vd. \"Vật lí,Hóa học,Sinh học,Tin học\"");
  cls->add_option("--topics", o->topics, "3 môn có chuyên đề học tập, vd. \"Toán,Vật lí,Hóa học\"");
  cls->add_option("--file", o->file,
                  "Tệp CSV cho nhiều lớp, cột Lớp;Môn lựa chọn;Chuyên đề (nhận hết hoặc không nhận gì)");
  add_actor_options(*cls, o->actor, "HT (hoặc ADMIN)");
}

}  // namespace sodiem::server::cli
