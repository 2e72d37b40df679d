// Directory: an in-memory copy of the school's roster (classes, subjects,
// students) and of every user's roles and assignments, so ingest resolves
// names and checks permissions without a query per op. Loaded from the
// database; reload() after any roster or account change. Not thread-safe:
// owned by the SyncService worker thread.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sodiem/protocol/messages.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct ClassRow {
  std::int64_t id;
  std::string name;
  int grade;
};
// Subject id of homeroom cells in `cells` and `changes`.
inline constexpr std::int64_t kHomeroomSubjectId = 0;

struct SubjectRow {
  std::int64_t id;
  protocol::SubjectInfo info;
};
struct StudentRow {
  std::int64_t id;
  std::string code;
  std::string full_name;
  std::int64_t class_id;
};

// What one user may read and write. Server-side truth; the client's claims
// are never consulted.
struct UserAccess {
  std::int64_t user_id = 0;
  std::string username;
  std::string full_name;
  std::vector<std::string> roles;
  // (class_id, subject_id) → assignment end (unix seconds; 0 = open-ended).
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> teaches;
  std::set<std::int64_t> homeroom_classes;
  // TTCM: the subjects of their department, readable in every class.
  std::set<std::int64_t> department_subjects;
  bool disabled = false;

  bool has_role(std::string_view role) const;
  bool sees_everything() const;  // HT, PHT, ADMIN, VANTHU
  // Subject cells: an active teaching assignment for class × subject.
  bool may_write_marks(std::int64_t class_id, std::int64_t subject_id, std::int64_t now) const;
  // Homeroom cells (subject id 0): the homeroom teacher of the class.
  bool may_write_homeroom(std::int64_t class_id) const;
  // subject_id 0 = the class's homeroom cells.
  bool may_read(std::int64_t class_id, std::int64_t subject_id) const;
  // Every cell of the class, the homeroom's and every subject's (its board's
  // whole data): may_read answers yes for each of them. The roster's `wc`.
  bool reads_whole_class(std::int64_t class_id) const;
};

class Directory {
 public:
  void load(store::Db& db);

  const ClassRow* class_by_name(std::string_view name) const;
  const ClassRow* class_by_id(std::int64_t id) const;
  const SubjectRow* subject_by_name(std::string_view name) const;
  const SubjectRow* subject_by_id(std::int64_t id) const;
  // The subject's settings in the class's grade (class_subjects.hpp); nullptr
  // when the class's grade does not have that subject.
  const protocol::SubjectInfo* subject_info(std::int64_t class_id, std::int64_t subject_id) const;
  const StudentRow* student_by_code(std::string_view code) const;
  const StudentRow* student_by_id(std::int64_t id) const;
  const UserAccess* user(std::int64_t id) const;
  const std::string& username_of(std::int64_t user_id) const;

  // The part of the roster `user` may see, with their own assignments.
  protocol::Roster roster_for(const UserAccess& user) const;
  std::uint64_t version() const { return version_; }
  // Attendance days and sessions (calendar.hpp), as loaded.
  const protocol::SchoolCalendar& calendar() const { return calendar_; }
  // The current school year's name ("" before any is set up).
  const std::string& school_year() const { return school_year_; }

 private:
  std::vector<ClassRow> classes_;
  std::vector<SubjectRow> subjects_;
  std::vector<StudentRow> students_;
  std::unordered_map<std::string, std::size_t> class_index_, subject_index_, student_index_;
  std::unordered_map<std::int64_t, std::size_t> class_ids_, subject_ids_, student_ids_;
  std::unordered_map<std::int64_t, UserAccess> users_;
  std::map<std::pair<std::int64_t, std::int64_t>, protocol::SubjectInfo> class_subjects_;
  std::vector<protocol::GradeSubject> grade_subjects_;
  std::map<std::int64_t, protocol::ClassSubjects> class_choices_;  // by class id: classes with a choice
  protocol::SchoolCalendar calendar_;
  std::string school_year_;
  std::string school_name_;
  std::uint64_t version_ = 0;
};

}  // namespace sodiem::server
