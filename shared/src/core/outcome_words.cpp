// The one table of outcome codes in Vietnamese words (TERM_LOCKED → "Sổ đã
// khóa"): history_text (both CLIs' `history`), the console's cell history and
// the audit trail's text call it. Pure; thread-safe.
#include "sodiem/core/outcome_words.hpp"

#include "sodiem/protocol/error_code.hpp"

namespace sodiem {

std::string outcome_words(std::string_view outcome) {
  if (outcome == "RESOLVED") return "Đã giải quyết xung đột";
  if (outcome == "CORRECTION_REQUESTED") return "Xin điều chỉnh";
  if (outcome == "CORRECTION_REFUSED") return "Từ chối điều chỉnh";
  const auto code = protocol::parse_error_code(outcome);
  if (!code) return std::string(outcome);
#pragma GCC diagnostic push
#pragma GCC diagnostic error "-Wswitch"  // every code named: a new one fails to compile here
  switch (*code) {
    case protocol::ErrorCode::kOk: return "Nhận";
    case protocol::ErrorCode::kDuplicate: return "Đã nhận từ trước";
    case protocol::ErrorCode::kTermLocked: return "Sổ đã khóa";
    case protocol::ErrorCode::kEntryClosed: return "Hết hạn nhập";
    case protocol::ErrorCode::kApprovedReadOnly: return "Đã phê duyệt, chỉ xem";
    case protocol::ErrorCode::kForbidden: return "Không có quyền";
    case protocol::ErrorCode::kInvalidValue: return "Giá trị không hợp lệ";
    case protocol::ErrorCode::kConflict: return "Xung đột";
    case protocol::ErrorCode::kUnauthenticated: return "Chưa xác thực";
    case protocol::ErrorCode::kVersionMismatch: return "Phiên bản không tương thích";
    case protocol::ErrorCode::kRateLimited: return "Gửi quá nhanh";
    case protocol::ErrorCode::kTooLarge: return "Quá lớn";
    case protocol::ErrorCode::kMalformed: return "Dữ liệu hỏng";
    case protocol::ErrorCode::kInternal: return "Lỗi máy chủ";
    case protocol::ErrorCode::kUnavailable: return "Không kết nối được";
    case protocol::ErrorCode::kPasswordChangeRequired: return "Cần đổi mật khẩu";
    case protocol::ErrorCode::kAuditMismatch: return "Nhật ký không khớp";
  }
#pragma GCC diagnostic pop
  return std::string(outcome);
}

}  // namespace sodiem
