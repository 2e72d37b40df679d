// The year-end board (issue 15) with the real binaries on a school set up
// from the THCS defaults (and one from the Tiểu học defaults, TT27): `sodiem board CLASS TERM --json` lists every
// subject assigned to the class, marks or not, and names the required cells
// still empty; the subject and class signatures are refused while one is
// (naming them), then accepted; `sodiem-server progress` counts assigned
// subjects × required columns × active students.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "sodiem/client/local_store.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/server/server_db.hpp"
#include "test_school.hpp"
#include "server_store.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using nlohmann::json;

namespace {

const std::string kServer = SODIEM_SERVER_BIN;
const std::string kClient = SODIEM_CLIENT_BIN;
const std::vector<std::string> kGrade6 = {
    "Ngữ văn", "Toán", "Ngoại ngữ 1", "Giáo dục công dân", "Lịch sử và Địa lí", "Khoa học tự nhiên", "Công nghệ",
    "Tin học", "Giáo dục thể chất", "Âm nhạc", "Mĩ thuật", "Hoạt động trải nghiệm, hướng nghiệp",
    "Nội dung giáo dục của địa phương"};

CommandResult sodiem_cli(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), kClient);
  return run_command(args, input);
}

// Every required `term` cell of `subject` for each student of 6A on the device.
void fill_subject(const std::string& dir, const std::string& subject, const std::string& term) {
  client::LocalStore store(dir);
  const auto info = store.subject(subject, "6A");
  REQUIRE(info);
  for (const auto& st : store.show("6A", subject))
    for (const auto& col : board::required_columns(*info, term))
      REQUIRE(store.record({"6A", subject, st.code, col}, info->scored ? "8" : "Đ").is_ok());
}

json progress_row(const std::string& server_dir, const std::string& subject) {
  auto r = run_command({kServer, "progress", "--data", server_dir, "--term", "HK1", "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  for (const auto& row : json::parse(r.out))
    if (row["class"] == "6A" && row["subject"] == subject) return row;
  FAIL("no progress row for 6A " << subject);
  return {};
}

}  // namespace

TEST_CASE("sodiem board lists every assigned subject and names the empty required cells, and signing waits for them",
          "[e2e][board]") {
  TempDir tmp;
  const std::string dir = tmp / "server";
  auto init = run_command({kServer, "init", "--data", dir, "--school-name", "Trường THCS Thử"});
  REQUIRE(init.exit_code == 0);
  REQUIRE(run_command({kServer, "setup", "--data", dir, "--level", "thcs", "--maintenance"}).exit_code == 0);
  std::ofstream(tmp / "hs.csv") << "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp,Trạng thái\n"
                                   "HS601,Nguyễn Văn An,05/09/2014,Nam,6A,Đang học\n"
                                   "HS602,Trần Thị Bình,12/03/2014,Nữ,6A,Đang học\n"
                                   "HS603,Lê Văn Cường,01/02/2014,Nam,6A,Nghỉ học\n";
  REQUIRE(run_command({kServer, "import", "students", "--data", dir, tmp / "hs.csv", "--maintenance"}).exit_code == 0);
  std::string assignments;
  for (const auto& s : kGrade6) assignments += (assignments.empty() ? "6A:" : ";6A:") + s;
  std::ofstream(tmp / "gv.csv") << "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                                   "gv.cn,Phạm Văn Công,GVCN;GVBM,,6A,\"" << assignments << "\"\n";
  auto staff = run_command({kServer, "import", "staff", "--data", dir, tmp / "gv.csv", "--maintenance"});
  INFO(staff.out << staff.err);
  REQUIRE(staff.exit_code == 0);
  std::string password;
  {
    std::ifstream in(dir + "/new-passwords.csv");
    for (std::string line; std::getline(in, line);)
      if (line.rfind("gv.cn,", 0) == 0) password = line.substr(6);
  }
  REQUIRE_FALSE(password.empty());
  const auto at = init.out.find("(SHA-256): ");
  REQUIRE(at != std::string::npos);

  ServerProcess running(kServer, dir);
  const std::string gv = tmp / "gv.cn", pass = "mật khẩu ký số\n";
  auto enroll = sodiem_cli({"enroll", "--data", gv, "--server", running.url(), "--user", "gv.cn", "--password-stdin",
                        "--new-password-stdin", "--fingerprint", init.out.substr(at + 11, 64)},
                       password + "\nmật-khẩu-mới-của-tôi-2026\n");
  INFO(enroll.err);
  REQUIRE(enroll.exit_code == 0);
  REQUIRE(sodiem_cli({"key", "init", "--data", gv, "--passphrase-stdin"}, pass).exit_code == 0);
  auto sign = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"sign", "--data", gv, "--passphrase-stdin"});
    return sodiem_cli(args, pass);
  };

  // Everything of HK1 but Tin học, which nobody has marked yet, and the conduct.
  for (const auto& s : kGrade6)
    if (s != "Tin học") fill_subject(gv, s, "HK1");
  {
    client::LocalStore store(gv);
    for (const char* code : {"HS601", "HS602"}) REQUIRE(store.record({"6A", "Chủ nhiệm", code, "HK1.RL"}, "Tốt").is_ok());
  }
  REQUIRE(sodiem_cli({"sync", "--data", gv}).exit_code == 0);

  auto shown = sodiem_cli({"board", "--data", gv, "6A", "HK1", "--json"});
  INFO(shown.err);
  REQUIRE(shown.exit_code == 0);
  auto board = json::parse(shown.out);
  CHECK(board["class"] == "6A");
  CHECK(board["term"] == "HK1");
  CHECK(board["complete"] == false);
  CHECK(board["primary"] == false);
  CHECK_FALSE(board.contains("totals"));
  json expected = json::array();
  for (const char* code : {"HS601", "HS602"})
    for (const char* col : {"HK1.TX1", "HK1.TX2", "HK1.GK", "HK1.CK"})
      expected.push_back({{"student", code}, {"subject", "Tin học"}, {"column", col}});
  CHECK(board["missing"] == expected);
  REQUIRE(board["students"].size() == 2);  // HS603 left the school
  // The board's columns in board order (the ui's board shows them so): the
  // subjects, then the learning level and the conduct.
  REQUIRE(board["columns"].is_array());
  CHECK(board["columns"].size() == board["students"][0]["results"].size());
  CHECK(board["columns"][board["columns"].size() - 2] == "Học tập");
  CHECK(board["columns"].back() == "Rèn luyện");
  for (const auto& st : board["students"]) {
    const auto& r = st["results"];
    CHECK(r["Tin học"] == "chưa đủ điểm");  // on the board although it has no mark
    CHECK(r["Toán"] == "8.0");
    CHECK(r["Âm nhạc"] == "Đ");
    CHECK(r["Nghệ thuật"] == "Đ");
    CHECK(r["Học tập"] == "chưa đủ điểm");
    CHECK(r["Rèn luyện"] == "Tốt");
  }
  // The teacher's way of typing it, and in words.
  auto words = sodiem_cli({"board", "--data", gv, "6a", "hk1"});
  CHECK(words.exit_code == 0);
  CHECK_THAT(words.out, Catch::Contains("Bảng tổng hợp kết quả lớp 6A, học kì I") &&
                            Catch::Contains("còn 8 ô bắt buộc") && Catch::Contains("Tin học: 8 ô — HS601 HK1.TX1, HS601 HK1.TX2, HS601 HK1.GK, HS601 HK1.CK, …") &&
                            Catch::Contains("Nguyễn Văn An"));
  // For a person, marks with the decimal comma as `sodiem show` prints them (the JSON keeps "8.0").
  CHECK_THAT(words.out, Catch::Contains("Toán: 8,0") && !Catch::Contains("8.0"));
  CHECK(sodiem_cli({"board", "--data", gv, "6A", "HK3"}).exit_code == 2);

  // Progress: 2 active students (not the one who left) × required columns.
  CHECK(progress_row(dir, "Tin học")["required"] == 2 * 4);
  CHECK(progress_row(dir, "Tin học")["filled"] == 0);
  CHECK(progress_row(dir, "Toán")["required"] == 2 * 6);
  CHECK(progress_row(dir, "Toán")["filled"] == 2 * 6);

  // Signing: each marked subject; not Tin học, not the class, each naming the cells.
  for (const auto& s : kGrade6)
    if (s != "Tin học") {
      auto r = sign({"subject", "6A", "HK1", "--subject", s});
      INFO(s << ": " << r.err);
      REQUIRE(r.exit_code == 0);
    }
  auto tin = sign({"subject", "6A", "HK1", "--subject", "Tin học"});
  CHECK(tin.exit_code == 2);
  CHECK_THAT(tin.err, Catch::Contains("còn 8 ô bắt buộc chưa có điểm: HS601 HK1.TX1"));
  auto cls = sign({"class", "6A", "HK1"});
  CHECK(cls.exit_code == 2);
  CHECK_THAT(cls.err, Catch::Contains("chưa thể ký xác nhận lớp 6A HK1: còn 8 ô bắt buộc") &&
                          Catch::Contains("HS601 Tin học HK1.TX1"));

  // Tin học given: the board is complete, the signatures go through.
  fill_subject(gv, "Tin học", "HK1");
  REQUIRE(sodiem_cli({"sync", "--data", gv}).exit_code == 0);
  board = json::parse(sodiem_cli({"board", "--data", gv, "6A", "HK1", "--json"}).out);
  CHECK(board["complete"] == true);
  CHECK(board["missing"].empty());
  for (const auto& st : board["students"]) CHECK(st["results"]["Học tập"] == "Tốt");  // every average 8.0, every comment subject Đ
  CHECK(progress_row(dir, "Tin học")["filled"] == 2 * 4);
  auto tin_ok = sign({"subject", "6A", "HK1", "--subject", "Tin học"});
  INFO(tin_ok.err);
  REQUIRE(tin_ok.exit_code == 0);
  auto cls_ok = sign({"class", "6A", "HK1"});
  INFO(cls_ok.err);
  CHECK(cls_ok.exit_code == 0);
  testing::ServerDb db(server::DataPaths{dir}.db());
  auto q = db.prepare("SELECT COUNT(*) FROM confirmations WHERE step = 'class' AND revoked_at IS NULL");
  REQUIRE(q.step());
  CHECK(q.int64(0) == 1);

  // The year (CN) needs HK2 too: every HK2 cell of both students is missing.
  board = json::parse(sodiem_cli({"board", "--data", gv, "6A", "CN", "--json"}).out);
  CHECK(board["term"] == "CN");
  CHECK(board["complete"] == false);
  // Per student: 13 subjects × 4 cells, 2 more for each of the five with
  // 4 TX (Ngữ văn, Toán, Ngoại ngữ 1, Lịch sử và Địa lí, KHTN), the conduct.
  CHECK(board["missing"].size() == 2 * (13 * 4 + 5 * 2 + 1));
  CHECK(board["students"][0]["results"]["Lên lớp"] == "chưa đủ dữ liệu");

  // The year closed (the server moved on): the device keeps a copy of the old
  // year, whose complete HK1 board is shown but can no longer be signed.
  std::string old_year;
  {
    client::LocalStore store(gv);
    old_year = store.school_year();
    REQUIRE_FALSE(old_year.empty());
    store.enter_school_year("2099-2100");
  }
  const std::string archive = gv + "/years/" + old_year;
  auto archived = sodiem_cli({"board", "--data", archive, "6A", "HK1"});
  INFO(archived.err);
  REQUIRE(archived.exit_code == 0);
  CHECK_THAT(archived.out, Catch::Contains("Đây là bản lưu của năm học " + old_year + ": năm học đã kết thúc và được lưu trữ") &&
                               Catch::Contains("không thể ký xác nhận gì ở đây") &&
                               Catch::Contains("Đã đủ điểm và đánh giá bắt buộc.") && !Catch::Contains("có thể được ký"));
  board = json::parse(sodiem_cli({"board", "--data", archive, "6A", "HK1", "--json"}).out);
  CHECK(board["complete"] == true);
  CHECK(board["signable"] == false);
  CHECK(board["archived_year"] == old_year);
  auto archived_sign = sodiem_cli({"sign", "class", "6A", "HK1", "--data", archive, "--passphrase-stdin"}, pass);
  CHECK(archived_sign.exit_code == 2);
  CHECK_THAT(archived_sign.err, Catch::Contains("bản lưu của năm học " + old_year));
  // Nor does the copy reach the server or take anything (SyncEngine, enroll,
  // the outbox refuse it): said in Vietnamese, the copy as it was.
  const auto status_before = sodiem_cli({"status", "--data", archive, "--json"}).out;
  for (const auto& [args, input] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"sync", "--data", archive}, ""},
           {{"enroll", "--data", archive, "--server", running.url(), "--user", "gv.cn", "--password-stdin"},
            "mật-khẩu-mới-của-tôi-2026\n"},
           {{"set", "--data", archive, "6A", "Toán", "HS6A01", "HK1.TX1", "5"}, ""},
           {{"history", "--data", archive, "6A", "Toán", "HS6A01", "HK1.TX1"}, ""}}) {
    const auto refused = sodiem_cli(args, input);
    INFO(args[0] << ": " << refused.err);
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.err, Catch::Contains("bản lưu của năm học " + old_year) && Catch::Contains("năm học đã kết thúc") &&
                                Catch::Contains("chỉ để xem") && Catch::Contains("không đồng bộ"));
  }
  CHECK(sodiem_cli({"status", "--data", archive, "--json"}).out == status_before);
  CHECK_FALSE(std::filesystem::exists(archive + "/years"));
}

TEST_CASE("a subject teacher's sodiem board of a class they do not head: their subjects only, never signable",
          "[e2e][board]") {
  TempDir tmp;
  const DemoServer demo = make_demo_server(tmp / "server");
  ServerProcess running(kServer, demo.dir);
  const std::string gv = tmp / "gv.toan.2";  // teaches Toán in 8A–9B, heads 8B
  auto enroll = sodiem_cli({"enroll", "--data", gv, "--server", running.url(), "--user", "gv.toan.2",
                            "--password-stdin", "--fingerprint", demo.fingerprint},
                           demo.password_of("gv.toan.2") + "\n");
  INFO(enroll.err);
  REQUIRE(enroll.exit_code == 0);
  std::string first;
  {
    client::LocalStore store(gv);
    first = store.show("8A", "Toán").at(0).code;
  }
  REQUIRE(sodiem_cli({"set", "--data", gv, "8A", "Toán", first, "HK1.TX1", "7"}).exit_code == 0);
  REQUIRE(sodiem_cli({"sync", "--data", gv}).exit_code == 0);

  auto text = sodiem_cli({"board", "--data", gv, "8A", "HK1"});
  INFO(text.err);
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("Bảng này chỉ gồm các môn của bạn (Toán), không phải cả lớp 8A") &&
                           Catch::Contains("Các môn của bạn còn") && Catch::Contains("Toán: ") &&
                           !Catch::Contains("có thể được ký") && !Catch::Contains("Chưa thể ký xác nhận") &&
                           !Catch::Contains("Ngữ văn") && !Catch::Contains("Chủ nhiệm"));
  auto board = json::parse(sodiem_cli({"board", "--data", gv, "8A", "HK1", "--json"}).out);
  CHECK(board["whole_class"] == false);
  CHECK(board["complete"] == false);
  CHECK(board["signable"] == false);
  CHECK(board["subjects"] == json::array({"Toán"}));
  REQUIRE_FALSE(board["missing"].empty());
  for (const auto& m : board["missing"]) CHECK(m["subject"] == "Toán");
  CHECK(board["columns"] == json::array({"Toán"}));
  // The class they head: the whole board, every subject and the conduct.
  board = json::parse(sodiem_cli({"board", "--data", gv, "8B", "HK1", "--json"}).out);
  CHECK(board["whole_class"] == true);
  CHECK_FALSE(board.contains("subjects"));
  std::set<std::string> subjects;
  for (const auto& m : board["missing"]) subjects.insert(m["subject"].get<std::string>());
  CHECK(subjects.contains("Ngữ văn"));
  CHECK(subjects.contains("Chủ nhiệm"));
  // The class's board is not theirs to sign: said plainly, before any key is asked for.
  auto sign = sodiem_cli({"sign", "class", "8A", "HK1", "--data", gv, "--passphrase-stdin"}, "x\n");
  CHECK(sign.exit_code == 2);
  CHECK_THAT(sign.err, Catch::Contains("máy này chỉ có các môn của bạn, không phải cả lớp 8A"));
}

TEST_CASE("sodiem board of a primary class: ratings, tests, qualities and competences, the class totals",
          "[e2e][board][tt27]") {
  TempDir tmp;
  const std::string dir = tmp / "server";
  auto init = run_command({kServer, "init", "--data", dir, "--school-name", "Trường PTDTBT Tiểu học Thử"});
  REQUIRE(init.exit_code == 0);
  REQUIRE(run_command({kServer, "setup", "--data", dir, "--level", "tieu-hoc", "--maintenance"}).exit_code == 0);
  std::ofstream(tmp / "hs.csv") << "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                                   "HS101,Giàng A Páo,05/09/2019,Nam,1A\n"
                                   "HS102,Sùng Thị Mai,12/03/2019,Nữ,1A\n";
  REQUIRE(run_command({kServer, "import", "students", "--data", dir, tmp / "hs.csv", "--maintenance"}).exit_code == 0);
  const std::vector<std::string> grade1 = {"Tiếng Việt", "Toán", "Đạo đức", "Tự nhiên và Xã hội",
                                           "Giáo dục thể chất", "Âm nhạc", "Mĩ thuật", "Hoạt động trải nghiệm"};
  std::string assignments;
  for (const auto& s : grade1) assignments += (assignments.empty() ? "1A:" : ";1A:") + s;
  std::ofstream(tmp / "gv.csv") << "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                                   "gv.cn,Vàng Thị Lan,GVCN;GVBM,,1A,\"" << assignments << "\"\n";
  REQUIRE(run_command({kServer, "import", "staff", "--data", dir, tmp / "gv.csv", "--maintenance"}).exit_code == 0);
  std::string password;
  {
    std::ifstream in(dir + "/new-passwords.csv");
    for (std::string line; std::getline(in, line);)
      if (line.rfind("gv.cn,", 0) == 0) password = line.substr(6);
  }
  const auto at = init.out.find("(SHA-256): ");
  REQUIRE(at != std::string::npos);
  ServerProcess running(kServer, dir);
  const std::string gv = tmp / "gv.cn";
  REQUIRE(sodiem_cli({"enroll", "--data", gv, "--server", running.url(), "--user", "gv.cn", "--password-stdin",
                      "--new-password-stdin", "--fingerprint", init.out.substr(at + 11, 64)},
                     password + "\nmật-khẩu-mới-của-tôi-2026\n")
              .exit_code == 0);
  {
    // HK1 of every subject (HS102 Hoàn thành), every quality and competence but HS102's Trung thực.
    client::LocalStore store(gv);
    for (const auto& s : grade1) {
      const auto info = store.subject(s, "1A");
      REQUIRE(info);
      REQUIRE(info->primary);
      for (const char* code : {"HS101", "HS102"})
        for (const auto& col : board::required_columns(*info, "HK1"))
          REQUIRE(store.record({"1A", s, code, col}, col.ends_with("KTCK") ? "9" : code == std::string("HS101") ? "T" : "H")
                      .is_ok());
    }
    for (const char* code : {"HS101", "HS102"})
      for (const auto& col : board::homeroom_required_columns(true, "HK1"))
        if (code != std::string("HS102") || col != "HK1.PC4") REQUIRE(store.record({"1A", "Chủ nhiệm", code, col}, "Tốt").is_ok());
  }
  REQUIRE(sodiem_cli({"sync", "--data", gv}).exit_code == 0);

  auto shown = sodiem_cli({"board", "--data", gv, "1a", "hk1", "--json"});
  INFO(shown.err);
  REQUIRE(shown.exit_code == 0);
  const auto board = json::parse(shown.out);
  CHECK(board["primary"] == true);
  CHECK(board["complete"] == false);
  CHECK(board["missing"] == json::array({{{"student", "HS102"}, {"subject", "Chủ nhiệm"}, {"column", "HK1.PC4"}}}));
  std::map<std::string, json> by_code;  // the board lists pupils by given name: Mai before Páo
  for (const auto& st : board["students"]) by_code[st["student"]] = st["results"];
  CHECK(board["students"][0]["student"] == "HS102");
  const auto& r = by_code["HS101"];
  CHECK(r["Tiếng Việt"] == "Hoàn thành tốt");
  CHECK(r["Tiếng Việt (KTĐK)"] == "9");
  CHECK(r["Phẩm chất Yêu nước"] == "Tốt");
  CHECK(r["Năng lực Thể chất"] == "Tốt");
  CHECK_FALSE(r.contains("Rèn luyện"));
  CHECK(by_code["HS102"]["Phẩm chất Trung thực"] == "chưa đánh giá");
  CHECK(board["totals"]["Tiếng Việt"] == json{{"Hoàn thành tốt", 1}, {"Hoàn thành", 1}});
  CHECK(board["totals"]["Phẩm chất Trung thực"] == json{{"Tốt", 1}, {"chưa đánh giá", 1}});
  auto words = sodiem_cli({"board", "--data", gv, "1A", "HK1"});
  CHECK_THAT(words.out, Catch::Contains("Chủ nhiệm: 1 ô — HS102 HK1.PC4") && Catch::Contains("Tổng hợp cả lớp:") &&
                            Catch::Contains("  Toán: Hoàn thành 1; Hoàn thành tốt 1;"));
  // Signing the class waits for it, naming the cell.
  REQUIRE(sodiem_cli({"key", "init", "--data", gv, "--passphrase-stdin"}, "mật khẩu ký số\n").exit_code == 0);
  auto cls = sodiem_cli({"sign", "--data", gv, "--passphrase-stdin", "class", "1A", "HK1"}, "mật khẩu ký số\n");
  CHECK(cls.exit_code == 2);
  CHECK_THAT(cls.err, Catch::Contains("HS102 Chủ nhiệm HK1.PC4"));
}
