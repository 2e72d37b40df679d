// The startup checks of a school folder and the opening of its service and
// console (see school_open.hpp).
#include "sodiem/server/school_open.hpp"

#include <iostream>

#include "sodiem/core/clock.hpp"
#include "sodiem/server/access_seal.hpp"
#include "sodiem/server/school_year.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/store_config.hpp"
#include "sodiem/server/sync_service.hpp"

namespace sodiem::server {

// The checks before a school is served (each start of a single-school
// server; each opening of a school in a multi-school one): the folder holds
// a school, its pages read back, it is not an archived year. kInternal: the
// database is damaged (exit 3). Changes to the access tables made from
// outside the software are warned about; the school is served anyway.
Status check_school(const std::string& dir) {
  DataPaths paths{dir};
  if (!has_school_database(dir))
    return Status(ErrorCode::kInvalidValue,
                  "chưa có cơ sở dữ liệu trong " + dir + "; hãy chạy `sodiem-server init --data " + dir + "` trước");
  try {
    auto db = open_server_db(paths.db());
    if (auto st = check_database_pages(*db, dir); !st) return Status(ErrorCode::kInternal, st.message());
    if (const std::string year = archived_year(*db); !year.empty())
      return Status(ErrorCode::kInvalidValue, dir + " là bản lưu trữ năm học " + year +
                                                  ", chỉ để xem và in; máy chủ không phục vụ đồng bộ trên đó.");
    // Accounts, assignments or locks edited from outside the software: said
    // loudly at each start (the server still serves; the principal decides).
    for (const auto& problem : check_access_tables(*db).problems)
      std::cerr << "sodiem-server: CẢNH BÁO: " << problem << " (" << dir << ") — xem sodiem-server audit verify\n";
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, "cơ sở dữ liệu " + paths.db() + " bị hỏng, không mở được (" + e.what() +
                                            "). Khôi phục bản sao lưu gần nhất: sodiem-server restore "
                                            "THƯ_MỤC_SAO_LƯU --data THƯ_MỤC_MỚI");
  }
  return Status::ok();
}

// A checked school's sync service and console, as `run` serves them.
Result<ServedSchool> open_school(const std::string& dir, console::ConsolePrinters printers) {
  if (auto st = check_school(dir); !st) return st;
  const std::string db_path = DataPaths{dir}.db();
  struct Parts {  // the console stops (is destroyed) before the service
    std::unique_ptr<SyncService> service;
    std::unique_ptr<console::Console> console;
  };
  auto parts = std::make_shared<Parts>();
  parts->service = std::make_unique<SyncService>(db_path, SystemClock::instance());
  parts->console = std::make_unique<console::Console>(*parts->service, db_path, SystemClock::instance(),
                                                      console::ConsoleLimits{}, printers);
  std::string name;
  {
    auto db = open_server_db(db_path);
    name = get_meta(*db, "school_name");
  }
  return ServedSchool{name, parts->service.get(), parts->console.get(), parts};
}

}  // namespace sodiem::server
