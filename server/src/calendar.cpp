// The school calendar for attendance (see calendar.hpp).
#include "sodiem/server/calendar.hpp"

#include <nlohmann/json.hpp>

#include "sodiem/server/audit.hpp"
#include "sodiem/server/locks.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {

protocol::SchoolCalendar load_calendar(store::Db& db) {
  protocol::SchoolCalendar c;
  {
    auto s = db.prepare("SELECT starts_on, ends_on FROM school_years WHERE current = 1 ORDER BY id DESC LIMIT 1");
    if (s.step()) {
      c.first_day = s.text(0);
      c.last_day = s.text(1);
    }
  }
  {
    auto s = db.prepare("SELECT t.code, t.starts_on, t.ends_on FROM terms t JOIN school_years y ON y.id = t.school_year_id "
                        "WHERE y.current = 1 ORDER BY t.code");
    while (s.step()) c.terms.push_back({s.text(0), s.text(1), s.text(2)});
  }
  c.sundays = get_meta(db, "sundays", "0") == "1";
  auto s = db.prepare("SELECT name FROM current_classes WHERE sessions_per_day = 2 ORDER BY grade, name");
  while (s.step()) c.two_session_classes.push_back(s.text(0));
  return c;
}

Status set_sundays(store::Db& db, bool sundays, const std::string& by, std::int64_t now) {
  if (auto st = check_lock_authority(db, by); !st) return st;
  store::Transaction tx(db);
  const bool before = get_meta(db, "sundays", "0") == "1";
  set_meta(db, "sundays", sundays ? "1" : "0");
  bump_roster_version(db);  // devices check attendance days against it
  append_audit(db, {now, by, "", "setting_changed",
                    nlohmann::json{{"setting", "sundays"}, {"old", before}, {"new", sundays}}.dump()});
  tx.commit();
  return Status::ok();
}

Status set_sessions_per_day(store::Db& db, const std::string& class_name, std::optional<int> grade, int sessions,
                            const std::string& by, std::int64_t now) {
  if (auto st = check_lock_authority(db, by); !st) return st;
  if (sessions != 1 && sessions != 2)
    return Status(ErrorCode::kInvalidValue, "số buổi học mỗi ngày phải là 1 hoặc 2");
  if (class_name.empty() == !grade.has_value())
    return Status(ErrorCode::kInvalidValue, "hãy chọn một lớp (--class) hoặc một khối (--grade)");
  store::Transaction tx(db);
  auto u = class_name.empty() ? db.prepare("UPDATE classes SET sessions_per_day = ? WHERE id IN (SELECT id FROM current_classes WHERE grade = ?)")
                              : db.prepare("UPDATE classes SET sessions_per_day = ? WHERE id IN (SELECT id FROM current_classes WHERE name = ?)");
  u.bind(1, sessions);
  if (class_name.empty()) u.bind(2, *grade);
  else u.bind(2, class_name);
  u.step();
  if (db.changes() == 0)
    return Status(ErrorCode::kInvalidValue, class_name.empty() ? "khối " + std::to_string(*grade) + " chưa có lớp nào"
                                                           : "không có lớp \"" + class_name + "\"");
  bump_roster_version(db);
  append_audit(db, {now, by, "", "setting_changed",
                    nlohmann::json{{"setting", "sessions_per_day"},
                                   {"class", class_name},
                                   {"grade", grade ? nlohmann::json(*grade) : nlohmann::json(nullptr)},
                                   {"new", sessions}}
                        .dump()});
  tx.commit();
  return Status::ok();
}

}  // namespace sodiem::server
