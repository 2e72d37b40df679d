// Marks that follow a student to another class (student_moves.hpp).
#include "sodiem/server/student_moves.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "sodiem/protocol/messages.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/server_versions.hpp"

namespace sodiem::server {

StudentMove move_student_marks(store::Db& db, std::int64_t student_id, std::int64_t from_class_id,
                               std::int64_t to_class_id, const std::string& by, std::int64_t now) {
  StudentMove move;
  auto name = [&](const char* sql, std::int64_t id) {
    auto s = db.prepare(sql);
    s.bind(1, id);
    return s.step() ? s.text(0) : std::string("?");
  };
  move.student = name("SELECT code FROM students WHERE id = ?", student_id);
  move.from_class = name("SELECT name FROM classes WHERE id = ?", from_class_id);
  move.to_class = name("SELECT name FROM classes WHERE id = ?", to_class_id);
  std::set<std::int64_t> taught{0};  // homeroom cells always follow
  for (const auto& cs : load_class_subjects(db))
    if (cs.class_id == to_class_id) taught.insert(cs.subject_id);

  struct Cell {
    std::int64_t subject_id;
    std::string subject, column, value;
    std::int64_t user_id, version;
  };
  std::vector<Cell> cells;
  {
    auto s = db.prepare("SELECT c.subject_id, COALESCE(s.name, ?), c.col, c.value, c.user_id, c.version FROM cells c "
                        "LEFT JOIN subjects s ON s.id = c.subject_id "
                        "WHERE c.class_id = ? AND c.student_id = ? AND c.value != '' ORDER BY c.subject_id, c.col");
    s.bind(1, protocol::kHomeroomSubject).bind(2, from_class_id).bind(3, student_id);
    while (s.step()) cells.push_back({s.int64(0), s.text(1), s.text(2), s.text(3), s.int64(4), s.int64(5)});
  }
  auto target = db.prepare("SELECT value FROM cells WHERE class_id = ? AND subject_id = ? AND student_id = ? AND col = ?");
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& c : cells) {
    if (!taught.contains(c.subject_id)) {
      ++move.left_behind;
      continue;
    }
    target.bind(1, to_class_id).bind(2, c.subject_id).bind(3, student_id).bind(4, c.column);
    const std::string there = target.step() ? target.text(0) : std::string();
    target.reset();
    if (there == c.value) continue;
    if (!there.empty()) {
      ++move.kept;
      continue;
    }
    const std::string note = "theo học sinh chuyển từ lớp " + move.from_class + " (phiên bản " +
                             std::to_string(c.version) + ")";
    const auto version =
        write_server_version(db, {to_class_id, c.subject_id, student_id, c.column, c.value, c.user_id, note}, now);
    move.versions.push_back(version);
    rows.push_back({version, c.subject, c.column, c.value});
  }
  db.prepare("INSERT INTO student_moves(student_id, from_class_id, to_class_id, at, moved_by) VALUES(?, ?, ?, ?, ?)")
      .bind(1, student_id).bind(2, from_class_id).bind(3, to_class_id).bind(4, now).bind(5, by).run();
  append_audit(db, {now, by, "", "student_moved",
                    nlohmann::json{{"student", move.student},
                                   {"from", move.from_class},
                                   {"to", move.to_class},
                                   {"versions", rows},
                                   {"kept", move.kept},
                                   {"left_behind", move.left_behind}}
                        .dump()});
  return move;
}

std::vector<protocol::MoveNotice> move_notices(store::Db& db, const std::vector<protocol::Assignment>& assignments) {
  std::set<std::string> mine;
  for (const auto& a : assignments) mine.insert(a.class_name);
  std::vector<protocol::MoveNotice> out;
  if (mine.empty()) return out;
  // The old class is one of this year's (current_classes); the new one too.
  auto s = db.prepare(
      "SELECT st.code, st.full_name, f.name, t.name, m.at FROM student_moves m "
      "JOIN current_classes f ON f.id = m.from_class_id JOIN classes t ON t.id = m.to_class_id "
      "JOIN students st ON st.id = m.student_id ORDER BY m.at, m.id");
  while (s.step())
    if (mine.contains(s.text(2))) out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.int64(4)});
  return out;
}

}  // namespace sodiem::server
