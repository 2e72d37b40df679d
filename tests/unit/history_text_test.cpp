// history_text (both CLIs' `history`) and outcome_words: every outcome code is
// said in Vietnamese words, never as the raw code.
#include <catch2/catch.hpp>

#include "sodiem/core/history_text.hpp"
#include "sodiem/core/outcome_words.hpp"
#include "sodiem/protocol/error_code.hpp"

using namespace sodiem;

TEST_CASE("history_text says refusals in words, not codes", "[history]") {
  const protocol::CellKey cell{"6A", "Toán", "HS6A01", "HK1.TX1"};
  const std::vector<protocol::HistoryEntry> entries{
      {1700000000, "gv.toan.1", "may-1", "OK", "", "5", ""},
      {1700000100, "gv.toan.1", "may-1", "TERM_LOCKED", "", "6", ""},
      {1700000200, "gv.toan.1", "may-1", "CORRECTION_REQUESTED", "", "7", "Cộng nhầm"}};
  const auto text = history_text(cell, entries);
  CHECK_THAT(text, Catch::Contains("(trống) → 5") && Catch::Contains("Sổ đã khóa \"6\"") &&
                       Catch::Contains("Xin điều chỉnh \"7\"  — Cộng nhầm"));
  CHECK_THAT(text, !Catch::Contains("TERM_LOCKED") && !Catch::Contains("CORRECTION_REQUESTED"));
}

TEST_CASE("outcome_words has words for every protocol code", "[history]") {
  for (int i = 0; i <= static_cast<int>(protocol::ErrorCode::kAuditMismatch); ++i) {
    const auto code = std::string(protocol::to_string(static_cast<protocol::ErrorCode>(i)));
    CAPTURE(code);
    CHECK(outcome_words(code) != code);
  }
  CHECK(outcome_words("SOMETHING_NEW") == "SOMETHING_NEW");
}
