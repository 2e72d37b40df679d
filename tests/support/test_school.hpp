// Test fixtures: a fresh temporary directory, and a server data directory
// initialised with the demo school whose accounts can be looked up by name.
// With SODIEM_TEST_PG=DIR (the folder `scripts/pg.sh start` wrote) each
// school lives in that PostgreSQL under its own school id instead of a
// server.db (CTest's "pg: " tests; bench.sh's pg_ingest_core).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace sodiem::testing {

// A temporary directory removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct DemoServer {
  std::string dir;
  std::string fingerprint;
  nlohmann::json accounts;
  std::string password_of(const std::string& username) const;
  // The password replacing the issued one at first login; "" for none.
  std::string new_password_of(const std::string& username) const;
};

// The demo school in `dir`: made by the real `init --demo` logic once per
// test binary (its password hashes take seconds), copied for each test.
DemoServer make_demo_server(const std::string& dir);

// A school from a plain `init` (no demo school) in `dir`: the admin account
// only (accounts: [{"username": "admin", "password": …}]). An account added
// later with a "new_password" replaces its issued password at enrolment.
DemoServer make_plain_server(const std::string& dir, const std::string& school_name);

// A copy of the school in `from` (made by the two above) as a new school in
// `to`: the folder copied; on PostgreSQL also the school's rows, under a new
// school id. Returns `to`.
std::string copy_school(const std::string& from, const std::string& to);

// Garbage inside the last pages of the SQLite file `db_path` (table and
// index pages, not the schema), its size unchanged: SQLite opens the file
// and only reading those pages fails (a damaged disk, as the page check finds it).
void damage_last_pages(const std::string& db_path);

// With SODIEM_TEST_PG: the URL of the schema's owner (an insider who can
// bypass the server's triggers); "" when the schools are SQLite files.
std::string pg_owner_url();
// With SODIEM_TEST_PG: the cluster's superuser's URL (to end another
// role's connection as a network cut would); "" on SQLite.
std::string pg_super_url();

}  // namespace sodiem::testing
