// Reading a transfer packet without trusting it (transfer_packet.hpp).
#include "sodiem/server/transfer_packet.hpp"

#include <nlohmann/json.hpp>

#include "sodiem/core/signing.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/protocol/codec.hpp"
#include "sodiem/protocol/text.hpp"

namespace sodiem::server {
namespace {

using nlohmann::json;
constexpr int kMaxDepth = 6;

// A text field of the packet: a string within `max` bytes, well-formed and
// free of control characters; else the problem, naming the field.
std::string field(const json& obj, const char* key, std::size_t max, protocol::TextKind kind, std::string& problem,
                  bool required = true) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required && problem.empty()) problem = std::string("thiếu trường \"") + key + "\"";
    return "";
  }
  if (!it->is_string()) {
    if (problem.empty()) problem = std::string("trường \"") + key + "\" phải là chuỗi";
    return "";
  }
  const std::string s = it->get<std::string>();
  if (s.size() > max || protocol::text_problem(s, kind)) {
    if (problem.empty()) problem = std::string("trường \"") + key + "\" quá dài hoặc có ký tự không hợp lệ";
    return "";
  }
  return to_nfc(s).value_or(s);
}

}  // namespace

std::string transfer_signed_bytes(std::string_view packet_json) {
  json packet = json::parse(packet_json, nullptr, /*allow_exceptions=*/false);
  if (packet.is_object()) packet.erase("signature");
  return packet.dump();
}

Result<TransferPacket> read_transfer_packet(std::string_view text) {
  auto refuse = [](const std::string& why) {
    return Status(ErrorCode::kInvalidValue, "hồ sơ chuyển trường không nhận được: " + why + "; không có gì thay đổi");
  };
  if (text.size() > kMaxTransferBytes) return refuse("tệp lớn quá " + std::to_string(kMaxTransferBytes) + " byte");
  json root;
  bool too_deep = false;
  try {
    root = json::parse(text, [&](int depth, json::parse_event_t, json&) {
      if (depth > kMaxDepth) too_deep = true;
      return !too_deep;
    });
  } catch (const std::exception&) {
    return refuse("tệp không phải JSON UTF-8 hợp lệ");
  }
  if (too_deep) return refuse("tệp lồng sâu quá " + std::to_string(kMaxDepth) + " mức");
  if (!root.is_object() || root.value("format", json()) != kTransferFormat)
    return refuse(std::string("không phải hồ sơ \"") + kTransferFormat + "\"");
  std::string problem;
  TransferPacket p;
  using protocol::TextKind;
  p.school = field(root, "school", protocol::kMaxNameBytes, TextKind::kName, problem);
  p.school_year = field(root, "school_year", 16, TextKind::kName, problem);
  p.to = field(root, "to", protocol::kMaxNameBytes, TextKind::kName, problem, false);
  p.public_key = field(root, "public_key", 64, TextKind::kName, problem);
  const std::string signature = field(root, "signature", 128, TextKind::kName, problem);
  auto student = root.find("student");
  if (student == root.end() || !student->is_object()) return refuse("thiếu thông tin học sinh (\"student\")");
  p.code = field(*student, "code", protocol::kMaxKeyBytes, TextKind::kName, problem);
  p.full_name = field(*student, "full_name", protocol::kMaxNameBytes, TextKind::kName, problem);
  p.birth_date = field(*student, "birth_date", 10, TextKind::kName, problem, false);
  p.gender = field(*student, "gender", 16, TextKind::kName, problem, false);
  p.class_name = field(*student, "class", protocol::kMaxKeyBytes, TextKind::kName, problem, false);
  auto cells = root.find("cells");
  if (cells == root.end() || !cells->is_array()) return refuse("thiếu danh sách điểm (\"cells\")");
  if (cells->size() > kMaxTransferCells) return refuse("quá " + std::to_string(kMaxTransferCells) + " ô điểm");
  for (const auto& c : *cells) {
    if (!c.is_array() || c.size() != 3 || !c[0].is_string() || !c[1].is_string() || !c[2].is_string())
      return refuse("mỗi ô điểm phải là [môn, cột, giá trị]");
    TransferCell cell{c[0].get<std::string>(), c[1].get<std::string>(), c[2].get<std::string>()};
    if (cell.subject.size() > protocol::kMaxKeyBytes || cell.column.size() > protocol::kMaxKeyBytes ||
        cell.value.size() > protocol::kMaxValueBytes || protocol::text_problem(cell.subject, TextKind::kName) ||
        protocol::text_problem(cell.column, TextKind::kName) || protocol::text_problem(cell.value, TextKind::kMultiline))
      return refuse("một ô điểm quá dài hoặc có ký tự không hợp lệ");
    cell.subject = to_nfc(cell.subject).value_or(cell.subject);
    cell.value = to_nfc(cell.value).value_or(cell.value);
    p.cells.push_back(std::move(cell));
  }
  if (!problem.empty()) return refuse(problem);
  if (!signing::verify_signature(p.public_key, transfer_signed_bytes(root.dump()), signature))
    return refuse("chữ ký số không hợp lệ (hồ sơ đã bị sửa sau khi ký, hoặc không do máy chủ Sổ điểm lập)");
  return p;
}

}  // namespace sodiem::server
