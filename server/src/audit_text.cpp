// One audit entry told in Vietnamese (see audit_search.hpp): the kind's name
// and the facts its detail holds. A push's ops and a correction's cell are
// read by read_audit_detail (audit_detail.hpp), the one reader of those
// shapes; other details are flat JSON objects whose known keys are named.
// Never throws on a detail; pure.
#include <nlohmann/json.hpp>
#include <utility>

#include "sodiem/core/clock.hpp"
#include "sodiem/protocol/error_code.hpp"
#include "sodiem/server/audit_detail.hpp"
#include "sodiem/server/audit_search.hpp"
#include "sodiem/server/history.hpp"

namespace sodiem::server {

namespace {

using nlohmann::json;

constexpr std::pair<std::string_view, std::string_view> kLabels[] = {
    {"push", "Gửi điểm từ máy"},
    {"login", "Đăng nhập trên máy"},
    {"login_failed", "Đăng nhập thất bại"},
    {"actor_login_failed", "Xác thực lệnh thất bại"},
    {"login_locked", "Tạm khóa đăng nhập"},
    {"login_unlocked", "Gỡ tạm khóa đăng nhập"},
    {"password_changed", "Đổi mật khẩu"},
    {"password_change_failed", "Đổi mật khẩu thất bại"},
    {"password_reset", "Cấp lại mật khẩu"},
    {"account_disabled", "Khóa tài khoản"},
    {"account_enabled", "Mở lại tài khoản"},
    {"account_change", "Thay đổi tài khoản"},
    {"device_revoked", "Thu hồi thiết bị"},
    {"console_login", "Đăng nhập bảng điều khiển"},
    {"console_logout", "Đăng xuất bảng điều khiển"},
    {"lock_set", "Đặt khóa sổ"},
    {"lock_removed", "Gỡ khóa sổ"},
    {"exception_added", "Thêm ngoại lệ khóa sổ"},
    {"exception_removed", "Gỡ ngoại lệ khóa sổ"},
    {"entry_window_set", "Đặt thời hạn nhập điểm"},
    {"setting_changed", "Thay đổi cài đặt"},
    {"correction_approved", "Duyệt yêu cầu điều chỉnh"},
    {"correction_refused", "Từ chối yêu cầu điều chỉnh"},
    {"delegation_granted", "Ủy quyền"},
    {"delegation_revoked", "Thu hồi ủy quyền"},
    {"confirmation", "Xác nhận, ký số"},
    {"unapproved", "Hủy phê duyệt"},
    {"key_registered", "Đăng ký khóa ký số"},
    {"import_students", "Nhập danh sách học sinh"},
    {"exemption", "Miễn đánh giá"},
    {"class_subjects", "Chọn môn lựa chọn, chuyên đề học tập của lớp"},
    {"student_moved", "Chuyển lớp học sinh"},
    {"year_new", "Chuyển sang năm học mới"},
    {"year_end_result", "Ghi kết quả kiểm tra lại, rèn luyện trong hè, khen thưởng Học sinh Tiêu biểu"},
    {"transfer_out", "Lập hồ sơ chuyển trường"},
    {"transfer_in", "Nhận học sinh chuyển trường"},
    {"setup", "Thiết lập năm học"},
    {"init", "Khởi tạo máy chủ"},
    {"demo_school", "Nạp trường mẫu"},
    {"restored", "Khôi phục bản sao lưu"},
    {"audit_alarm", "Máy báo nhật ký bị viết lại"},
};

// Keys of flat details and how they are named; any other key is shown as is.
constexpr std::pair<std::string_view, std::string_view> kKeys[] = {
    {"id", "số"},           {"username", "tài khoản"},   {"user", "giáo viên"},     {"to", "cho"},
    {"class", "lớp"},       {"subject", "môn"},          {"student", "học sinh"},   {"column", "cột"},
    {"term", "học kì"},     {"grade", "khối"},           {"kind", "loại"},          {"column_kind", "loại cột"},
    {"step", "bước"},       {"reason", "lí do"},         {"comment", "ý kiến"},     {"why", "vì"},
    {"setting", "cài đặt"}, {"power", "quyền"},          {"scope", "phạm vi"},      {"address", "địa chỉ"},
    {"command", "lệnh"},    {"os_user", "người dùng máy chủ"}, {"device_name", "máy"}, {"inserted", "thêm"},
    {"updated", "cập nhật"}, {"opens", "mở"},            {"closes", "đóng"},        {"until", "đến"},
    {"starts_at", "từ"},    {"ends_at", "đến"},          {"expires_at", "hết hạn"}, {"roles", "vai trò"},
    {"full_name", "họ tên"}, {"department", "tổ"},       {"lockout", "lần khóa"},   {"set_by", "người đặt"},
    {"electives", "môn lựa chọn"}, {"topics", "chuyên đề"},
    {"from", "từ lớp"},     {"old_year", "năm học cũ"},  {"new_year", "năm học mới"}, {"from_school", "từ trường"},
    {"school_name", "tên trường"}, {"accounts", "số tài khoản"}, {"classes", "số lớp"}, {"session", "phiên"},
};
// A key whose meaning depends on the entry's kind: a restore's "from" is the
// backup's folder, not a class.
constexpr struct {
  std::string_view kind, key, name;
} kKindKeys[] = {{"restored", "from", "từ bản sao lưu"}};
// Values of a kind's key that are the program's own words.
constexpr struct {
  std::string_view key, value, name;
} kValues[] = {{"kind", "frozen", "khóa hẳn"}, {"kind", "entry_closed", "hết hạn nhập điểm"}};
// Unix times among those keys.
bool is_time_key(std::string_view k) {
  return k == "starts_at" || k == "ends_at" || k == "expires_at" || (k == "until");
}
// Long machine values not worth a line (a signature, a key, a digest: the
// archive and `audit verify` check them).
bool is_hidden_key(std::string_view k) {
  return k == "signature" || k == "public_key" || k == "digest" || k == "batch" || k == "old" || k == "new" ||
         k == "version" || k == "epoch" || k == "old_epoch";
}

std::string key_name(std::string_view kind, std::string_view k) {
  for (const auto& o : kKindKeys)
    if (o.kind == kind && o.key == k) return std::string(o.name);
  for (auto [key, name] : kKeys)
    if (key == k) return std::string(name);
  return std::string(k);
}

std::string value_text(std::string_view key, const json& v) {
  if (v.is_string()) {
    for (const auto& o : kValues)
      if (o.key == key && o.value == v.get_ref<const std::string&>()) return std::string(o.name);
    return v.get<std::string>();
  }
  if (v.is_number_integer() && is_time_key(key)) {
    const auto t = v.get<std::int64_t>();
    return t == 0 ? std::string("không hạn") : format_local_time(t);
  }
  if (v.is_boolean()) return v.get<bool>() ? "có" : "không";
  if (v.is_null()) return "—";
  return v.dump();
}

std::string cell_text(const AuditedVersion& c) {
  return c.class_name + " · " + c.subject + " · " + c.student + " · " + c.column;
}

std::string shown(const std::string& v) { return v.empty() ? std::string("(trống)") : v; }

std::string push_text(std::string_view detail) {
  const AuditDetail d = read_audit_detail("push", detail);
  if (d.problem != AuditDetail::Problem::kNone && d.versions.empty() && d.outcomes.empty())
    return "(nội dung không đọc được)";
  std::size_t refused = 0, conflicts = 0, other = 0;
  for (const auto& o : d.outcomes) (audit_code_is_refusal(o.code) ? refused : o.code == "CONFLICT" ? conflicts : other)++;
  std::string out = std::to_string(d.versions.size()) + " điểm được nhận";
  if (conflicts) out += ", " + std::to_string(conflicts) + " xung đột";
  if (refused) out += ", " + std::to_string(refused) + " bị từ chối";
  if (other) out += ", " + std::to_string(other) + " thao tác khác";
  std::size_t told = 0;
  for (const auto& o : d.outcomes) {
    if (told++ == 3) {
      out += "; …";
      break;
    }
    out += "; " + cell_text(o.cell) + " \"" + o.cell.value + "\": " + outcome_words(o.code);
  }
  return out;
}

}  // namespace

bool audit_code_is_refusal(std::string_view code) {
  const auto c = protocol::parse_error_code(code);
  return c && *c != protocol::ErrorCode::kOk && *c != protocol::ErrorCode::kConflict &&
         *c != protocol::ErrorCode::kDuplicate;
}

bool audit_kind_is_refusal(std::string_view kind) {
  return kind == "login_failed" || kind == "actor_login_failed" || kind == "login_locked" ||
         kind == "password_change_failed";
}

std::vector<std::pair<std::string, std::string>> audit_kinds() {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto [k, label] : kLabels) out.emplace_back(k, label);
  return out;
}

std::string audit_kind_label(std::string_view kind) {
  for (auto [k, label] : kLabels)
    if (k == kind) return std::string(label);
  return std::string(kind);
}

std::string audit_entry_text(std::string_view kind, std::string_view detail) {
  try {
    if (kind == "push") return push_text(detail);
    const json d = json::parse(detail, nullptr, /*allow_exceptions=*/false);
    if (d.is_discarded() || !d.is_object()) return d.is_discarded() ? "(nội dung không đọc được)" : "";
    std::string out;
    auto add = [&](const std::string& part) {
      if (part.empty()) return;
      if (!out.empty()) out += "; ";
      out += part;
    };
    // A value that changed: old → new (a correction, an exemption, a setting).
    if (auto o = d.find("old"), n = d.find("new"); o != d.end() && n != d.end())
      add((d.contains("setting") ? std::string() : "điểm ") + shown(value_text("old", *o)) + " → " +
          shown(value_text("new", *n)));
    auto fact = [&](std::string_view key, const json& value) {
      if (is_hidden_key(key) || (value.is_string() && value.get_ref<const std::string&>().empty())) return;
      if (value.is_object() || value.is_array())
        add(key_name(kind, key) + ": " + std::to_string(value.size()) + " mục");
      else
        add(key_name(kind, key) + ": " + value_text(key, value));
    };
    // The known keys in kKeys' order (class, subject, student, column…), then the others.
    for (auto [key, name] : kKeys)
      if (auto it = d.find(std::string(key)); it != d.end()) fact(key, *it);
    for (const auto& [key, value] : d.items()) {
      bool known = false;
      for (auto [k, name] : kKeys) known = known || k == key;
      if (!known) fact(key, value);
    }
    return out;
  } catch (const std::exception&) {
    return "(nội dung không đọc được)";
  }
}

}  // namespace sodiem::server
