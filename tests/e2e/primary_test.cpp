// A primary school (Thông tư 27/2020) set up from the shipped default: each
// grade's periodic tests reach the server's per-class subject settings, and
// the teacher's grid shows a primary subject's ratings and tests and a
// primary class's qualities and competences.
#include <catch2/catch.hpp>
#include <sstream>

#include "loopback_school.hpp"
#include "sodiem/client/grade_book.hpp"
#include "sodiem/core/column.hpp"
#include "sodiem/core/required_cells.hpp"
#include "sodiem/server/class_subjects.hpp"
#include "sodiem/server/curriculum.hpp"
#include "sodiem/server/roster_io.hpp"
#include "sodiem/server/school_setup.hpp"

using namespace sodiem;
using namespace sodiem::testing;

namespace {

std::vector<std::string> ids(const std::vector<client::GridColumn>& columns) {
  std::vector<std::string> out;
  for (const auto& c : columns) out.push_back(c.id.empty() ? "(" + c.label + ")" : c.id);
  return out;
}

}  // namespace

TEST_CASE("a primary grade's subjects carry their periodic tests to the server's checks", "[e2e][tt27]") {
  LoopbackSchool school;
  auto db = school.server_db();
  auto parsed = server::parse_curriculum(*server::shipped_curriculum("tieu-hoc"));
  REQUIRE(parsed.curriculum);
  REQUIRE(server::apply_curriculum(*db, *parsed.curriculum, std::nullopt, school.clock, "quantri").is_ok());
  std::istringstream csv("Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Lớp\n"
                         "HS4A01,Nguyễn Văn An,05/09/2017,Nam,4A\nHS1A01,Trần Thị Bình,05/09/2020,Nữ,1A\n");
  REQUIRE(server::import_students(*db, csv, "quantri").ok);
  auto class_id = [&](const std::string& name) {
    auto s = db->prepare("SELECT id FROM current_classes WHERE name = ?");
    s.bind(1, name);
    REQUIRE(s.step());
    return s.int64(0);
  };
  const auto toan4 = server::class_subject(*db, class_id("4A"), "Toán");
  const auto toan1 = server::class_subject(*db, class_id("1A"), "Toán");
  REQUIRE(toan4);
  REQUIRE(toan1);
  CHECK(toan4->primary);
  CHECK(toan4->periodic_tests == "GK1,CK1,GK2,CN");
  CHECK(toan1->periodic_tests == "CK1,CN");
  // The one rule, fed the server's settings.
  CHECK(normalize_cell_value(&*toan4, "HK1.KTGK", "9").is_ok());
  CHECK_FALSE(normalize_cell_value(&*toan1, "HK1.KTGK", "9").is_ok());
  CHECK(*normalize_cell_value(&*toan1, "HK1.CK", "T") == "Hoàn thành tốt");

  // The grid of a primary subject: per term Giữa kì, its test where the grade sits one, Cuối kì, its test, Nhận xét.
  CHECK(ids(client::grid_columns(*toan4)) ==
        std::vector<std::string>{"HK1.GK", "HK1.KTGK", "HK1.CK", "HK1.KTCK", "HK1.NX", "HK2.GK", "HK2.KTGK", "HK2.CK",
                                 "HK2.KTCK", "HK2.NX"});
  CHECK(ids(client::grid_columns(*toan1)) ==
        std::vector<std::string>{"HK1.GK", "HK1.CK", "HK1.KTCK", "HK1.NX", "HK2.GK", "HK2.CK", "HK2.KTCK", "HK2.NX"});
  // A primary class's homeroom grid: 5 qualities and 10 competences at
  // mid-term and at the end of the term, and the comment, per term: every
  // cell the board requires (the one rule) has its column, so the homeroom
  // teacher can complete the board from the grid.
  protocol::SubjectInfo homeroom{std::string(protocol::kHomeroomSubject), false, 0, false, "", true, ""};
  const auto cols = client::grid_columns(homeroom);
  REQUIRE(cols.size() == 62);
  CHECK(cols[0].id == "HK1.PC1.GK");
  CHECK(cols[0].label == "Yêu nước (GK)");
  CHECK(cols[15].id == "HK1.PC1");
  CHECK(cols[15].label == "Yêu nước (CK)");
  CHECK(cols[30].id == "HK1.NXCN");
  CHECK(cols[60].label == "Thể chất (CN)");
  for (const std::string term : {"HK1", "HK2"}) {
    std::vector<std::string> rated;
    for (const auto& c : cols)
      if (c.type == "quality" && c.term == term) rated.push_back(c.id);
    CHECK(rated == board::homeroom_required_columns(true, term));
  }
  for (const auto& c : cols)
    if (c.type == "quality") CHECK(*normalize_cell_value(nullptr, c.id, "c") == "Cần cố gắng");
}

TEST_CASE("qualities and competences belong to primary classes, conduct to secondary ones, on device and server",
          "[e2e][tt27]") {
  LoopbackSchool school;
  auto& homeroom = school.device("gv.van.1");  // homeroom of 6A
  school.sync("gv.van.1");
  auto typed = homeroom.record({"6A", "Chủ nhiệm", "HS6A01", "HK1.PC1"}, "T");
  REQUIRE_FALSE(typed.is_ok());
  CHECK_THAT(typed.status().message(), Catch::Contains("chỉ đánh giá ở tiểu học"));
  const auto seq = queue_unchecked(homeroom, {"6A", "Chủ nhiệm", "HS6A01", "HK1.PC1"}, "Tốt");
  REQUIRE(homeroom.record({"6A", "Chủ nhiệm", "HS6A01", "HK1.RL"}, "Tốt").is_ok());
  school.sync("gv.van.1");
  CHECK(outcome_of(homeroom, seq) == "INVALID_VALUE");
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells WHERE col = 'HK1.PC1'") == 0);
  CHECK(school.server_scalar("SELECT COUNT(*) FROM cells WHERE col = 'HK1.RL' AND value = 'Tốt'") == 1);
}

TEST_CASE("a lock shows on a primary grade book's test, quality and competence columns before anyone types",
          "[e2e][tt27]") {
  LoopbackSchool school;
  school.freeze("hieutruong", "HK1");
  school.freeze("hieutruong", "HK1", "KT");  // a primary column kind may be locked on its own
  auto& store = school.device("gv.van.1");
  school.sync("gv.van.1");
  auto kinds = store.db().prepare("SELECT group_concat(DISTINCT column_kind) FROM lock_notices WHERE term = 'HK1'");
  REQUIRE(kinds.step());
  const std::string all = kinds.text(0);
  INFO(all);
  for (const char* kind : {"TX", "GK", "CK", "NX", "KT", "RL", "NXCN", "PC", "NL"})
    CHECK(("," + all + ",").find(std::string(",") + kind + ",") != std::string::npos);
}
