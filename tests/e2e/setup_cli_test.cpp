// A real school from a plain `init` (issue 15): init says what comes next;
// `sodiem-server setup` from each shipped GDPT 2018 default makes the
// imports of staff and students work; a bad curriculum file is refused with
// its problems named, in Vietnamese, and nothing changed; a re-run changes
// nothing; a teacher of the new school enrols and enters the marks the
// grade allows. Runs the real binaries (TLS, WebSocket sync, SQLite).
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "process.hpp"
#include "sodiem/server/server_db.hpp"
#include "test_school.hpp"
#include "server_store.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

const std::string kServer = SODIEM_SERVER_BIN;

struct FreshSchool {
  TempDir tmp;
  std::string dir = tmp / "server";
  CommandResult init;

  FreshSchool() {
    init = run_command({kServer, "init", "--data", dir, "--school-name", "Trường Thử"});
    REQUIRE(init.exit_code == 0);
  }
  CommandResult server(std::vector<std::string> args) {
    args.insert(args.begin(), kServer);
    return run_command(args);
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(tmp / name, std::ios::binary) << text;
    return tmp / name;
  }
  // Everything setup may change, the audit trail included, as text.
  std::string state() {
    testing::ServerDb db(server::DataPaths{dir}.db());
    std::string out;
    for (const char* table : {"subjects", "grade_subjects", "school_years", "terms", "meta", "audit_log"}) {
      std::string row;
      auto cols = db.prepare(std::string("SELECT name FROM pragma_table_info('") + table + "')");
      while (cols.step()) row += (row.empty() ? "" : " || '|' || ") + std::string("quote(") + cols.text(0) + ")";
      auto s = db.prepare("SELECT " + row + " FROM " + table + " ORDER BY 1");
      while (s.step()) out += s.text(0) + "\n";
      out += "--\n";
    }
    return out;
  }
};

}  // namespace

TEST_CASE("a plain init says what to do next — setup from each shipped default lets staff and students be imported",
          "[e2e][curriculum]") {
  struct Level {
    const char* level;
    const char* cls;
    const char* subjects;  // the teacher's assignments in that class
  };
  for (const Level& l : {Level{"tieu-hoc", "1A", "1A:Tiếng Việt;1A:Toán"}, Level{"thcs", "8A", "8A:Toán;8A:Công nghệ"},
                         Level{"thpt", "10A1", "10A1:Toán;10A1:Vật lí"}}) {
    INFO(l.level);
    FreshSchool s;
    // The next steps, with the exact commands.
    CHECK_THAT(s.init.out, Catch::Contains("sodiem-server setup --data " + s.dir + " --level thcs --maintenance"));
    CHECK_THAT(s.init.out, Catch::Contains("sodiem-server import students --data " + s.dir));
    CHECK_THAT(s.init.out, Catch::Contains("sodiem-server import staff --data " + s.dir));

    const std::string students = s.write("hs.csv", std::string("Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n") +
                                                       "HS001,Nguyễn Văn An,05/09/2015,Nam," + l.cls + "\n" +
                                                       "HS002,Trần Thị Bình,12/03/2015,Nữ," + l.cls + "\n");
    const std::string staff =
        s.write("gv.csv", std::string("Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n") +
                              "gv.an,Lê Thị An,GVBM;GVCN,," + l.cls + "," + l.subjects + "\n");
    REQUIRE(s.server({"import", "students", "--data", s.dir, students, "--maintenance"}).exit_code == 0);
    // Before setup there are no subjects: the staff import names the subject it cannot find.
    auto before = s.server({"import", "staff", "--data", s.dir, staff, "--maintenance"});
    CHECK(before.exit_code != 0);

    auto setup = s.server({"setup", "--data", s.dir, "--level", l.level, "--maintenance"});
    INFO(setup.err);
    REQUIRE(setup.exit_code == 0);
    CHECK_THAT(setup.out, Catch::Contains("Đã thiết lập chương trình học"));
    // The terms and their entry windows can be read without a shell into the database.
    auto terms = s.server({"term", "list", "--data", s.dir});
    CHECK(terms.exit_code == 0);
    CHECK_THAT(terms.out, Catch::Contains("HK1: học từ "));
    CHECK_THAT(terms.out, Catch::Contains("HK2: học từ "));
    CHECK_THAT(terms.out, Catch::Contains("; nhập điểm từ "));
    auto terms_json = s.server({"term", "list", "--data", s.dir, "--json"});
    const auto windows = nlohmann::json::parse(terms_json.out);
    REQUIRE(windows.size() == 2);
    CHECK(windows[0]["term"] == "HK1");
    CHECK(windows[1]["opens"].get<std::string>().size() == 10);
    auto imported = s.server({"import", "staff", "--data", s.dir, staff, "--maintenance"});
    INFO(imported.err);
    CHECK(imported.exit_code == 0);
    CHECK(s.server({"audit", "verify", "--data", s.dir}).exit_code == 0);
  }
}

TEST_CASE("a plain init suggests the levels its school's name says", "[e2e][curriculum]") {
  for (const auto& [name, levels] : std::vector<std::pair<std::string, std::string>>{
           {"Trường Tiểu học Kim Đồng", " --level tieu-hoc --maintenance"},
           {"TRƯỜNG THPT LÊ LỢI", " --level thpt --maintenance"},
           {"Trường THCS và THPT Nguyễn Du", " --level thcs --level thpt --maintenance"},
           {"Trường PTDTBT TH&THCS Na Hối", " --level tieu-hoc --level thcs --maintenance"},
           {"Trường Thử", " --level thcs --maintenance"}}) {
    INFO(name);
    TempDir tmp;
    auto init = run_command({kServer, "init", "--data", tmp / "server", "--school-name", name});
    REQUIRE(init.exit_code == 0);
    CHECK_THAT(init.out, Catch::Contains("sodiem-server setup --data " + (tmp / "server") + levels));
  }
}

TEST_CASE("a bad curriculum file is refused, every problem named in Vietnamese, nothing changed", "[e2e][curriculum]") {
  FreshSchool s;
  REQUIRE(s.server({"setup", "--data", s.dir, "--level", "thcs", "--maintenance"}).exit_code == 0);
  const std::string before = s.state();
  struct Bad {
    std::string text, expected;
  };
  const std::string head = R"({"format": "sodiem-curriculum/1", "levels": ["THCS"], "subjects": [)";
  for (const Bad& b : {Bad{head + R"({"name": "Toán", "kind": "điểm", "periods": {"6": 140}}]})",
                           "subjects[0] «Toán» › kind: loại môn \"điểm\" không có"},
                       Bad{head + R"({"name": "Công nghệ", "kind": "scored", "periods": {"8": 5200}}]})",
                           "subjects[0] «Công nghệ» › periods › 8: số tiết mỗi năm phải là số nguyên từ 1 đến 420"},
                       Bad{head + "{\"name\": \"To\xC3n\", \"kind\": \"scored\", \"periods\": {\"6\": 140}}]}",
                           "không phải UTF-8 hợp lệ (dòng 1)"},
                       Bad{std::string(100, '[') + std::string(100, ']'), "lồng sâu quá"},
                       Bad{head + "{\"name\": \"" + std::string(300 * 1024, 'x') + "\"}]}", "quá giới hạn"}}) {
    auto r = s.server({"setup", "--data", s.dir, s.write("bad.json", b.text), "--maintenance"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("không thay đổi gì"));
    CHECK_THAT(r.err, Catch::Contains(b.expected));
    CHECK(s.state() == before);
  }
  auto unknown = s.server({"setup", "--data", s.dir, "--level", "mam-non", "--maintenance"});
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.err, Catch::Contains("không có chương trình mặc định"));
  CHECK(s.state() == before);
}

TEST_CASE("setup run again with the same file changes nothing, not even the audit trail", "[e2e][curriculum]") {
  FreshSchool s;
  const std::string file = s.write("thcs.json", [] {
    std::ifstream in(std::string(SODIEM_SOURCE_DIR) + "/server/curriculum/thcs.json");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }());
  auto first = s.server({"setup", "--data", s.dir, file, "--year", "2026-2027", "--maintenance"});
  REQUIRE(first.exit_code == 0);
  const std::string after_first = s.state();
  auto again = s.server({"setup", "--data", s.dir, file, "--year", "2026-2027", "--maintenance"});
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("không có gì thay đổi"));
  CHECK(s.state() == after_first);
  // The file and the shipped default are the same curriculum.
  auto level = s.server({"setup", "--data", s.dir, "--level", "thcs", "--maintenance"});
  CHECK_THAT(level.out, Catch::Contains("không có gì thay đổi"));
  // Another school year while one is current is refused.
  auto other = s.server({"setup", "--data", s.dir, file, "--year", "2027-2028", "--maintenance"});
  CHECK(other.exit_code == 2);
  CHECK_THAT(other.err, Catch::Contains("năm học hiện tại là 2026-2027"));
  CHECK(s.state() == after_first);
}

TEST_CASE("a school of two levels: each class is taught its own grade's subjects", "[e2e][curriculum]") {
  {
    // Tiểu học and THCS together (a boarding school of both): Toán is rated in 1–5, scored in 6–9.
    FreshSchool both;
    auto r = both.server({"setup", "--data", both.dir, "--level", "tieu-hoc", "--level", "thcs", "--maintenance"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("cấp học TH, THCS"));
  }
  FreshSchool s;
  auto setup = s.server({"setup", "--data", s.dir, "--level", "thcs", "--level", "thpt", "--maintenance"});
  INFO(setup.err);
  REQUIRE(setup.exit_code == 0);
  CHECK_THAT(setup.out, Catch::Contains("cấp học THCS, THPT"));
  const std::string students = s.write("hs.csv", "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                                                 "HS801,Nguyễn Văn An,05/09/2012,Nam,8A\n"
                                                 "HS1001,Trần Thị Bình,12/03/2010,Nữ,10A1\n");
  REQUIRE(s.server({"import", "students", "--data", s.dir, students, "--maintenance"}).exit_code == 0);
  const std::string header = "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n";
  // Lịch sử is a THPT subject; grade 8 learns Lịch sử và Địa lí.
  auto wrong = s.server({"import", "staff", "--data", s.dir,
                         s.write("gv1.csv", header + "gv.su,Lê Văn Sử,GVBM,,,10A1:Lịch sử;8A:Lịch sử\n"), "--maintenance"});
  CHECK(wrong.exit_code == 2);
  CHECK_THAT(wrong.err, Catch::Contains("lớp 8A không học môn Lịch sử"));
  auto right = s.server({"import", "staff", "--data", s.dir,
                         s.write("gv2.csv", header + "gv.su,Lê Văn Sử,GVBM,,,10A1:Lịch sử;8A:Lịch sử và Địa lí\n"),
                         "--maintenance"});
  INFO(right.err);
  CHECK(right.exit_code == 0);

  // Miễn học, by command only: recorded once, undone with --remove, audited.
  const std::vector<std::string> exempt = {"exempt", "--data", s.dir, "--class", "10A1", "--subject", "Giáo dục thể chất",
                                           "--student", "HS1001", "--term", "CN", "--maintenance"};
  auto with = [&](std::vector<std::string> extra) {
    auto args = exempt;
    args.insert(args.end(), extra.begin(), extra.end());
    return s.server(args);
  };
  auto first = with({"--reason", "Giấy khám sức khỏe"});
  INFO(first.err);
  CHECK(first.exit_code == 0);
  CHECK_THAT(first.out, Catch::Contains("Đã ghi miễn học"));
  CHECK_THAT(with({"--reason", "Giấy khám sức khỏe"}).out, Catch::Contains("Không có gì thay đổi"));
  CHECK(with({}).exit_code == 2);  // a reason is required
  // Names as a person types them: lower case, a decomposed "thể" (macOS,
  // Unikey's "Unicode tổ hợp"); the same exemption, nothing new.
  auto typed = s.server({"exempt", "--data", s.dir, "--class", "10a1", "--subject", "giáo dục the\xCC\x82\xCC\x89" " chất",
                         "--student", "hs1001", "--term", "CN", "--reason", "Giấy khám sức khỏe", "--maintenance"});
  INFO(typed.err);
  CHECK(typed.exit_code == 0);
  CHECK_THAT(typed.out, Catch::Contains("Không có gì thay đổi"));
  auto lock = s.server({"lock", "set", "--data", s.dir, "--class", "10a1", "--subject", "GIÁO DỤC THỂ CHẤT", "--kind",
                        "frozen", "--reason", "Thử khóa", "--maintenance"});
  INFO(lock.err);
  CHECK(lock.exit_code == 0);
  auto locks = s.server({"lock", "list", "--data", s.dir});
  CHECK_THAT(locks.out, Catch::Contains("lớp 10A1 môn Giáo dục thể chất"));
  auto other_grade = s.server({"exempt", "--data", s.dir, "--class", "8A", "--subject", "Lịch sử", "--student", "HS801",
                               "--term", "HK1", "--reason", "x", "--maintenance"});
  CHECK(other_grade.exit_code == 2);
  CHECK_THAT(other_grade.err, Catch::Contains("lớp 8A không học môn Lịch sử"));
  CHECK_THAT(with({"--remove"}).out, Catch::Contains("Đã bỏ miễn học"));
  CHECK(s.server({"audit", "verify", "--data", s.dir}).exit_code == 0);
}

TEST_CASE("a new THCS school from the defaults runs: a teacher enrols and Công nghệ 8 takes TX3, 6 does not",
          "[e2e][curriculum]") {
  FreshSchool s;
  REQUIRE(s.server({"setup", "--data", s.dir, "--level", "thcs", "--maintenance"}).exit_code == 0);
  REQUIRE(s.server({"import", "students", "--data", s.dir,
                    s.write("hs.csv", "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                                      "HS801,Nguyễn Văn An,05/09/2012,Nam,8A\n"
                                      "HS601,Trần Thị Bình,12/03/2014,Nữ,6A\n"),
                    "--maintenance"})
              .exit_code == 0);
  REQUIRE(s.server({"import", "staff", "--data", s.dir,
                    s.write("gv.csv", "Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                                      "gv.cn,Phạm Văn Công,GVBM,,,8A:Công nghệ;6A:Công nghệ\n"),
                    "--maintenance"})
              .exit_code == 0);
  std::string password;
  {
    std::ifstream in(s.dir + "/new-passwords.csv");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("gv.cn,", 0) == 0) password = line.substr(6);
  }
  REQUIRE_FALSE(password.empty());
  const auto at = s.init.out.find("(SHA-256): ");
  REQUIRE(at != std::string::npos);
  const std::string fingerprint = s.init.out.substr(at + 11, 64);

  ServerProcess running(kServer, s.dir);
  const std::string client = SODIEM_CLIENT_BIN, dir = s.tmp / "gv.cn";
  auto enroll = run_command({client, "enroll", "--data", dir, "--server", running.url(), "--user", "gv.cn",
                             "--password-stdin", "--new-password-stdin", "--fingerprint", fingerprint},
                            password + "\nmật-khẩu-mới-của-tôi-2026\n");
  INFO(enroll.err);
  REQUIRE(enroll.exit_code == 0);
  auto tx3 = run_command({client, "set", "--data", dir, "8A", "Công nghệ", "HS801", "HK1.TX3", "8,5"});
  INFO(tx3.err);
  CHECK(tx3.exit_code == 0);
  auto refused = run_command({client, "set", "--data", dir, "6A", "Công nghệ", "HS601", "HK1.TX3", "8"});
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.err, Catch::Contains("chỉ có 2 cột đánh giá thường xuyên"));
  CHECK(run_command({client, "sync", "--data", dir}).exit_code == 0);
  testing::ServerDb db(server::DataPaths{s.dir}.db());
  auto q = db.prepare("SELECT value FROM cells WHERE col = 'HK1.TX3'");
  REQUIRE(q.step());
  CHECK(q.text(0) == "8.5");
}

TEST_CASE("year new from the command line: refused until approved or forced, outcomes from a file, the archive only "
          "for reading",
          "[e2e][school_year]") {
  FreshSchool s;
  REQUIRE(s.server({"setup", "--data", s.dir, "--level", "thcs", "--year", "2026-2027", "--maintenance"}).exit_code == 0);
  const std::string students = s.write("hs.csv", "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                                                 "HS001,Nguyễn Văn An,05/09/2014,Nam,6A\n"
                                                 "HS002,Trần Thị Bình,12/03/2014,Nữ,6A\n"
                                                 "HS003,Lê Văn Cường,01/01/2011,Nam,9A\n");
  REQUIRE(s.server({"import", "students", "--data", s.dir, students, "--maintenance"}).exit_code == 0);

  auto unapproved = s.server({"year", "new", "--data", s.dir, "--name", "2027-2028", "--maintenance"});
  CHECK(unapproved.exit_code == 2);
  CHECK_THAT(unapproved.err, Catch::Contains("chưa phê duyệt kết quả cả năm của lớp 6A, 9A"));
  // Nothing approved: the outcomes are provisional, re-tests cannot be recorded yet.
  CHECK_THAT(s.server({"outcomes", "--data", s.dir, "--class", "6a"}).out,
             Catch::Contains("Lớp 6A (CHƯA phê duyệt kết quả cả năm") && Catch::Contains("HS001 Nguyễn Văn An: chưa đủ kết quả"));
  auto early = s.server({"retest", "--data", s.dir, "--class", "6A", "--student", "HS001", "--subject", "Toán", "--result",
                         "5", "--maintenance"});
  CHECK(early.exit_code == 2);
  CHECK_THAT(early.err, Catch::Contains("kết quả cả năm lớp 6A chưa được Hiệu trưởng phê duyệt"));
  CHECK(s.server({"outcomes", "--data", s.dir, "--class", "7A"}).exit_code == 2);
  auto bad = s.server({"year", "new", "--data", s.dir, "--name", "2027-2028", "--force", "--maintenance", "--outcomes",
                       s.write("bad.csv", "Mã học sinh,Kết quả\nHS002,lưu ban\n")});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("dòng 2") && Catch::Contains("lưu ban"));

  auto done = s.server({"year", "new", "--data", s.dir, "--name", "2027-2028", "--force", "--maintenance", "--outcomes",
                        s.write("kq.csv", "Mã học sinh;Kết quả\nHS002;Ở lại lớp\n")});
  INFO(done.err);
  REQUIRE(done.exit_code == 0);
  CHECK_THAT(done.out, Catch::Contains("6A → 7A") && Catch::Contains("1 lên lớp, 1 ở lại lớp, 1 ra trường"));
  auto list = s.server({"year", "list", "--data", s.dir});
  CHECK_THAT(list.out, Catch::Contains("2027-2028") && Catch::Contains("(hiện tại)") &&
                           Catch::Contains("lưu trữ: " + s.dir + "/years/2026-2027"));
  auto exported = s.server({"export", "students", "--data", s.dir, s.tmp / "out.csv"});
  REQUIRE(exported.exit_code == 0);
  std::ifstream out(s.tmp / "out.csv");
  const std::string csv(std::istreambuf_iterator<char>(out), {});
  CHECK_THAT(csv, Catch::Contains("HS001,Nguyễn Văn An,05/09/2014,Nam,7A,Đang học"));
  CHECK_THAT(csv, Catch::Contains("HS002,Trần Thị Bình,12/03/2014,Nữ,6A,Đang học"));
  CHECK_THAT(csv, Catch::Contains("HS003,Lê Văn Cường,01/01/2011,Nam,9A,Đã ra trường"));
  CHECK(s.server({"audit", "verify", "--data", s.dir}).exit_code == 0);

  // The archive: read commands work, changes and serving are refused.
  const std::string archive = s.dir + "/years/2026-2027";
  CHECK(s.server({"progress", "--data", archive}).exit_code == 0);
  CHECK(s.server({"audit", "verify", "--data", archive}).exit_code == 0);
  auto change = s.server({"calendar", "--data", archive, "--sundays", "yes", "--maintenance"});
  CHECK(change.exit_code == 3);
  CHECK_THAT(change.err, Catch::Contains("bản lưu trữ năm học 2026-2027"));
  auto serve = s.server({"run", "--data", archive, "--listen", "127.0.0.1:0"});
  CHECK(serve.exit_code == 2);
  CHECK_THAT(serve.err, Catch::Contains("bản lưu trữ năm học 2026-2027"));
  // The same year twice is refused.
  auto twice = s.server({"year", "new", "--data", s.dir, "--name", "2027-2028", "--force", "--maintenance"});
  CHECK(twice.exit_code == 2);
}
