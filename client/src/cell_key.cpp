// LocalStore::canonical_cell: a cell key as a person typed it (decomposed
// Unicode from macOS or Unikey's "Unicode tổ hợp", any letter case: "6a",
// "toán", "hs6a01", "hk1.tx1") matched to the roster's own spelling, so that
// the same checks and the same stored keys follow whatever was typed. Part
// of LocalStore (see local_store.hpp); same thread as the store.
#include <cctype>

#include "sodiem/client/local_store.hpp"
#include "sodiem/core/unicode_text.hpp"

namespace sodiem::client {

namespace {
// The roster spelling among `names` that matches `typed`, else `typed`.
std::string spelled(const std::string& typed, const std::vector<std::string>& names) {
  for (const auto& n : names)
    if (n == typed) return n;
  const auto key = match_key(typed);
  if (!key) return typed;
  for (const auto& n : names)
    if (match_key(n) == key) return n;
  return typed;
}
std::vector<std::string> column_of(sqlite::Db& db, const char* sql, const std::string& bound = "") {
  std::vector<std::string> out;
  auto s = db.prepare(sql);
  if (!bound.empty()) s.bind(1, bound);
  while (s.step()) out.push_back(s.text(0));
  return out;
}
}  // namespace

Result<protocol::CellKey> LocalStore::canonical_cell(const protocol::CellKey& typed) {
  protocol::CellKey key;
  for (auto [in, out] : {std::pair{&typed.class_name, &key.class_name}, std::pair{&typed.subject, &key.subject},
                         std::pair{&typed.student_code, &key.student_code}, std::pair{&typed.column, &key.column}}) {
    auto nfc = to_nfc(*in);
    if (!nfc) return Status(ErrorCode::kInvalidValue, "tên lớp, môn, mã học sinh hoặc cột không phải văn bản UTF-8 hợp lệ");
    *out = std::move(*nfc);
  }
  // Typed as the roster spells it (nearly always): no search.
  if (!has_class(key.class_name)) key.class_name = spelled(key.class_name, column_of(*db_, "SELECT name FROM classes"));
  if (key.subject != protocol::kHomeroomSubject && !subject(key.subject)) {
    auto subjects = column_of(*db_, "SELECT name FROM subjects");
    subjects.emplace_back(protocol::kHomeroomSubject);
    key.subject = spelled(key.subject, subjects);
  }
  if (student_class(key.student_code) != key.class_name)
    key.student_code =
        spelled(key.student_code, column_of(*db_, "SELECT code FROM students WHERE class_name = ?", key.class_name));
  // Columns are ASCII: HK1.TX1, HK2.NXCN, CC.2026-11-02.
  std::string& col = key.column;
  if (col.size() >= 3 && (col[0] == 'h' || col[0] == 'H' || col[0] == 'c' || col[0] == 'C'))
    for (char& c : col) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace sodiem::client
