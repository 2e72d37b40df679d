// The district export (CSDL ngành, issue 17) of a new THCS school's year:
// refused while the year board is not approved or a student's identity is
// incomplete (nothing written, every problem named), then written from the
// approved board as CSV and as XML and read back by Python's csv and
// xml.etree: identity, class-list order, year results with a decimal
// comma, the year-end decisions, re-tests once recorded, NFC text; then
// the class's year-end archive with its year's segment of the audit chain. Real
// client, sync, signatures, SQLite and the sodiem-server binary.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "audited_write.hpp"
#include "loopback_school.hpp"
#include "process.hpp"
#include "sodiem/client/actions.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/server/archive.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/curriculum.hpp"
#include "sodiem/server/district_export.hpp"
#include "sodiem/server/records_print.hpp"
#include "sodiem/server/roster_io.hpp"
#include "sodiem/server/school_setup.hpp"
#include "sodiem/server/year_outcomes.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using nlohmann::json;

namespace {

std::int64_t at(const char* local) { return *parse_local_time(local); }

// The file read back by Python: CSV rows as objects (header → value), or
// the XML as nested objects; and whether the text is NFC.
json read_back(const std::string& path) {
  static const char* kScript = R"PY(
import csv, json, sys, unicodedata, xml.etree.ElementTree as ET
path = sys.argv[1]
raw = open(path, 'rb').read()
text = raw.decode('utf-8-sig')
out = {'nfc': unicodedata.normalize('NFC', text) == text, 'bom': raw.startswith(b'\xef\xbb\xbf')}
if path.endswith('.csv'):
    out['rows'] = list(csv.DictReader(text.splitlines()))
else:
    def conv(e):
        return {'tag': e.tag, 'attrs': dict(e.attrib), 'text': (e.text or '').strip(), 'children': [conv(c) for c in e]}
    out['root'] = conv(ET.fromstring(raw))
print(json.dumps(out, ensure_ascii=False))
)PY";
  auto r = run_command({"python3", "-c", kScript, path});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

const json* child(const json& node, const std::string& tag, const std::string& attr = "", const std::string& value = "") {
  for (const auto& c : node["children"])
    if (c["tag"] == tag && (attr.empty() || c["attrs"].value(attr, "") == value)) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("district export: refused until approved and complete, then CSV and XML read back, and the archive audit segment",
          "[e2e][district]") {
  ManualClock clock(at("2025-08-20T08:00"));  // the school set up before its year starts
  LoopbackSchool school(LoopbackSchool::PlainInit{"Trường THCS Hòa Bình"}, clock);
  std::vector<protocol::SubjectInfo> subjects;
  {
    auto db = school.server_db();
    auto parsed = server::parse_curriculum(*server::shipped_curriculum("thcs"));
    REQUIRE(parsed.curriculum);
    REQUIRE(server::apply_curriculum(*db, *parsed.curriculum, server::default_year("2025-2026"), clock, "admin").is_ok());
    // HS01 sorts last on the class list (given name Yên).
    std::istringstream students("Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                                "HS01,Nguyễn Văn Yên,05/09/2014,Nam,6A\n"
                                "HS02,Trần Thị Bình,12/03/2014,Nữ,6A\n"
                                "HS03,Lê Văn Cường,01/01/2014,Nam,6A\n");
    REQUIRE(server::import_students(*db, students, "admin").ok);
    const auto class_id = school.server_scalar("SELECT id FROM current_classes WHERE name = '6A'");
    std::string all;
    for (auto& cs : server::class_subjects_of(*db, class_id)) {
      all += (all.empty() ? "" : ";") + std::string("6A:") + cs.info.name;
      subjects.push_back(cs.info);
    }
    std::istringstream staff("Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                             "gv.an,Lê Thị An,GVBM;GVCN,,6A,\"" + all + "\"\n"
                             "pho.hieutruong,Đỗ Văn Phó,PHT,,,\n"
                             "hieu.truong,Vũ Thị Hiệu,HT,,,\n");
    auto people = server::import_staff(*db, staff, clock, "admin");
    REQUIRE(people.ok);
    for (const auto& [user, password] : people.new_passwords)
      school.demo.accounts.push_back({{"username", user}, {"password", password}, {"new_password", "mới " + user}});
  }
  // Every mark of the year: HS01 8,5 in Toán, HS02 3 in Ngữ văn and Toán
  // (re-tests), HS03's conduct Chưa đạt (summer training); 7 / Đ elsewhere.
  clock.advance(at("2025-10-01T08:00") - clock.now_unix_seconds());
  auto& gv = school.device("gv.an");
  const std::map<std::string, std::map<std::string, std::string>> special = {
      {"HS01", {{"Toán", "8,5"}}}, {"HS02", {{"Ngữ văn", "3"}, {"Toán", "3"}}}};
  for (const char* term : {"HK1", "HK2"}) {
    if (std::string(term) == "HK2") clock.advance(at("2026-05-20T08:00") - clock.now_unix_seconds());
    std::vector<std::pair<protocol::CellKey, std::string>> edits;
    for (const char* code : {"HS01", "HS02", "HS03"}) {
      for (const auto& subject : subjects) {
        std::string value = subject.scored ? "7" : "Đ";
        if (auto s = special.find(code); s != special.end())
          if (auto v = s->second.find(subject.name); v != s->second.end()) value = v->second;
        for (const auto& column : board::required_columns(subject, term))
          edits.push_back({{"6A", subject.name, code, column}, value});
      }
      edits.push_back({{"6A", "Chủ nhiệm", code, std::string(term) + ".RL"},
                       std::string(code) == "HS03" ? "Chưa đạt" : "Tốt"});
    }
    for (const auto& r : gv.record_batch(edits)) REQUIRE(r.is_ok());
    school.sync("gv.an");
  }

  const std::string csv = school.tmp / "csdl.csv", xml = school.tmp / "csdl.xml";
  {  // Not approved: nothing written, the class named.
    auto db = school.server_db();
    auto r = server::export_district(*db, "", csv);
    CHECK_FALSE(r.ok);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0] == "Lớp 6A: kết quả cả năm (bảng tổng hợp HK2) chưa được hiệu trưởng phê duyệt");
    CHECK_FALSE(std::filesystem::exists(csv));
    CHECK_FALSE(std::filesystem::exists(csv + ".tmp"));
  }

  // The chain of signatures of the year board.
  const std::string keys = school.tmp / "keys";
  for (const char* who : {"gv.an", "pho.hieutruong", "hieu.truong"}) {
    std::filesystem::create_directories(keys + "/" + who);
    REQUIRE(client::create_signing_key(school.device(who), keys + "/" + who, std::string("ký ") + who).is_ok());
    school.sync(who);
  }
  auto sign = [&](const std::string& who, const std::string& step, const std::string& subject) {
    auto& store = school.device(who);
    auto r = client::sign_step(store, keys + "/" + who, step, "6A", "HK2", subject, "ký " + who,
                               [&] { return school.try_sync(store).status(); });
    INFO(who << " " << step << " " << subject << ": " << r.status().message());
    REQUIRE(r.is_ok());
  };
  for (const auto& subject : subjects) sign("gv.an", "subject", subject.name);
  sign("gv.an", "class", "");
  sign("pho.hieutruong", "review", "");
  sign("hieu.truong", "approve", "");

  auto db = school.server_db();
  {  // A roster from before birth dates were required: named, nothing written.
    audited_write(*db, [&] { db->prepare("UPDATE students SET birth_date = NULL WHERE code = 'HS03'").run(); });
    auto r = server::export_district(*db, "", csv);
    CHECK_FALSE(r.ok);
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0] == "Lớp 6A, HS03 (Lê Văn Cường): thiếu ngày sinh");
    CHECK_FALSE(std::filesystem::exists(csv));
    audited_write(*db, [&] { db->prepare("UPDATE students SET birth_date = '2014-01-01' WHERE code = 'HS03'").run(); });
  }
  {  // Another year, another file type: refused.
    auto r = server::export_district(*db, "2024-2025", csv);
    CHECK_FALSE(r.ok);
    REQUIRE_FALSE(r.problems.empty());
    CHECK_THAT(r.problems[0], Catch::Contains("không phải năm học 2024-2025"));
    CHECK_FALSE(server::export_district(*db, "", school.tmp / "csdl.txt").ok);
  }

  // CSV, read back.
  auto r = server::export_district(*db, "2025-2026", csv);
  INFO((r.problems.empty() ? "" : r.problems[0]));
  REQUIRE(r.ok);
  CHECK(r.classes == 1);
  CHECK(r.students == 3);
  CHECK_FALSE(std::filesystem::exists(csv + ".tmp"));
  json back = read_back(csv);
  CHECK(back["nfc"] == true);
  const auto& rows = back["rows"];
  REQUIRE(rows.size() == 3);
  // Class-list order: Bình, Cường, Yên.
  CHECK(rows[0]["Mã học sinh"] == "HS02");
  CHECK(rows[1]["Mã học sinh"] == "HS03");
  CHECK(rows[2]["Mã học sinh"] == "HS01");
  CHECK(rows[2]["STT"] == "3");
  for (const auto& row : rows) {
    CHECK(row["Năm học"] == "2025-2026");
    CHECK(row["Trường"] == "Trường THCS Hòa Bình");
    CHECK(row["Cấp học"] == "THCS");
    CHECK(row["Khối"] == "6");
    CHECK(row["Lớp"] == "6A");
  }
  const auto& yen = rows[2];
  CHECK(yen["Họ và tên"] == "Nguyễn Văn Yên");
  CHECK(yen["Ngày sinh"] == "05/09/2014");
  CHECK(yen["Giới tính"] == "Nam");
  CHECK(yen["Toán"] == "8,5");
  CHECK(yen["Ngữ văn"] == "7,0");
  CHECK(yen["Kết quả học tập"] == "Khá");
  CHECK(yen["Kết quả rèn luyện"] == "Tốt");
  CHECK(yen["Số buổi nghỉ"] == "0");
  CHECK(yen["Xét cuối năm"] == "Lên lớp");
  CHECK(yen["Kiểm tra lại"] == "");
  CHECK(yen["Kết quả cuối năm"] == "Lên lớp");
  const auto& binh = rows[0];
  CHECK(binh["Ngày sinh"] == "12/03/2014");
  CHECK(binh["Giới tính"] == "Nữ");
  CHECK(binh["Toán"] == "3,0");
  CHECK(binh["Xét cuối năm"] == "Kiểm tra lại");
  CHECK(binh["Kiểm tra lại"] == "Ngữ văn: chưa có kết quả; Toán: chưa có kết quả");
  CHECK(binh["Kết quả cuối năm"] == "Chờ kiểm tra lại / rèn luyện trong hè");
  const auto& cuong = rows[1];
  CHECK(cuong["Ngày sinh"] == "01/01/2014");
  CHECK(cuong["Kết quả rèn luyện"] == "Chưa đạt");
  CHECK(cuong["Xét cuối năm"] == "Rèn luyện trong hè");
  CHECK(cuong["Rèn luyện trong hè"] == "chưa có kết quả");

  // The re-tests recorded, then XML through the command line, read back.
  for (const auto& [subject, mark] : {std::pair{"Ngữ văn", "6"}, std::pair{"Toán", "5.5"}})
    REQUIRE(server::record_retest(*db, {"6A", "HS02", subject, mark}, "hieu.truong", clock.now_unix_seconds()).is_ok());
  auto cli = run_command({SODIEM_SERVER_BIN, "export", "district", "--data", school.demo.dir, "--year", "2025-2026", xml});
  INFO(cli.err);
  REQUIRE(cli.exit_code == 0);
  CHECK_THAT(cli.out, Catch::Contains("1 lớp, 3 học sinh"));
  back = read_back(xml);
  CHECK(back["nfc"] == true);
  const json& root = back["root"];
  CHECK(root["tag"] == "district-export");
  CHECK(root["attrs"]["format"] == "sodiem-district/1");
  CHECK(root["attrs"]["year"] == "2025-2026");
  const json* cls = child(root, "class", "name", "6A");
  REQUIRE(cls);
  CHECK(cls->at("attrs")["grade"] == "6");
  CHECK(cls->at("attrs")["level"] == "THCS");
  REQUIRE(cls->at("children").size() == 3);
  const json* hs02 = child(*cls, "student", "code", "HS02");
  REQUIRE(hs02);
  CHECK(hs02->at("attrs")["order"] == "1");
  CHECK(child(*hs02, "name")->at("text") == "Trần Thị Bình");
  CHECK(child(*hs02, "birth-date")->at("text") == "12/03/2014");
  CHECK(child(*hs02, "subject", "name", "Toán")->at("text") == "3,0");
  const json* retest = child(*hs02, "retest", "subject", "Toán");
  REQUIRE(retest);
  CHECK(retest->at("attrs")["year-result"] == "3,0");
  CHECK(retest->at("attrs")["result"] == "5,5");
  CHECK(child(*hs02, "retest", "subject", "Ngữ văn")->at("attrs")["result"] == "6");
  CHECK(child(*hs02, "outcome")->at("text") == "Lên lớp");
  const json* hs01 = child(*cls, "student", "code", "HS01");
  REQUIRE(hs01);
  CHECK(child(*hs01, "subject", "name", "Toán")->at("text") == "8,5");
  CHECK(child(*hs01, "learning")->at("text") == "Khá");

  // The command line's refusal lists the problems, and writes nothing.
  const std::string refused = school.tmp / "khong.xml";
  auto bad = run_command({SODIEM_SERVER_BIN, "export", "district", "--data", school.demo.dir, "--year", "2019-2020", refused});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("không tệp nào được ghi"));
  CHECK_THAT(bad.err, Catch::Contains("không phải năm học 2019-2020"));
  CHECK_FALSE(std::filesystem::exists(refused));

  // The year-end archive of 6A carries only the segment of the audit chain
  // that covers its year (not the setup before it), anchored by the previous
  // hash in the signed manifest: verify-archive checks it offline, and a
  // segment cut short at its start is caught.
  const std::string archive = school.tmp / "luu-tru-6A";
  std::string summary;
  REQUIRE(server::write_archive(*db, school.demo.dir, "6A", "", archive, summary).is_ok());
  const auto first_of_year =
      school.server_scalar("SELECT MAX(seq) + 1 FROM audit_log WHERE at < " + std::to_string(at("2025-09-05")));
  CHECK(first_of_year > 1);
  const std::string log_path = archive + "/nhat-ky-kiem-toan.jsonl";
  std::string log_text;
  {
    std::ifstream f(log_path, std::ios::binary);
    log_text.assign(std::istreambuf_iterator<char>(f), {});
  }
  const std::string first_line = log_text.substr(0, log_text.find('\n'));
  CHECK(json::parse(first_line)["seq"] == first_of_year);
  std::string verified;
  auto ok = server::verify_archive(archive, verified);
  INFO(ok.message());
  REQUIRE(ok.is_ok());
  CHECK_THAT(verified, Catch::Contains("liền mạch từ mục " + std::to_string(first_of_year)));
  std::ofstream(log_path, std::ios::binary | std::ios::trunc) << log_text.substr(first_line.size() + 1);
  auto cut = server::verify_archive(archive, verified);
  CHECK_FALSE(cut.is_ok());
  CHECK_THAT(cut.message(), Catch::Contains("nhat-ky-kiem-toan.jsonl"));
}

// A primary school (TT27): the export is refused, in Vietnamese and with
// nothing written, while a class's year is incomplete (a year-end periodic
// test missing: it cannot be signed) or signed but not approved, while only
// some classes are approved, when a pupil's identity is incomplete, and when
// a rating changed after the approval; then it is written.
TEST_CASE("district export of a primary school: refused while a class is not complete or not approved, nothing written",
          "[e2e][district][tt27]") {
  ManualClock clock(at("2025-10-01T08:00"));
  LoopbackSchool school(LoopbackSchool::PlainInit{"Trường Tiểu học Sơn Ca"}, clock);
  std::map<std::string, std::vector<protocol::SubjectInfo>> subjects;  // class → its subjects
  {
    auto db = school.server_db();
    auto parsed = server::parse_curriculum(*server::shipped_curriculum("tieu-hoc"));
    REQUIRE(parsed.curriculum);
    REQUIRE(server::apply_curriculum(*db, *parsed.curriculum, server::default_year("2025-2026"), clock, "admin").is_ok());
    std::istringstream pupils("Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                              "HS301,Đinh Văn Tú,05/09/2017,Nam,3A\n"
                              "HS302,Hà Thị Ánh,12/03/2017,Nữ,3A\n"
                              "HS401,Giàng A Páo,05/09/2016,Nam,4A\n");
    REQUIRE(server::import_students(*db, pupils, "admin").ok);
    std::map<std::string, std::string> assigned;
    for (const char* cls : {"3A", "4A"}) {
      const auto id = school.server_scalar(std::string("SELECT id FROM current_classes WHERE name = '") + cls + "'");
      for (auto& cs : server::class_subjects_of(*db, id)) {
        assigned[cls] += (assigned[cls].empty() ? "" : ";") + std::string(cls) + ":" + cs.info.name;
        subjects[cls].push_back(cs.info);
      }
    }
    std::istringstream staff("Tên đăng nhập,Họ và tên,Vai trò,Tổ chuyên môn,Chủ nhiệm,Phân công\n"
                             "gv.ba,Lê Thị Ba,GVBM;GVCN,,3A,\"" + assigned["3A"] + "\"\n"
                             "gv.bon,Lò Văn Bốn,GVBM;GVCN,,4A,\"" + assigned["4A"] + "\"\n"
                             "pho.hieutruong,Đỗ Văn Phó,PHT,,,\n"
                             "hieu.truong,Vũ Thị Hiệu,HT,,,\n");
    auto people = server::import_staff(*db, staff, clock, "admin");
    REQUIRE(people.ok);
    for (const auto& [user, password] : people.new_passwords)
      school.demo.accounts.push_back({{"username", user}, {"password", password}, {"new_password", "mới " + user}});
  }
  const std::map<std::string, std::string> teacher = {{"3A", "gv.ba"}, {"4A", "gv.bon"}};
  const std::map<std::string, std::vector<std::string>> pupils = {{"3A", {"HS301", "HS302"}}, {"4A", {"HS401"}}};
  // Every rating, test, quality and competence of a term, but `skip` ("HS301 Toán HK2.KTCK").
  auto fill = [&](const std::string& term, const std::string& skip = "") {
    for (const auto& [cls, codes] : pupils) {
      std::vector<std::pair<protocol::CellKey, std::string>> edits;
      for (const auto& code : codes) {
        for (const auto& subject : subjects[cls])
          for (const auto& column : board::required_columns(subject, term))
            if (code + " " + subject.name + " " + column != skip)
              edits.push_back({{cls, subject.name, code, column}, column.find(".KT") != std::string::npos ? "9" : "Hoàn thành tốt"});
        for (const auto& column : board::homeroom_required_columns(true, term))
          edits.push_back({{cls, "Chủ nhiệm", code, column}, "Tốt"});
      }
      for (const auto& r : school.device(teacher.at(cls)).record_batch(edits)) REQUIRE(r.is_ok());
      school.sync(teacher.at(cls));
    }
  };
  fill("HK1");
  clock.advance(at("2026-05-20T08:00") - clock.now_unix_seconds());
  fill("HK2", "HS301 Toán HK2.KTCK");

  const std::string csv = school.tmp / "csdl-tieu-hoc.csv";
  // Refused through the command line: exit 2, every class named in Vietnamese, no file (nor a temporary one).
  auto refused = [&](const std::vector<std::string>& want) {
    auto r = run_command({SODIEM_SERVER_BIN, "export", "district", "--data", school.demo.dir, csv});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("không tệp nào được ghi"));
    for (const auto& line : want) CHECK_THAT(r.err, Catch::Contains(line));
    CHECK_FALSE(std::filesystem::exists(csv));
    CHECK_FALSE(std::filesystem::exists(csv + ".tmp"));
    auto db = school.server_db();
    auto direct = server::export_district(*db, "", csv);
    CHECK_FALSE(direct.ok);
    CHECK(direct.problems == want);
    CHECK_FALSE(std::filesystem::exists(csv));
  };
  const std::string not_approved = ": kết quả cả năm (bảng tổng hợp HK2) chưa được hiệu trưởng phê duyệt";

  // 3A incomplete (HS301's year-end Toán test): nothing signed, both classes named.
  refused({"Lớp 3A" + not_approved, "Lớp 4A" + not_approved});

  const std::string keys = school.tmp / "keys";
  for (const char* who : {"gv.ba", "gv.bon", "pho.hieutruong", "hieu.truong"}) {
    std::filesystem::create_directories(keys + "/" + who);
    REQUIRE(client::create_signing_key(school.device(who), keys + "/" + who, std::string("ký ") + who).is_ok());
    school.sync(who);
  }
  auto sign = [&](const std::string& who, const std::string& step, const std::string& cls, const std::string& subject) {
    auto& store = school.device(who);
    return client::sign_step(store, keys + "/" + who, step, cls, "HK2", subject, "ký " + who,
                             [&] { return school.try_sync(store).status(); });
  };
  auto chain = [&](const std::string& cls, bool approve) {
    for (const auto& subject : subjects[cls]) {
      auto r = sign(teacher.at(cls), "subject", cls, subject.name);
      INFO(cls << " " << subject.name << ": " << r.status().message());
      REQUIRE(r.is_ok());
    }
    REQUIRE(sign(teacher.at(cls), "class", cls, "").is_ok());
    REQUIRE(sign("pho.hieutruong", "review", cls, "").is_ok());
    if (approve) REQUIRE(sign("hieu.truong", "approve", cls, "").is_ok());
  };
  // 4A signed by its teacher and reviewed, not yet approved; 3A cannot be signed while incomplete.
  chain("4A", /*approve=*/false);
  auto incomplete = sign("gv.ba", "class", "3A", "");
  REQUIRE_FALSE(incomplete.is_ok());
  CHECK_THAT(incomplete.status().message(), Catch::Contains("HS301 Toán HK2.KTCK"));
  refused({"Lớp 3A" + not_approved, "Lớp 4A" + not_approved});

  // 4A approved, 3A still incomplete: still nothing, 3A named.
  REQUIRE(sign("hieu.truong", "approve", "4A", "").is_ok());
  refused({"Lớp 3A" + not_approved});

  // 3A completed and approved; a pupil without a sex recorded: named.
  REQUIRE(school.device("gv.ba").record({"3A", "Toán", "HS301", "HK2.KTCK"}, "8").is_ok());
  school.sync("gv.ba");
  chain("3A", /*approve=*/true);
  auto db = school.server_db();
  audited_write(*db, [&] { db->prepare("UPDATE students SET gender = NULL WHERE code = 'HS302'").run(); });
  refused({"Lớp 3A, HS302 (Hà Thị Ánh): thiếu giới tính (Nam hoặc Nữ)"});
  audited_write(*db, [&] { db->prepare("UPDATE students SET gender = 'Nữ' WHERE code = 'HS302'").run(); });

  // A rating changed behind the approval: the signature no longer matches.
  audited_write(*db, [&] {
    db->prepare("UPDATE cells SET value = 'Hoàn thành' WHERE col = 'HK2.CK' AND student_id = "
                "(SELECT id FROM students WHERE code = 'HS401') AND subject_id = (SELECT id FROM subjects WHERE name = 'Toán')")
        .run();
  });
  refused({"Lớp 4A: dữ liệu đã thay đổi sau khi hiệu trưởng phê duyệt (chữ ký số không còn khớp); cần phê duyệt lại"});
  audited_write(*db, [&] {
    db->prepare("UPDATE cells SET value = 'Hoàn thành tốt' WHERE col = 'HK2.CK' AND student_id = "
                "(SELECT id FROM students WHERE code = 'HS401') AND subject_id = (SELECT id FROM subjects WHERE name = 'Toán')")
        .run();
  });

  // All approved and matching: written, both classes, TT27 fields.
  auto ok = server::export_district(*db, "", csv);
  INFO((ok.problems.empty() ? "" : ok.problems[0]));
  REQUIRE(ok.ok);
  CHECK(ok.classes == 2);
  CHECK(ok.students == 3);
  const json back = read_back(csv);
  REQUIRE(back["rows"].size() == 3);
  CHECK(back["rows"][0]["Cấp học"] == "Tiểu học");
  CHECK(back["rows"][0]["Kết quả giáo dục"] == "Hoàn thành xuất sắc");

  // The ratings in the circular's symbols, the same in the district file and
  // in the printed học bạ (one mapping): typed "Hoàn thành tốt" and "Tốt".
  const std::string hoc_ba = school.tmp / "hoc-ba-3A.pdf";
  REQUIRE(server::print_transcript(*db, "3A", "HS301", hoc_ba).is_ok());
  auto pdf = run_command({"pdftotext", "-layout", hoc_ba, "-"});
  REQUIRE(pdf.exit_code == 0);
  auto squeeze = [](const std::string& text) {
    std::string out;
    for (char c : text)
      if (c != ' ') out += c;
    return out;
  };
  const std::string printed = squeeze(pdf.out);
  const json* hs301 = nullptr;
  for (const auto& row : back["rows"])
    if (row["Mã học sinh"] == "HS301") hs301 = &row;
  REQUIRE(hs301);
  CHECK((*hs301)["Toán"] == "T");
  CHECK((*hs301)["Toán (KTĐK)"] == "8");
  CHECK((*hs301)["Phẩm chất Yêu nước"] == "T");
  CHECK((*hs301)["Năng lực Tự chủ và tự học"] == "T");
  for (const char* subject : {"Toán", "Tiếng Việt"}) {
    INFO(subject);
    const std::string rating = hs301->value(subject, ""), test = hs301->value(std::string(subject) + " (KTĐK)", "");
    CHECK((rating == "T" && !test.empty()));
    CHECK_THAT(printed, Catch::Contains(squeeze(subject + rating + test)));
  }
  CHECK_THAT(printed, Catch::Contains(squeeze("Yêu nước" + hs301->value("Phẩm chất Yêu nước", ""))));
  CHECK_THAT(printed, !Catch::Contains("HTT"));
}
