// A student who changes class within the school year (import students
// naming another class) takes their marks along: each non-empty cell of
// theirs in the old class whose subject the new class also has (homeroom
// cells — conduct, attendance, comments — always) becomes a new version in
// the new class, written by the server with the original author and a note
// ("theo học sinh chuyển từ lớp 6A"), vouched for by one "student_moved"
// audit entry. The old class's cells stay as they were: its history and
// printed records keep them. A cell the new class already holds a
// different value in is not overwritten (counted as kept). The move is
// recorded (table student_moves) so that the old class's teachers are told:
// move_notices(). Called by import_students inside its transaction.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sodiem/protocol/messages.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct StudentMove {
  std::string student, from_class, to_class;
  std::vector<std::uint64_t> versions;  // written in the new class
  int kept = 0;                         // not moved: the new class already had another value
  int left_behind = 0;                  // not moved: the new class does not have the subject
};

StudentMove move_student_marks(store::Db& db, std::int64_t student_id, std::int64_t from_class_id,
                               std::int64_t to_class_id, const std::string& by, std::int64_t now);

// The moves of this school year out of the classes among `assignments` (a
// user's, subject or homeroom): what that user's roster tells them, oldest first.
std::vector<protocol::MoveNotice> move_notices(store::Db& db, const std::vector<protocol::Assignment>& assignments);

}  // namespace sodiem::server
