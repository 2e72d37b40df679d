// SQL fragments of the outbox's meaning (and of a class's subjects), shared by the LocalStore's source
// files (internal to client/src). The highest seq whose answer has been
// recorded (see migration 6), and so what "pending" means: of an outbox row,
// and of one aliased `o`. Refusal states: 0 pending, 1 accepted, 2 refused,
// 3 conflicting.
#pragma once

#define SODIEM_ACKED_THROUGH "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'acked_through')"
#define SODIEM_PENDING "state = 0 AND seq > " SODIEM_ACKED_THROUGH
#define SODIEM_O_PENDING "o.state = 0 AND o.seq > " SODIEM_ACKED_THROUGH

namespace sodiem::client {
// A class's subjects with their settings as the server's class_subjects.hpp
// decides them (after "SELECT "; the caller adds " AND c.name = ?" and its
// order): a grade with rows has exactly those subjects; a class with
// class_subjects rows (its choice of electives and study topics) has exactly
// those of them, with their study topics.
inline constexpr const char* kClassGradeSubjects =
    "g.name, g.scored, g.periods_per_year, CASE WHEN k.class_name IS NULL THEN g.study_topics ELSE k.study_topics END, "
    "g.assessed_as, g.primary_rated, g.periodic_tests FROM classes c JOIN grade_subjects g ON g.grade = c.grade "
    "LEFT JOIN class_subjects k ON k.class_name = c.name AND k.name = g.name "
    "WHERE (k.class_name IS NOT NULL OR NOT EXISTS (SELECT 1 FROM class_subjects x WHERE x.class_name = c.name))";
enum OpState { kPending = 0, kAccepted = 1, kRefused = 2, kConflicted = 3 };
}  // namespace sodiem::client
