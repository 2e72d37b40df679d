// Keeps the first page of a printed PDF as a PNG under the build folder
// (build/print-screenshots/NAME.png, rendered by poppler's pdftoppm), for a
// person to look at; the render itself is checked (a PDF poppler cannot draw
// fails the test). Header-only; for the print tests.
#pragma once
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "process.hpp"

namespace sodiem::testing {

inline void keep_first_page(const std::string& pdf, const std::string& name) {
  const std::filesystem::path dir = SODIEM_PRINT_SCREENSHOTS;
  std::filesystem::create_directories(dir);
  const auto base = (dir / name).string();
  auto r = run_command({"pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, base});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(std::filesystem::file_size(base + ".png") > 1000);
}

}  // namespace sodiem::testing
