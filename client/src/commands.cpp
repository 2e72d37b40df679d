#include "sodiem/client/commands.hpp"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "sodiem/client/actions.hpp"
#include "sodiem/client/audit_watch.hpp"
#include "sodiem/client/board_report.hpp"
#include "sodiem/client/cell_states.hpp"
#include "sodiem/client/grade_book.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/core/grading.hpp"
#include "sodiem/core/history_text.hpp"
#include "sodiem/core/mark.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/net/tls.hpp"

namespace sodiem::client {

using nlohmann::json;

namespace {

int fail(const std::string& message, int code = 1) {
  std::cerr << "sodiem: " << message << "\n";
  return code;
}

int exit_code_for(const Status& st) {
  switch (st.code()) {
    case ErrorCode::kInvalidValue:
    case ErrorCode::kForbidden: return 2;
    case ErrorCode::kUnauthenticated: return 3;
    case ErrorCode::kUnavailable: return 4;
    case ErrorCode::kAuditMismatch: return 5;
    default: return 1;
  }
}

std::unique_ptr<LocalStore> open_enrolled(const std::string& dir) {
  if (!LocalStore::exists(dir)) return nullptr;
  auto store = std::make_unique<LocalStore>(dir);
  if (!store->enrollment()) return nullptr;
  return store;
}

const char* kNotEnrolled = "thư mục dữ liệu chưa được đăng ký với máy chủ: chạy `sodiem enroll --data DIR ...` trước";

}  // namespace

int cmd_enroll(const std::string& dir, const std::string& server, const std::string& user,
               const std::string& password, const std::string& fingerprint, const std::string& device_name,
               const std::string& new_password) {
  if (LocalStore::exists(dir)) {
    LocalStore existing(dir);
    if (auto st = existing.closed_year_refusal(); !st) return fail("không đăng ký được: " + st.message(), 2);
    if (existing.enrollment()) return fail("thư mục " + dir + " đã được đăng ký; dùng một thư mục khác cho thiết bị mới");
  }
  // Enroll into memory first: a failed enrollment leaves no half-made state.
  LocalStore store(dir);
  auto st = enroll_device(store, server, fingerprint, user, password, device_name, new_password);
  if (!st) {
    if (st.code() == ErrorCode::kPasswordChangeRequired)
      return fail("đăng ký thất bại: " + st.message() +
                      ". Chạy lại với --new-password-stdin (dòng 1: mật khẩu được cấp, dòng 2: mật khẩu mới, ít nhất 8 ký tự)",
                  3);
    return fail("đăng ký thất bại: " + st.message(), exit_code_for(st));
  }
  auto e = store.enrollment();
  std::cout << "Đã đăng ký thiết bị " << e->device_id << " cho " << e->username << " với " << server << "\n";
  if (!new_password.empty()) std::cout << "Đã đổi mật khẩu; từ nay dùng mật khẩu mới.\n";
  if (fingerprint.empty())
    std::cout << "Cảnh báo: chưa kiểm tra vân tay; đã ghi nhận " << e->fingerprint
              << " — hãy so với vân tay do quản trị viên cung cấp.\n";
  return 0;
}

int cmd_set(const std::string& dir, const std::string& class_name, const std::string& subject,
            const std::string& student, const std::string& column, const std::string& value) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  auto op = store->record({class_name, subject, student, column}, value);
  if (!op) return fail("không ghi được: " + op.status().message(), exit_code_for(op.status()));
  std::cout << "Đã ghi " << class_name << " · " << subject << " · " << student << " · " << column << " = "
            << (op->value.empty() ? "(xóa)" : op->value) << " (chờ đồng bộ, #" << op->seq << ")\n";
  return 0;
}

int cmd_sync(const std::string& dir, bool as_json, const SyncOptions& options) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  // A closed year's copy: said as it is (SyncEngine refuses it too), not as a failed sync.
  if (auto st = store->closed_year_refusal(); !st) return fail("không đồng bộ: " + st.message(), exit_code_for(st));
  auto e = store->enrollment();
  SyncEngine engine(*store, [&] { return make_wss_transport({.url = e->server_url, .fingerprint = e->fingerprint}); }, options);
  auto report = engine.sync();
  if (!report) {
    const auto status = store->status();
    return fail("đồng bộ thất bại: " + report.status().message() + " (còn " + std::to_string(status.pending) +
                    " thao tác chờ gửi; dữ liệu vẫn an toàn trên máy)",
                exit_code_for(report.status()));
  }
  if (as_json) {
    std::cout << json{{"pushed", report->pushed},
                      {"pulled", report->pulled},
                      {"rejected", report->rejected},
                      {"conflicts", report->conflicts},
                      {"bytes_sent", report->bytes_sent},
                      {"bytes_received", report->bytes_received},
                      {"round_trips", report->round_trips}}
                     .dump()
              << "\n";
  } else {
    std::cout << "Đồng bộ xong: gửi " << report->pushed << ", nhận " << report->pulled << ", bị từ chối "
              << report->rejected << ", xung đột " << report->conflicts << "\n";
  }
  return 0;
}

int cmd_status(const std::string& dir, bool as_json) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  auto s = store->status();
  // A rewritten audit trail found at a sync is said at every status too.
  const std::string audit_alarm = AuditWatch(store->db()).alarm();
  if (as_json) {
    json out{{"pending", s.pending},
             {"rejected", s.rejected},
             {"conflicts", s.conflicts},
             {"last_sync", s.last_sync ? json(iso8601_utc(*s.last_sync)) : json(nullptr)}};
    if (!audit_alarm.empty()) out["audit_alarm"] = audit_alarm;
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "Chờ gửi: " << s.pending << "\nBị từ chối: " << s.rejected << "\nXung đột: " << s.conflicts
              << "\nĐồng bộ lần cuối: " << (s.last_sync ? format_local_time(*s.last_sync) : "chưa") << "\n";
    if (!audit_alarm.empty()) std::cout << audit_alarm << "\n";
  }
  return audit_alarm.empty() ? 0 : 5;
}

int cmd_correction_request(const std::string& dir, const std::string& class_name, const std::string& subject,
                           const std::string& student, const std::string& column, const std::string& value,
                           const std::string& reason) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  auto op = store->request_correction({class_name, subject, student, column}, value, reason);
  if (!op) return fail("không tạo được yêu cầu điều chỉnh: " + op.status().message(), exit_code_for(op.status()));
  std::cout << "Đã lập yêu cầu điều chỉnh " << class_name << " · " << subject << " · " << student << " · " << column
            << " → " << op->value << " (gửi khi đồng bộ, #" << op->seq << ")\n";
  return 0;
}

namespace {
// Syncs quietly; returns the failure message, or "" on success.
std::string quiet_sync(LocalStore& store) {
  auto e = store.enrollment();
  SyncEngine engine(store, [&] { return make_wss_transport({.url = e->server_url, .fingerprint = e->fingerprint}); });
  auto r = engine.sync();
  return r ? std::string() : r.status().message();
}
SyncNow sync_in_place(LocalStore& store) {
  return [&store]() -> Status {
    auto err = quiet_sync(store);
    return err.empty() ? Status::ok() : Status(ErrorCode::kUnavailable, err);
  };
}
}  // namespace

int cmd_key_init(const std::string& dir, const std::string& passphrase) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  auto key = create_signing_key(*store, dir, passphrase);
  if (!key) return fail(key.status().message(), 2);
  std::cout << "Đã tạo khóa ký số trong " << signing_key_path(dir)
            << " (được bảo vệ bằng mật khẩu; không rời khỏi máy này)\n"
            << "Khóa công khai: " << key->public_key << "\n";
  if (auto err = quiet_sync(*store); !err.empty()) {
    std::cout << "Chưa gửi được khóa công khai lên máy chủ (" << err << "); sẽ gửi ở lần đồng bộ sau.\n";
    return 0;
  }
  auto [code, reason] = store->outcome(key->seq);
  std::cout << reason << "\n";
  return code == "OK" ? 0 : 1;
}

int cmd_sign(const std::string& dir, const std::string& step, const std::string& class_name, const std::string& term,
             const std::string& subject, const std::string& passphrase) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  auto done = sign_step(*store, dir, step, class_name, term, subject, passphrase, sync_in_place(*store));
  if (!done) return fail(done.status().message(), exit_code_for(done.status()));
  std::cout << done->message << "\nMã băm: " << done->digest << "\n";
  return 0;
}

int cmd_conflicts(const std::string& dir, bool as_json) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  auto list = store->my_conflicts();
  if (as_json) {
    json out = json::array();
    for (const auto& x : list)
      out.push_back({{"class", x.cell.class_name}, {"subject", x.cell.subject}, {"student", x.cell.student_code},
                     {"column", x.cell.column}, {"current", x.current}, {"current_author", x.current_author},
                     {"other", x.other}, {"other_author", x.other_author}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (list.empty()) std::cout << "Không có xung đột nào.\n";
  for (const auto& x : list)
    std::cout << x.cell.class_name << " · " << x.cell.subject << " · " << x.cell.student_code << " · " << x.cell.column
              << ": đang dùng \"" << x.current << "\" (" << x.current_author << "), giữ lại \"" << x.other << "\" ("
              << x.other_author << ")\n    xử lý: sodiem conflicts resolve --data " << dir << " " << x.cell.class_name
              << " \"" << x.cell.subject << "\" " << x.cell.student_code << " " << x.cell.column << " GIÁ_TRỊ\n";
  return 0;
}

int cmd_resolve(const std::string& dir, const std::string& class_name, const std::string& subject,
                const std::string& student, const std::string& column, const std::string& value, const std::string& note) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  auto op = store->resolve_conflict({class_name, subject, student, column}, value, note);
  if (!op) return fail("không xử lý được xung đột: " + op.status().message(), exit_code_for(op.status()));
  std::cout << "Đã chọn \"" << op->value << "\" cho " << class_name << " · " << subject << " · " << student << " · "
            << column << " (gửi khi đồng bộ, #" << op->seq << ")\n";
  return 0;
}

int cmd_history(const std::string& dir, const protocol::CellKey& cell, bool as_json) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  auto e = store->enrollment();
  auto transport = make_wss_transport({.url = e->server_url, .fingerprint = e->fingerprint});
  auto h = fetch_history(*store, *transport, cell);
  if (!h) return fail("không xem được lịch sử: " + h.status().message(), exit_code_for(h.status()));
  if (as_json) {
    json out = json::array();
    for (const auto& x : h->entries)
      out.push_back({{"at", iso8601_utc(x.at)}, {"author", x.author}, {"device", x.device}, {"outcome", x.outcome},
                     {"old", x.old_value}, {"new", x.new_value}, {"reason", x.reason}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  std::cout << history_text(cell, h->entries);
  return 0;
}

int cmd_correction_from_inbox(const std::string& dir, std::uint64_t seq, const std::string& reason) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  for (const auto& r : store->refused())
    if (r.seq == seq && r.kind == protocol::OpKind::kSet)
      return cmd_correction_request(dir, r.cell.class_name, r.cell.subject, r.cell.student_code, r.cell.column, r.value,
                                    reason);
  return fail("hộp thư không có thay đổi bị từ chối #" + std::to_string(seq) + " (xem `sodiem inbox`)", 2);
}

namespace {
// What a refused op that is not a cell write was, in words.
std::string refused_action(const RefusedOp& x) {
  switch (x.kind) {
    case protocol::OpKind::kConfirm:
      return "Chữ ký bước " + x.cell.student_code + " " + x.cell.column + " lớp " + x.cell.class_name +
             (x.cell.subject.empty() ? "" : " môn " + x.cell.subject);
    case protocol::OpKind::kRegisterKey: return "Đăng ký khóa ký số";
    case protocol::OpKind::kDecideCorrection:
      return std::string(x.value == "approve" ? "Duyệt" : "Từ chối") + " yêu cầu điều chỉnh #" + std::to_string(x.base_version);
    default: return "Thao tác";
  }
}
const char* status_text(const std::string& status) {
  if (status == "approved") return "đã duyệt";
  if (status == "refused") return "bị từ chối";
  return "chờ duyệt";
}
// A student moved out of one of the user's classes (`sodiem inbox --json` "moves").
json move_json(const protocol::MoveNotice& m) {
  return {{"student", m.student_code}, {"name", m.student_name}, {"from", m.from_class}, {"to", m.to_class},
          {"at", iso8601_utc(m.at)}};
}

json correction_json(const protocol::CorrectionInfo& c) {
  return {{"id", c.id}, {"class", c.cell.class_name}, {"subject", c.cell.subject}, {"student", c.cell.student_code},
          {"student_name", c.student_name}, {"column", c.cell.column}, {"old", c.old_value}, {"new", c.new_value},
          {"reason", c.reason}, {"requested_by", c.requested_by}, {"requested_at", iso8601_utc(c.requested_at)},
          {"status", c.status}, {"decided_by", c.decided_by}, {"comment", c.decision_comment},
          {"decided_at", c.decided_at ? json(iso8601_utc(c.decided_at)) : json(nullptr)}};
}
void print_correction(const protocol::CorrectionInfo& c) {
  std::cout << "#" << c.id << "  " << c.cell.class_name << " · " << c.cell.subject << " · " << c.cell.student_code
            << " (" << c.student_name << ") · " << c.cell.column << ": \"" << c.old_value << "\" → \"" << c.new_value
            << "\"  [" << status_text(c.status) << "]\n    " << c.requested_by << " xin ngày "
            << format_local_time(c.requested_at) << ": " << c.reason << "\n";
  if (c.status != "pending")
    std::cout << "    " << c.decided_by << (c.status == "approved" ? " đã duyệt" : " đã từ chối") << " ngày " << format_local_time(c.decided_at)
              << (c.decision_comment.empty() ? "" : ": " + c.decision_comment) << "\n";
}
}  // namespace

int cmd_correction_list(const std::string& dir, bool as_json) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  auto list = store->corrections();
  if (as_json) {
    json out = json::array();
    for (const auto& c : list) out.push_back(correction_json(c));
    std::cout << out.dump() << "\n";
    return 0;
  }
  const bool leader = store->has_role("HT") || store->has_role("PHT");
  if (list.empty()) std::cout << "Không có yêu cầu điều chỉnh nào (theo lần đồng bộ gần nhất).\n";
  for (const auto& c : list) {
    print_correction(c);
    if (leader && c.status == "pending")
      std::cout << "    duyệt: sodiem correction approve " << c.id << " --data " << dir
                << " [--comment …]   từ chối: sodiem correction refuse " << c.id << " --data " << dir
                << " --comment LÝ_DO\n";
  }
  return 0;
}

int cmd_correction_decide(const std::string& dir, std::uint64_t id, bool approve, const std::string& comment) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  // Not known here yet (filed since the last sync): fetch the list first.
  const auto known = store->corrections();
  if (std::none_of(known.begin(), known.end(), [&](const auto& c) { return c.id == id; })) (void)quiet_sync(*store);
  auto seq = store->decide_correction(id, approve, comment);
  if (!seq) return fail(seq.status().message(), exit_code_for(seq.status()));
  if (auto err = quiet_sync(*store); !err.empty()) {
    std::cout << "Đã ghi quyết định cho yêu cầu #" << id << "; chưa gửi được lên máy chủ (" << err
              << "), sẽ gửi ở lần đồng bộ sau.\n";
    return 0;
  }
  auto [code, reason] = store->outcome(*seq);
  if (code != "OK") return fail("máy chủ không nhận quyết định (" + code + "): " + reason, code == "FORBIDDEN" ? 2 : 1);
  std::cout << reason << "\n";
  return 0;
}

int cmd_password(const std::string& dir, const std::string& current, const std::string& next) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  auto e = store->enrollment();
  auto transport = make_wss_transport({.url = e->server_url, .fingerprint = e->fingerprint});
  if (auto st = change_password(*store, *transport, current, next); !st)
    return fail("không đổi được mật khẩu: " + st.message(), exit_code_for(st));
  std::cout << "Đã đổi mật khẩu của " << e->username << "; các máy đã đăng ký vẫn đồng bộ bình thường.\n";
  return 0;
}

int cmd_inbox(const std::string& dir, bool as_json) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  auto refused = store->refused();
  auto conflicts = store->my_conflicts();
  // The user's own correction requests and what the leadership decided.
  const auto me = store->enrollment()->username;
  std::vector<protocol::CorrectionInfo> mine;
  for (auto& c : store->corrections())
    if (c.requested_by == me) mine.push_back(std::move(c));
  const auto moves = store->move_notices();
  // A closed year's copy: its reasons say so, and nothing is offered to ask for.
  const auto here = store->closed_year_refusal();
  for (auto& x : refused) x.reason = reason_here(x.reason, here);
  if (as_json) {
    json r = json::array(), c = json::array();
    for (const auto& x : refused)
      r.push_back({{"seq", x.seq}, {"class", x.cell.class_name}, {"subject", x.cell.subject},
                   {"student", x.cell.student_code}, {"column", x.cell.column}, {"value", x.value}, {"code", x.code},
                   {"reason", x.reason}, {"server_value", x.server_value}, {"kind", static_cast<int>(x.kind)}});
    for (const auto& x : conflicts)
      c.push_back({{"class", x.cell.class_name}, {"subject", x.cell.subject}, {"student", x.cell.student_code},
                   {"column", x.cell.column}, {"current", x.current}, {"current_author", x.current_author},
                   {"other", x.other}, {"other_author", x.other_author}});
    json k = json::array(), mv = json::array();
    for (const auto& x : mine) k.push_back(correction_json(x));
    for (const auto& x : moves) mv.push_back(move_json(x));
    std::cout << json{{"rejected", r}, {"conflicts", c}, {"corrections", k}, {"moves", mv}}.dump() << "\n";
    return 0;
  }
  if (refused.empty() && conflicts.empty() && mine.empty() && moves.empty())
    std::cout << "Hộp thư trống: không có thay đổi nào bị từ chối hay xung đột.\n";
  for (const auto& x : refused) {
    if (!x.writes_cell()) {
      std::cout << "#" << x.seq << "  " << refused_action(x) << " bị từ chối (" << x.code << ")\n    " << x.reason << "\n";
      continue;
    }
    std::cout << "#" << x.seq << "  " << x.cell.class_name << " · " << x.cell.subject << " · " << x.cell.student_code
              << " · " << x.cell.column << " = \"" << x.value << "\" bị từ chối (" << x.code << ")\n    " << x.reason
              << "\n    Giá trị trên máy chủ: " << (x.server_value.empty() ? "(trống)" : x.server_value) << "\n";
    if (here.is_ok() && x.kind == protocol::OpKind::kSet && is_lock_refusal(x.code))
      std::cout << "    Xin điều chỉnh: sodiem correction request --data DIR --from-inbox " << x.seq
                << " --reason \"LÝ DO\"\n";
  }
  for (const auto& x : conflicts)
    std::cout << "Xung đột  " << x.cell.class_name << " · " << x.cell.subject << " · " << x.cell.student_code << " · "
              << x.cell.column << ": đang dùng \"" << x.current << "\" (" << x.current_author << "), giữ lại \""
              << x.other << "\" (" << x.other_author << ")\n";
  if (!mine.empty()) std::cout << "Yêu cầu điều chỉnh của bạn:\n";
  for (const auto& x : mine) print_correction(x);
  if (!moves.empty()) std::cout << "Học sinh chuyển khỏi lớp bạn dạy (điểm đã nhập chuyển theo học sinh sang lớp mới):\n";
  for (const auto& x : moves)
    std::cout << "  " << x.student_code << " " << x.student_name << ": lớp " << x.from_class << " → lớp " << x.to_class
              << " (" << format_local_time(x.at) << ")\n";
  return 0;
}

int cmd_show(const std::string& dir, const std::string& class_name, const std::string& subject, bool as_json) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  if (!store->has_class(class_name)) return fail("lớp \"" + class_name + "\" không có trong danh sách lớp của bạn", 2);
  auto subj = subject == protocol::kHomeroomSubject ? std::optional(protocol::SubjectInfo{subject, false, 0, false, "", false, ""})
                                                    : store->subject(subject, class_name);
  if (!subj) return fail("môn \"" + subject + "\" không có trong danh sách môn học", 2);
  auto students = store->show(class_name, subject);
  auto conflicts = store->conflicts(class_name, subject);
  json list = json::array();
  for (const auto& st : students) {
    std::map<std::string, std::string> cells(st.cells.begin(), st.cells.end());
    json entry = {{"code", st.code}, {"name", st.name}, {"cells", cells}, {"averages", json(averages_of(*subj, cells))}};
    if (!st.pending_columns.empty()) entry["pending"] = st.pending_columns;
    json cs = json::array();
    for (const auto& c : conflicts)
      if (c.cell.student_code == st.code)
        cs.push_back({{"column", c.cell.column},
                      {"current", c.current},
                      {"current_author", c.current_author},
                      {"other", c.other},
                      {"other_author", c.other_author}});
    if (!cs.empty()) entry["conflicts"] = cs;
    list.push_back(std::move(entry));
  }
  if (as_json) {
    std::cout << json{{"class", class_name}, {"subject", subject}, {"students", list}}.dump() << "\n";
    return 0;
  }
  // For a person: the grade book's column order (TX1…, GK, CK, ĐTB per
  // term), then the other cells (attendance …) by name; marks with the
  // Vietnamese decimal comma, as printed records show them.
  const auto grid = subject == protocol::kHomeroomSubject ? std::vector<GridColumn>{} : grid_columns(*subj);
  std::cout << "Lớp " << class_name << " — " << subject << "\n";
  for (const auto& s : list) {
    std::cout << "  " << s["code"].get<std::string>() << "  " << s["name"].get<std::string>();
    std::set<std::string> done;
    for (const auto& g : grid) {
      if (!g.id.empty() && s["cells"].contains(g.id)) {
        std::cout << "  " << g.id << "=" << decimal_comma(s["cells"][g.id].get<std::string>());
        done.insert(g.id);
      } else if (!g.average.empty() && s["averages"].contains(g.average)) {
        std::cout << "  ĐTB " << g.average << "=" << decimal_comma(s["averages"][g.average].get<std::string>());
        done.insert("ĐTB " + g.average);
      }
    }
    for (auto& [col, v] : s["cells"].items())
      if (!done.contains(col)) std::cout << "  " << col << "=" << decimal_comma(v.get<std::string>());
    for (auto& [term, v] : s["averages"].items())
      if (!done.contains("ĐTB " + term)) std::cout << "  ĐTB " << term << "=" << decimal_comma(v.get<std::string>());
    if (s.contains("conflicts")) std::cout << "  [xung đột]";
    std::cout << "\n";
  }
  return 0;
}

int cmd_board(const std::string& dir, const std::string& typed_class, const std::string& typed_term, bool as_json) {
  auto store = open_enrolled(dir);
  if (!store) return fail(kNotEnrolled, 3);
  std::string term = typed_term;
  for (char& c : term) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (term != "HK1" && term != "HK2" && term != "CN") return fail("học kì phải là HK1, HK2 hoặc CN (cả năm)", 2);
  auto key = store->canonical_cell({typed_class, "", "", ""});
  if (!key) return fail(key.status().message(), 2);
  const std::string& class_name = key->class_name;
  if (!store->has_class(class_name)) return fail("lớp \"" + class_name + "\" không có trong danh sách lớp của bạn", 2);
  const BoardReport report = board_report(*store, class_name, term);
  if (as_json) {
    std::cout << board_json(report).dump() << "\n";
    return 0;
  }
  std::cout << board_text(report);
  return 0;
}

}  // namespace sodiem::client
