// The subjects of a class and their settings: a grade set up from a
// curriculum (grade_subjects, sodiem-server setup) has exactly its own
// subjects with its own periods, kind, study topics and combined subject; a
// grade without has every subject as `subjects` has it (the demo school,
// databases from before). The one place this rule is written; every server
// path that needs a subject's settings for a class asks here (or the
// Directory, loaded from here). Same thread as the connection.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sodiem/core/required_cells.hpp"
#include "sodiem/protocol/messages.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct ClassSubject {
  std::int64_t class_id = 0, subject_id = 0;
  protocol::SubjectInfo info;
};

// Every (class, subject) pair of the school with its settings.
std::vector<ClassSubject> load_class_subjects(store::Db& db);

// One class's subjects (its assigned subjects), in subject order.
std::vector<ClassSubject> class_subjects_of(store::Db& db, std::int64_t class_id);

// One class's subject `name`; nullopt if that subject is not taught in the class's grade.
std::optional<protocol::SubjectInfo> class_subject(store::Db& db, std::int64_t class_id, const std::string& name);

// What a class's board and its class-level signatures are built from
// (board::ClassBook): its assigned subjects, its active students, every cell
// of the class and whether it is taught two sessions a day. Empty (no class
// name) for an unknown class id. With `only_term` ("HK1"/"HK2"), only that
// term's cells (enough for board::subject_counts, the progress report).
board::ClassBook load_class_book(store::Db& db, std::int64_t class_id, const std::string& only_term = "");

// Every (class, subject) of `before` whose settings in `after` strand marks
// already recorded: gone from the class (`gone` says how, "… không thể " +
// gone), another kind, or fewer regular assessments than columns already
// filled; one line each ("lớp 10A1, môn Địa lí: đã có điểm, không thể …").
// Empty when the change is safe.
std::vector<std::string> stranded_marks(store::Db& db, const std::vector<ClassSubject>& before,
                                        const std::vector<ClassSubject>& after, const std::string& gone);

// The classes that learn only some of their grade's subjects (a THPT
// class's choice, class_choices.hpp), by class id, as the roster sends them.
std::map<std::int64_t, protocol::ClassSubjects> load_class_choices(store::Db& db);

// The per-grade settings rows, as the roster sends them (Roster::grade_subjects).
std::vector<protocol::GradeSubject> load_grade_subjects(store::Db& db);

}  // namespace sodiem::server
