// Versions the server itself writes (device 0, so every device — the
// author's too — pulls them): an approved correction, an exemption, the
// marks that follow a student to another class. One INSERT into `changes`
// and the cell set to it; the caller is in a transaction and writes the
// audit entry that vouches for the version (records_check.cpp).
#pragma once
#include <cstdint>
#include <string>

#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct ServerVersion {
  std::int64_t class_id = 0, subject_id = 0, student_id = 0;
  std::string column, value;
  std::int64_t user_id = 0;  // whose value it is (0: the maintenance identity)
  std::string note;          // why the server wrote it, shown in the cell's history
};

// The new version's number.
std::uint64_t write_server_version(store::Db& db, const ServerVersion& v, std::int64_t now);

}  // namespace sodiem::server
