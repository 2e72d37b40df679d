// The shared steps of the scripted school years (issue 15: full_year_test
// for THCS, primary_year_test, thpt_year_test), on a LoopbackSchool from a
// plain init: setup from a shipped curriculum, people imported, signing
// keys and the sign chain, and the leadership's commands with the real
// sodiem-server binary (a term is locked by LoopbackSchool::freeze). Catch2
// checks inside; test thread only. Compiled into sync_tests and
// console_tests (SODIEM_SERVER_BIN).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "loopback_school.hpp"
#include "process.hpp"
#include "sodiem/client/actions.hpp"
#include "sodiem/protocol/messages.hpp"

namespace sodiem::testing {

// "2026-01-20T08:00" (local time) as Unix seconds.
std::int64_t local_time(const char* text);

// `n` school days (Monday to Saturday) from Monday 2026-02-02, as the homeroom's CC columns.
std::vector<std::string> school_days(int n);

// The shipped curriculum of `level` ("thcs", "thpt", "tieu-hoc") applied
// with the default calendar of `year` ("2025-2026"), as the administrator does.
void setup_from_defaults(LoopbackSchool& school, const std::string& level, const std::string& year);

// `import students` of `csv`; must succeed.
void import_students(LoopbackSchool& school, const std::string& csv);

// A class's subjects as the server has them, appended to `subjects`; the
// staff file's assignment of every one of them ("6A:Toán;6A:Ngữ văn;…").
std::string assign_all_subjects(LoopbackSchool& school, const std::string& class_name,
                                std::vector<protocol::SubjectInfo>& subjects);

// `import staff` of `csv`; must succeed. The new accounts join
// school.demo.accounts (their first password changed to "mật khẩu mới USER").
void import_staff(LoopbackSchool& school, const std::string& csv);

// Signing keys of the people who sign, and their signatures of `term`'s
// board, each synced as the client does.
class Signers {
 public:
  explicit Signers(LoopbackSchool& school);
  // Creates `who`'s key (password "mật khẩu ký của WHO") and syncs it.
  void add(const std::string& who);
  // `who` signs `step` ("subject", "class", "review", "approve") of `cls`'s `term` board.
  Result<client::Signed> sign(const std::string& who, const std::string& step, const std::string& cls,
                                   const std::string& term, const std::string& subject = "");

 private:
  LoopbackSchool& school_;
  std::string keys_;
};

// The leadership's command on the server's data directory (or `dir`), with
// the real sodiem-server binary; every command but `outcomes` in maintenance.
CommandResult leadership(LoopbackSchool& school, std::vector<std::string> args, const std::string& dir = "");

}  // namespace sodiem::testing
