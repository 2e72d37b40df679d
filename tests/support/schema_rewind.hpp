// For tests of migrations from an earlier release: undoes the schema steps
// after `version` that those tests do not rebuild themselves, so the
// database reads as that release left it. Header-only; tests only.
#pragma once
#include <string>
#include <vector>

#include "sodiem/store/db.hpp"

namespace sodiem::testing {

// Back to before migration 23 (a THPT class's choice of electives and study topics).
inline void rewind_class_choices(store::Db& db) {
  db.exec("DROP TABLE IF EXISTS class_subject_choices; PRAGMA user_version=22");  // its triggers go with it
}

// Back to before migration 22 (the class moves the old class's teachers are told of).
inline void rewind_student_moves(store::Db& db) {
  rewind_class_choices(db);
  db.exec("DROP INDEX IF EXISTS student_moves_by_class; DROP TABLE IF EXISTS student_moves; PRAGMA user_version=21");
}

// Back to before migration 21 (access tables tied to the audit trail), and
// so before every later one.
inline void rewind_access_seal(store::Db& db) {
  rewind_student_moves(db);
  std::vector<std::string> triggers;
  {
    auto s = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'access\\_%' ESCAPE '\\'");
    while (s.step()) triggers.push_back(s.text(0));
  }
  for (const auto& t : triggers) db.exec("DROP TRIGGER " + t);
  db.exec("DROP INDEX IF EXISTS audit_log_access; ALTER TABLE audit_log DROP COLUMN access; "
          "ALTER TABLE console_sessions DROP COLUMN login_seq; PRAGMA user_version=20");
}

}  // namespace sodiem::testing
