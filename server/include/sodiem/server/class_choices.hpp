// A THPT class's choice (tổ hợp): its elective subjects and the subjects of
// its study topics (chuyên đề học tập). Chương trình GDPT 2018 (Thông tư
// 32/2018/TT-BGDĐT, amended by Thông tư 13/2022/TT-BGDĐT, which made Lịch
// sử compulsory): every student of grades 10–12 learns the compulsory
// subjects, 4 of the elective subjects (Địa lí, Giáo dục kinh tế và pháp
// luật, Vật lí, Hóa học, Sinh học, Công nghệ, Tin học, Âm nhạc, Mĩ thuật) and
// 3 study-topic clusters of subjects that have them; schools organise this
// per class. Stored in class_subject_choices; class_subjects.hpp (the one
// place that says which subjects a class has) reads it. Written by the CLI
// (`sodiem-server class subjects`, the import of the choices) and the
// console's page (console_class_subjects.cpp), and carried forward by `year new`. Same thread as the connection.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "sodiem/core/status.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

inline constexpr std::size_t kElectivesPerClass = 4;
inline constexpr std::size_t kTopicSubjectsPerClass = 3;

// Whether `subject` is one of the programme's elective subjects (its name
// however typed: "Hoá học", "Mỹ thuật").
bool is_elective(std::string_view subject);

// The ids of the school's subjects that are electives, as ",3,9,12," (","
// when none), for class_subjects.cpp's statement.
std::string elective_subject_ids(store::Db& db);

// One subject a grade offers, as the check needs it.
struct GradeOffer {
  std::string name;
  bool elective = false;     // is_elective
  bool has_topics = false;   // study topics in this grade (grade_subjects.topic_periods > 0)
};

// What `grade` offers (its grade_subjects rows), in subject order; empty
// for a grade set up without a curriculum.
std::vector<GradeOffer> grade_offer(store::Db& db, int grade);

// The choice checked against its grade: names as the grade spells them, or
// every problem in Vietnamese (nothing chosen then).
struct CheckedChoice {
  std::vector<std::string> electives, topics;
  std::vector<std::string> errors;
};
// Exactly kElectivesPerClass electives, each an elective subject of the
// grade, and exactly kTopicSubjectsPerClass study-topic subjects, each a
// subject of the grade with study topics that the class learns (compulsory or
// one of its electives); no name twice.
CheckedChoice check_class_choice(const std::vector<GradeOffer>& grade, const std::vector<std::string>& electives,
                                 const std::vector<std::string>& topics);

struct ClassChoice {
  std::string class_name;  // of the current school year
  std::vector<std::string> electives, topics;
  int line = 0;            // of an imported file, for its refusals (0: none)
};
// Sets classes' choices (HT or ADMIN) in one transaction, each change
// audited ("class_subjects"): refused whole (kInvalidValue, every problem
// named, one a line) when a check fails or when a subject or study-topic
// column in which a class already has marks would go. How many classes
// changed (a class that already has exactly its choice does not).
Result<int> set_class_choices(store::Db& db, const std::vector<ClassChoice>& choices, const std::string& by,
                              std::int64_t now);
// One class: false when it already has exactly this choice.
Result<bool> set_class_choice(store::Db& db, const ClassChoice& choice, const std::string& by, std::int64_t now);

// A current class whose grade offers electives (a THPT class), as the
// console's page shows it: what it learns now and what it may choose from.
struct ClassChoiceRow {
  std::string class_name;
  int grade = 0;
  bool chosen = false;                          // its own choice; without one it learns every subject of its grade
  std::vector<std::string> electives, topics;   // the electives and study-topic subjects it learns now
  std::vector<GradeOffer> offer;                // grade_offer(grade)
};
// Every such class of the current school year, by grade then name.
std::vector<ClassChoiceRow> class_choice_rows(store::Db& db);
// Whether the current school year has such a class (a few queries, not one per class).
bool has_choosing_classes(store::Db& db);

// The rows of a choices file (CSV, ',' or ';', Excel's BOM accepted; header
// "Lớp", "Môn lựa chọn", "Chuyên đề"; the lists inside a field separated by
// ',' or ';', so such a field is quoted in a ','-separated file), or the
// problems of the file (nothing chosen then).
struct ChoicesFile {
  std::vector<ClassChoice> choices;
  std::vector<std::string> errors;
};
ChoicesFile read_choices_csv(std::istream& in);

// `year new`: the promoted class `to` keeps the choice of `from` (10A1 → 11A1).
void carry_class_choice(store::Db& db, std::int64_t from_class_id, std::int64_t to_class_id);

// Splits a list typed as "Vật lí, Hóa học; Tin học" (',' or ';'), trimmed, empties dropped.
std::vector<std::string> split_subject_list(std::string_view text);

}  // namespace sodiem::server
