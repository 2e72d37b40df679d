// Versions the server itself writes (server_versions.hpp).
#include "sodiem/server/server_versions.hpp"

namespace sodiem::server {

std::uint64_t write_server_version(store::Db& db, const ServerVersion& v, std::int64_t now) {
  db.cached("INSERT INTO changes(kind, class_id, subject_id, student_id, col, value, device_id, seq, user_id, "
            "recorded_at, received_at, current_version, note) VALUES(0, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, 0, ?)")
      ->bind(1, v.class_id).bind(2, v.subject_id).bind(3, v.student_id).bind(4, v.column).bind(5, v.value)
      .bind(6, v.user_id).bind(7, now).bind(8, now).bind(9, v.note).run();
  const auto version = static_cast<std::uint64_t>(db.last_insert_rowid());
  db.cached("INSERT INTO cells(class_id, subject_id, student_id, col, value, version, device_id, user_id) "
            "VALUES(?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT(class_id, subject_id, student_id, col) DO UPDATE SET value = excluded.value, "
            "version = excluded.version, device_id = 0, user_id = excluded.user_id")
      ->bind(1, v.class_id).bind(2, v.subject_id).bind(3, v.student_id).bind(4, v.column).bind(5, v.value)
      .bind(6, static_cast<std::int64_t>(version)).bind(7, v.user_id).run();
  return version;
}

}  // namespace sodiem::server
