#include "sodiem/server/history.hpp"

#include <algorithm>

#include "sodiem/protocol/messages.hpp"
#include "sodiem/server/directory.hpp"

namespace sodiem::server {

Result<std::vector<HistoryEvent>> cell_history(sqlite::Db& db, const std::string& class_name,
                                               const std::string& subject, const std::string& student,
                                               const std::string& column) {
  std::int64_t class_id = 0, subject_id = kHomeroomSubjectId, student_id = 0;
  {
    auto s = db.prepare("SELECT id FROM classes WHERE name = ?");
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
      "SELECT c.version, c.kind, c.value, u.username, d.public_id || ' (' || d.name || ')', c.received_at, "
      "c.recorded_at, c.current_version FROM changes c JOIN users u ON u.id = c.user_id "
      "JOIN devices d ON d.id = c.device_id "
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
    if (s.int64(1) == 0) {
      e.outcome = "OK";
      current = e.new_value;
    } else {
      e.outcome = "CONFLICT";
      e.reason = "giá trị đồng thời, giữ lại như xung đột; phiên bản " + std::to_string(s.int64(7)) + " vẫn hiện hành";
    }
    events.push_back(std::move(e));
  }
  auto r = db.prepare(
      "SELECT o.code, o.reason, o.value, u.username, d.public_id || ' (' || d.name || ')', o.at FROM op_outcomes o "
      "JOIN devices d ON d.id = o.device_id JOIN users u ON u.id = d.user_id "
      "WHERE o.class_id = ? AND o.subject_id = ? AND o.student_id = ? AND o.col = ? AND o.code NOT IN ('OK', 'CONFLICT')");
  r.bind(1, class_id).bind(2, subject_id).bind(3, student_id).bind(4, column);
  while (r.step()) {
    HistoryEvent e;
    e.outcome = r.text(0);
    e.reason = r.text(1);
    e.new_value = r.text(2);
    e.author = r.text(3);
    e.device = r.text(4);
    e.at = r.int64(5);
    events.push_back(std::move(e));
  }
  std::stable_sort(events.begin(), events.end(), [](const HistoryEvent& a, const HistoryEvent& b) { return a.at < b.at; });
  return events;
}

}  // namespace sodiem::server
