// sodiem: the teacher's client. Thin: parses arguments and runs a command.
#include <CLI/CLI.hpp>
#include <iostream>

#include "sodiem/client/commands.hpp"
#include "sodiem/core/file_guard.hpp"
#include "sodiem/core/grading_eval.hpp"

using namespace sodiem::client;

int main(int argc, char** argv) {
  sodiem::restrict_new_files();  // client.db holds the device token: this user's alone
  if (auto problem = sodiem::argument_problem(argc, argv)) {
    std::cerr << "sodiem: " << *problem << "\n";
    return 2;
  }
  CLI::App app{"sodiem — sổ điểm của giáo viên, dùng được khi không có mạng (teacher's offline grade book)"};
  app.require_subcommand(1);
  std::string dir, server, user, fingerprint, device_name = "may-giao-vien";
  std::string cls, subject, student, column, value;
  bool password_stdin = false, as_json = false;
  SyncOptions sync_options;

  auto* enroll = app.add_subcommand("enroll", "Register this device with the school server");
  enroll->add_option("--data", dir, "Directory for this client's state")->required();
  enroll->add_option("--server", server, "wss://HOST:PORT")->required();
  enroll->add_option("--user", user, "Username")->required();
  enroll->add_flag("--password-stdin", password_stdin, "Read the password from standard input")->required();
  enroll->add_option("--fingerprint", fingerprint, "SHA-256 fingerprint of the server certificate (hex)");
  enroll->add_option("--device-name", device_name, "A name for this device");
  bool new_password_stdin = false;
  enroll->add_flag("--new-password-stdin", new_password_stdin,
                   "Also read a new password from the second line (required at first login with an issued password)");

  auto* set = app.add_subcommand("set", "Record one cell (works offline)");
  set->add_option("--data", dir)->required();
  set->add_option("CLASS", cls)->required();
  set->add_option("SUBJECT", subject)->required();
  set->add_option("STUDENT_CODE", student)->required();
  set->add_option("COLUMN", column, "HK1.TX1..HK1.TX4, HK1.GK, HK1.CK, HK2...")->required();
  set->add_option("VALUE", value, "A mark 0-10 (one decimal), Đ/CĐ for comment subjects, \"\" to clear")->required();

  auto* sync = app.add_subcommand("sync", "Push everything recorded, pull everything new");
  sync->add_option("--data", dir)->required();
  sync->add_flag("--json", as_json);
  sync->add_option("--max-attempts", sync_options.max_attempts, "Connection attempts before giving up")
      ->check(CLI::Range(1, 1000));

  auto* status = app.add_subcommand("status", "Pending, rejected and conflicting changes");
  status->add_option("--data", dir)->required();
  status->add_flag("--json", as_json);

  auto* show = app.add_subcommand("show", "The cells of a class and subject");
  show->add_option("--data", dir)->required();
  show->add_option("CLASS", cls)->required();
  show->add_option("SUBJECT", subject)->required();
  show->add_flag("--json", as_json);

  std::string reason;
  auto* correction = app.add_subcommand("correction", "Correction requests after a lock");
  correction->require_subcommand(1);
  auto* creq = correction->add_subcommand("request", "Ask the leadership to change a locked cell");
  creq->add_option("--data", dir)->required();
  std::uint64_t from_inbox = 0;
  creq->add_option("CLASS", cls);
  creq->add_option("SUBJECT", subject);
  creq->add_option("STUDENT_CODE", student);
  creq->add_option("COLUMN", column);
  creq->add_option("NEW_VALUE", value);
  creq->add_option("--from-inbox", from_inbox, "Use a refused change from `sodiem inbox` (its #number)");
  creq->add_option("--reason", reason, "Why the value must change")->required();

  auto* clist = correction->add_subcommand("list", "Correction requests as of the last sync (HT/PHT: all; others: your own)");
  clist->add_option("--data", dir)->required();
  clist->add_flag("--json", as_json);
  std::uint64_t correction_id = 0;
  std::string comment;
  auto* capprove =
      correction->add_subcommand("approve", "HT (or a delegated PHT): approve a request (a new version of the cell)");
  capprove->add_option("ID", correction_id, "The request's #number (sodiem correction list)")->required();
  capprove->add_option("--data", dir)->required();
  capprove->add_option("--comment", comment, "Comment for the teacher");
  auto* crefuse = correction->add_subcommand("refuse", "HT (or a delegated PHT): refuse a request, with the reason");
  crefuse->add_option("ID", correction_id, "The request's #number (sodiem correction list)")->required();
  crefuse->add_option("--data", dir)->required();
  crefuse->add_option("--comment", comment, "Why it is refused")->required();

  std::string step, term;
  auto* key = app.add_subcommand("key", "Your digital-signature key (ký số)");
  key->require_subcommand(1);
  auto* key_init = key->add_subcommand("init", "Create an Ed25519 key on this device and register its public key");
  key_init->add_option("--data", dir)->required();
  key_init->add_flag("--passphrase-stdin", password_stdin, "Read the key's passphrase from standard input")->required();

  auto* sign = app.add_subcommand("sign", "Sign a confirmation step: subject | class | review | approve");
  sign->add_option("STEP", step)->required()->check(CLI::IsMember({"subject", "class", "review", "approve"}));
  sign->add_option("CLASS", cls)->required();
  sign->add_option("TERM", term, "HK1 | HK2")->required();
  sign->add_option("--subject", subject, "For the subject step");
  sign->add_option("--data", dir)->required();
  sign->add_flag("--passphrase-stdin", password_stdin, "Read the key's passphrase from standard input")->required();

  auto* board = app.add_subcommand("board", "Bảng tổng hợp của lớp sẽ được ký: kết quả và các ô bắt buộc còn trống");
  board->add_option("--data", dir)->required();
  board->add_option("CLASS", cls)->required();
  board->add_option("TERM", term, "HK1 | HK2 | CN (cả năm)")->required();
  board->add_flag("--json", as_json);

  auto* conflicts = app.add_subcommand("conflicts", "Conflicts you are party to; resolve one with a chosen value");
  conflicts->add_option("--data", dir)->required();
  conflicts->add_flag("--json", as_json);
  auto* resolve = conflicts->add_subcommand("resolve", "Choose the value of a conflicting cell (a new version)");
  resolve->add_option("--data", dir)->required();
  resolve->add_option("CLASS", cls)->required();
  resolve->add_option("SUBJECT", subject)->required();
  resolve->add_option("STUDENT_CODE", student)->required();
  resolve->add_option("COLUMN", column)->required();
  resolve->add_option("VALUE", value)->required();
  resolve->add_option("--note", reason, "Why this value");

  auto* history = app.add_subcommand("history", "A cell's full story from the server: who, when, device, old → new, why");
  history->add_option("--data", dir)->required();
  history->add_option("CLASS", cls)->required();
  history->add_option("SUBJECT", subject)->required();
  history->add_option("STUDENT_CODE", student)->required();
  history->add_option("COLUMN", column)->required();
  history->add_flag("--json", as_json);

  auto* inbox = app.add_subcommand("inbox", "Changes the server refused (with why) and conflicts you are party to");
  inbox->add_option("--data", dir)->required();
  inbox->add_flag("--json", as_json);

  auto* password = app.add_subcommand("password", "Change your password (online): current and new on standard input");
  password->add_option("--data", dir)->required();
  password->add_flag("--password-stdin", password_stdin, "Line 1: current password, line 2: new password")->required();

  std::string listen;
  bool no_browser = false;
  auto* ui = app.add_subcommand("ui", "Sổ điểm trong trình duyệt: bảng điểm, hộp thư, chủ nhiệm, ký xác nhận");
  ui->add_option("--data", dir)->required();
  ui->add_option("--listen", listen, "127.0.0.1:PORT (default: a free port)");
  ui->add_flag("--no-browser", no_browser, "Only print the address; do not open a browser");

  auto* grading = app.add_subcommand("grading", "Grading calculator (TT22, TT27)");
  grading->require_subcommand(1);
  auto* eval = grading->add_subcommand("eval", "One JSON request on stdin, one JSON answer on stdout");

  CLI11_PARSE(app, argc, argv);
  if (*eval) {
    std::string request((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    auto answer = sodiem::grading::eval_json(request);
    (answer.ok ? std::cout : std::cerr) << answer.json << "\n";
    if (!answer.ok) std::cout << answer.json << "\n";
    return answer.ok ? 0 : 2;
  }
  try {
    if (*enroll) {
      std::string password;
      std::getline(std::cin, password);
      if (password.empty()) {
        std::cerr << "sodiem: no password on standard input\n";
        return 2;
      }
      std::string new_password;
      if (new_password_stdin) {
        std::getline(std::cin, new_password);
        if (new_password.empty()) {
          std::cerr << "sodiem: no new password on the second line of standard input\n";
          return 2;
        }
      }
      return cmd_enroll(dir, server, user, password, fingerprint, device_name, new_password);
    }
    if (*set) return cmd_set(dir, cls, subject, student, column, value);
    if (*sync) return cmd_sync(dir, as_json, sync_options);
    if (*ui) return cmd_ui(dir, listen, !no_browser);
    if (*status) return cmd_status(dir, as_json);
    if (*show) return cmd_show(dir, cls, subject, as_json);
    if (*board) return cmd_board(dir, cls, term, as_json);
    if (*inbox) return cmd_inbox(dir, as_json);
    if (*password) {
      std::string current, next;
      std::getline(std::cin, current);
      std::getline(std::cin, next);
      if (current.empty() || next.empty()) {
        std::cerr << "sodiem: cần hai dòng trên đầu vào chuẩn: mật khẩu hiện tại, mật khẩu mới\n";
        return 2;
      }
      return cmd_password(dir, current, next);
    }
    if (*history) return cmd_history(dir, {cls, subject, student, column}, as_json);
    if (*resolve) return cmd_resolve(dir, cls, subject, student, column, value, reason);
    if (*conflicts) return cmd_conflicts(dir, as_json);
    if (*key_init || *sign) {
      std::string passphrase;
      std::getline(std::cin, passphrase);
      if (*key_init) return cmd_key_init(dir, passphrase);
      return cmd_sign(dir, step, cls, term, subject, passphrase);
    }
    if (*clist) return cmd_correction_list(dir, as_json);
    if (*capprove || *crefuse) return cmd_correction_decide(dir, correction_id, static_cast<bool>(*capprove), comment);
    if (*creq) {
      if (from_inbox) return cmd_correction_from_inbox(dir, from_inbox, reason);
      if (cls.empty() || subject.empty() || student.empty() || column.empty() || value.empty()) {
        std::cerr << "sodiem: cần CLASS SUBJECT STUDENT_CODE COLUMN NEW_VALUE, hoặc --from-inbox SỐ\n";
        return 2;
      }
      return cmd_correction_request(dir, cls, subject, student, column, value, reason);
    }
  } catch (const std::exception& e) {
    std::cerr << "sodiem: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
