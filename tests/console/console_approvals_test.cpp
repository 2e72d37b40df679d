// The console's Phê duyệt page over real TLS (console_approvals.cpp): the
// queue of each class's signing chain, the board a class-level step signs
// with the digest the signer's client signs, and the principal's unapprove
// with a reason; the role matrix of its endpoints (a teacher's session, a
// vice principal, no CSRF token, an expired session: refused, nothing
// changed). The chain is signed by real clients (LocalStore + sign_step,
// real Ed25519 keys) over the loopback sync.
#include <algorithm>
#include <filesystem>
#include <sstream>

#include "console_school.hpp"
#include "sodiem/client/actions.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/curriculum.hpp"
#include "sodiem/server/roster_io.hpp"
#include "sodiem/server/school_setup.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using namespace sodiem::testing::console;

namespace {

const std::string kPass = "mật khẩu khóa ký";

struct Chain {
  ConsoleSchool& c;
  std::string keys = c.school.tmp / "keys";

  Result<client::Signed> sign(const std::string& user, const std::string& step, const std::string& subject = "") {
    auto& store = c.school.device(user);
    const std::string dir = keys + "/" + user;
    if (!client::has_signing_key(dir)) {
      std::filesystem::create_directories(dir);
      REQUIRE(client::create_signing_key(store, dir, kPass).is_ok());
    }
    return client::sign_step(store, dir, step, "6A", "HK1", subject, kPass,
                             [&] { return c.school.try_sync(store).status(); });
  }

  // Every teacher of 6A fills and signs their subject; the homeroom teacher
  // gives every conduct and signs the class; the vice principal reviews.
  void up_to_review() {
    for (const auto& a : c.school.demo.accounts) {
      const auto& classes = a["classes"];
      if (std::find(classes.begin(), classes.end(), "6A") == classes.end()) continue;
      const std::string user = a["username"], subject = a["subjects"][0];
      auto& store = c.school.device(user);
      const auto info = store.subject(subject, "6A");
      REQUIRE(info);
      for (const auto& st : store.show("6A", subject))
        for (const auto& col : board::required_columns(*info, "HK1"))
          REQUIRE(store.record({"6A", subject, st.code, col}, info->scored ? "8" : "Đ").is_ok());
      auto r = sign(user, "subject", subject);
      INFO(subject << ": " << r.status().message());
      REQUIRE(r.is_ok());
    }
    auto& gvcn = c.school.device("gv.van.1");  // homeroom teacher of 6A
    for (const auto& st : gvcn.show("6A", "Chủ nhiệm")) REQUIRE(gvcn.record({"6A", "Chủ nhiệm", st.code, "HK1.RL"}, "Tốt").is_ok());
    for (const auto& [user, step] : {std::pair{"gv.van.1", "class"}, std::pair{"phohieutruong", "review"}}) {
      auto r = sign(user, step);
      INFO(step << ": " << r.status().message());
      REQUIRE(r.is_ok());
    }
  }
};

json class_row(const Answer& queue, const std::string& name) {
  for (const auto& row : queue.body["classes"])
    if (row["class"] == name) return row;
  FAIL("no row for class " << name);
  return {};
}

std::int64_t active_approvals(ConsoleSchool& c) {
  return c.school.server_scalar("SELECT COUNT(*) FROM confirmations WHERE step = 'approve' AND revoked_at IS NULL");
}

}  // namespace

TEST_CASE("console: Phê duyệt shows each class's chain and the board with the digest the principal's client signs",
          "[e2e][console][approvals]") {
  ConsoleSchool c;
  const auto ht = c.login("hieutruong");
  CHECK(c.get(ht, "/api/session").body["pages"].dump().find("\"approvals\"") != std::string::npos);

  // Nothing signed: 6A waits for its subject teachers; its board names the empty cells.
  const Answer before = c.get(ht, "/api/approvals?term=HK1");
  REQUIRE(before.status == 200);
  CHECK(before.body["may_unapprove"] == true);
  const json first = class_row(before, "6A");
  CHECK(first["waiting"] == "subject");
  CHECK(first["confirmed"] == 0);
  CHECK(first["subjects"].size() == 13);
  CHECK(first["approve"]["state"] == "missing");
  const Answer empty_board = c.get(ht, "/api/approvals/board?class=6A&term=HK1");
  REQUIRE(empty_board.status == 200);
  CHECK(empty_board.body["complete"] == false);
  CHECK(empty_board.body["step"] == "class");
  CHECK_FALSE(empty_board.body["missing"].empty());

  Chain chain{c};
  chain.up_to_review();
  const Answer queue = c.get(ht, "/api/approvals?term=HK1");
  const json row = class_row(queue, "6A");
  CHECK(row["waiting"] == "approve");
  CHECK(row["confirmed"] == 13);
  CHECK(row["homeroom"]["state"] == "signed");
  CHECK(row["homeroom"]["signer"] == "gv.van.1");
  CHECK(row["review"]["signer"] == "phohieutruong");
  CHECK(class_row(queue, "6B")["waiting"] == "subject");

  // The board exactly as the approval will sign it: the same digest the
  // principal's client computes and signs.
  const Answer board = c.get(ht, "/api/approvals/board?class=6A&term=HK1");
  REQUIRE(board.status == 200);
  CHECK(board.body["step"] == "approve");
  CHECK(board.body["complete"] == true);
  const std::string digest = board.body["digest"];
  CHECK(digest.size() == 64);
  CHECK(board.body["document"].get<std::string>().find("approve") != std::string::npos);
  bool has_result = false;
  for (const auto& l : board.body["lines"])
    if (l["student"] == "HS6A01" && l["column"] == "Toán") has_result = l["value"] == "8.0";
  CHECK(has_result);
  auto signed_ = chain.sign("hieutruong", "approve");
  INFO(signed_.status().message());
  REQUIRE(signed_.is_ok());
  CHECK(signed_->digest == digest);

  const json approved = class_row(c.get(ht, "/api/approvals?term=HK1"), "6A");
  CHECK(approved["waiting"] == "");
  CHECK(approved["approve"]["state"] == "signed");
  CHECK(approved["approve"]["digest"] == digest);
  CHECK(c.get(ht, "/api/approvals/board?class=6A&term=HK1").body["digest"] == digest);

  // Unapprove with a reason: the CLI's function, its audit entry, the class writable again.
  REQUIRE(c.post(ht, "/api/approvals/unapprove", {{"class", "6A"}, {"term", "HK1"}, {"reason", ""}}).status >= 400);
  CHECK(active_approvals(c) == 1);
  const Answer done = c.post(ht, "/api/approvals/unapprove", {{"class", "6A"}, {"term", "HK1"}, {"reason", "Sai điểm môn Toán"}});
  INFO(done.body.dump());
  REQUIRE(done.status == 200);
  CHECK(active_approvals(c) == 0);
  {
    auto db = c.school.server_db();
    auto s = db->prepare("SELECT actor, detail FROM audit_log WHERE kind = 'unapproved'");
    REQUIRE(s.step());
    CHECK(s.text(0) == "hieutruong");
    CHECK_THAT(s.text(1), Catch::Contains("Sai điểm môn Toán") && Catch::Contains("6A"));
  }
  CHECK(class_row(c.get(ht, "/api/approvals?term=HK1"), "6A")["waiting"] == "approve");
  CHECK(c.post(ht, "/api/approvals/unapprove", {{"class", "6A"}, {"term", "HK1"}, {"reason", "lần nữa"}}).status >= 400);
}

TEST_CASE("console: Phê duyệt's role matrix — a teacher, a vice principal, no CSRF token or an expired session change nothing",
          "[e2e][console][approvals]") {
  ConsoleSchool c;
  Chain chain{c};
  chain.up_to_review();
  REQUIRE(chain.sign("hieutruong", "approve").is_ok());
  REQUIRE(active_approvals(c) == 1);
  const json unapprove = {{"class", "6A"}, {"term", "HK1"}, {"reason", "thử"}};

  // A subject and homeroom teacher without a leadership role: no page, no board, no action.
  const auto gv = c.login("gv.toan.2");
  CHECK(c.get(gv, "/api/session").body["pages"].empty());
  CHECK(c.get(gv, "/api/approvals?term=HK1").status == 403);
  CHECK(c.get(gv, "/api/approvals/board?class=6A&term=HK1").status == 403);
  CHECK(c.post(gv, "/api/approvals/unapprove", unapprove).status == 403);
  // A vice principal sees the queue, read-only.
  const auto pht = c.login("phohieutruong");
  const Answer queue = c.get(pht, "/api/approvals?term=HK1");
  REQUIRE(queue.status == 200);
  CHECK(queue.body["may_unapprove"] == false);
  CHECK(c.get(pht, "/api/approvals/board?class=6A&term=HK1").status == 200);
  CHECK(c.post(pht, "/api/approvals/unapprove", unapprove).status == 403);
  // The principal without the CSRF token, or with another session's.
  const auto ht = c.login("hieutruong");
  CHECK(c.request("POST", "/api/approvals/unapprove", ht.cookie, "", unapprove.dump()).error_code() == "CSRF");
  CHECK(c.request("POST", "/api/approvals/unapprove", ht.cookie, pht.csrf, unapprove.dump()).status == 403);
  CHECK(c.request("POST", "/api/approvals/unapprove", "", "", unapprove.dump()).status == 401);
  CHECK(active_approvals(c) == 1);
  CHECK(c.audit_count("unapproved") == 0);
  // An expired session.
  c.clock.advance(13 * 3600);
  CHECK(c.post(ht, "/api/approvals/unapprove", unapprove).status == 401);
  CHECK(c.get(ht, "/api/approvals?term=HK1").status == 401);
  CHECK(active_approvals(c) == 1);
  CHECK(c.audit_count("unapproved") == 0);
  // Bad terms and classes are refused too.
  const auto again = c.login("hieutruong");
  CHECK(c.get(again, "/api/approvals?term=HK3").status == 400);
  CHECK(c.get(again, "/api/approvals/board?class=9Z&term=HK1").status == 404);
  CHECK(c.post(again, "/api/approvals/unapprove", {{"class", "6A"}, {"term", "HK9"}, {"reason", "x"}}).status == 400);
  CHECK(active_approvals(c) == 1);
}

// Issue 15: at year end the board page of a primary class also shows the
// whole year in one table, each subject's and quality's end of HK1 beside
// the end of the year (board::primary_year_board, from the board signed).
TEST_CASE("console: Phê duyệt shows a primary class's year in one wide table", "[console][tt27]") {
  const std::int64_t start = *parse_local_time("2025-10-01T08:00");
  ConsoleSchool c(LoopbackSchool::PlainInit{"Trường Tiểu học Hoa Sen"}, start);
  std::vector<protocol::SubjectInfo> subjects;
  std::string principal_password;
  {
    auto db = c.school.server_db();
    auto parsed = server::parse_curriculum(*server::shipped_curriculum("tieu-hoc"));
    REQUIRE(parsed.curriculum);
    REQUIRE(server::apply_curriculum(*db, *parsed.curriculum, server::default_year("2025-2026"), c.clock, "admin").is_ok());
    std::istringstream pupils("Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                              "HS401,Sùng Thị Xuân,12/03/2016,Nữ,4A\n"
                              "HS402,Giàng A Páo,05/09/2016,Nam,4A\n");
    REQUIRE(server::import_students(*db, pupils, "admin").ok);
    const auto id = c.school.server_scalar("SELECT id FROM current_classes WHERE name = '4A'");
    std::string assigned;
    for (auto& cs : server::class_subjects_of(*db, id)) {
      assigned += (assigned.empty() ? "" : ";") + std::string("4A:") + cs.info.name;
      subjects.push_back(cs.info);
    }
    std::istringstream staff("Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                             "gv.lan,Vàng Thị Lan,GVBM;GVCN,,4A,\"" + assigned + "\"\n"
                             "hieu.truong,Vũ Thị Hiệu,HT,,,\n");
    auto people = server::import_staff(*db, staff, c.clock, "admin");
    REQUIRE(people.ok);
    for (const auto& [user, password] : people.new_passwords) {
      c.school.demo.accounts.push_back({{"username", user}, {"password", password}, {"new_password", "mới " + user}});
      if (user == "hieu.truong") principal_password = password;
    }
  }
  // Páo: Hoàn thành tốt and 9 everywhere; Xuân: Hoàn thành in Toán at the
  // end of HK1, Hoàn thành tốt at the end of the year.
  auto& gv = c.school.device("gv.lan");
  for (const char* term : {"HK1", "HK2"}) {
    if (std::string(term) == "HK2") c.clock.advance(*parse_local_time("2026-05-20T08:00") - c.clock.now_unix_seconds());
    std::vector<std::pair<protocol::CellKey, std::string>> edits;
    for (const char* code : {"HS401", "HS402"}) {
      for (const auto& subject : subjects)
        for (const auto& column : board::required_columns(subject, term)) {
          const bool xuan_toan_hk1 = std::string(code) == "HS401" && subject.name == "Toán" && column == "HK1.CK";
          edits.push_back({{"4A", subject.name, code, column},
                           column.find(".KT") != std::string::npos ? "9" : xuan_toan_hk1 ? "Hoàn thành" : "Hoàn thành tốt"});
        }
      for (const auto& column : board::homeroom_required_columns(true, term)) edits.push_back({{"4A", "Chủ nhiệm", code, column}, "Tốt"});
    }
    for (const auto& r : gv.record_batch(edits)) REQUIRE(r.is_ok());
    c.school.sync("gv.lan");
  }

  const Answer first = c.try_login("hieu.truong", principal_password, "mới hieu.truong");
  INFO(first.body.dump());
  REQUIRE(first.status == 200);
  const ConsoleSchool::Login ht{first.header("Set-Cookie").substr(22, 64), first.body["csrf"].get<std::string>()};
  const Answer board = c.get(ht, "/api/approvals/board?class=4A&term=HK2");
  INFO(board.body.dump());
  REQUIRE(board.status == 200);
  REQUIRE(board.body.contains("year_board"));
  const json& yb = board.body["year_board"];
  auto column = [&](const std::string& name) {
    for (const auto& col : yb["columns"])
      if (col["name"] == name) return col["terms"];
    return json();
  };
  CHECK(column("Toán") == json::array({"HK1", "CN"}));
  CHECK(column("Toán (KTĐK)") == json::array({"HK1", "CN"}));
  CHECK(column("Phẩm chất Yêu nước") == json::array({"HK1", "CN"}));
  CHECK(column("Kết quả giáo dục") == json::array({"CN"}));
  // Rows in class-list order (Páo before Xuân), the values of the board the chain signs.
  REQUIRE(yb["rows"].size() == 2);
  CHECK(yb["rows"][0]["student"] == "HS402");
  CHECK(yb["rows"][0]["name"] == "Giàng A Páo");
  const json& xuan = yb["rows"][1]["values"];
  CHECK(xuan["HK1"]["Toán"] == "Hoàn thành");
  CHECK(xuan["CN"]["Toán"] == "Hoàn thành tốt");
  CHECK(xuan["CN"]["Toán (KTĐK)"] == "9");
  CHECK(yb["rows"][0]["values"]["CN"]["Kết quả giáo dục"] == "Hoàn thành xuất sắc");
  for (const auto& l : board.body["lines"])
    if (l["section"] == "Tổng hợp CN" && l["student"] == "HS401" && l["column"] == "Toán") CHECK(l["value"] == xuan["CN"]["Toán"]);
  // HK1 and a THCS-style term have no year board.
  CHECK_FALSE(c.get(ht, "/api/approvals/board?class=4A&term=HK1").body.contains("year_board"));
}
