// `sodiem-server migrate`: after an upgrade, a school's schema brought to
// this program's version (migrate_data_dir, init.hpp). Registered by main.cpp.
#include <iostream>

#include "sodiem/server/init.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

struct MigrateOptions {
  std::string dir, owner;
};

int run_migrate(const MigrateOptions& o) {
  Result<MigrateResult> r = Status(ErrorCode::kInternal, "");
  try {
    r = migrate_data_dir(DataPaths{o.dir}, o.owner);
  } catch (const std::exception& e) {
    r = Status(ErrorCode::kInternal, e.what());
  }
  if (!r) return fail_status(r.status());
  const std::string where = r->postgres ? "Lược đồ PostgreSQL (chung cho mọi trường của cơ sở dữ liệu)" : "server.db";
  if (r->from == r->to)
    std::cout << where << " đã ở phiên bản " << r->to << ", đúng phiên bản phần mềm cần; không có gì thay đổi.\n";
  else
    std::cout << where << ": đã cập nhật từ phiên bản " << r->from << " lên " << r->to
              << "; trường mở được như khi máy chủ chạy.\n";
  return 0;
}

}  // namespace

void add_migrate_command(CLI::App& app, Context& ctx) {
  auto [migrate, o] = add_command(app, ctx, "migrate",
                                  "Sau khi nâng cấp phần mềm: cập nhật lược đồ dữ liệu của trường lên phiên bản mới",
                                  run_migrate);
  add_data_option(*migrate, o->dir);
  migrate->add_option("--database-owner", o->owner,
                      "Trường trên PostgreSQL: URL của vai trò sở hữu lược đồ (postgresql://sodiem_owner@MÁY/CSDL)");
}

}  // namespace sodiem::server::cli
