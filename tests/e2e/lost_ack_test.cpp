// In-process sync (loopback transport with cut injection): a device whose
// ack was lost learns the outcome when it resends, in the same session as a
// pull that brings a newer value another device wrote meanwhile. Found by
// the crash trials (tests/fault/crash_trials.py); fixed by the cells'
// server_version (client/src/local_store.cpp, apply_ack).
#include <catch2/catch.hpp>

#include "loopback_school.hpp"

using namespace sodiem;
using namespace sodiem::testing;
using client::LocalStore;

namespace {
std::string cell(LocalStore& s, const std::string& code, const std::string& col) {
  for (const auto& st : s.show("6A", "Toán"))
    for (const auto& [c, v] : st.cells)
      if (st.code == code && c == col) return v;
  return "";
}
}  // namespace

TEST_CASE("a resent op's late ack does not hide the newer value pulled in the same session", "[e2e][fault]") {
  LoopbackSchool s;
  auto& laptop = s.device("gv.toan.1", "laptop");
  auto& home = s.device("gv.toan.1", "home");
  REQUIRE(laptop.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "5").is_ok());
  // The server commits the push; its ack (the session's fourth reply, after
  // the welcome, the audit head and the pull) is lost with the connection.
  REQUIRE_FALSE(s.session(laptop, CutPlan{-1, 3}));
  REQUIRE(laptop.status().pending == 1);
  // The same teacher, at home, sees the 5 and corrects it to 7.
  REQUIRE(s.session(home));
  REQUIRE(cell(home, "HS6A01", "HK1.TX1") == "5");
  REQUIRE(home.record({"6A", "Toán", "HS6A01", "HK1.TX1"}, "7").is_ok());
  REQUIRE(s.session(home));
  // The laptop resends its op: the pull brings the 7, the ack says the 5 was
  // accepted (as an older version). The laptop must show the 7, as the server does.
  REQUIRE(s.session(laptop));
  REQUIRE(s.session(laptop));
  CHECK(laptop.status().pending == 0);
  CHECK(cell(laptop, "HS6A01", "HK1.TX1") == "7");
  CHECK(s.server_scalar("SELECT COUNT(*) FROM cells WHERE value = '7'") == 1);
  CHECK(s.server_scalar("SELECT COUNT(*) FROM cells") == 1);
}
