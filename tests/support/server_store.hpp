// For tests: a second connection to a school's SQLite server.db as the
// server's store type (store::Db), without the access guard that
// open_server_db installs (an outside reader, or a test's own setup).
// Header-only; tests only.
#pragma once
#include <memory>
#include <string>

#include "sodiem/store/db.hpp"

namespace sodiem::testing {

struct ServerDb : store::Db {
  explicit ServerDb(const std::string& path) : store::Db(std::make_unique<sqlite::Db>(path)) {}
};

}  // namespace sodiem::testing
