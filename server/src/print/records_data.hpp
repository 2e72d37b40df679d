// What the printed and exported records read (records_print.cpp,
// records_primary.cpp, xlsx_export.cpp, district_export.cpp): a class's
// current students in class-list order, the subject's cells, the summary
// board pivoted for tables, the signatures and what a page says of them.
// Internal to sodiem_print.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sodiem/protocol/messages.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server::records {

struct Student {
  std::string code, name;
  std::string birth, sex;  // "05/09/2014" (or as stored), "Nam" / "Nữ"
};

struct ClassData {
  std::int64_t id = 0;
  std::string name;
  std::vector<Student> students;  // current students, class-list order
};

std::optional<ClassData> load_class(store::Db& db, const std::string& class_name);

struct SubjectData {
  std::int64_t id = 0;
  protocol::SubjectInfo info;
  std::map<std::string, std::map<std::string, std::string>> cells;  // student code → column → value
};
std::optional<SubjectData> load_subject(store::Db& db, const ClassData& cls, const std::string& subject);

// A primary (TT27) rating in the form of the circular's records (Thông tư
// 27/2020: the học bạ and the class's bảng tổng hợp write each level as a
// symbol): a subject T / H / C (Hoàn thành tốt / Hoàn thành / Chưa hoàn
// thành), a quality or competence T / Đ / C (Tốt / Đạt / Cần cố gắng),
// however it was typed (T, HTT, tot, the words); anything else (Miễn, a
// test score, "") as it is. The one mapping of the primary PDFs
// (records_primary.cpp) and the district export (district_export.cpp).
// Checked against the circular's forms as schools fill them: the học bạ
// and the assessment sheets write T / H / C for a subject or educational
// activity and T / Đ / C for a quality or competence (e.g. Báo Lào Cai,
// "Chữ H trong kết quả học tập của con…", https://baolacai.net/?p=792522,
// citing the rules in force for primary assessment, TT27/2020).
enum class Rated { kSubject, kQuality };
std::string tt27_form(const std::string& value, Rated what);
// A primary board column's value (summary_board.hpp's column names) in that
// form: "Phẩm chất …" and "Năng lực …" as qualities, a subject's column as
// its rating; its test ("… (KTĐK)") and the year's own columns (Kết quả
// giáo dục, Hoàn thành chương trình, Khen thưởng, Nghỉ) as they are.
std::string tt27_board_form(const std::string& column, const std::string& value);
// One of the year's own columns of a primary board: Kết quả giáo dục, Hoàn thành chương trình, Khen thưởng, Nghỉ.
bool tt27_year_column(const std::string& column);
// The key printed with those symbols.
inline constexpr const char* kTt27Legend =
    "Mức đạt được: T hoàn thành tốt, H hoàn thành, C chưa hoàn thành; điểm kiểm tra định kì 1–10; "
    "phẩm chất, năng lực: T tốt, Đ đạt, C cần cố gắng.";

// "Năm học 2026-2027", or "" without a current year.
std::string year_name(store::Db& db);

// The summary board of a class and term (summary_board.hpp), pivoted:
// sections in order ("Tổng hợp HKn", and for HK2 "Tổng hợp CN"), each one's
// columns in order, and section → student → column → value.
struct BoardTable {
  std::vector<std::string> sections;
  std::map<std::string, std::vector<std::string>> columns;
  std::map<std::string, std::map<std::string, std::map<std::string, std::string>>> values;
};
BoardTable class_board(store::Db& db, const ClassData& cls, const std::string& term);

// One confirmation step's active signature (confirmations.hpp), if any, and
// whether the data as it stands still gives the digest it signed.
struct Signed {
  std::string step, signer, signer_name, digest;
  std::int64_t at = 0;
  bool matches = false;
};
// subject_id < 0: a class-level step (class, review, approve).
std::optional<Signed> signed_step(store::Db& db, std::int64_t class_id, std::int64_t subject_id, const std::string& term,
                                  const std::string& step);

// "dd/mm/yyyy hh:mm", Vietnam time.
std::string date_time_vn(std::int64_t unix_seconds);
// Under a signature block: "(Ký, ghi rõ họ tên)", or when and whether the
// data still matches.
std::string signature_note(const std::optional<Signed>& s);
// The page footer: when printed, draft or not, each step's digest.
std::string footer(const std::vector<std::optional<Signed>>& steps, bool approved);
// The class's homeroom teacher's and the principal's full names, or "".
std::string homeroom_teacher(store::Db& db, std::int64_t class_id);
std::string principal(store::Db& db);

}  // namespace sodiem::server::records
