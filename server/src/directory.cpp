#include "sodiem/server/directory.hpp"

#include <algorithm>
#include <sstream>

#include "sodiem/server/calendar.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/school_year.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {

bool UserAccess::has_role(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool UserAccess::sees_everything() const {
  return has_role("HT") || has_role("PHT") || has_role("ADMIN") || has_role("VANTHU");
}

bool UserAccess::may_write_marks(std::int64_t class_id, std::int64_t subject_id, std::int64_t now) const {
  if (disabled) return false;
  auto it = teaches.find({class_id, subject_id});
  return it != teaches.end() && (it->second == 0 || now <= it->second);
}

bool UserAccess::may_write_homeroom(std::int64_t class_id) const {
  return !disabled && homeroom_classes.contains(class_id);
}

bool UserAccess::reads_whole_class(std::int64_t class_id) const {
  return !disabled && (sees_everything() || homeroom_classes.contains(class_id));
}

bool UserAccess::may_read(std::int64_t class_id, std::int64_t subject_id) const {
  if (disabled) return false;
  if (reads_whole_class(class_id)) return true;
  if (subject_id == kHomeroomSubjectId) return false;
  return teaches.contains({class_id, subject_id}) || (has_role("TTCM") && department_subjects.contains(subject_id));
}

void Directory::load(store::Db& db) {
  *this = Directory();
  {
    auto s = db.prepare("SELECT id, name, grade FROM current_classes ORDER BY grade, name");
    while (s.step()) {
      class_index_[s.text(1)] = classes_.size();
      class_ids_[s.int64(0)] = classes_.size();
      classes_.push_back({s.int64(0), s.text(1), static_cast<int>(s.int64(2))});
    }
  }
  {
    auto s = db.prepare("SELECT id, name, scored, periods_per_year FROM subjects ORDER BY id");
    while (s.step()) {
      subject_index_[s.text(1)] = subjects_.size();
      subject_ids_[s.int64(0)] = subjects_.size();
      subjects_.push_back({s.int64(0), {s.text(1), s.int64(2) != 0, static_cast<int>(s.int64(3)), false, "", false, ""}});
    }
  }
  for (auto& cs : load_class_subjects(db)) class_subjects_[{cs.class_id, cs.subject_id}] = std::move(cs.info);
  grade_subjects_ = load_grade_subjects(db);
  class_choices_ = load_class_choices(db);
  {
    auto s = db.prepare("SELECT s.id, s.code, s.full_name, s.class_id FROM students s JOIN current_classes c ON c.id = s.class_id "
                        "WHERE s.status = 'active' ORDER BY s.id");
    while (s.step()) {
      student_index_[s.text(1)] = students_.size();
      student_ids_[s.int64(0)] = students_.size();
      students_.push_back({s.int64(0), s.text(1), s.text(2), s.int64(3)});
    }
  }
  {
    auto s = db.prepare("SELECT id, username, roles, disabled, full_name FROM users");
    while (s.step()) {
      UserAccess u;
      u.user_id = s.int64(0);
      u.username = s.text(1);
      u.full_name = s.text(4);
      std::stringstream roles(s.text(2));
      for (std::string r; std::getline(roles, r, ',');)
        if (!r.empty()) u.roles.push_back(r);
      u.disabled = s.int64(3) != 0;
      users_[u.user_id] = std::move(u);
    }
  }
  {
    auto s = db.prepare("SELECT t.user_id, t.class_id, t.subject_id, COALESCE(t.ends_at, 0) FROM teaching_assignments t "
                        "JOIN current_classes c ON c.id = t.class_id");  // this year's
    while (s.step())
      if (auto it = users_.find(s.int64(0)); it != users_.end())
        it->second.teaches[{s.int64(1), s.int64(2)}] = s.int64(3);
  }
  {
    auto s = db.prepare("SELECT u.id, s.id FROM users u JOIN subjects s ON s.department = u.department "
                        "WHERE u.department != '' AND u.roles LIKE '%TTCM%'");
    while (s.step())
      if (auto it = users_.find(s.int64(0)); it != users_.end()) it->second.department_subjects.insert(s.int64(1));
  }
  {
    auto s = db.prepare("SELECT h.user_id, h.class_id FROM homerooms h JOIN current_classes c ON c.id = h.class_id");
    while (s.step())
      if (auto it = users_.find(s.int64(0)); it != users_.end()) it->second.homeroom_classes.insert(s.int64(1));
  }
  calendar_ = load_calendar(db);
  school_year_ = current_year_name(db);
  school_name_ = get_meta(db, "school_name");
  version_ = std::stoull(get_meta(db, "roster_version", "1"));
}

template <typename Row, typename Map>
static const Row* find_in(const std::vector<Row>& rows, const Map& index, const typename Map::key_type& key) {
  auto it = index.find(key);
  return it == index.end() ? nullptr : &rows[it->second];
}

const ClassRow* Directory::class_by_name(std::string_view n) const {
  return find_in(classes_, class_index_, std::string(n));
}
const ClassRow* Directory::class_by_id(std::int64_t id) const { return find_in(classes_, class_ids_, id); }
const SubjectRow* Directory::subject_by_name(std::string_view n) const {
  return find_in(subjects_, subject_index_, std::string(n));
}
const SubjectRow* Directory::subject_by_id(std::int64_t id) const { return find_in(subjects_, subject_ids_, id); }
const protocol::SubjectInfo* Directory::subject_info(std::int64_t class_id, std::int64_t subject_id) const {
  auto it = class_subjects_.find({class_id, subject_id});
  return it == class_subjects_.end() ? nullptr : &it->second;
}
const StudentRow* Directory::student_by_code(std::string_view c) const {
  return find_in(students_, student_index_, std::string(c));
}
const StudentRow* Directory::student_by_id(std::int64_t id) const { return find_in(students_, student_ids_, id); }

const UserAccess* Directory::user(std::int64_t id) const {
  auto it = users_.find(id);
  return it == users_.end() ? nullptr : &it->second;
}

const std::string& Directory::username_of(std::int64_t user_id) const {
  static const std::string kUnknown = "?";
  const UserAccess* u = user(user_id);
  return u ? u->username : kUnknown;
}

protocol::Roster Directory::roster_for(const UserAccess& user) const {
  protocol::Roster r;
  r.version = version_;
  r.roles = user.roles;
  std::set<std::int64_t> visible_classes;
  r.whole_classes.emplace();  // this server says, even when no class is whole
  r.read_subjects.emplace();  // and what it reads of the others, by the pulls' own rule
  for (const auto& c : classes_) {
    bool visible = user.sees_everything() || user.homeroom_classes.contains(c.id) ||
                   (user.has_role("TTCM") && !user.department_subjects.empty());
    for (const auto& [key, ends] : user.teaches)
      if (key.first == c.id) visible = true;
    if (visible) {
      visible_classes.insert(c.id);
      r.classes.push_back({c.name, c.grade});
      if (user.reads_whole_class(c.id)) {
        r.whole_classes.value().push_back(c.name);
      } else {
        protocol::ReadSubjects read{c.name, {}};
        for (const auto& s : subjects_)
          if (user.may_read(c.id, s.id)) read.subjects.push_back(s.info.name);
        if (!read.subjects.empty()) r.read_subjects.value().push_back(std::move(read));
      }
      if (auto it = class_choices_.find(c.id); it != class_choices_.end()) r.class_subjects.push_back(it->second);
    }
  }
  for (const auto& s : subjects_) r.subjects.push_back(s.info);
  r.grade_subjects = grade_subjects_;
  for (const auto& st : students_)
    if (visible_classes.contains(st.class_id)) r.students.push_back({st.code, st.full_name, class_by_id(st.class_id)->name});
  for (const auto& [key, ends] : user.teaches)
    r.assignments.push_back({class_by_id(key.first)->name, subject_by_id(key.second)->info.name});
  for (std::int64_t c : user.homeroom_classes)
    r.assignments.push_back({class_by_id(c)->name, std::string(protocol::kHomeroomSubject)});
  r.calendar = calendar_;
  r.school_year = school_year_;
  r.school = school_name_;
  r.full_name = user.full_name;
  std::erase_if(r.calendar.two_session_classes, [&](const std::string& name) {
    const ClassRow* c = class_by_name(name);
    return !c || !visible_classes.contains(c->id);
  });
  return r;
}

}  // namespace sodiem::server
