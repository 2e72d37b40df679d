// The cell history from the authoritative store (cell_history): accepted
// versions, conflicts, refusals and correction requests in order. Called by
// the console's cell page, the `history` command and sync's history request.
#include "sodiem/server/history.hpp"

#include <algorithm>
#include <limits>

#include "sodiem/protocol/error_code.hpp"
#include "sodiem/protocol/messages.hpp"
#include "sodiem/server/directory.hpp"

namespace sodiem::server {

Result<std::vector<HistoryEvent>> cell_history(store::Db& db, const std::string& class_name,
                                               const std::string& subject, const std::string& student,
                                               const std::string& column) {
  std::int64_t class_id = 0, subject_id = kHomeroomSubjectId, student_id = 0;
  {
    auto s = db.prepare("SELECT id FROM current_classes WHERE name = ?");
    s.bind(1, class_name);
    if (!s.step()) return Status(ErrorCode::kInvalidValue, "không có lớp " + class_name);
    class_id = s.int64(0);
  }
  if (subject != protocol::kHomeroomSubject) {
    auto s = db.prepare("SELECT id FROM subjects WHERE name = ?");
    s.bind(1, subject);
    if (!s.step()) return Status(ErrorCode::kInvalidValue, "không có môn " + subject);
    subject_id = s.int64(0);
  }
  {
    auto s = db.prepare("SELECT id FROM students WHERE code = ? AND class_id = ?");
    s.bind(1, student).bind(2, class_id);
    if (!s.step()) return Status(ErrorCode::kInvalidValue, "không có học sinh " + student + " trong lớp " + class_name);
    student_id = s.int64(0);
  }
  std::vector<HistoryEvent> events;
  auto s = db.prepare(
      "SELECT c.version, c.kind, c.value, u.username, COALESCE(d.public_id || ' (' || d.name || ')', 'máy chủ'), "
      "c.received_at, c.recorded_at, c.current_version, COALESCE(c.note, ''), c.seq FROM changes c "
      "JOIN users u ON u.id = c.user_id LEFT JOIN devices d ON d.id = c.device_id "
      "WHERE c.class_id = ? AND c.subject_id = ? AND c.student_id = ? AND c.col = ? ORDER BY c.version");
  s.bind(1, class_id).bind(2, subject_id).bind(3, student_id).bind(4, column);
  std::string current;
  while (s.step()) {
    HistoryEvent e;
    e.version = static_cast<std::uint64_t>(s.int64(0));
    e.new_value = s.text(2);
    e.author = s.text(3);
    e.device = s.text(4);
    e.at = s.int64(5);
    e.recorded_at = s.int64(6);
    e.old_value = current;
    // Within one second, events follow the author's op order (2·seq); a
    // version the server wrote (an approved correction) follows its request,
    // set below once the requests are read.
    e.order = 2 * s.int64(9);
    if (s.int64(1) == 0) {
      e.outcome = "OK";
      e.reason = s.text(8);
      current = e.new_value;
    } else if (s.int64(1) == 2) {
      // The marker a resolution leaves after its own version (listed just above).
      e.outcome = "RESOLVED";
      e.old_value = e.new_value;
      e.reason = "các giá trị xung đột của ô đã được xử lý; phiên bản " + std::to_string(s.int64(7)) + " là giá trị hiện hành";
    } else {
      e.outcome = "CONFLICT";
      e.reason = "giá trị đồng thời, giữ lại như xung đột; phiên bản " + std::to_string(s.int64(7)) + " vẫn hiện hành";
    }
    events.push_back(std::move(e));
  }
  // Correction requests: filed, then approved (a version above) or refused.
  auto q = db.prepare(
      "SELECT r.id, r.old_value, r.new_value, r.reason, u.username, d.public_id || ' (' || d.name || ')', "
      "r.requested_at, r.status, COALESCE(r.decided_by, ''), COALESCE(r.decision_comment, ''), COALESCE(r.decided_at, 0), "
      "COALESCE(r.applied_version, 0), r.seq "
      "FROM corrections r JOIN users u ON u.id = r.requested_by JOIN devices d ON d.id = r.device_id "
      "WHERE r.class_id = ? AND r.subject_id = ? AND r.student_id = ? AND r.col = ?");
  q.bind(1, class_id).bind(2, subject_id).bind(3, student_id).bind(4, column);
  while (q.step()) {
    HistoryEvent e;
    e.outcome = "CORRECTION_REQUESTED";
    e.old_value = q.text(1);
    e.new_value = q.text(2);
    e.reason = "yêu cầu điều chỉnh #" + std::to_string(q.int64(0)) + ": " + q.text(3);
    e.author = q.text(4);
    e.device = q.text(5);
    e.at = q.int64(6);
    e.order = 2 * q.int64(12);
    if (const auto applied = static_cast<std::uint64_t>(q.int64(11)))
      for (auto& v : events)
        if (v.version == applied) v.order = e.order + 1;
    events.push_back(e);
    if (q.text(7) == "refused") {
      HistoryEvent r;
      r.outcome = "CORRECTION_REFUSED";
      r.old_value = e.old_value;
      r.new_value = e.new_value;
      r.reason = "yêu cầu #" + std::to_string(q.int64(0)) + " bị từ chối: " + q.text(9);
      r.author = q.text(8);
      r.device = "máy chủ";
      r.at = q.int64(10);
      r.order = e.order + 1;
      events.push_back(std::move(r));
    }
  }
  auto r = db.prepare(
      "SELECT o.code, o.reason, o.value, u.username, d.public_id || ' (' || d.name || ')', o.at, o.seq FROM op_outcomes o "
      "JOIN devices d ON d.id = o.device_id JOIN users u ON u.id = d.user_id "
      "WHERE o.class_id = ? AND o.subject_id = ? AND o.student_id = ? AND o.col = ? AND o.code NOT IN ('OK', 'CONFLICT')");  // filed corrections are OK: listed above
  r.bind(1, class_id).bind(2, subject_id).bind(3, student_id).bind(4, column);
  while (r.step()) {
    HistoryEvent e;
    e.outcome = r.text(0);
    e.reason = r.text(1);
    e.new_value = r.text(2);
    e.author = r.text(3);
    e.device = r.text(4);
    e.at = r.int64(5);
    e.order = 2 * r.int64(6);
    events.push_back(std::move(e));
  }
  std::stable_sort(events.begin(), events.end(), [](const HistoryEvent& a, const HistoryEvent& b) {
    return a.at != b.at ? a.at < b.at : a.order < b.order;
  });
  return events;
}

}  // namespace sodiem::server
