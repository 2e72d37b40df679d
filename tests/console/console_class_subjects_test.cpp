// Môn lựa chọn over real TLS (console_class_subjects.cpp): on a THPT school
// set up from the shipped curriculum, the principal and the administrator
// see each class's electives and study-topic subjects with what its grade
// offers, and change a class's choice through set_class_choice, the
// function of `sodiem-server class subjects`: its refusals come back word for
// word (compared with a direct call on the same data), a change that would
// drop marks is refused, the same choice again changes nothing, each change
// is audited in the console user's name. A vice principal and a teacher are
// refused, a POST without the CSRF token too; a THCS school has no such page.
#include <algorithm>

#include "console_school.hpp"
#include "school_year_script.hpp"
#include "sodiem/server/class_choices.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::console;

namespace {

// A console login of an account imported with an issued password: changed
// on the way when this is its first login. The waits are long: a login hashes
// a password once or twice, slow on a loaded machine.
ConsoleSchool::Login first_login(ConsoleSchool& c, const std::string& user) {
  const auto& demo = c.school.demo;
  const std::string fresh = demo.new_password_of(user).empty() ? "mật khẩu mới " + user : demo.new_password_of(user);
  auto login = [&](const std::string& password, const std::string& new_password) {
    json body = {{"username", user}, {"password", password}};
    if (!new_password.empty()) body["new_password"] = new_password;
    return c.request("POST", "/api/login", "", "", body.dump(), "", "application/json", std::chrono::seconds(60));
  };
  Answer a = login(demo.password_of(user), "");
  if (a.error_code() == "PASSWORD_CHANGE_REQUIRED") a = login(demo.password_of(user), fresh);
  else if (a.status == 401) a = login(fresh, "");  // changed already, at its device's enrollment
  INFO(user << ": " << a.body.dump());
  REQUIRE(a.status == 200);
  return {a.header("Set-Cookie").substr(22, 64), a.body["csrf"].get<std::string>()};
}

bool has_page(ConsoleSchool& c, const ConsoleSchool::Login& l, const std::string& page) {
  const json pages = c.get(l, "/api/session").body["pages"];
  return std::find(pages.begin(), pages.end(), page) != pages.end();
}

json class_row(ConsoleSchool& c, const ConsoleSchool::Login& l, const std::string& cls) {
  const Answer a = c.get(l, "/api/class-subjects");
  REQUIRE(a.status == 200);
  for (const auto& row : a.body["classes"])
    if (row["class"] == cls) return row;
  FAIL("no class " << cls << " in " << a.body.dump());
  return nullptr;
}

json choice(const std::string& cls, const std::vector<std::string>& electives, const std::vector<std::string>& topics) {
  return {{"class", cls}, {"electives", electives}, {"topics", topics}};
}

// The refusal of set_class_choice itself, called directly on the same data (by the same user).
std::string direct_refusal(ConsoleSchool& c, const json& body, const std::string& by) {
  auto db = c.school.server_db();
  const server::ClassChoice ch{body["class"].get<std::string>(), body["electives"].get<std::vector<std::string>>(),
                               body["topics"].get<std::vector<std::string>>(), 0};
  auto r = server::set_class_choice(*db, ch, by, c.clock.now_unix_seconds());
  REQUIRE_FALSE(r.is_ok());
  return r.status().message();
}

}  // namespace

TEST_CASE("console: Môn lựa chọn shows each THPT class's choice, HT and ADMIN change it as the CLI does",
          "[e2e][console][thpt]") {
  ConsoleSchool c(LoopbackSchool::PlainInit{"Trường THPT Chu Văn An"}, local_time("2025-10-01T08:00"));
  setup_from_defaults(c.school, "thpt", "2025-2026");
  import_students(c.school, "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                            "HS1001,Nguyễn Văn An,05/09/2010,Nam,10A1\n"
                            "HS1002,Trần Thị Bình,12/03/2010,Nữ,10A2\n");
  std::vector<protocol::SubjectInfo> subjects;
  import_staff(c.school, "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                         "gv.mot,Giáo viên Một,GVBM;GVCN,,10A1,\"" +
                             assign_all_subjects(c.school, "10A1", subjects) +
                             "\"\n"
                             "hieu.truong,Vũ Thị Hiệu,HT,,,\n"
                             "pho.hieu,Lê Văn Phó,PHT,,,\n");
  auto& mot = c.school.device("gv.mot");  // its issued password changed at enrollment
  const auto ht = first_login(c, "hieu.truong");
  const auto admin = first_login(c, "admin");
  const auto pht = first_login(c, "pho.hieu");
  const auto gv = first_login(c, "gv.mot");
  CHECK(has_page(c, ht, "subjects"));
  CHECK(has_page(c, admin, "subjects"));
  CHECK_FALSE(has_page(c, pht, "subjects"));
  CHECK_FALSE(has_page(c, gv, "subjects"));

  // Both classes listed, none chosen yet, with what grade 10 offers.
  const Answer list = c.get(ht, "/api/class-subjects");
  REQUIRE(list.status == 200);
  CHECK(list.body["classes"].size() == 2);
  CHECK(list.body["electives_per_class"] == 4);
  CHECK(list.body["topics_per_class"] == 3);
  json row = class_row(c, ht, "10A1");
  CHECK(row["grade"] == 10);
  CHECK(row["chosen"] == false);
  CHECK(row["offer"]["electives"].size() == 9);
  CHECK(row["offer"]["electives"].dump().find("\"Vật lí\"") != std::string::npos);
  CHECK(row["offer"]["topics"].dump().find("\"Toán\"") != std::string::npos);
  CHECK(row["offer"]["topics"].dump().find("\"Giáo dục thể chất\"") == std::string::npos);

  // Refused: a vice principal or a teacher (by set_class_choice itself), no CSRF token, bad bodies.
  const json khtn = choice("10A1", {"Vật lí", "hoá học", "Sinh học", "Tin học"}, {"Toán", "Vật lí", "Hóa học"});
  CHECK(c.get(pht, "/api/class-subjects").status == 403);
  CHECK(c.get(gv, "/api/class-subjects").status == 403);
  for (const auto& [who, login] : {std::pair{"pho.hieu", &pht}, std::pair{"gv.mot", &gv}}) {
    const Answer refused = c.post(*login, "/api/class-subjects/set", khtn);
    CHECK(refused.status == 403);
    CHECK_THAT(refused.body["error"].get<std::string>(),
               Catch::StartsWith("chỉ Hiệu trưởng hoặc quản trị hệ thống được chọn môn cho lớp"));
    CHECK(refused.body["error"] == direct_refusal(c, khtn, who));
  }
  const Answer no_csrf = c.request("POST", "/api/class-subjects/set", ht.cookie, "", khtn.dump());
  CHECK(no_csrf.status == 403);
  CHECK(no_csrf.error_code() == "CSRF");
  CHECK(c.post(ht, "/api/class-subjects/set", {{"class", "10A1"}, {"electives", "Vật lí"}, {"topics", json::array()}})
            .status == 400);
  CHECK(c.post(ht, "/api/class-subjects/set", choice("10A1", std::vector<std::string>(21, "Vật lí"), {})).status == 400);
  CHECK(c.post(ht, "/api/class-subjects/set", {{"class", "10A1"}, {"electives", {1, 2}}, {"topics", json::array()}})
            .status == 400);
  CHECK(c.school.server_scalar("SELECT COUNT(*) FROM class_subject_choices") == 0);

  // The CLI's refusals, word for word: a wrong count, a compulsory subject, an unknown class.
  for (const json& bad : {choice("10A1", {"Vật lí", "Hóa học", "Sinh học"}, {"Toán", "Vật lí", "Hóa học"}),
                          choice("10A1", {"Toán", "Hóa học", "Sinh học", "Tin học"}, {"Ngữ văn", "Sinh học", "Hóa học"}),
                          choice("10A9", khtn["electives"].get<std::vector<std::string>>(), khtn["topics"].get<std::vector<std::string>>())}) {
    const Answer refused = c.post(ht, "/api/class-subjects/set", bad);
    INFO(refused.body.dump());
    CHECK(refused.status == 400);
    CHECK(refused.body["error"] == direct_refusal(c, bad, "hieu.truong"));
  }
  CHECK(c.post(ht, "/api/class-subjects/set", choice("10A1", {"Vật lí", "Hóa học", "Sinh học"}, {"Toán", "Vật lí", "Hóa học"}))
            .body["error"]
            .get<std::string>()
            .find("cần đúng 4 môn lựa chọn, đã nêu 3") != std::string::npos);
  CHECK(c.school.server_scalar("SELECT COUNT(*) FROM class_subject_choices") == 0);
  CHECK(c.audit_count("class_subjects") == 0);

  // The principal chooses (names as typed, stored as the grade spells them), audited in their name.
  const Answer set = c.post(ht, "/api/class-subjects/set", khtn);
  INFO(set.body.dump());
  REQUIRE(set.status == 200);
  CHECK(set.body["changed"] == true);
  CHECK(set.body["message"] == "Đã ghi lựa chọn của lớp 10A1");
  CHECK(c.audit_count("class_subjects") == 1);
  CHECK(c.school.server_scalar("SELECT COUNT(*) FROM audit_log WHERE kind = 'class_subjects' AND actor = 'hieu.truong'") == 1);
  row = class_row(c, ht, "10A1");
  CHECK(row["chosen"] == true);
  CHECK(row["electives"] == json({"Vật lí", "Hóa học", "Sinh học", "Tin học"}));
  CHECK(row["topics"] == json({"Toán", "Vật lí", "Hóa học"}));
  CHECK(class_row(c, admin, "10A2")["chosen"] == false);

  // The same choice again (the administrator): nothing recorded.
  const Answer again = c.post(admin, "/api/class-subjects/set", khtn);
  REQUIRE(again.status == 200);
  CHECK(again.body["changed"] == false);
  CHECK(again.body["message"] == "Không có gì thay đổi: lớp 10A1 đã chọn như vậy");
  CHECK(c.audit_count("class_subjects") == 1);

  // A mark of Hóa học: a choice without it is refused, naming the mark, as the CLI refuses it.
  c.school.sync("gv.mot");
  REQUIRE(mot.record({"10A1", "Hóa học", "HS1001", "HK1.TX1"}, "7").is_ok());
  c.school.sync("gv.mot");
  const json drop = choice("10A1", {"Địa lí", "Vật lí", "Sinh học", "Tin học"}, {"Toán", "Vật lí", "Địa lí"});
  const Answer dropped = c.post(ht, "/api/class-subjects/set", drop);
  CHECK(dropped.status == 400);
  CHECK_THAT(dropped.body["error"].get<std::string>(),
             Catch::Contains("lớp 10A1, môn Hóa học: đã có điểm, không thể bỏ môn này khỏi lớp"));
  CHECK(dropped.body["error"] == direct_refusal(c, drop, "hieu.truong"));
  CHECK(class_row(c, ht, "10A1")["electives"] == json({"Vật lí", "Hóa học", "Sinh học", "Tin học"}));
  CHECK(c.audit_count("class_subjects") == 1);

  // A change that keeps the mark goes through (Địa lí instead of Sinh học).
  const Answer swap =
      c.post(admin, "/api/class-subjects/set", choice("10A1", {"Vật lí", "Hóa học", "Địa lí", "Tin học"}, {"Toán", "Vật lí", "Hóa học"}));
  INFO(swap.body.dump());
  REQUIRE(swap.status == 200);
  CHECK(c.audit_count("class_subjects") == 2);
  CHECK(class_row(c, ht, "10A1")["electives"] == json({"Địa lí", "Vật lí", "Hóa học", "Tin học"}));
}

TEST_CASE("console: a school without THPT classes has no Môn lựa chọn page", "[e2e][console]") {
  ConsoleSchool c;  // the demo school: THCS
  const auto ht = c.login("hieutruong");
  CHECK_FALSE(has_page(c, ht, "subjects"));
  const Answer list = c.get(ht, "/api/class-subjects");
  REQUIRE(list.status == 200);
  CHECK(list.body["classes"].empty());
  const Answer refused = c.post(ht, "/api/class-subjects/set", choice("8A", {"Vật lí", "Hóa học", "Sinh học", "Tin học"},
                                                                      {"Toán", "Vật lí", "Hóa học"}));
  CHECK(refused.status == 400);
  CHECK_THAT(refused.body["error"].get<std::string>(), Catch::Contains("lớp 8A (khối 8): khối này không có môn lựa chọn"));
}
