// Exemptions (miễn học) as server-written cells (exemptions.hpp).
#include "sodiem/server/exemptions.hpp"

#include <nlohmann/json.hpp>

#include "sodiem/core/column.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/server_versions.hpp"

namespace sodiem::server {

Result<std::vector<std::uint64_t>> set_exemption(store::Db& db, const ExemptionRequest& r, const std::string& by,
                                                 std::int64_t now) {
  if (Status st = require_role(db, by, {"HT", "ADMIN"}, "chỉ Hiệu trưởng (hoặc quản trị theo quyết định của Hiệu trưởng) "
                                                        "được ghi miễn học");
      !st)
    return st;
  if (r.term != "HK1" && r.term != "HK2" && r.term != "CN")
    return Status(ErrorCode::kInvalidValue, "học kì phải là HK1, HK2 hoặc CN (cả năm)");
  if (r.reason.size() > kMaxCommentBytes)
    return Status(ErrorCode::kInvalidValue, "lý do miễn học dài quá " + std::to_string(kMaxCommentBytes) + " byte");
  store::Transaction tx(db);
  std::int64_t class_id = 0, student_id = 0, subject_id = 0, user_id = 0;
  {
    auto s = db.prepare("SELECT c.id, st.id FROM current_classes c JOIN students st ON st.class_id = c.id AND st.status = 'active' "
                        "WHERE c.name = ? AND st.code = ?");
    s.bind(1, r.class_name).bind(2, r.student);
    if (!s.step())
      return Status(ErrorCode::kInvalidValue, "không có học sinh mã " + excerpt(r.student) + " đang học lớp " + excerpt(r.class_name));
    class_id = s.int64(0);
    student_id = s.int64(1);
  }
  if (!class_subject(db, class_id, r.subject))
    return Status(ErrorCode::kInvalidValue, "lớp " + r.class_name + " không học môn " + excerpt(r.subject));
  {
    auto s = db.prepare("SELECT id FROM subjects WHERE name = ?");
    s.bind(1, r.subject);
    s.step();
    subject_id = s.int64(0);
    auto u = db.prepare("SELECT id FROM users WHERE username = ?");
    u.bind(1, by);
    if (u.step()) user_id = u.int64(0);  // 0: the maintenance identity
  }
  std::vector<std::uint64_t> versions;
  for (const std::string term : {"HK1", "HK2"}) {
    if (r.term != "CN" && r.term != term) continue;
    auto a = db.prepare("SELECT 1 FROM confirmations WHERE class_id = ? AND term = ? AND step = 'approve' "
                        "AND revoked_at IS NULL");
    a.bind(1, class_id).bind(2, term);
    if (a.step())
      return Status(ErrorCode::kApprovedReadOnly, "kết quả " + term + " lớp " + r.class_name +
                                                      " đã được phê duyệt; cần hủy phê duyệt trước khi ghi miễn học");
    const std::string col = term + ".MIEN";
    auto cur = db.prepare("SELECT value FROM cells WHERE class_id = ? AND subject_id = ? AND student_id = ? AND col = ?");
    cur.bind(1, class_id).bind(2, subject_id).bind(3, student_id).bind(4, col);
    const std::string old = cur.step() ? cur.text(0) : std::string();
    if (old == r.reason) continue;  // already so
    const std::string note = (r.reason.empty() ? "bỏ miễn học do " : "miễn học do ") + by + " ghi";
    const auto version =
        write_server_version(db, {class_id, subject_id, student_id, col, r.reason, user_id, note}, now);
    // The same shape as an approved correction's entry: it vouches for the version (records_check).
    append_audit(db, {now, by, "", "exemption",
                      nlohmann::json{{"class", r.class_name}, {"subject", r.subject}, {"student", r.student},
                                     {"column", col}, {"old", old}, {"new", r.reason}, {"version", version}}
                          .dump()});
    versions.push_back(version);
  }
  tx.commit();
  return versions;
}

}  // namespace sodiem::server
