// Makes a school's data directory, and migrates an existing one's schema
// (init.hpp), on SQLite or in a shared PostgreSQL. Callers: `sodiem-server
// init` and `migrate` (cli/), the tests' schools.
#include "sodiem/server/init.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <exception>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sodiem/core/crypto.hpp"
#include "sodiem/net/tls.hpp"
#include "sodiem/server/accounts.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/audit_key.hpp"
#include "sodiem/server/demo_school.hpp"
#include "sodiem/server/pg_schema.hpp"
#include "sodiem/server/school_open.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/serving_lock.hpp"
#include "sodiem/server/store_config.hpp"

namespace sodiem::server {
namespace {
// The school's PostgreSQL store, the schema brought up to date first by the
// owner's URL when one is given. Without it the schema is used as it is when
// current: every school after a database's first is made with the
// application role alone, which may not create tables (and needs not). Only
// a schema not current is then migrated with the application role's URL (a
// single role owning the schema); if that fails too, the first refusal is
// the one said (it names --database-owner).
std::unique_ptr<store::Db> open_new_postgres_school(const PostgresInit& postgres) {
  if (!postgres.owner_url.empty()) return open_postgres_school(postgres.config, postgres.owner_url);
  try {
    return open_postgres_school(postgres.config);
  } catch (const std::exception&) {
    const auto first = std::current_exception();
    try {
      return open_postgres_school(postgres.config, postgres.config.url);
    } catch (const std::exception&) {
      std::rethrow_exception(first);
    }
  }
}

void write_private_file(const std::string& path, const std::string& text) {
  const mode_t old = umask(077);
  std::ofstream f(path, std::ios::trunc);
  umask(old);
  f << text;
  f.close();
  if (!f) throw std::runtime_error("cannot write " + path);
  ::chmod(path.c_str(), 0600);
}
}  // namespace

Result<InitResult> init_data_dir(const DataPaths& paths, const std::string& school_name, bool demo,
                                 const std::optional<PostgresInit>& postgres) {
  std::filesystem::create_directories(paths.dir);
  if (has_school_database(paths.dir))
    return Status(ErrorCode::kInvalidValue, paths.dir + " đã có cơ sở dữ liệu của một trường; không ghi đè");
  InitResult result;
  result.admin_password = crypto::random_hex(8);
  std::unique_ptr<store::Db> db;
  if (postgres) {
    if (!valid_school_id(postgres->config.school_id))
      return Status(ErrorCode::kInvalidValue, "mã trường \"" + postgres->config.school_id +
                                                  "\" không hợp lệ: 1–64 chữ thường không dấu, số hoặc gạch ngang");
    db = open_new_postgres_school(*postgres);
    // One database holds many schools: never a second init over a school's rows.
    if (!get_meta(*db, "epoch").empty())
      return Status(ErrorCode::kInvalidValue, "trường " + postgres->config.school_id +
                                                  " đã có dữ liệu trong cơ sở dữ liệu PostgreSQL này; không ghi đè");
    write_store_config(paths.dir, postgres->config);
  } else {
    db = open_server_db(paths.db());
  }
  {
    store::Transaction tx(*db);
    set_meta(*db, "epoch", crypto::random_hex(8));
    set_meta(*db, "school_name", school_name);
    set_meta(*db, "roster_version", "1");
    Accounts accounts(*db, SystemClock::instance());
    auto admin = accounts.create_user("admin", "Quản trị hệ thống", result.admin_password, {"ADMIN"});
    if (!admin) return admin.status();
    append_audit(*db, {SystemClock::instance().now_unix_seconds(), "system", "", "init",
                       nlohmann::json{{"school_name", school_name}}.dump()});
    tx.commit();
  }
  net::make_self_signed_certificate(paths.cert(), paths.key(), school_name);
  AuditKey::load_or_create(paths.audit_key());  // signs the audit heads devices keep
  result.fingerprint = net::fingerprint_of_pem_file(paths.cert());
  write_private_file(paths.dir + "/admin-password.txt", result.admin_password + "\n");
  if (demo) {
    const std::string accounts = load_demo_school(*db, SystemClock::instance());
    nlohmann::json j = {{"server_fingerprint", result.fingerprint},
                        {"accounts", nlohmann::json::parse(accounts)}};
    write_private_file(paths.demo_accounts(), j.dump(2) + "\n");
  }
  return result;
}

Result<MigrateResult> migrate_data_dir(const DataPaths& paths, const std::string& owner_url) {
  MigrateResult result;
  const auto postgres = read_store_config(paths.dir);
  if (!postgres) {
    if (!std::filesystem::exists(paths.db()))
      return Status(ErrorCode::kInvalidValue, paths.dir + " không có cơ sở dữ liệu của trường nào (server.db hay "
                                                      "database.json)");
    // Not under a server serving the school (its statements and caches
    // made for the old tables): refused, nothing changed. The file's lock,
    // taken without waiting, is held until migrated: a server started
    // meanwhile does not open it.
    {
      auto db = open_sqlite_school_alone(paths.db(), &result.from);
      if (!db)
        return Status(ErrorCode::kInvalidValue,
                      "một tiến trình đang mở " + paths.db() +
                          " (thường là máy chủ sodiem-server đang phục vụ trường này): hãy dừng nó rồi chạy lại "
                          "migrate (không thay đổi gì)");
      result.to = db->sqlite()->user_version();
    }
    // Then as `run` opens it: pages read through, not an archived year.
    if (auto st = check_school(paths.dir); !st) return st;
    return result;
  }
  result.postgres = true;
  if (owner_url.empty())
    return Status(ErrorCode::kInvalidValue,
                  "trường này giữ dữ liệu trong PostgreSQL: cập nhật lược đồ cần URL của vai trò sở hữu lược đồ, "
                  "--database-owner postgresql://sodiem_owner@MÁY/CSDL (vai trò ứng dụng không được sửa bảng)");
  try {
    // The school's own database, not another one on the same cluster: a
    // URL mistyped would otherwise get the whole schema made in it.
    const std::string theirs = postgres_database_of(postgres->url), given = postgres_database_of(owner_url);
    if (theirs != given)
      return Status(ErrorCode::kInvalidValue, "--database-owner trỏ tới cơ sở dữ liệu \"" + given +
                                                  "\", không phải cơ sở dữ liệu của trường \"" + theirs +
                                                  "\" (database.json); không thay đổi gì");
    result.from = postgres_schema_version(owner_url);
    if (result.from == 0)
      return Status(ErrorCode::kInvalidValue, "cơ sở dữ liệu \"" + given +
                                                  "\" chưa có lược đồ của sodiem: migrate chỉ cập nhật lược đồ đã "
                                                  "có; trường mới thì dùng sodiem-server init");
    // The schema is shared by every school of the database: no server may
    // be serving any of them (old binaries on a new schema).
    if (const std::int64_t serving = serving_connections(owner_url); serving > 0)
      return Status(ErrorCode::kInvalidValue,
                    "còn " + std::to_string(serving) + " kết nối của sodiem-server đang phục vụ các trường trong cơ sở "
                    "dữ liệu này; lược đồ dùng chung cho mọi trường: hãy dừng mọi tiến trình sodiem-server rồi chạy "
                    "lại migrate (không thay đổi gì)");
  } catch (const std::exception& e) {
    return Status(ErrorCode::kUnavailable, std::string("không kết nối được PostgreSQL: ") + e.what());
  }
  try {
    open_postgres_school(*postgres, owner_url);  // migrates, then opens as the servers do
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, e.what());
  }
  result.to = static_cast<int>(pg_migrations().size());
  return result;
}

}  // namespace sodiem::server
