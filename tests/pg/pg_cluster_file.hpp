// The throw-away cluster the CTest fixture `pg` started (scripts/pg.sh):
// one line of a file it wrote in SODIEM_PG_DIR ("url" the owner's URL,
// "app-url" the application role's, "port"). Fails the test when missing.
// Callers: the pg_tests sources.
#pragma once
#include <catch2/catch.hpp>
#include <fstream>
#include <string>

namespace sodiem::testing {

inline std::string pg_cluster_file(const std::string& name) {
  std::ifstream in(std::string(SODIEM_PG_DIR) + "/" + name);
  std::string s;
  std::getline(in, s);
  if (s.empty()) FAIL("no PostgreSQL for the tests: " SODIEM_PG_DIR "/" + name + " is missing (pg_start failed?)");
  return s;
}

}  // namespace sodiem::testing
