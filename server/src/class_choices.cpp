// A THPT class's choice of electives and study topics (class_choices.hpp).
#include "sodiem/server/class_choices.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "sodiem/core/unicode_text.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/roster_csv.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {
namespace {

// Chương trình tổng thể (TT32/2018 as amended by TT13/2022), mục IV.3: the
// subjects chosen (môn học lựa chọn), in the spellings schools use.
constexpr std::string_view kElectives[] = {
    "Địa lí", "Địa lý", "Giáo dục kinh tế và pháp luật", "Vật lí", "Vật lý", "Hóa học", "Sinh học",
    "Công nghệ", "Tin học", "Âm nhạc", "Mĩ thuật", "Mỹ thuật"};

std::string key_of(std::string_view name) { return match_key(name).value_or(std::string(name)); }

std::string quoted(const std::string& name) { return "«" + excerpt(name) + "»"; }

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

bool is_elective(std::string_view subject) {
  static const std::set<std::string> keys = [] {
    std::set<std::string> k;
    for (auto n : kElectives) k.insert(key_of(n));
    return k;
  }();
  return keys.contains(key_of(subject));
}

std::string elective_subject_ids(store::Db& db) {
  std::string out = ",";
  auto s = db.prepare("SELECT id, name FROM subjects ORDER BY id");
  while (s.step())
    if (is_elective(s.text(1))) out += std::to_string(s.int64(0)) + ",";
  return out;
}

std::vector<std::string> split_subject_list(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    while (!cur.empty() && (cur.back() == ' ' || cur.back() == '\t')) cur.pop_back();
    std::size_t b = 0;
    while (b < cur.size() && (cur[b] == ' ' || cur[b] == '\t')) ++b;
    if (b < cur.size()) out.push_back(cur.substr(b));
    cur.clear();
  };
  for (char c : text) {
    if (c == ',' || c == ';') flush();
    else cur += c;
  }
  flush();
  return out;
}

std::vector<GradeOffer> grade_offer(store::Db& db, int grade) {
  std::vector<GradeOffer> out;
  auto s = db.prepare("SELECT s.name, g.topic_periods FROM grade_subjects g JOIN subjects s ON s.id = g.subject_id "
                      "WHERE g.grade = ? ORDER BY s.id");
  s.bind(1, grade);
  while (s.step()) out.push_back({s.text(0), is_elective(s.text(0)), s.int64(1) > 0});
  return out;
}

CheckedChoice check_class_choice(const std::vector<GradeOffer>& grade, const std::vector<std::string>& electives,
                                 const std::vector<std::string>& topics) {
  CheckedChoice out;
  auto find = [&](const std::string& typed) -> const GradeOffer* {
    const std::string k = key_of(typed);
    for (const auto& g : grade)
      if (key_of(g.name) == k) return &g;
    return nullptr;
  };
  std::set<std::string> seen;
  for (const auto& typed : electives) {
    const GradeOffer* g = find(typed);
    if (!g) out.errors.push_back("môn lựa chọn " + quoted(typed) + " không có trong chương trình của khối");
    else if (!g->elective) out.errors.push_back(quoted(g->name) + " là môn bắt buộc, không phải môn lựa chọn");
    else if (!seen.insert(g->name).second) out.errors.push_back("môn lựa chọn " + quoted(g->name) + " nêu hai lần");
    else out.electives.push_back(g->name);
  }
  if (electives.size() != kElectivesPerClass) {
    std::string offered;
    for (const auto& g : grade)
      if (g.elective) offered += (offered.empty() ? "" : ", ") + g.name;
    out.errors.push_back("cần đúng " + std::to_string(kElectivesPerClass) + " môn lựa chọn, đã nêu " +
                         std::to_string(electives.size()) + " (chọn trong: " + offered + ")");
  }
  std::set<std::string> topic_seen;
  for (const auto& typed : topics) {
    const GradeOffer* g = find(typed);
    if (!g) out.errors.push_back("chuyên đề môn " + quoted(typed) + ": môn không có trong chương trình của khối");
    else if (!g->has_topics) out.errors.push_back("môn " + quoted(g->name) + " không có chuyên đề học tập ở khối này");
    else if (g->elective && !seen.contains(g->name))
      out.errors.push_back("chuyên đề môn " + quoted(g->name) + ": lớp không học môn này (không trong các môn lựa chọn)");
    else if (!topic_seen.insert(g->name).second) out.errors.push_back("chuyên đề môn " + quoted(g->name) + " nêu hai lần");
    else out.topics.push_back(g->name);
  }
  if (topics.size() != kTopicSubjectsPerClass)
    out.errors.push_back("cần đúng " + std::to_string(kTopicSubjectsPerClass) + " môn có chuyên đề học tập, đã nêu " +
                         std::to_string(topics.size()));
  if (!out.errors.empty()) {
    out.electives.clear();
    out.topics.clear();
  }
  return out;
}

namespace {

// One class's choice within the caller's transaction: "" and whether it
// changed, or the refusal (nothing of it written; the caller rolls back).
std::string apply_choice(store::Db& db, const ClassChoice& choice, const std::string& by, std::int64_t now, bool& changed) {
  changed = false;
  std::int64_t class_id = 0;
  int grade = 0;
  {
    auto s = db.prepare("SELECT id, grade FROM current_classes WHERE name = ?");
    s.bind(1, choice.class_name);
    if (!s.step()) return "không có lớp " + excerpt(choice.class_name) + " trong năm học hiện tại";
    class_id = s.int64(0);
    grade = static_cast<int>(s.int64(1));
  }
  const std::string cls = "lớp " + choice.class_name + " (khối " + std::to_string(grade) + "): ";
  const std::vector<GradeOffer> offer = grade_offer(db, grade);
  if (std::none_of(offer.begin(), offer.end(), [](const GradeOffer& g) { return g.elective; }))
    return cls + "khối này không có môn lựa chọn; chỉ lớp THPT (khối 10–12) của trường đã thiết lập chương trình "
                 "(sodiem-server setup --level thpt) chọn môn lựa chọn và chuyên đề học tập";
  CheckedChoice checked = check_class_choice(offer, choice.electives, choice.topics);
  if (!checked.errors.empty()) {
    std::string text = cls;
    for (std::size_t i = 0; i < checked.errors.size(); ++i) text += (i ? "; " : "") + checked.errors[i];
    return text;
  }

  // The rows: each elective, and each compulsory subject with study topics.
  auto id_of = db.prepare("SELECT id FROM subjects WHERE name = ?");
  auto id = [&](const std::string& name) {
    id_of.bind(1, name);
    const std::int64_t out = id_of.step() ? id_of.int64(0) : 0;
    id_of.reset();
    return out;
  };
  std::map<std::int64_t, int> want;
  for (const auto& e : checked.electives) want[id(e)] = 0;
  for (const auto& t : checked.topics) want[id(t)] = 1;
  std::map<std::int64_t, int> had;
  {
    auto s = db.prepare("SELECT subject_id, study_topics FROM class_subject_choices WHERE class_id = ?");
    s.bind(1, class_id);
    while (s.step()) had[s.int64(0)] = static_cast<int>(s.int64(1));
  }
  if (had == want) return "";  // the same choice again: nothing to record

  const auto before = class_subjects_of(db, class_id);
  db.prepare("DELETE FROM class_subject_choices WHERE class_id = ?").bind(1, class_id).run();
  auto ins = db.prepare("INSERT INTO class_subject_choices(class_id, subject_id, study_topics) VALUES(?, ?, ?)");
  for (const auto& [subject, topics] : want) ins.bind(1, class_id).bind(2, subject).bind(3, topics).run();
  if (auto stranded = stranded_marks(db, before, class_subjects_of(db, class_id), "bỏ môn này khỏi lớp");
      !stranded.empty()) {
    std::string text = "lựa chọn mới bỏ mất điểm đã nhập (" + std::to_string(stranded.size()) + " chỗ): ";
    for (std::size_t i = 0; i < stranded.size() && i < 5; ++i) text += (i ? "; " : "") + stranded[i];
    return text;
  }
  append_audit(db, {now, by, "", "class_subjects",
                    nlohmann::json{{"class", choice.class_name},
                                   {"electives", join(checked.electives)},
                                   {"topics", join(checked.topics)}}
                        .dump()});
  changed = true;
  return "";
}

}  // namespace

Result<int> set_class_choices(store::Db& db, const std::vector<ClassChoice>& choices, const std::string& by,
                              std::int64_t now) {
  if (Status st = require_role(db, by, {"HT", "ADMIN"}, "chỉ Hiệu trưởng hoặc quản trị hệ thống được chọn môn cho lớp");
      !st)
    return st;
  store::Transaction tx(db);
  std::vector<std::string> problems;
  std::set<std::string> seen;
  int changed = 0;
  for (const auto& c : choices) {
    const std::string where = c.line > 0 ? "dòng " + std::to_string(c.line) + ": " : "";
    if (!seen.insert(c.class_name).second) {
      problems.push_back(where + "lớp " + excerpt(c.class_name) + " nêu hai lần");
      continue;
    }
    bool one = false;
    if (auto why = apply_choice(db, c, by, now, one); !why.empty()) problems.push_back(where + why);
    changed += one ? 1 : 0;
  }
  if (!problems.empty()) {
    std::string text = "không thay đổi gì; ";
    for (std::size_t i = 0; i < problems.size(); ++i) text += (i ? "\n" : "") + problems[i];
    return Status(ErrorCode::kInvalidValue, text);  // the transaction rolls back
  }
  if (changed > 0) bump_roster_version(db);
  tx.commit();
  return changed;
}

Result<bool> set_class_choice(store::Db& db, const ClassChoice& choice, const std::string& by, std::int64_t now) {
  auto n = set_class_choices(db, {choice}, by, now);
  if (!n) return n.status();
  return *n > 0;
}

std::vector<ClassChoiceRow> class_choice_rows(store::Db& db) {
  std::vector<ClassChoiceRow> out;
  std::map<int, std::vector<GradeOffer>> offers;
  auto s = db.prepare(
      "SELECT c.id, c.name, c.grade, EXISTS (SELECT 1 FROM class_subject_choices ch WHERE ch.class_id = c.id) "
      "FROM current_classes c ORDER BY c.grade, c.name");
  while (s.step()) {
    const int grade = static_cast<int>(s.int64(2));
    auto [offer, fresh] = offers.try_emplace(grade);
    if (fresh) offer->second = grade_offer(db, grade);
    if (std::none_of(offer->second.begin(), offer->second.end(), [](const GradeOffer& g) { return g.elective; }))
      continue;
    ClassChoiceRow row;
    row.class_name = s.text(1);
    row.grade = grade;
    row.chosen = s.int64(3) != 0;
    for (const auto& cs : class_subjects_of(db, s.int64(0))) {
      if (is_elective(cs.info.name)) row.electives.push_back(cs.info.name);
      if (cs.info.study_topics) row.topics.push_back(cs.info.name);
    }
    row.offer = offer->second;
    out.push_back(std::move(row));
  }
  return out;
}

bool has_choosing_classes(store::Db& db) {
  std::vector<int> grades;
  {
    auto s = db.prepare("SELECT DISTINCT grade FROM current_classes");
    while (s.step()) grades.push_back(static_cast<int>(s.int64(0)));
  }
  return std::any_of(grades.begin(), grades.end(), [&](int grade) {
    const auto offer = grade_offer(db, grade);
    return std::any_of(offer.begin(), offer.end(), [](const GradeOffer& g) { return g.elective; });
  });
}

ChoicesFile read_choices_csv(std::istream& in) {
  ChoicesFile out;
  RosterTable table;
  if (!read_roster_table(in, {"Lớp", "Môn lựa chọn", "Chuyên đề"}, table, out.errors)) return out;
  for (std::size_t r = 1; r < table.rows.size(); ++r) {
    if (table.blank(r)) continue;
    out.choices.push_back({table.cell(r, "Lớp"), split_subject_list(table.cell(r, "Môn lựa chọn")),
                           split_subject_list(table.cell(r, "Chuyên đề")), static_cast<int>(r + 1)});
  }
  if (out.choices.empty()) out.errors.push_back("tệp không có dòng nào sau dòng tiêu đề");
  return out;
}

void carry_class_choice(store::Db& db, std::int64_t from_class_id, std::int64_t to_class_id) {
  db.prepare("INSERT OR IGNORE INTO class_subject_choices(class_id, subject_id, study_topics) "
             "SELECT CAST(? AS BIGINT), subject_id, study_topics FROM class_subject_choices WHERE class_id = ?")
      .bind(1, to_class_id)
      .bind(2, from_class_id)
      .run();
}

}  // namespace sodiem::server
