// The curriculum file's parser and checks (curriculum.hpp). Reads untrusted
// text within bounds; every problem is reported with its place in the file.
#include "sodiem/server/curriculum.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "sodiem/core/column.hpp"
#include "sodiem/core/unicode_text.hpp"
#include "sodiem/protocol/messages.hpp"

namespace sodiem::server {
namespace {

using nlohmann::json;

constexpr std::string_view kFormat = "sodiem-curriculum/1";
constexpr std::size_t kMaxNameBytes = 100;   // subject, department names
constexpr std::size_t kMaxTextBytes = 1000;  // title, source

struct Checker {
  std::vector<std::string> errors;
  void bad(const std::string& where, const std::string& why) { errors.push_back(where + ": " + why); }

  // The object's keys must all be known.
  void only_keys(const json& o, const std::string& where, std::initializer_list<const char*> known) {
    for (const auto& item : o.items()) {
      const std::string& k = item.key();  // clang 14 (the fuzz build) captures no structured binding
      if (std::none_of(known.begin(), known.end(), [&](const char* n) { return k == n; }))
        bad(where, "khóa \"" + excerpt(k) + "\" không có trong định dạng (sai chính tả?)");
    }
  }
  // A non-empty NFC text of at most kMaxNameBytes; "" after saying why otherwise.
  std::string text(const json& o, const char* key, const std::string& where, bool required,
                   std::size_t max_bytes = kMaxNameBytes) {
    auto it = o.find(key);
    if (it == o.end()) {
      if (required) bad(where, "thiếu \"" + std::string(key) + "\"");
      return {};
    }
    if (!it->is_string()) {
      bad(where + " › " + key, "phải là một chuỗi chữ");
      return {};
    }
    auto nfc = to_nfc(it->get<std::string>());
    if (!nfc) {
      bad(where + " › " + key, "không phải UTF-8 hợp lệ");
      return {};
    }
    while (!nfc->empty() && nfc->back() == ' ') nfc->pop_back();
    while (!nfc->empty() && nfc->front() == ' ') nfc->erase(0, 1);
    if (nfc->empty() && required) bad(where + " › " + key, "không được để trống");
    if (nfc->size() > max_bytes) bad(where + " › " + key, "dài quá " + std::to_string(max_bytes) + " byte");
    for (unsigned char c : *nfc)
      if (c < 0x20) {
        bad(where + " › " + key, "có ký tự điều khiển");
        break;
      }
    return *nfc;
  }
  std::optional<int> grade_key(const std::string& key, const std::string& where) {
    int g = 0;
    if (key.empty() || key.size() > 2 || !std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        (g = std::stoi(key)) < 1 || g > 12) {
      bad(where, "khối \"" + excerpt(key) + "\" không hợp lệ (khối là số từ 1 đến 12)");
      return std::nullopt;
    }
    return g;
  }
  std::optional<int> count(const json& v, const std::string& where, int min, int max, const char* what) {
    if (!v.is_number_integer() || v.get<long long>() < min || v.get<long long>() > max) {
      bad(where, std::string(what) + " phải là số nguyên từ " + std::to_string(min) + " đến " + std::to_string(max) +
                     ", không phải " + excerpt(v.dump()));
      return std::nullopt;
    }
    return static_cast<int>(v.get<long long>());
  }
  std::string date(const json& o, const char* key, const std::string& where) {
    const std::string d = text(o, key, where, true);
    if (!d.empty() && !valid_iso_date(d)) bad(where + " › " + key, "ngày \"" + excerpt(d) + "\" không hợp lệ (YYYY-MM-DD)");
    return d;
  }
};

std::optional<SubjectKind> kind_of(std::string_view code) {
  if (code == "scored") return SubjectKind::kScored;
  if (code == "comment") return SubjectKind::kComment;
  if (code == "primary") return SubjectKind::kPrimary;
  return std::nullopt;
}

void check_levels(Checker& c, Curriculum& out, const json& root) {
  auto it = root.find("levels");
  if (it == root.end() || !it->is_array() || it->empty() || it->size() > 3) {
    c.bad("levels", "phải là danh sách cấp học, trong \"TH\", \"THCS\", \"THPT\"");
    return;
  }
  for (std::size_t i = 0; i < it->size(); ++i) {
    const json& l = (*it)[i];
    const std::string where = "levels[" + std::to_string(i) + "]";
    if (!l.is_string() || level_grades(l.get<std::string>()).first == 0) {
      c.bad(where, "cấp học " + excerpt(l.dump()) + " không có; dùng \"TH\" (Tiểu học), \"THCS\" hoặc \"THPT\"");
      continue;
    }
    if (std::find(out.levels.begin(), out.levels.end(), l.get<std::string>()) != out.levels.end())
      c.bad(where, "cấp học " + l.get<std::string>() + " nêu hai lần");
    else out.levels.push_back(l.get<std::string>());
  }
}

bool grade_in_levels(const Curriculum& cur, int grade) {
  return std::any_of(cur.levels.begin(), cur.levels.end(), [&](const std::string& l) {
    auto [lo, hi] = level_grades(l);
    return grade >= lo && grade <= hi;
  });
}

void check_subject(Checker& c, Curriculum& cur, const json& s, std::size_t i) {
  std::string where = "subjects[" + std::to_string(i) + "]";
  if (!s.is_object()) {
    c.bad(where, "mỗi môn học phải là một đối tượng {\"name\": …}");
    return;
  }
  c.only_keys(s, where, {"name", "kind", "department", "assessed_as", "periods", "study_topics", "periodic_tests"});
  CurriculumSubject subj;
  subj.name = c.text(s, "name", where, true);
  if (!subj.name.empty()) where += " «" + excerpt(subj.name) + "»";
  if (subj.name == protocol::kHomeroomSubject) c.bad(where, "tên môn trùng với sổ chủ nhiệm");
  const std::string kind = c.text(s, "kind", where, true);
  if (auto k = kind_of(kind)) subj.kind = *k;
  else if (!kind.empty())
    c.bad(where + " › kind", "loại môn \"" + excerpt(kind) +
                                 "\" không có; dùng \"scored\" (điểm số), \"comment\" (nhận xét Đ/CĐ) hoặc \"primary\" "
                                 "(tiểu học: HTT/HT/CHT)");
  subj.department = c.text(s, "department", where, false);
  subj.assessed_as = c.text(s, "assessed_as", where, false);
  if (subj.assessed_as == subj.name) subj.assessed_as.clear();
  auto periods = s.find("periods");
  if (periods == s.end() || !periods->is_object() || periods->empty()) {
    c.bad(where + " › periods", "phải có số tiết mỗi năm cho từng khối, vd. {\"6\": 35, \"8\": 52}");
  } else {
    for (const auto& [key, v] : periods->items()) {
      const std::string at = where + " › periods › " + excerpt(key);
      auto g = c.grade_key(key, at);
      auto p = c.count(v, at, 1, kMaxPeriodsPerYear, "số tiết mỗi năm");
      if (!g || !p) continue;
      if (!grade_in_levels(cur, *g)) c.bad(at, "khối " + key + " không thuộc cấp học nào của tệp (levels)");
      subj.grades.push_back({*g, *p, 0, {}, "", SubjectKind::kScored});
    }
    std::sort(subj.grades.begin(), subj.grades.end(), [](auto& a, auto& b) { return a.grade < b.grade; });
  }
  auto grade_entry = [&](const std::string& key, const std::string& at) -> CurriculumGrade* {
    auto g = c.grade_key(key, at);
    if (!g) return nullptr;
    for (auto& e : subj.grades)
      if (e.grade == *g) return &e;
    c.bad(at, "khối " + key + " không có trong periods của môn này");
    return nullptr;
  };
  if (auto topics = s.find("study_topics"); topics != s.end()) {
    if (!topics->is_object()) c.bad(where + " › study_topics", "phải là {\"khối\": số tiết chuyên đề}");
    else if (subj.kind == SubjectKind::kPrimary) c.bad(where + " › study_topics", "chuyên đề học tập chỉ có ở THPT");
    else
      for (const auto& [key, v] : topics->items()) {
        const std::string at = where + " › study_topics › " + excerpt(key);
        CurriculumGrade* e = grade_entry(key, at);
        auto p = c.count(v, at, 0, 105, "số tiết chuyên đề");
        if (e && p) {
          if (e->grade < 10) c.bad(at, "chuyên đề học tập chỉ có ở khối 10–12");
          e->topic_periods = *p;
        }
      }
  }
  if (auto tests = s.find("periodic_tests"); tests != s.end()) {
    if (!tests->is_object()) c.bad(where + " › periodic_tests", "phải là {\"khối\": [\"GK1\", \"CK1\", \"GK2\", \"CN\"]}");
    else if (subj.kind != SubjectKind::kPrimary)
      c.bad(where + " › periodic_tests", "bài kiểm tra định kì theo TT27 chỉ dùng cho môn tiểu học (kind \"primary\")");
    else
      for (const auto& [key, v] : tests->items()) {
        const std::string at = where + " › periodic_tests › " + excerpt(key);
        CurriculumGrade* e = grade_entry(key, at);
        if (!v.is_array() || v.size() > 4) {
          c.bad(at, "phải là danh sách trong \"GK1\", \"CK1\", \"GK2\", \"CN\"");
          continue;
        }
        for (const json& t : v) {
          static const std::set<std::string> kTests = {"GK1", "CK1", "GK2", "CN"};
          if (!t.is_string() || !kTests.contains(t.get<std::string>()))
            c.bad(at, "bài kiểm tra " + excerpt(t.dump()) + " không có; dùng GK1, CK1, GK2, CN");
          else if (e) e->periodic_tests.push_back(t.get<std::string>());
        }
      }
  }
  for (auto& g : subj.grades) {
    g.assessed_as = subj.assessed_as;
    g.kind = subj.kind;
  }
  cur.subjects.push_back(std::move(subj));
}

void check_year(Checker& c, Curriculum& cur, const json& y) {
  const std::string where = "school_year";
  if (!y.is_object()) {
    c.bad(where, "phải là {\"name\", \"starts_on\", \"ends_on\", \"terms\"}");
    return;
  }
  c.only_keys(y, where, {"name", "starts_on", "ends_on", "terms"});
  YearPlan plan;
  plan.name = c.text(y, "name", where, true);
  if (!plan.name.empty() && !default_year(plan.name))
    c.bad(where + " › name", "tên năm học \"" + excerpt(plan.name) + "\" phải có dạng 2026-2027");
  plan.starts_on = c.date(y, "starts_on", where);
  plan.ends_on = c.date(y, "ends_on", where);
  auto terms = y.find("terms");
  if (terms == y.end() || !terms->is_array() || terms->size() != 2) {
    c.bad(where + " › terms", "phải có đúng hai học kì, HK1 rồi HK2");
  } else {
    for (std::size_t i = 0; i < 2; ++i) {
      const std::string at = where + " › terms[" + std::to_string(i) + "]";
      const json& t = (*terms)[i];
      if (!t.is_object()) {
        c.bad(at, "phải là {\"code\", \"starts_on\", \"ends_on\", \"entry_opens_on\", \"entry_closes_on\"}");
        continue;
      }
      c.only_keys(t, at, {"code", "starts_on", "ends_on", "entry_opens_on", "entry_closes_on"});
      TermPlan term{c.text(t, "code", at, true), c.date(t, "starts_on", at), c.date(t, "ends_on", at),
                    c.date(t, "entry_opens_on", at), c.date(t, "entry_closes_on", at)};
      if (term.code != (i == 0 ? "HK1" : "HK2")) c.bad(at + " › code", std::string("phải là ") + (i == 0 ? "HK1" : "HK2"));
      // ISO dates compare as text.
      if (term.starts_on > term.ends_on) c.bad(at, "ngày bắt đầu sau ngày kết thúc");
      if (term.entry_opens_on > term.entry_closes_on) c.bad(at, "thời gian nhập điểm mở sau khi đóng");
      if (term.starts_on < plan.starts_on || term.ends_on > plan.ends_on) c.bad(at, "học kì nằm ngoài năm học");
      plan.terms.push_back(std::move(term));
    }
    if (plan.terms.size() == 2 && plan.terms[0].ends_on >= plan.terms[1].starts_on)
      c.bad(where + " › terms", "HK2 phải bắt đầu sau khi HK1 kết thúc");
  }
  if (plan.starts_on > plan.ends_on) c.bad(where, "năm học bắt đầu sau khi kết thúc");
  cur.year = std::move(plan);
}

// Names across subjects: unique, and a combined subject is a name of its own
// made of at least two subjects of one kind.
void check_names(Checker& c, const Curriculum& cur) {
  std::map<std::string, std::size_t> seen;
  std::map<std::string, std::vector<std::size_t>> parts;
  for (std::size_t i = 0; i < cur.subjects.size(); ++i) {
    const auto& s = cur.subjects[i];
    if (s.name.empty()) continue;
    auto key = match_key(s.name).value_or(s.name);
    if (auto [it, fresh] = seen.emplace(key, i); !fresh)
      c.bad("subjects[" + std::to_string(i) + "] «" + excerpt(s.name) + "»",
            "môn này đã có ở subjects[" + std::to_string(it->second) + "]");
    if (!s.assessed_as.empty()) parts[s.assessed_as].push_back(i);
  }
  for (const auto& [combined, members] : parts) {
    const std::string where = "subjects[" + std::to_string(members.front()) + "] › assessed_as";
    if (seen.contains(match_key(combined).value_or(combined)))
      c.bad(where, "môn gộp \"" + excerpt(combined) + "\" trùng tên một môn khác trong tệp");
    for (std::size_t m : members)
      if (cur.subjects[m].kind != SubjectKind::kComment)
        c.bad("subjects[" + std::to_string(m) + "] › assessed_as",
              "chỉ môn đánh giá bằng nhận xét (kind \"comment\") gộp được thành một môn, như Nghệ thuật = Âm nhạc + "
              "Mĩ thuật");
    if (members.size() < 2)
      c.bad(where, "môn gộp \"" + excerpt(combined) + "\" phải gồm ít nhất hai môn");
  }
}

}  // namespace

const char* subject_kind_code(SubjectKind kind) {
  switch (kind) {
    case SubjectKind::kScored: return "scored";
    case SubjectKind::kComment: return "comment";
    case SubjectKind::kPrimary: return "primary";
  }
  return "scored";
}

std::pair<int, int> level_grades(std::string_view level) {
  if (level == "TH") return {1, 5};
  if (level == "THCS") return {6, 9};
  if (level == "THPT") return {10, 12};
  return {0, -1};
}

CurriculumParse parse_curriculum(std::string_view text) {
  CurriculumParse out;
  if (text.size() > kMaxCurriculumBytes) {
    out.errors.push_back("tệp chương trình dài " + std::to_string(text.size()) + " byte, quá giới hạn " +
                         std::to_string(kMaxCurriculumBytes) + " byte");
    return out;
  }
  json root;
  bool too_deep = false;
  try {
    root = json::parse(text, [&](int depth, json::parse_event_t, json&) {
      if (depth > kMaxCurriculumDepth) too_deep = true;
      return !too_deep;
    });
  } catch (const json::out_of_range&) {  // a number too large for any type (1E2026): found by fuzzing
    out.errors.push_back("tệp chương trình có một số quá lớn");
    return out;
  } catch (const json::parse_error& e) {
    std::size_t line = 1;
    const std::size_t upto = std::min<std::size_t>(e.byte, text.size());
    for (std::size_t i = 0; i < upto; ++i) line += text[i] == '\n';
    const std::string what = e.what();
    out.errors.push_back(what.find("UTF-8") != std::string::npos
                             ? "tệp chương trình không phải UTF-8 hợp lệ (dòng " + std::to_string(line) + ")"
                             : "tệp chương trình không phải JSON hợp lệ (dòng " + std::to_string(line) +
                                   ", byte " + std::to_string(e.byte) + ")");
    return out;
  }
  if (too_deep) {
    out.errors.push_back("tệp chương trình lồng sâu quá " + std::to_string(kMaxCurriculumDepth) + " mức");
    return out;
  }
  Checker c;
  if (!root.is_object()) {
    c.bad("tệp", "phải là một đối tượng JSON {\"format\": \"sodiem-curriculum/1\", …}");
    out.errors = std::move(c.errors);
    return out;
  }
  c.only_keys(root, "tệp", {"format", "title", "source", "levels", "subjects", "school_year"});
  if (auto f = root.find("format"); f == root.end() || !f->is_string() || f->get<std::string>() != kFormat)
    c.bad("format", "phải là \"" + std::string(kFormat) + "\"");
  Curriculum cur;
  cur.title = c.text(root, "title", "tệp", false, kMaxTextBytes);
  c.text(root, "source", "tệp", false, kMaxTextBytes);
  check_levels(c, cur, root);
  auto subjects = root.find("subjects");
  if (subjects == root.end() || !subjects->is_array() || subjects->empty()) {
    c.bad("subjects", "phải là danh sách môn học");
  } else if (subjects->size() > kMaxCurriculumSubjects) {
    c.bad("subjects", "có " + std::to_string(subjects->size()) + " môn, quá giới hạn " +
                          std::to_string(kMaxCurriculumSubjects));
  } else {
    for (std::size_t i = 0; i < subjects->size(); ++i) check_subject(c, cur, (*subjects)[i], i);
    check_names(c, cur);
  }
  if (auto y = root.find("school_year"); y != root.end()) check_year(c, cur, *y);
  if (!c.errors.empty()) out.errors = std::move(c.errors);
  else out.curriculum = std::move(cur);
  return out;
}

CurriculumParse merge_curricula(std::vector<Curriculum> parts) {
  CurriculumParse out;
  if (parts.empty()) return out;
  Curriculum all = std::move(parts.front());
  for (std::size_t p = 1; p < parts.size(); ++p) {
    for (auto& l : parts[p].levels)
      if (std::find(all.levels.begin(), all.levels.end(), l) == all.levels.end()) all.levels.push_back(l);
      else out.errors.push_back("cấp học " + l + " có trong hai tệp");
    all.title += "; " + parts[p].title;
    for (auto& s : parts[p].subjects) {
      auto it = std::find_if(all.subjects.begin(), all.subjects.end(), [&](auto& o) { return o.name == s.name; });
      if (it == all.subjects.end()) {
        all.subjects.push_back(std::move(s));
        continue;
      }
      for (auto& g : s.grades) it->grades.push_back(std::move(g));
      std::sort(it->grades.begin(), it->grades.end(), [](auto& a, auto& b) { return a.grade < b.grade; });
    }
    if (!all.year) all.year = std::move(parts[p].year);
  }
  if (out.errors.empty()) out.curriculum = std::move(all);
  return out;
}

std::optional<YearPlan> default_year(std::string_view name) {
  if (name.size() != 9 || name[4] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 7, 8})
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
  const int y = std::stoi(std::string(name.substr(0, 4)));
  if (std::stoi(std::string(name.substr(5))) != y + 1 || y < 2000 || y > 2099) return std::nullopt;
  const std::string a = std::to_string(y), b = std::to_string(y + 1);
  YearPlan plan{std::string(name), a + "-09-05", b + "-05-31", {}};
  plan.terms.push_back({"HK1", a + "-09-05", b + "-01-15", a + "-09-05", b + "-01-29"});
  plan.terms.push_back({"HK2", b + "-01-16", b + "-05-31", b + "-01-16", b + "-06-14"});
  return plan;
}

}  // namespace sodiem::server
