// What the printed and exported records read (records_print.cpp,
// xlsx_export.cpp): a class's current students in class-list order, the
// subject's cells, the summary board pivoted for tables. Internal to
// sodiem_print.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sodiem/protocol/messages.hpp"
#include "sodiem/sqlite/db.hpp"

namespace sodiem::server::records {

struct Student {
  std::string code, name;
};

struct ClassData {
  std::int64_t id = 0;
  std::string name;
  std::vector<Student> students;  // current students, class-list order
};

std::optional<ClassData> load_class(sqlite::Db& db, const std::string& class_name);

struct SubjectData {
  std::int64_t id = 0;
  protocol::SubjectInfo info;
  std::map<std::string, std::map<std::string, std::string>> cells;  // student code → column → value
};
std::optional<SubjectData> load_subject(sqlite::Db& db, const ClassData& cls, const std::string& subject);

// "8.5" → "8,5": marks and averages as Vietnamese write them; text as it is.
std::string comma(std::string value);

// "Năm học 2026-2027", or "" without a current year.
std::string year_name(sqlite::Db& db);

// The summary board of a class and term (summary_board.hpp), pivoted:
// sections in order ("Tổng hợp HKn", and for HK2 "Tổng hợp CN"), each one's
// columns in order, and section → student → column → value.
struct BoardTable {
  std::vector<std::string> sections;
  std::map<std::string, std::vector<std::string>> columns;
  std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> values;
};
BoardTable class_board(sqlite::Db& db, const ClassData& cls, const std::string& term);

}  // namespace sodiem::server::records
