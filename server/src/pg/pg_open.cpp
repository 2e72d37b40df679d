// Opening a school's PostgreSQL store (server_db.hpp): the connection as the
// application role, the schema checked (or brought up to date with the
// owner's URL at init), the connection bound to the school. Refused: a
// role past row-level security, one without the TEMPORARY right.
// Callers: open_server_db, init_data_dir, migrate_data_dir.
#include "sodiem/pg/db.hpp"
#include "sodiem/server/access_seal.hpp"
#include "sodiem/server/pg_schema.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/store_config.hpp"

namespace sodiem::server {

namespace {
// The schema's version as the application role sees it (it may not create
// the version table, as pg::Db::schema_version does): 0 when there is none.
int schema_version_of(pg::Db& conn) {
  try {
    auto s = conn.prepare("SELECT version FROM sodiem_schema");
    return s.step() ? static_cast<int>(s.int64(0)) : 0;
  } catch (const pg::Error&) {
    return 0;
  }
}
}  // namespace

int postgres_schema_version(const std::string& owner_url) {
  pg::Db owner(owner_url);
  return schema_version_of(owner);
}

std::string postgres_database_of(const std::string& url) {
  pg::Db conn(url);
  auto s = conn.prepare(
      "SELECT current_database() || ' ' || COALESCE(host(inet_server_addr()), '') || ':' || "
      "COALESCE(inet_server_port()::text, '')");
  return s.step() ? s.text(0) : "";
}

std::unique_ptr<store::Db> open_postgres_school(const StoreConfig& config, const std::string& migrate_with) {
  if (!valid_school_id(config.school_id))
    throw std::runtime_error("mã trường \"" + config.school_id + "\" không hợp lệ (chữ thường không dấu, số, gạch ngang)");
  if (!migrate_with.empty()) pg::Db(migrate_with).migrate(pg_migrations());
  auto conn = std::make_unique<pg::Db>(config.url);
  // Row-level security is the school boundary: a role that passes it (a
  // superuser, BYPASSRLS) would let this server read and write every
  // school's rows, so it is refused, never used.
  {
    auto role = conn->prepare(
        "SELECT rolname, CASE WHEN rolsuper OR rolbypassrls THEN 1 ELSE 0 END FROM pg_roles WHERE rolname = current_user");
    if (role.step() && role.int64(1) != 0)
      throw std::runtime_error("vai trò PostgreSQL \"" + role.text(0) +
                               "\" bỏ qua bảo vệ theo trường (superuser hoặc BYPASSRLS): máy chủ không dùng vai trò "
                               "này; hãy ghi vào database.json địa chỉ của vai trò ứng dụng (sodiem_app)");
  }
  // The access seal keeps each changed access table's rows in a temporary
  // table, and audit verify's school guards compare against temporary
  // objects: without the TEMPORARY right (PostgreSQL gives it to PUBLIC; an
  // administrator may have revoked it) every sealed write and every check
  // would fail later, far from the cause. Refused here, naming the GRANT.
  {
    auto temp = conn->prepare(
        "SELECT CASE WHEN has_database_privilege(current_user, current_database(), 'TEMPORARY') THEN 1 ELSE 0 END, "
        "quote_ident(current_user), quote_ident(current_database())");
    if (temp.step() && temp.int64(0) == 0)
      throw std::runtime_error("vai trò PostgreSQL " + temp.text(1) + " không có quyền TEMPORARY (tạo bảng tạm) trên " +
                               "cơ sở dữ liệu " + temp.text(2) + ": máy chủ cần quyền này để niêm phong và kiểm tra "
                               "dữ liệu phân quyền của trường. Người quản trị PostgreSQL hãy chạy: GRANT TEMPORARY ON "
                               "DATABASE " + temp.text(2) + " TO " + temp.text(1) + ";");
  }
  const int version = schema_version_of(*conn);
  const int wanted = static_cast<int>(pg_migrations().size());
  if (version != wanted)
    throw std::runtime_error("cơ sở dữ liệu PostgreSQL có lược đồ phiên bản " + std::to_string(version) +
                             ", phần mềm cần " + std::to_string(wanted) +
                             (version < wanted ? ": hãy cập nhật lược đồ bằng vai trò sở hữu (sodiem-server migrate "
                                                 "--data THƯ_MỤC_TRƯỜNG --database-owner postgresql://…)"
                                               : ": phần mềm cũ hơn cơ sở dữ liệu, hãy cài bản mới"));
  auto db = std::make_unique<store::Db>(std::move(conn), config.school_id);
  install_access_guard(*db);
  enforce_access_guard(*db);
  return db;
}

}  // namespace sodiem::server
