// Transfer packets between schools (transfer.hpp).
#include "sodiem/server/transfer.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sodiem/core/column.hpp"
#include "sodiem/core/crypto.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/protocol/codec.hpp"
#include "sodiem/protocol/messages.hpp"
#include "sodiem/protocol/text.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/audit_key.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/roster_io.hpp"
#include "sodiem/server/school_year.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/server_versions.hpp"

namespace sodiem::server {
namespace {

using nlohmann::json;

}  // namespace

Result<TransferOutReport> transfer_out(store::Db& db, const std::string& data_dir, const std::string& code,
                                       const std::string& to_school, const std::string& out_path, const Clock& clock,
                                       const std::string& by) {
  if (Status st = require_role(db, by, {"ADMIN", "HT"}, "chỉ quản trị hệ thống hoặc Hiệu trưởng được lập hồ sơ chuyển trường");
      !st)
    return st;
  if (to_school.size() > protocol::kMaxNameBytes || protocol::text_problem(to_school, protocol::TextKind::kName))
    return Status(ErrorCode::kInvalidValue, "tên trường chuyển đến quá dài hoặc có ký tự không hợp lệ");
  store::Transaction tx(db);
  auto s = db.prepare("SELECT s.id, s.code, s.full_name, COALESCE(s.birth_date, ''), COALESCE(s.gender, ''), c.id, "
                      "c.name, c.grade FROM students s JOIN current_classes c ON c.id = s.class_id "
                      "WHERE s.code = ? AND s.status = 'active'");
  s.bind(1, code);
  if (!s.step()) return Status(ErrorCode::kInvalidValue, "không có học sinh mã " + excerpt(code) + " đang học ở trường");
  const std::int64_t student_id = s.int64(0), class_id = s.int64(5);
  std::string birth = s.text(3);
  if (birth.size() == 10) birth = birth.substr(8, 2) + "/" + birth.substr(5, 2) + "/" + birth.substr(0, 4);
  json packet = {{"format", kTransferFormat},
                 {"school", get_meta(db, "school_name")},
                 {"school_year", current_year_name(db)},
                 {"to", to_school},
                 {"issued_at", clock.now_unix_seconds()},
                 {"issued_by", by},
                 {"student",
                  {{"code", s.text(1)}, {"full_name", s.text(2)}, {"birth_date", birth}, {"gender", s.text(4)},
                   {"class", s.text(6)}, {"grade", s.int64(7)}}}};
  const std::string class_name = s.text(6);
  json cells = json::array();
  auto c = db.prepare("SELECT COALESCE(sj.name, ?), c.col, c.value FROM cells c LEFT JOIN subjects sj ON sj.id = c.subject_id "
                      "WHERE c.class_id = ? AND c.student_id = ? AND c.value != '' ORDER BY c.subject_id, c.col");
  c.bind(1, protocol::kHomeroomSubject).bind(2, class_id).bind(3, student_id);
  while (c.step()) cells.push_back(json::array({c.text(0), c.text(1), c.text(2)}));
  TransferOutReport report;
  report.cells = static_cast<int>(cells.size());
  packet["cells"] = std::move(cells);
  auto key = AuditKey::load_or_create(DataPaths{data_dir}.audit_key());
  packet["public_key"] = key->public_key_hex();
  packet["signature"] = key->sign_hex(transfer_signed_bytes(packet.dump()));
  const std::string bytes = packet.dump(1) + "\n";
  report.path = out_path;
  report.digest = crypto::sha256_hex(bytes);
  {
    const std::string tmp = out_path + ".tmp";
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << bytes;
    out.close();
    if (!out) return Status(ErrorCode::kInternal, "không ghi được " + out_path);
    ::chmod(tmp.c_str(), 0600);
    std::error_code ec;
    std::filesystem::rename(tmp, out_path, ec);
    if (ec) return Status(ErrorCode::kInternal, "không ghi được " + out_path + ": " + ec.message());
  }
  db.prepare("UPDATE students SET status = 'transferred' WHERE id = ?").bind(1, student_id).run();
  bump_roster_version(db);
  append_audit(db, {clock.now_unix_seconds(), by, "", "transfer_out",
                    json{{"student", code}, {"class", class_name}, {"to", to_school}, {"cells", report.cells},
                         {"digest", report.digest}}
                        .dump()});
  tx.commit();
  return report;
}

Result<TransferInReport> transfer_in(store::Db& db, const std::string& packet_path, const std::string& class_name,
                                     const Clock& clock, const std::string& by) {
  if (Status st = require_role(db, by, {"ADMIN", "HT"}, "chỉ quản trị hệ thống hoặc Hiệu trưởng được nhận hồ sơ chuyển trường");
      !st)
    return st;
  std::string text;
  {
    std::ifstream in(packet_path, std::ios::binary);
    if (!in) return Status(ErrorCode::kInvalidValue, "không mở được tệp " + packet_path);
    text.resize(kMaxTransferBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
  }
  auto packet = read_transfer_packet(text);
  if (!packet) return packet.status();
  const TransferPacket& p = *packet;
  const std::string year = current_year_name(db);
  if (p.school_year != year)
    return Status(ErrorCode::kInvalidValue, "hồ sơ của năm học " + excerpt(p.school_year) + ", năm học hiện tại là " + year +
                                                ": điểm của năm học trước thuộc hồ sơ của trường cũ; hãy nhập học sinh "
                                                "bằng danh sách (import students)");
  TransferInReport report;
  report.student = p.code;
  report.class_name = class_name;
  report.from_school = p.school;
  report.fingerprint = p.public_key.substr(0, 16);
  {
    auto s = db.prepare("SELECT 1 FROM students WHERE code = ?");
    s.bind(1, p.code);
    if (s.step())
      return Status(ErrorCode::kInvalidValue, "trường đã có học sinh mã " + p.code +
                                                  "; nếu là học sinh khác, hãy đổi mã trong danh sách rồi nhập lại");
  }
  store::Transaction tx(db);
  // The student row through the roster import's own checks (name, date, gender, class).
  {
    std::istringstream csv(csv_first_line(kStudentColumns) +
                           csv_line({p.code, p.full_name, p.birth_date, p.gender, class_name}));
    auto imported = import_students(db, csv, by);
    if (!imported.ok) {
      std::string why;
      for (const auto& e : imported.errors) why += (why.empty() ? "" : "; ") + e;
      return Status(ErrorCode::kInvalidValue, "hồ sơ chuyển trường không nhận được: " + why);
    }
  }
  std::int64_t class_id = 0, student_id = 0;
  {
    auto s = db.prepare("SELECT s.class_id, s.id FROM students s WHERE s.code = ?");
    s.bind(1, p.code);
    s.step();
    class_id = s.int64(0);
    student_id = s.int64(1);
  }
  std::int64_t user_id = 0;
  {
    auto u = db.prepare("SELECT id FROM users WHERE username = ?");
    u.bind(1, by);
    if (u.step()) user_id = u.int64(0);
  }
  const std::string note = "từ hồ sơ chuyển trường: " + p.school + " (năm học " + p.school_year + ", khóa " +
                           report.fingerprint + "…)";
  json rows = json::array();
  for (const auto& cell : p.cells) {
    const bool homeroom = cell.subject == protocol::kHomeroomSubject;
    std::optional<protocol::SubjectInfo> info;
    std::int64_t subject_id = 0;
    if (!homeroom) {
      info = class_subject(db, class_id, cell.subject);
      if (!info) {
        report.left_behind.push_back(cell.subject + " " + cell.column + ": lớp " + class_name + " không học môn này");
        continue;
      }
      auto s = db.prepare("SELECT id FROM subjects WHERE name = ?");
      s.bind(1, cell.subject);
      s.step();
      subject_id = s.int64(0);
    }
    const auto col = Column::parse(cell.column);
    auto value = col && col->kind == Column::Kind::kExemption
                     ? Result<std::string>(cell.value)  // an exemption decided by the other school, kept with its reason
                     : normalize_cell_value(info ? &*info : nullptr, cell.column, cell.value);
    if (!value || value->empty()) {
      report.left_behind.push_back(cell.subject + " " + excerpt(cell.column) + ": " +
                                   (value ? std::string("trống") : value.status().message()));
      continue;
    }
    const auto version =
        write_server_version(db, {class_id, subject_id, student_id, cell.column, *value, user_id, note}, clock.now_unix_seconds());
    report.versions.push_back(version);
    rows.push_back({version, cell.subject, cell.column, *value});
  }
  // The same shape as a moved student's entry: it vouches for the versions (records_check).
  append_audit(db, {clock.now_unix_seconds(), by, "", "transfer_in",
                    json{{"student", p.code}, {"to", class_name}, {"from_school", p.school},
                         {"public_key", p.public_key}, {"versions", rows}, {"left_behind", report.left_behind}}
                        .dump()});
  tx.commit();
  return report;
}

}  // namespace sodiem::server
