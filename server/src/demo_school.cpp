#include "sodiem/server/demo_school.hpp"

#include <nlohmann/json.hpp>
#include <algorithm>
#include <ctime>
#include <random>
#include <vector>

#include "sodiem/core/crypto.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/school_year.hpp"

namespace sodiem::server {
namespace {

struct DemoSubject {
  const char* name;
  const char* slug;  // for usernames
  bool scored;
  int periods;             // per year, grade 6 (TT32/2018 programme)
  const char* department;  // tổ chuyên môn
};

constexpr const char* kToanTin = "Tổ Toán - Tin - Khoa học tự nhiên";
constexpr const char* kVanXaHoi = "Tổ Ngữ văn - Xã hội";
constexpr const char* kNgoaiNgu = "Tổ Ngoại ngữ";
constexpr const char* kNgheThuat = "Tổ Nghệ thuật - Thể chất";

// Lower-secondary subjects (TT22 Điều 5: comment-only subjects are rated Đ/CĐ).
const std::vector<DemoSubject> kSubjects = {
    {"Ngữ văn", "van", true, 140, kVanXaHoi},
    {"Toán", "toan", true, 140, kToanTin},
    {"Ngoại ngữ 1", "anh", true, 105, kNgoaiNgu},
    {"Giáo dục công dân", "gdcd", true, 35, kVanXaHoi},
    {"Lịch sử và Địa lí", "sudia", true, 105, kVanXaHoi},
    {"Khoa học tự nhiên", "khtn", true, 140, kToanTin},
    {"Công nghệ", "congnghe", true, 35, kToanTin},
    {"Tin học", "tinhoc", true, 35, kToanTin},
    {"Giáo dục thể chất", "theduc", false, 70, kNgheThuat},
    {"Âm nhạc", "amnhac", false, 35, kNgheThuat},
    {"Mĩ thuật", "mithuat", false, 35, kNgheThuat},
    {"Hoạt động trải nghiệm, hướng nghiệp", "hdtn", false, 105, kVanXaHoi},
    {"Nội dung giáo dục của địa phương", "diaphuong", false, 35, kVanXaHoi},
};

const std::vector<const char*> kFamily = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
                                          "Võ",     "Đặng", "Bùi", "Đỗ",   "Hồ",    "Ngô",   "Dương", "Lý"};
const std::vector<const char*> kMiddle = {"Văn", "Thị", "Minh", "Ngọc", "Thanh", "Đức", "Gia", "Bảo",
                                          "Hoài", "Quốc", "Thu", "Anh", "Hữu", "Khánh", "Phương", "Tuấn"};
const std::vector<const char*> kGiven = {"An",   "Bình", "Châu", "Dũng", "Đạt", "Giang", "Hà",   "Hải",
                                         "Hạnh", "Hiếu", "Hoa",  "Hùng", "Huy", "Khoa",  "Lan",  "Linh",
                                         "Long", "Mai",  "Nam",  "Ngân", "Nhi", "Oanh",  "Phúc", "Quân",
                                         "Quỳnh", "Sơn", "Tâm",  "Thảo", "Trang", "Trí", "Uyên", "Vy", "Yến", "Ánh"};

std::string demo_password() { return crypto::random_hex(6); }

}  // namespace

std::string load_demo_school(store::Db& db, const Clock& clock) {
  using nlohmann::json;
  std::mt19937 rng(20261123);  // fixed seed: the same names on every init
  auto pick = [&rng](const std::vector<const char*>& v) { return std::string(v[rng() % v.size()]); };
  Accounts accounts(db, clock);
  json out = json::array();

  store::Transaction tx(db);
  // The school year around today (it starts in September), with both terms'
  // entry windows open for the whole year, so the demo accepts marks any day.
  const std::time_t today = static_cast<std::time_t>(clock.now_unix_seconds() + 7 * 3600);
  std::tm tm{};
  gmtime_r(&today, &tm);
  const int y = tm.tm_year + 1900 - (tm.tm_mon < 8 ? 1 : 0);  // Jan–Aug belong to the year that began last September
  auto date = [](int year, const char* month_day) { return std::to_string(year) + "-" + month_day; };
  db.prepare("INSERT INTO school_years(name, starts_on, ends_on, current) VALUES(?, ?, ?, 1)")
      .bind(1, std::to_string(y) + "-" + std::to_string(y + 1)).bind(2, date(y, "09-01")).bind(3, date(y + 1, "08-31")).run();
  const std::int64_t year_id = db.last_insert_rowid();
  for (auto [code, from, to] : {std::tuple{"HK1", date(y, "09-01"), date(y + 1, "01-16")},
                                std::tuple{"HK2", date(y + 1, "01-17"), date(y + 1, "08-31")}})
    db.prepare("INSERT INTO terms(school_year_id, code, starts_on, ends_on, entry_opens_on, entry_closes_on) "
               "VALUES(?, ?, ?, ?, ?, ?)")
        // A month of slack on each side: the demo (and its tests) accept marks on any day.
        .bind(1, year_id).bind(2, code).bind(3, from).bind(4, to).bind(5, date(y, "08-01")).bind(6, date(y + 1, "09-30"))
        .run();
  std::vector<std::pair<std::int64_t, std::string>> classes;  // id, name
  for (int grade = 6; grade <= 9; ++grade) {
    for (char letter : {'A', 'B'}) {
      const std::string name = std::to_string(grade) + letter;
      classes.emplace_back(add_class(db, name, grade), name);
      for (int i = 1; i <= 40; ++i) {
        char code[16];
        std::snprintf(code, sizeof code, "HS%s%02d", name.c_str(), i);
        const std::string full = pick(kFamily) + " " + pick(kMiddle) + " " + pick(kGiven);
        // Grade 6 in school year 2026–2027 means born in 2015.
        char birth[16];
        std::snprintf(birth, sizeof birth, "%04d-%02d-%02d", 2021 - grade, 1 + static_cast<int>(rng() % 12),
                      1 + static_cast<int>(rng() % 28));
        db.prepare("INSERT INTO students(code, full_name, class_id, gender, birth_date) VALUES(?, ?, ?, ?, ?)")
            .bind(1, code)
            .bind(2, full)
            .bind(3, classes.back().first)
            .bind(4, i % 2 ? "Nam" : "Nữ")
            .bind(5, birth)
            .run();
      }
    }
  }
  std::vector<std::int64_t> subject_ids;
  for (const auto& s : kSubjects) {
    db.prepare("INSERT INTO subjects(name, scored, periods_per_year, department) VALUES(?, ?, ?, ?)")
        .bind(1, s.name)
        .bind(2, s.scored ? 1 : 0)
        .bind(3, s.periods)
        .bind(4, s.department)
        .run();
    subject_ids.push_back(db.last_insert_rowid());
  }

  auto add_account = [&](const std::string& username, const std::string& full_name,
                         const std::vector<std::string>& roles) {
    const std::string password = demo_password();
    auto id = accounts.create_user(username, full_name, password, roles, /*must_change_password=*/false);
    if (!id) throw std::runtime_error(id.status().message());
    json a = {{"username", username}, {"password", password}, {"full_name", full_name}, {"roles", roles},
              {"classes", json::array()}, {"subjects", json::array()}};
    return std::make_pair(*id, a);
  };

  for (auto [user, role, name] : {std::tuple{"hieutruong", "HT", "Nguyễn Văn Thành"},
                                  std::tuple{"phohieutruong", "PHT", "Trần Thị Minh Hạnh"},
                                  std::tuple{"quantri", "ADMIN", "Lê Quốc Bảo"},
                                  std::tuple{"vanthu", "VANTHU", "Phạm Thu Trang"}}) {
    out.push_back(add_account(user, name, {role}).second);
  }

  // Two subject teachers per subject: grades 6-7 and grades 8-9. The teachers
  // of the four first subjects are also homeroom teachers of one of their classes.
  for (std::size_t s = 0; s < kSubjects.size(); ++s) {
    for (int half = 0; half < 2; ++half) {
      const std::string username = std::string("gv.") + kSubjects[s].slug + "." + std::to_string(half + 1);
      const bool homeroom = s < 4;  // 4 core subjects × 4 classes per half
      const std::size_t homeroom_class = static_cast<std::size_t>(half) * 4 + s;
      std::vector<std::string> roles = {"GVBM"};
      if (homeroom) roles.push_back("GVCN");
      // The first teacher of the first subject of each department heads it.
      const bool head = half == 0 && std::none_of(kSubjects.begin(), kSubjects.begin() + s, [&](const DemoSubject& o) {
        return std::string(o.department) == kSubjects[s].department;
      });
      if (head) roles.push_back("TTCM");
      auto [id, acc] = add_account(username, pick(kFamily) + " " + pick(kMiddle) + " " + pick(kGiven), roles);
      for (std::size_t c = static_cast<std::size_t>(half) * 4; c < static_cast<std::size_t>(half) * 4 + 4; ++c) {
        db.prepare("INSERT INTO teaching_assignments(user_id, class_id, subject_id) VALUES(?, ?, ?)")
            .bind(1, id)
            .bind(2, classes[c].first)
            .bind(3, subject_ids[s])
            .run();
        acc["classes"].push_back(classes[c].second);
      }
      acc["subjects"].push_back(kSubjects[s].name);
      if (head) {
        db.prepare("UPDATE users SET department = ? WHERE id = ?").bind(1, kSubjects[s].department).bind(2, id).run();
        acc["department"] = kSubjects[s].department;
      }
      if (homeroom) {
        db.prepare("INSERT INTO homerooms(class_id, user_id) VALUES(?, ?)")
            .bind(1, classes[homeroom_class].first)
            .bind(2, id)
            .run();
        acc["homeroom"] = classes[homeroom_class].second;
      }
      out.push_back(acc);
    }
  }
  append_audit(db, {clock.now_unix_seconds(), "system", "", "demo_school",
                    nlohmann::json{{"classes", classes.size()}, {"accounts", out.size()}}.dump()});
  tx.commit();
  return out.dump(2);
}

}  // namespace sodiem::server
