# The fuzz build (SODIEM_FUZZ=ON, included by the top CMakeLists.txt): clang
# with libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer on every
# library the targets use (protocol, core, the server's parsers) and the
# targets themselves. No Boost, no network code, no database.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "SODIEM_FUZZ needs clang (CXX=clang++), not ${CMAKE_CXX_COMPILER_ID}")
endif()
find_package(nlohmann_json 3.10 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ICU REQUIRED COMPONENTS uc i18n)
find_package(SQLite3 REQUIRED)  # named by shared/CMakeLists.txt; sodiem_sqlite is not built

# -O1: fast enough to fuzz, quick to build; every UB report aborts (a crash
# libFuzzer keeps); libstdc++'s bounds checks on [] as well.
add_compile_options(-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
  -fno-sanitize-recover=all -D_GLIBCXX_ASSERTIONS -Wall -Wextra -Wno-unused-parameter)
add_link_options(-fsanitize=address,undefined)

add_subdirectory(sync-protocol)
add_subdirectory(shared)
add_subdirectory(server)
add_subdirectory(tests/fuzz)
