// Keeps the first page (or another) of a printed PDF as a PNG under the build folder
// (build/print-screenshots/NAME.png, rendered by poppler's pdftoppm), for a
// person to look at; the render itself is checked (a PDF poppler cannot draw
// fails the test). Header-only; for the print tests.
#pragma once
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "process.hpp"

namespace sodiem::testing {

// Page `page` (from 1) at `dpi`: a dense page (the wide primary year board)
// at a resolution that shows whether its small text overlaps.
inline void keep_page(const std::string& pdf, int page, const std::string& name, int dpi = 60) {
  const std::filesystem::path dir = SODIEM_PRINT_SCREENSHOTS;
  std::filesystem::create_directories(dir);
  const auto base = (dir / name).string();
  const std::string p = std::to_string(page);
  auto r = run_command({"pdftoppm", "-png", "-r", std::to_string(dpi), "-f", p, "-l", p, "-singlefile", pdf, base});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(std::filesystem::file_size(base + ".png") > 1000);
}

inline void keep_first_page(const std::string& pdf, const std::string& name) { keep_page(pdf, 1, name); }

}  // namespace sodiem::testing
