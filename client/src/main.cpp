// sodiem: the teacher's client. Thin: parses arguments and runs a command.
#include <CLI/CLI.hpp>
#include <iostream>

#include "sodiem/cli/vietnamese.hpp"
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
  CLI::App app{"sodiem — sổ điểm của giáo viên, dùng được cả khi không có mạng"};
  app.require_subcommand(1);
  std::string dir, server, user, fingerprint, device_name = "may-giao-vien";
  std::string cls, subject, student, column, value;
  bool password_stdin = false, as_json = false;
  SyncOptions sync_options;

  auto* enroll = app.add_subcommand("enroll", "Đăng ký máy này với máy chủ của trường");
  enroll->add_option("--data", dir, "Thư mục lưu dữ liệu sổ điểm trên máy này")->required();
  enroll->add_option("--server", server, "Địa chỉ máy chủ của trường: wss://MÁY_CHỦ:CỔNG")->required();
  enroll->add_option("--user", user, "Tên đăng nhập")->required();
  enroll->add_flag("--password-stdin", password_stdin, "Đọc mật khẩu từ đầu vào chuẩn")->required();
  enroll->add_option("--fingerprint", fingerprint, "Dấu vân tay SHA-256 của chứng chỉ máy chủ (dạng hex)");
  enroll->add_option("--device-name", device_name, "Tên đặt cho máy này");
  bool new_password_stdin = false;
  enroll->add_flag("--new-password-stdin", new_password_stdin,
                   "Đọc thêm mật khẩu mới ở dòng thứ hai (bắt buộc khi đăng nhập lần đầu bằng mật khẩu được cấp)");

  auto* set = app.add_subcommand("set", "Ghi một ô điểm (được cả khi không có mạng)");
  set->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  set->add_option("CLASS", cls, "Lớp, ví dụ 6A")->required();
  set->add_option("SUBJECT", subject, "Môn, ví dụ Toán")->required();
  set->add_option("STUDENT_CODE", student, "Mã học sinh, ví dụ HS6A01")->required();
  set->add_option("COLUMN", column, "Cột điểm: HK1.TX1..HK1.TX4, HK1.GK, HK1.CK, HK2...")->required();
  set->add_option("VALUE", value, "Điểm 0–10 (một chữ số thập phân), Đ/CĐ cho môn đánh giá bằng nhận xét, \"\" để xóa")->required();

  auto* sync = app.add_subcommand("sync", "Đồng bộ: gửi lên máy chủ mọi điểm đã ghi, nhận về mọi thay đổi mới");
  sync->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  sync->add_flag("--json", as_json, "In kết quả dạng JSON (cho máy đọc)");
  sync->add_option("--max-attempts", sync_options.max_attempts, "Số lần thử kết nối trước khi dừng")
      ->check(CLI::Range(1, 1000));

  auto* status = app.add_subcommand("status", "Các thay đổi đang chờ gửi, bị từ chối hoặc đang xung đột");
  status->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  status->add_flag("--json", as_json, "In kết quả dạng JSON (cho máy đọc)");

  auto* show = app.add_subcommand("show", "Xem các ô điểm của một lớp, một môn");
  show->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  show->add_option("CLASS", cls, "Lớp, ví dụ 6A")->required();
  show->add_option("SUBJECT", subject, "Môn, ví dụ Toán")->required();
  show->add_flag("--json", as_json, "In kết quả dạng JSON (cho máy đọc)");

  std::string reason;
  auto* correction = app.add_subcommand("correction", "Yêu cầu điều chỉnh điểm sau khi khóa sổ");
  correction->require_subcommand(1);
  auto* creq = correction->add_subcommand("request", "Đề nghị ban giám hiệu sửa một ô điểm đã khóa sổ");
  creq->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  std::uint64_t from_inbox = 0;
  creq->add_option("CLASS", cls, "Lớp, ví dụ 6A");
  creq->add_option("SUBJECT", subject, "Môn, ví dụ Toán");
  creq->add_option("STUDENT_CODE", student, "Mã học sinh, ví dụ HS6A01");
  creq->add_option("COLUMN", column, "Cột điểm, ví dụ HK1.TX1");
  creq->add_option("NEW_VALUE", value, "Giá trị mới đề nghị");
  creq->add_option("--from-inbox", from_inbox, "Dùng một thay đổi bị từ chối trong `sodiem inbox` (theo số #)");
  creq->add_option("--reason", reason, "Lý do cần sửa điểm")->required();

  auto* clist = correction->add_subcommand("list", "Các yêu cầu điều chỉnh tính đến lần đồng bộ gần nhất (HT/PHT: tất cả; giáo viên: của mình)");
  clist->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  clist->add_flag("--json", as_json, "In kết quả dạng JSON (cho máy đọc)");
  std::uint64_t correction_id = 0;
  std::string comment;
  auto* capprove =
      correction->add_subcommand("approve", "HT (hoặc PHT được ủy quyền): phê duyệt một yêu cầu (ô điểm có phiên bản mới)");
  capprove->add_option("ID", correction_id, "Số # của yêu cầu (xem sodiem correction list)")->required();
  capprove->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  capprove->add_option("--comment", comment, "Ghi chú gửi giáo viên");
  auto* crefuse = correction->add_subcommand("refuse", "HT (hoặc PHT được ủy quyền): từ chối một yêu cầu, kèm lý do");
  crefuse->add_option("ID", correction_id, "Số # của yêu cầu (xem sodiem correction list)")->required();
  crefuse->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  crefuse->add_option("--comment", comment, "Lý do từ chối")->required();

  std::string step, term;
  auto* key = app.add_subcommand("key", "Khóa chữ ký số của bạn");
  key->require_subcommand(1);
  auto* key_init = key->add_subcommand("init", "Tạo khóa ký số Ed25519 trên máy này và đăng ký khóa công khai với máy chủ");
  key_init->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  key_init->add_flag("--passphrase-stdin", password_stdin, "Đọc mật khẩu của khóa ký số từ đầu vào chuẩn")->required();

  auto* sign = app.add_subcommand("sign", "Ký xác nhận một bước: subject (môn) | class (lớp) | review (kiểm tra) | approve (phê duyệt)");
  sign->add_option("STEP", step, "Bước ký")
      ->required()
      ->check(CLI::IsMember({"subject", "class", "review", "approve"}));
  sign->add_option("CLASS", cls, "Lớp, ví dụ 6A")->required();
  sign->add_option("TERM", term, "HK1 | HK2")->required();
  sign->add_option("--subject", subject, "Môn học (cho bước subject)");
  sign->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  sign->add_flag("--passphrase-stdin", password_stdin, "Đọc mật khẩu của khóa ký số từ đầu vào chuẩn")->required();

  auto* board = app.add_subcommand("board", "Bảng tổng hợp của lớp sẽ được ký: kết quả và các ô bắt buộc còn trống");
  board->add_option("--data", dir)->required();
  board->add_option("CLASS", cls)->required();
  board->add_option("TERM", term, "HK1 | HK2 | CN (cả năm)")->required();
  board->add_flag("--json", as_json);

  auto* conflicts = app.add_subcommand("conflicts", "Các xung đột liên quan đến bạn; chọn một giá trị để giải quyết");
  conflicts->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  conflicts->add_flag("--json", as_json, "In kết quả dạng JSON (cho máy đọc)");
  auto* resolve = conflicts->add_subcommand("resolve", "Chọn giá trị cho một ô điểm đang xung đột (tạo phiên bản mới)");
  resolve->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  resolve->add_option("CLASS", cls, "Lớp, ví dụ 6A")->required();
  resolve->add_option("SUBJECT", subject, "Môn, ví dụ Toán")->required();
  resolve->add_option("STUDENT_CODE", student, "Mã học sinh, ví dụ HS6A01")->required();
  resolve->add_option("COLUMN", column, "Cột điểm, ví dụ HK1.TX1")->required();
  resolve->add_option("VALUE", value, "Giá trị chọn")->required();
  resolve->add_option("--note", reason, "Lý do chọn giá trị này");

  auto* history = app.add_subcommand("history", "Toàn bộ lịch sử một ô điểm trên máy chủ: ai, lúc nào, máy nào, cũ → mới, lý do");
  history->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  history->add_option("CLASS", cls, "Lớp, ví dụ 6A")->required();
  history->add_option("SUBJECT", subject, "Môn, ví dụ Toán")->required();
  history->add_option("STUDENT_CODE", student, "Mã học sinh, ví dụ HS6A01")->required();
  history->add_option("COLUMN", column, "Cột điểm, ví dụ HK1.TX1")->required();
  history->add_flag("--json", as_json, "In kết quả dạng JSON (cho máy đọc)");

  auto* inbox = app.add_subcommand("inbox", "Hộp thư: các thay đổi máy chủ từ chối (kèm lý do) và các xung đột liên quan đến bạn");
  inbox->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  inbox->add_flag("--json", as_json, "In kết quả dạng JSON (cho máy đọc)");

  auto* password = app.add_subcommand("password", "Đổi mật khẩu (cần có mạng): mật khẩu hiện tại và mật khẩu mới ở đầu vào chuẩn");
  password->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  password->add_flag("--password-stdin", password_stdin, "Dòng 1: mật khẩu hiện tại, dòng 2: mật khẩu mới")->required();

  std::string listen;
  bool no_browser = false;
  auto* ui = app.add_subcommand("ui", "Sổ điểm trong trình duyệt: bảng điểm, hộp thư, chủ nhiệm, ký xác nhận");
  ui->add_option("--data", dir, "Thư mục dữ liệu sổ điểm trên máy này (như khi enroll)")->required();
  ui->add_option("--listen", listen, "127.0.0.1:CỔNG (mặc định: một cổng còn trống)");
  ui->add_flag("--no-browser", no_browser, "Chỉ in địa chỉ, không mở trình duyệt");

  auto* grading = app.add_subcommand("grading", "Tính điểm trung bình, xếp loại theo quy định (TT22, TT27)");
  grading->require_subcommand(1);
  auto* eval = grading->add_subcommand("eval", "Một yêu cầu JSON ở đầu vào chuẩn, một câu trả lời JSON ở đầu ra chuẩn");

  sodiem::cli::vietnamize(app, "sodiem");  // after every subcommand: help and errors in Vietnamese
  if (const auto code = sodiem::cli::parse(app, argc, argv)) return *code;
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
        std::cerr << "sodiem: không có mật khẩu trên đầu vào chuẩn\n";
        return 2;
      }
      std::string new_password;
      if (new_password_stdin) {
        std::getline(std::cin, new_password);
        if (new_password.empty()) {
          std::cerr << "sodiem: không có mật khẩu mới ở dòng thứ hai của đầu vào chuẩn\n";
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
