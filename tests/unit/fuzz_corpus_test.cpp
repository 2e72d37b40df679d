// The fuzz targets' checks (tests/fuzz) run in the normal build on every
// committed input: the seed corpus, and each crash a fuzzer found
// (tests/fuzz/regressions/TARGET/), which must stay fixed.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fuzz_checks.hpp"

namespace fs = std::filesystem;

namespace {

using Check = std::string (*)(std::string_view);

// Every file under tests/fuzz/{corpus,regressions}/TARGET; returns how many.
int replay(const std::string& target, Check check) {
  int files = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(SODIEM_FUZZ_DIR) / kind / target;
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      INFO(entry.path().string());
      CHECK(check(bytes.str()).empty());
      ++files;
    }
  }
  return files;
}

}  // namespace

TEST_CASE("fuzz corpus and found crashes: protocol decoder", "[unit][fuzz]") {
  CHECK(replay("protocol_decode", sodiem::fuzz::check_protocol_decode) >= 10);
}

TEST_CASE("fuzz corpus and found crashes: op values and grading requests", "[unit][fuzz]") {
  CHECK(replay("op_value", sodiem::fuzz::check_op_value) >= 10);
}

TEST_CASE("fuzz corpus and found crashes: roster CSV", "[unit][fuzz]") {
  CHECK(replay("roster_csv", sodiem::fuzz::check_roster_csv) >= 3);
}

TEST_CASE("fuzz corpus and found crashes: curriculum files", "[unit][fuzz]") {
  CHECK(replay("curriculum", sodiem::fuzz::check_curriculum) >= 3);
}

TEST_CASE("fuzz corpus and found crashes: transfer packets", "[unit][fuzz]") {
  CHECK(replay("transfer", sodiem::fuzz::check_transfer) >= 3);
}

TEST_CASE("fuzz corpus and found crashes: audit details", "[unit][fuzz]") {
  CHECK(replay("audit_detail", sodiem::fuzz::check_audit_detail) >= 3);
}

TEST_CASE("fuzz corpus and found crashes: XLSX reader", "[unit][fuzz]") {
  CHECK(replay("xlsx", sodiem::fuzz::check_xlsx) >= 2);
}
