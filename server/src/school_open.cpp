// The startup checks of a school folder and the opening of its service and
// console (see school_open.hpp).
#include "sodiem/server/school_open.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <unordered_map>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/tuning.hpp"
#include "sodiem/server/access_seal.hpp"
#include "sodiem/server/pg_room.hpp"
#include "sodiem/server/school_year.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/serving_lock.hpp"
#include "sodiem/server/store_config.hpp"
#include "sodiem/server/sync_service.hpp"
#include "sodiem/sqlite/db.hpp"

namespace sodiem::server {

namespace {
// PostgreSQL refusing a connection for want of slots (SQLSTATE 53300; its
// text, as libpq gives no code at connection): no damage, a wait.
bool out_of_connections(const std::exception& e) {
  const std::string what = e.what();
  return what.find("too many clients") != std::string::npos ||
         what.find("too many connections") != std::string::npos ||  // a role's or database's CONNECTION LIMIT
         what.find("remaining connection slots") != std::string::npos;
}
Status no_connection_left(const std::exception& e) {
  return Status(ErrorCode::kUnavailable, std::string("PostgreSQL đã hết chỗ cho kết nối mới (") + e.what() +
                                             "); hãy thử lại sau ít phút, hoặc tăng max_connections của cụm");
}

// A SQLite school's file as this process last left it, closed (multi-school
// servers reopen a school after each idle close, at any stranger's
// handshake): reopened unchanged, its pages and access tables are not read
// through again. Any change since (another process's write, damage, a
// restore) changes the stamp: checked again.
std::string file_stamp(const std::string& db_path) {
  std::string stamp;
  for (const std::string& path : {db_path, db_path + "-wal"}) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      stamp += "-;";
      continue;
    }
    for (long long v : {static_cast<long long>(st.st_dev), static_cast<long long>(st.st_ino),
                        static_cast<long long>(st.st_size), static_cast<long long>(st.st_mtim.tv_sec),
                        static_cast<long long>(st.st_mtim.tv_nsec), static_cast<long long>(st.st_ctim.tv_sec),
                        static_cast<long long>(st.st_ctim.tv_nsec)})
      stamp += std::to_string(v) + ",";
    stamp += ";";
  }
  return stamp;
}
std::mutex left_mutex;
std::unordered_map<std::string, std::string> left_closed;  // db path → its stamp when this process closed it
std::atomic<std::size_t> full_checks{0};

// Taken at each opening: the stamp holds only until the school is opened
// again (a refused opening leaves none: checked in full next time).
bool unchanged_since_closed(const std::string& db_path) {
  std::lock_guard lock(left_mutex);
  auto it = left_closed.find(db_path);
  const bool unchanged = it != left_closed.end() && it->second == file_stamp(db_path);
  if (it != left_closed.end()) left_closed.erase(it);
  return unchanged;
}
void remember_closed(const std::string& db_path) {
  std::string stamp = file_stamp(db_path);
  std::lock_guard lock(left_mutex);
  left_closed[db_path] = std::move(stamp);
}
}  // namespace

std::size_t full_school_checks() { return full_checks.load(); }

// The checks before a school is served (each start of a single-school
// server; each opening of a school in a multi-school one): the folder holds
// a school, its pages read back, it is not an archived year. kInternal: the
// database is damaged (exit 3). Changes to the access tables made from
// outside the software are warned about; the school is served anyway.
Status check_school(const std::string& dir, std::size_t db_spare) {
  DataPaths paths{dir};
  if (!has_school_database(dir))
    return Status(ErrorCode::kInvalidValue,
                  "chưa có cơ sở dữ liệu trong " + dir + "; hãy chạy `sodiem-server init --data " + dir + "` trước");
  try {
    // Reopened as this process closed it (SQLite; stamped before this
    // connection touches the files): its checks then still hold.
    const bool recheck = read_store_config(dir) || !unchanged_since_closed(paths.db());
    auto db = open_server_db(paths.db());
    // PostgreSQL, many schools: opening takes kDbConnectionsPerOpenSchool
    // more (this one closes first); the cluster keeps db_spare free for the
    // other processes and clients, or the school is not opened now.
    if (db_spare > 0) {
      const auto need = static_cast<std::int64_t>(tuning::kDbConnectionsPerOpenSchool + db_spare);
      const std::int64_t free = pg_free_connections_settled(*db, need);
      if (free < need)
        return Status(ErrorCode::kUnavailable, "PostgreSQL has " + std::to_string(free) +
                                                   " free connections; opening a school would leave fewer than " +
                                                   std::to_string(db_spare));
    }
    // A restore asks the school's servers to let go of it: not opened now
    // (early, before the checks below; the service looks again once it
    // holds the serving lock).
    if (restore_requested(*db)) return restoring_refusal();
    if (recheck) ++full_checks;
    if (recheck)
      if (auto st = check_database_pages(*db, dir); !st) return Status(ErrorCode::kInternal, st.message());
    if (const std::string year = archived_year(*db); !year.empty())
      return Status(ErrorCode::kInvalidValue, dir + " là bản lưu trữ năm học " + year +
                                                  ", chỉ để xem và in; máy chủ không phục vụ đồng bộ trên đó.");
    // Accounts, assignments or locks edited from outside the software: said
    // loudly at each start (the server still serves; the principal decides).
    // Cheap (triggers and digests), so at every opening: an edit from
    // outside made while the school was open is said at its next one.
    for (const auto& problem : check_access_tables(*db).problems)
        std::cerr << "sodiem-server: CẢNH BÁO: " << problem << " (" << dir << ") — xem sodiem-server audit verify\n";
  } catch (const sqlite::Error& e) {
    // Held by another program (`migrate` holds the file while it migrates):
    // busy, not damaged; no restore is advised.
    if ((e.code & 0xff) != SQLITE_BUSY && (e.code & 0xff) != SQLITE_LOCKED)
      return Status(ErrorCode::kInternal, "cơ sở dữ liệu " + paths.db() + " bị hỏng, không mở được (" + e.what() +
                                              "). Khôi phục bản sao lưu gần nhất: sodiem-server restore "
                                              "THƯ_MỤC_SAO_LƯU --data THƯ_MỤC_MỚI");
    // kInternal: kUnavailable would read as the cluster short of connections.
    return Status(ErrorCode::kInternal,
                  "một chương trình khác đang giữ " + paths.db() +
                      " (thường là sodiem-server migrate đang cập nhật lược đồ); hãy thử lại sau ít phút (" + e.what() +
                      ")");
  } catch (const std::exception& e) {
    if (out_of_connections(e)) return no_connection_left(e);
    // A school in PostgreSQL has no server.db, and a refused login or a
    // cluster that is down is no damage: no restore is advised.
    if (const auto pg = read_store_config(dir))
      return Status(ErrorCode::kInternal,
                    "không mở được dữ liệu của trường " + pg->school_id + " trong PostgreSQL (" + e.what() +
                        "). Hãy kiểm tra: cụm PostgreSQL đang chạy và nhận kết nối từ máy này; mật khẩu của vai trò "
                        "ứng dụng (tệp ~/.pgpass của người dùng chạy sodiem-server); lược đồ đúng phiên bản "
                        "(sodiem-server migrate --data " + dir + " --database-owner postgresql://…)");
    return Status(ErrorCode::kInternal, "cơ sở dữ liệu " + paths.db() + " bị hỏng, không mở được (" + e.what() +
                                            "). Khôi phục bản sao lưu gần nhất: sodiem-server restore "
                                            "THƯ_MỤC_SAO_LƯU --data THƯ_MỤC_MỚI");
  }
  return Status::ok();
}

// A checked school's sync service and console, as `run` serves them.
Result<ServedSchool> open_school(const std::string& dir, console::ConsolePrinters printers, std::size_t db_spare) {
  if (auto st = check_school(dir, db_spare); !st) return st;
  const std::string db_path = DataPaths{dir}.db();
  struct Parts {  // the console stops (is destroyed) before the service
    std::string db_path;
    bool sqlite = false;
    std::unique_ptr<SyncService> service;
    std::unique_ptr<console::Console> console;
    ~Parts() {
      console.reset();
      service.reset();
      if (sqlite) remember_closed(db_path);  // every connection of this school closed
    }
  };
  auto parts = std::make_shared<Parts>();
  parts->db_path = db_path;
  std::string name;
  try {  // another process may have taken the cluster's last slots since the check
    parts->service = std::make_unique<SyncService>(db_path, SystemClock::instance());
    parts->console = std::make_unique<console::Console>(*parts->service, db_path, SystemClock::instance(),
                                                        console::ConsoleLimits{}, printers);
    auto db = open_server_db(db_path);
    name = get_meta(*db, "school_name");
  } catch (const SchoolRestoring&) {
    return restoring_refusal();  // asked for, or held by, a restore meanwhile (SyncService)
  } catch (const std::exception& e) {
    if (out_of_connections(e)) return no_connection_left(e);
    throw;
  }
  // Stamped at its close from now on (a refusal above leaves it unstamped:
  // checked in full next time).
  parts->sqlite = !read_store_config(dir);
  return ServedSchool{name, parts->service.get(), parts->console.get(), parts};
}

}  // namespace sodiem::server
