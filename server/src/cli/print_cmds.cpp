// sodiem-server print: the grade book of a class and subject, the class
// summary board and the students' transcripts (học bạ), as A4 PDF from the authoritative data (records_print.hpp).
// Registered by main.cpp (see commands.hpp). Reading only: no actor needed.
#include <iostream>

#include "sodiem/server/archive.hpp"
#include "sodiem/server/records_print.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

struct PrintOptions {
  std::string what, dir, class_name, subject, term = "HK1", student, out;
};

int run_print(const PrintOptions& given) {
  auto db = open_existing(given.dir);
  PrintOptions o = given;
  canonical_class(*db, o.class_name);
  canonical_subject(*db, o.subject);
  canonical_student(*db, o.student);
  Status st = Status::ok();
  if (o.what == "gradebook") {
    st = print_gradebook(*db, o.class_name, o.subject, o.term, o.out);
  } else if (o.what == "transcript") {
    st = print_transcript(*db, o.class_name, o.student, o.out);
  } else {
    st = print_board(*db, o.class_name, o.term, o.out);
  }
  if (!st) return fail_status(st);
  const std::string what = o.what == "gradebook"    ? "sổ theo dõi " + (o.subject.empty() ? std::string("cả lớp") : "môn " + o.subject) + " " + o.term
                           : o.what == "transcript" ? "học bạ " + (o.student.empty() ? "cả lớp" : o.student)
                                                    : "bảng tổng hợp " + o.term;
  std::cout << "Đã in " << what << " lớp " << o.class_name << " ra " << o.out << "\n";
  return 0;
}

struct ArchiveOptions {
  std::string dir, class_name, term, out;
};

int run_archive(const ArchiveOptions& given) {
  auto db = open_existing(given.dir);
  ArchiveOptions o = given;
  canonical_class(*db, o.class_name);
  std::string summary;
  if (auto st = write_archive(*db, o.dir, o.class_name, o.term, o.out, summary); !st) return fail_status(st);
  std::cout << "Đã lưu trữ hồ sơ lớp " << o.class_name << " vào " << o.out << ": " << summary << "\n";
  return 0;
}

struct VerifyArchiveOptions {
  std::string dir;
};

int run_verify_archive(const VerifyArchiveOptions& o) {
  std::string summary;
  if (auto st = verify_archive(o.dir, summary); !st) {
    std::cerr << "sodiem-server: KHÔNG hợp lệ: " << st.message() << "\n";
    return 1;
  }
  std::cout << "Hợp lệ: " << summary << "\n";
  return 0;
}

}  // namespace

void add_archive_commands(CLI::App& app, Context& ctx) {
  auto [a, o] = add_command(app, ctx, "archive",
                            "Lưu trữ cuối năm của một lớp: hồ sơ đã phê duyệt, chữ ký số, các tệp PDF, nhật ký kiểm tra, "
                            "bản kê có chữ ký số",
                            run_archive);
  add_data_option(*a, o->dir);
  a->add_option("--class", o->class_name, "Lớp")->required();
  a->add_option("--term", o->term, "HK1 | HK2 (mặc định: mọi học kỳ đã phê duyệt)");
  a->add_option("OUT_DIR", o->out, "Thư mục mới để ghi vào")->required();
  auto [v, vo] = add_command(app, ctx, "verify-archive", "Kiểm tra một thư mục lưu trữ (không cần mạng)", run_verify_archive);
  v->add_option("DIR", vo->dir, "Thư mục lưu trữ")->required();
}

void add_print_command(CLI::App& app, Context& ctx) {
  auto [p, o] = add_command(app, ctx, "print", "In hồ sơ ra tệp PDF: gradebook (sổ điểm) | board (bảng tổng hợp) | transcript (học bạ)", run_print);
  add_choice(*p, "WHAT", o->what, {"gradebook", "board", "transcript"});
  add_data_option(*p, o->dir);
  p->add_option("--class", o->class_name, "Lớp")->required();
  p->add_option("--subject", o->subject, "Môn (cho gradebook; lớp tiểu học: bỏ trống để in mọi môn cùng phẩm chất, năng lực)");
  p->add_option("--term", o->term, "HK1 | HK2 | CN (gradebook: cả năm); mặc định HK1");
  p->add_option("--student", o->student, "Mã học sinh (cho transcript; mặc định: mọi học sinh của lớp)");
  p->add_option("OUT", o->out, "Tệp PDF cần ghi")->required();
}

}  // namespace sodiem::server::cli
