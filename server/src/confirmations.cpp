// The confirmation chain (confirmations.hpp): the documents each step signs,
// signature checks, registering keys, confirm / unapprove and the step
// states the console and the CLI read. Called by the ingest (signed ops),
// the server CLI and the console, on the server's DB connection.
#include "sodiem/server/confirmations.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <map>
#include <set>
#include <sstream>

#include "sodiem/core/signing.hpp"
#include "sodiem/core/summary_board.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {
namespace {

using nlohmann::json;
constexpr const char* kExportFormat = "sodiem-signed-export/1";
constexpr const char* kSealPrefix = "\nSEAL sha256 ";

std::int64_t step_index(const std::string& step) {
  for (std::size_t i = 0; i < std::size(signing::kSteps); ++i)
    if (signing::kSteps[i] == step) return static_cast<std::int64_t>(i);
  return -1;
}

// The active (not revoked) confirmation of a step, if any: digest.
std::string active_digest(store::Db& db, std::int64_t class_id, std::int64_t subject_id, const std::string& term,
                          const std::string& step) {
  auto s = db.prepare("SELECT digest FROM confirmations WHERE class_id = ? AND COALESCE(subject_id, -1) = ? AND term = ? "
                      "AND step = ? AND revoked_at IS NULL ORDER BY id DESC LIMIT 1");
  s.bind(1, class_id).bind(2, subject_id).bind(3, term).bind(4, step);
  return s.step() ? s.text(0) : std::string();
}

bool approved(store::Db& db, std::int64_t class_id, const std::string& term) {
  return !active_digest(db, class_id, -1, term, "approve").empty();
}

}  // namespace

std::string server_document(store::Db& db, std::int64_t class_id, std::int64_t subject_id, const std::string& term,
                            const std::string& step) {
  std::string class_name;
  {
    auto s = db.prepare("SELECT name FROM classes WHERE id = ?");
    s.bind(1, class_id);
    if (s.step()) class_name = s.text(0);
  }
  // A class-level step: the term's cells and the summary board (which needs the year's cells).
  if (subject_id < 0) return board::class_document(term, step, load_class_book(db, class_id));
  std::vector<signing::CellLine> lines;
  // One subject: its cells of the term and each student's result; its name is in the header.
  // The class's current students only: one who moved or left is signed
  // where they are now (their marks followed them), as devices see it.
  auto s = db.prepare("SELECT st.code, c.col, c.value FROM cells c JOIN students st ON st.id = c.student_id "
                      "AND st.class_id = c.class_id AND st.status = 'active' "
                      "WHERE c.class_id = ? AND c.subject_id = ? AND c.col LIKE ? AND c.value != ''");
  s.bind(1, class_id).bind(2, subject_id).bind(3, term + ".%");
  while (s.step()) lines.push_back({std::string(), s.text(0), s.text(1), s.text(2)});
  auto n = db.prepare("SELECT name FROM subjects WHERE id = ?");
  n.bind(1, subject_id);
  std::optional<protocol::SubjectInfo> info;
  if (n.step()) info = class_subject(db, class_id, n.text(0));
  if (!info) return signing::canonical_document(class_name, "", term, step, {});
  return board::subject_document(class_name, *info, term, step, std::move(lines));
}

std::vector<std::pair<std::int64_t, std::string>> subjects_to_confirm(store::Db& db, std::int64_t class_id) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  auto s = db.prepare("SELECT DISTINCT s.id, s.name FROM teaching_assignments t JOIN subjects s ON s.id = t.subject_id "
                      "WHERE t.class_id = ? ORDER BY s.id");
  s.bind(1, class_id);
  while (s.step()) out.emplace_back(s.int64(0), s.text(1));
  return out;
}

StepSignature step_signature(store::Db& db, std::int64_t class_id, std::int64_t subject_id, const std::string& term,
                             const std::string& step) {
  StepSignature out;
  auto s = db.prepare("SELECT r.digest, u.username, r.signed_at FROM confirmations r JOIN users u ON u.id = r.user_id "
                      "WHERE r.class_id = ? AND COALESCE(r.subject_id, -1) = ? AND r.term = ? AND r.step = ? "
                      "AND r.revoked_at IS NULL ORDER BY r.id DESC LIMIT 1");
  s.bind(1, class_id).bind(2, subject_id).bind(3, term).bind(4, step);
  if (!s.step()) return out;
  out.digest = s.text(0);
  out.signer = s.text(1);
  out.signed_at = s.int64(2);
  // Only a signature present costs the document: an unsigned class is cheap.
  const bool current = out.digest == signing::digest_hex(server_document(db, class_id, subject_id, term, step));
  out.state = current ? StepSignature::State::kValid : StepSignature::State::kStale;
  return out;
}

Status register_key(store::Db& db, const UserAccess& user, std::int64_t device_id, const protocol::Op& op,
                    std::int64_t now) {
  if (op.value.size() != 64 || op.value.find_first_not_of("0123456789abcdef") != std::string::npos)
    return Status(ErrorCode::kInvalidValue, "khóa công khai phải là 64 chữ số hex (Ed25519)");
  db.prepare("INSERT INTO signing_keys(user_id, public_key, registered_at, device_id) VALUES(?, ?, ?, ?) "
             "ON CONFLICT(user_id) DO UPDATE SET public_key = excluded.public_key, registered_at = excluded.registered_at, "
             "device_id = excluded.device_id")
      .bind(1, user.user_id).bind(2, op.value).bind(3, now).bind(4, device_id).run();
  append_audit(db, {now, user.username, "", "key_registered", json{{"public_key", op.value}}.dump()});
  return Status(ErrorCode::kOk, "Đã đăng ký khóa ký số của " + user.username);
}

Status confirm_step(store::Db& db, const Directory& directory, const UserAccess& user, const protocol::Op& op,
                    std::int64_t now) {
  const std::string& step = op.cell.student_code;
  const std::string& term = op.cell.column;
  if (step_index(step) < 0) return Status(ErrorCode::kInvalidValue, "bước xác nhận \"" + step + "\" không có");
  if (term != "HK1" && term != "HK2") return Status(ErrorCode::kInvalidValue, "học kì phải là HK1 hoặc HK2");
  const ClassRow* cls = directory.class_by_name(op.cell.class_name);
  if (!cls) return Status(ErrorCode::kInvalidValue, "không có lớp " + op.cell.class_name);
  std::int64_t subject_id = -1;
  const std::string what = step == "subject" ? "môn " + op.cell.subject + " lớp " + cls->name : "lớp " + cls->name;
  if (step == "subject") {
    const SubjectRow* subj = directory.subject_by_name(op.cell.subject);
    if (!subj) return Status(ErrorCode::kInvalidValue, "không có môn " + op.cell.subject);
    subject_id = subj->id;
    if (!user.teaches.contains({cls->id, subject_id}))
      return Status(ErrorCode::kForbidden, user.username + " không dạy " + what + " nên không xác nhận được");
    // Every required cell of every current student (TT22 Điều 7).
    std::vector<std::pair<std::string, std::map<std::string, std::string>>> students;
    std::map<std::int64_t, std::size_t> index;
    auto st = db.prepare("SELECT id, code FROM students WHERE class_id = ? AND status = 'active' ORDER BY code");
    st.bind(1, cls->id);
    while (st.step()) {
      index[st.int64(0)] = students.size();
      students.push_back({st.text(1), {}});
    }
    auto c = db.prepare("SELECT student_id, col, value FROM cells WHERE class_id = ? AND subject_id = ? AND col LIKE ?");
    c.bind(1, cls->id).bind(2, subject_id).bind(3, term + ".%");
    while (c.step())
      if (auto it = index.find(c.int64(0)); it != index.end()) students[it->second].second[c.text(1)] = c.text(2);
    const protocol::SubjectInfo* info = directory.subject_info(cls->id, subject_id);
    if (!info) return Status(ErrorCode::kInvalidValue, "khối " + std::to_string(cls->grade) + " không học môn " + subj->info.name);
    const auto missing = board::missing_cells(*info, term, students);
    if (!missing.empty())
      return Status(ErrorCode::kForbidden, board::missing_cells_text(what + " " + term, missing));
  } else if (step == "class" && !user.homeroom_classes.contains(cls->id)) {
    return Status(ErrorCode::kForbidden, user.username + " không phải giáo viên chủ nhiệm lớp " + cls->name);
  } else if (step == "review" && !user.has_role("PHT") && !user.has_role("HT")) {
    return Status(ErrorCode::kForbidden, "chỉ Phó hiệu trưởng (hoặc Hiệu trưởng) được xem xét bảng tổng hợp");
  } else if (step == "approve" && !user.has_role("HT")) {
    return Status(ErrorCode::kForbidden, "chỉ Hiệu trưởng được phê duyệt bảng tổng hợp");
  }
  if (approved(db, cls->id, term))
    return Status(ErrorCode::kApprovedReadOnly, "kết quả " + term + " lớp " + cls->name +
                                                    " đã được Hiệu trưởng phê duyệt; muốn thay đổi cần Hiệu trưởng hủy phê duyệt");
  // A class-level step signs the board: every required cell of every
  // assigned subject and the conduct of every current student first (the
  // HK2 board carries the year, so both terms), exempt counting as given.
  if (subject_id < 0) {
    const auto missing = board::missing_cells(load_class_book(db, cls->id), term);
    if (!missing.empty()) return Status(ErrorCode::kForbidden, board::missing_cells_text(what + " " + term, missing, true));
  }
  // The step before must be done, and still match the data.
  if (step == "class") {
    std::string missing;
    for (const auto& [id, name] : subjects_to_confirm(db, cls->id))
      if (step_signature(db, cls->id, id, term, "subject").state != StepSignature::State::kValid)
        missing += (missing.empty() ? "" : ", ") + name;
    if (!missing.empty())
      return Status(ErrorCode::kForbidden, "chưa thể xác nhận lớp " + cls->name + ": các môn chưa được giáo viên bộ môn xác nhận "
                                           "(hoặc đã thay đổi sau khi xác nhận): " + missing);
  } else if (step == "review" || step == "approve") {
    const std::string before = step == "review" ? "class" : "review";
    if (step_signature(db, cls->id, -1, term, before).state != StepSignature::State::kValid)
      return Status(ErrorCode::kForbidden, std::string("chưa thể ") + (step == "review" ? "xem xét" : "phê duyệt") + " lớp " +
                                               cls->name + ": bước trước (" + before +
                                               ") chưa ký hoặc dữ liệu đã thay đổi sau khi ký");
  }
  const std::string document = server_document(db, cls->id, subject_id, term, step);
  const std::string digest = signing::digest_hex(document);
  if (digest != op.value)
    return Status(ErrorCode::kConflict, "dữ liệu trên máy chưa khớp với máy chủ cho " + what +
                                            "; hãy đồng bộ rồi ký xác nhận lại");
  std::string public_key;
  {
    auto s = db.prepare("SELECT public_key FROM signing_keys WHERE user_id = ?");
    s.bind(1, user.user_id);
    if (!s.step()) return Status(ErrorCode::kForbidden, user.username + " chưa đăng ký khóa ký số (sodiem key init)");
    public_key = s.text(0);
  }
  if (!signing::verify_signature(public_key, digest, op.note))
    return Status(ErrorCode::kUnauthenticated, "chữ ký số không hợp lệ với khóa đã đăng ký của " + user.username);
  // Signing again supersedes the earlier signature of the same step.
  db.prepare("UPDATE confirmations SET revoked_at = ?, revoked_by = ?, revoked_reason = 'ký lại' WHERE class_id = ? "
             "AND COALESCE(subject_id, -1) = ? AND term = ? AND step = ? AND revoked_at IS NULL")
      .bind(1, now).bind(2, user.username).bind(3, cls->id).bind(4, subject_id).bind(5, term).bind(6, step).run();
  auto ins = db.prepare("INSERT INTO confirmations(class_id, subject_id, term, step, user_id, document, digest, signature, "
                        "public_key, signed_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, cls->id);
  if (subject_id >= 0) ins.bind(2, subject_id); else ins.bind_null(2);
  ins.bind(3, term).bind(4, step).bind(5, user.user_id).bind(6, document).bind(7, digest).bind(8, op.note)
      .bind(9, public_key).bind(10, now).run();
  if (step == "approve") bump_roster_version(db);  // devices fetch the read-only notice
  append_audit(db, {now, user.username, "", "confirmation",
                    json{{"step", step}, {"class", cls->name}, {"subject", op.cell.subject}, {"term", term},
                         {"digest", digest}, {"signature", op.note}}
                        .dump()});
  static const std::map<std::string, std::string> kDone = {
      {"subject", "Đã ký xác nhận kết quả "}, {"class", "Đã ký xác nhận kết quả "},
      {"review", "Đã ký xem xét kết quả "}, {"approve", "Đã ký phê duyệt kết quả "}};
  return Status(ErrorCode::kOk, kDone.at(step) + term + " " + what);
}

Status unapprove(store::Db& db, const std::string& class_name, const std::string& term, const std::string& by,
                 const std::string& reason, std::int64_t now) {
  if (auto st = require_role(db, by, {"HT"}, "chỉ Hiệu trưởng được hủy phê duyệt"); !st) return st;
  if (reason.empty()) return Status(ErrorCode::kInvalidValue, "hủy phê duyệt cần ghi lý do (--reason)");
  store::Transaction tx(db);
  db.prepare("UPDATE confirmations SET revoked_at = ?, revoked_by = ?, revoked_reason = ? WHERE step = 'approve' AND "
             "term = ? AND revoked_at IS NULL AND class_id = (SELECT id FROM current_classes WHERE name = ?)")
      .bind(1, now).bind(2, by).bind(3, reason).bind(4, term).bind(5, class_name).run();
  if (db.changes() == 0) return Status(ErrorCode::kInvalidValue, "lớp " + class_name + " " + term + " chưa được phê duyệt");
  bump_roster_version(db);  // devices fetch the lifted read-only notice
  append_audit(db, {now, by, "", "unapproved", json{{"class", class_name}, {"term", term}, {"reason", reason}}.dump()});
  tx.commit();
  return Status::ok();
}

Status export_signed(store::Db& db, const std::string& class_name, const std::string& term, const std::string& path) {
  auto c = db.prepare("SELECT id FROM current_classes WHERE name = ?");
  c.bind(1, class_name);
  if (!c.step()) return Status(ErrorCode::kInvalidValue, "không có lớp " + class_name);
  const std::int64_t class_id = c.int64(0);
  if (!approved(db, class_id, term))
    return Status(ErrorCode::kInvalidValue, "lớp " + class_name + " " + term + " chưa được Hiệu trưởng phê duyệt");
  json docs = json::array();
  auto s = db.prepare(
      "SELECT r.step, COALESCE(s.name, ''), u.username, u.full_name, r.public_key, r.signed_at, r.document, r.digest, "
      "r.signature FROM confirmations r JOIN users u ON u.id = r.user_id LEFT JOIN subjects s ON s.id = r.subject_id "
      "WHERE r.class_id = ? AND r.term = ? AND r.revoked_at IS NULL ORDER BY r.id");
  s.bind(1, class_id).bind(2, term);
  while (s.step())
    docs.push_back({{"step", s.text(0)}, {"subject", s.text(1)}, {"signer", s.text(2)}, {"signer_name", s.text(3)},
                    {"public_key", s.text(4)}, {"signed_at", s.int64(5)}, {"document", s.text(6)},
                    {"digest", s.text(7)}, {"signature", s.text(8)}});
  json out = {{"format", kExportFormat}, {"school", get_meta(db, "school_name")}, {"class", class_name},
              {"term", term}, {"signatures", docs}};
  const std::string body = out.dump(2);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << body << kSealPrefix << signing::digest_hex(body) << "\n";
  f.close();
  if (!f) return Status(ErrorCode::kInternal, "không ghi được " + path);
  return Status::ok();
}

Status verify_export(const std::string& path, std::string& summary) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status(ErrorCode::kInvalidValue, "không mở được " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  const auto seal_at = text.rfind(kSealPrefix);
  if (seal_at == std::string::npos) return Status(ErrorCode::kInvalidValue, "thiếu dấu niêm phong (SEAL)");
  const std::string body = text.substr(0, seal_at);
  const std::string seal = text.substr(seal_at + std::string(kSealPrefix).size());
  if (seal != signing::digest_hex(body) + "\n")
    return Status(ErrorCode::kInvalidValue, "tệp đã bị sửa: dấu niêm phong không khớp nội dung");
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || j.value("format", "") != kExportFormat)
    return Status(ErrorCode::kInvalidValue, "không phải tệp xuất có chữ ký của Sổ điểm");
  std::set<std::string> steps;
  int n = 0;
  for (const auto& d : j["signatures"]) {
    const std::string doc = d.value("document", ""), digest = d.value("digest", "");
    const std::string who = d.value("step", "") + " " + d.value("subject", "") + " (" + d.value("signer", "") + ")";
    if (signing::digest_hex(doc) != digest) return Status(ErrorCode::kInvalidValue, "chữ ký " + who + ": nội dung đã bị sửa");
    if (!signing::verify_signature(d.value("public_key", ""), digest, d.value("signature", "")))
      return Status(ErrorCode::kInvalidValue, "chữ ký " + who + " không hợp lệ");
    steps.insert(d.value("step", ""));
    ++n;
  }
  for (const char* need : {"subject", "class", "review", "approve"})
    if (!steps.contains(need)) return Status(ErrorCode::kInvalidValue, std::string("thiếu bước ký ") + need);
  summary = std::to_string(n) + " chữ ký hợp lệ, " + j.value("class", "") + " " + j.value("term", "") + ", " +
            j.value("school", "");
  return Status::ok();
}

}  // namespace sodiem::server
