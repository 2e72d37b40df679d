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

int run_print(const PrintOptions& o) {
  auto db = open_existing(o.dir);
  Status st = Status::ok();
  if (o.what == "gradebook") {
    if (o.subject.empty()) return fail_status(Status(ErrorCode::kInvalidValue, "sổ theo dõi cần --subject (môn học)"));
    st = print_gradebook(*db, o.class_name, o.subject, o.term, o.out);
  } else if (o.what == "transcript") {
    st = print_transcript(*db, o.class_name, o.student, o.out);
  } else {
    st = print_board(*db, o.class_name, o.term, o.out);
  }
  if (!st) return fail_status(st);
  const std::string what = o.what == "gradebook"    ? "sổ theo dõi môn " + o.subject + " " + o.term
                           : o.what == "transcript" ? "học bạ " + (o.student.empty() ? "cả lớp" : o.student)
                                                    : "bảng tổng hợp " + o.term;
  std::cout << "Đã in " << what << " lớp " << o.class_name << " ra " << o.out << "\n";
  return 0;
}

struct ArchiveOptions {
  std::string dir, class_name, term, out;
};

int run_archive(const ArchiveOptions& o) {
  auto db = open_existing(o.dir);
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
                            "Year-end archive of a class: approved records, signatures, PDFs, the audit chain, a signed "
                            "manifest",
                            run_archive);
  add_data_option(*a, o->dir);
  a->add_option("--class", o->class_name, "Class")->required();
  a->add_option("--term", o->term, "HK1 | HK2 (default: every approved term)");
  a->add_option("OUT_DIR", o->out, "A new folder to write")->required();
  auto [v, vo] = add_command(app, ctx, "verify-archive", "Check an archive folder offline", run_verify_archive);
  v->add_option("DIR", vo->dir, "The archive folder")->required();
}

void add_print_command(CLI::App& app, Context& ctx) {
  auto [p, o] = add_command(app, ctx, "print", "Printed records as PDF: gradebook | board | transcript", run_print);
  add_choice(*p, "WHAT", o->what, {"gradebook", "board", "transcript"});
  add_data_option(*p, o->dir);
  p->add_option("--class", o->class_name, "Class")->required();
  p->add_option("--subject", o->subject, "Subject (gradebook)");
  p->add_option("--term", o->term, "HK1 | HK2 | CN (gradebook: the year); default HK1");
  p->add_option("--student", o->student, "Student code (transcript; default: every student of the class)");
  p->add_option("OUT", o->out, "The PDF file to write")->required();
}

}  // namespace sodiem::server::cli
