// Signing-key creation and confirmation signatures (see actions.hpp).
#include "sodiem/client/actions.hpp"

#include <filesystem>
#include <map>

#include "sodiem/client/sync_engine.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/net/tls.hpp"

namespace sodiem::client {

Status enroll_device(LocalStore& store, const std::string& server, const std::string& fingerprint,
                     const std::string& user, const std::string& password, const std::string& device_name,
                     const std::string& new_password) {
  // A closed year's copy is never enrolled again (it keeps its enrollment).
  if (auto st = store.closed_year_refusal(); !st) return st;
  if (store.enrollment())
    return Status(ErrorCode::kInvalidValue, "thư mục này đã được đăng ký; dùng một thư mục khác cho thiết bị mới");
  const std::string pinned = net::normalize_fingerprint(fingerprint);
  if (!fingerprint.empty() && pinned.size() != 64)
    return Status(ErrorCode::kInvalidValue, "vân tay chứng chỉ phải là 64 chữ số hex (SHA-256)");
  if (server.rfind("wss://", 0) != 0)
    return Status(ErrorCode::kInvalidValue, "địa chỉ máy chủ phải có dạng wss://MÁY:CỔNG");
  Endpoint endpoint{.url = server, .fingerprint = pinned};
  auto transport = make_wss_transport(endpoint);
  auto st = enroll(store, *transport, endpoint, user, password, device_name, new_password);
  if (!st) store.db().exec("DELETE FROM meta");
  return st;
}

std::string signing_key_path(const std::string& dir) { return dir + "/signing-key.pem"; }

bool has_signing_key(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::exists(signing_key_path(dir), ec);
}

Result<KeyCreated> create_signing_key(LocalStore& store, const std::string& dir, const std::string& passphrase) {
  if (auto st = store.closed_year_refusal(); !st) return st;
  auto key = signing::Ed25519KeyFile::create(signing_key_path(dir), passphrase);
  if (!key) return Status(ErrorCode::kInvalidValue, "không tạo được khóa ký: " + key.status().message());
  protocol::Op op;
  op.kind = protocol::OpKind::kRegisterKey;
  op.value = (*key)->public_key_hex();
  KeyCreated out;
  out.public_key = op.value;
  out.seq = store.queue_op(op);
  return out;
}

Result<Signed> sign_step(LocalStore& store, const std::string& dir, const std::string& step,
                         const std::string& typed_class, const std::string& typed_term, const std::string& typed_subject,
                         const std::string& passphrase, const SyncNow& sync) {
  // The class and subject as the roster spells them, however typed ("1a",
  // "toán", decomposed Unicode), as for marks: the server signs its names.
  auto names = store.canonical_cell({typed_class, typed_subject, "", ""});
  if (!names) return names.status();
  const std::string& class_name = names->class_name;
  const std::string subject = typed_subject.empty() ? "" : names->subject;
  std::string term = typed_term;
  for (char& c : term) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if ((step == "subject") == subject.empty())
    return Status(ErrorCode::kInvalidValue,
                  step == "subject" ? "bước subject cần --subject MÔN" : "chỉ bước subject mới có --subject");
  // An archived year's copy signs nothing (nor syncs for it), and a device
  // without the whole class cannot check its board (board_report.hpp).
  if (const auto year = store.archived_year(); !year.empty())
    return Status(ErrorCode::kInvalidValue, "đây là bản lưu của năm học " + year +
                                                ": năm học đã kết thúc và được lưu trữ, không thể ký xác nhận gì ở đây");
  if (step != "subject" && !store.sees_whole_class(class_name))
    return Status(ErrorCode::kForbidden, "máy này chỉ có các môn của bạn, không phải cả lớp " + class_name +
                                             ": bảng tổng hợp của lớp do giáo viên chủ nhiệm và ban giám hiệu ký");
  auto key = signing::Ed25519KeyFile::load(signing_key_path(dir), passphrase);
  if (!key) return key.status();
  // Sign exactly what the server holds: deliver and fetch everything first.
  if (auto st = sync(); !st) return Status(ErrorCode::kUnavailable, "cần kết nối máy chủ để ký: " + st.message());
  if (step == "subject") {
    // Every required cell of every student first (TT22 Điều 7), as the server checks.
    const auto info = store.subject(subject, class_name);
    if (!info) return Status(ErrorCode::kInvalidValue, "môn \"" + subject + "\" không có trong danh sách môn học");
    std::vector<std::pair<std::string, std::map<std::string, std::string>>> students;
    for (const auto& st : store.show(class_name, subject))
      students.emplace_back(st.code, std::map<std::string, std::string>(st.cells.begin(), st.cells.end()));
    const auto missing = board::missing_cells(*info, term, students);
    if (!missing.empty())
      return Status(ErrorCode::kInvalidValue,
                    board::missing_cells_text("môn " + subject + " lớp " + class_name + " " + term, missing));
  } else {
    // The class board: every assigned subject's required cells and the
    // conduct of every student, as the server checks (sodiem board shows them).
    const auto missing = board::missing_cells(store.class_book(class_name), term);
    if (!missing.empty())
      return Status(ErrorCode::kInvalidValue,
                    board::missing_cells_text("lớp " + class_name + " " + term, missing, true));
  }
  auto document = store.confirmation_document(class_name, subject, term, step);
  if (!document) return document.status();
  Signed out;
  out.digest = signing::digest_hex(*document);
  auto signature = (*key)->sign(out.digest);
  if (!signature) return Status(ErrorCode::kInternal, signature.status().message());
  protocol::Op op;
  op.kind = protocol::OpKind::kConfirm;
  op.cell = {class_name, subject, step, term};
  op.value = out.digest;
  op.note = *signature;
  const auto seq = store.queue_op(op);
  if (auto st = sync(); !st)
    return Status(ErrorCode::kUnavailable,
                  "chưa gửi được chữ ký (" + st.message() + "); chữ ký sẽ được gửi ở lần đồng bộ sau");
  auto [code, reason] = store.outcome(seq);
  if (code != "OK")
    return Status(code == "FORBIDDEN" ? ErrorCode::kForbidden : ErrorCode::kInternal,
                  "máy chủ không nhận chữ ký (" + code + "): " + reason);
  out.message = reason;
  return out;
}

}  // namespace sodiem::client
