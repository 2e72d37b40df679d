// The console's page files (server/console/web), embedded at build time by
// cmake/embed_assets.cmake into console_assets.cpp. Internal to server/src/console/.
#pragma once
#include <cstddef>
#include <string_view>

namespace sodiem::server::console {

struct ConsoleAsset {
  const char* path;  // "/index.html"
  const char* content_type;
  const unsigned char* data;
  std::size_t size;
};
const ConsoleAsset* find_console_asset(std::string_view path);
// All of them, ended by one with a null path.
const ConsoleAsset* console_assets();

}  // namespace sodiem::server::console
