// libFuzzer entry point of one fuzz target: SODIEM_FUZZ_CHECK names the
// check (fuzz_checks.hpp), given by tests/fuzz/CMakeLists.txt. A broken
// property aborts, so libFuzzer keeps the input as a crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string problem =
      sodiem::fuzz::SODIEM_FUZZ_CHECK(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!problem.empty()) {
    std::fprintf(stderr, "property broken: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}
