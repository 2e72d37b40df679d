#include "sodiem/server/backup.hpp"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <nlohmann/json.hpp>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/crypto.hpp"
#include "sodiem/server/access_seal.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/records_check.hpp"
#include "sodiem/server/school_copy.hpp"
#include "sodiem/server/server_db.hpp"
#include "sodiem/server/serving_lock.hpp"
#include "sodiem/server/store_config.hpp"

namespace sodiem::server {
namespace fs = std::filesystem;
namespace {

bool empty_or_missing(const std::string& dir) { return !fs::exists(dir) || fs::is_empty(dir); }

// Opens the copy, checks it page by page, its audit chain and what the chain
// vouches for (marks, access tables), and counts.
Result<BackupSummary> check_copy(const DataPaths& paths) {
  BackupSummary out;
  out.path = paths.dir;
  out.bytes = static_cast<std::int64_t>(fs::file_size(paths.db()));
  auto db = open_server_db(paths.db());
  {
    auto s = db->prepare("PRAGMA integrity_check");
    if (!s.step() || s.text(0) != "ok")
      return Status(ErrorCode::kInternal, "bản sao lưu bị hỏng (integrity_check: " + s.text(0) + ")");
  }
  const AuditCheck audit = verify_audit(*db);
  if (!audit.intact) return Status(ErrorCode::kInternal, "nhật ký kiểm toán trong bản sao lưu không nguyên vẹn: " + audit.problem);
  out.audit_entries = audit.entries;
  const AuditCheck records = verify_records(*db);
  if (!records.intact) return Status(ErrorCode::kInternal, "dữ liệu điểm trong bản sao lưu không khớp nhật ký: " + records.problem);
  if (const auto access = check_access_tables(*db); !access.problems.empty())
    return Status(ErrorCode::kInternal, "bản sao lưu: " + access.problems.front());
  auto s = db->prepare("SELECT COUNT(*) FROM changes");
  s.step();
  out.versions = s.int64(0);
  return out;
}

void copy_private(const std::string& from, const std::string& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  ::chmod(to.c_str(), 0600);
}

// Runs `make` (which writes the copy in `to`) and checks the copy; a copy
// that fails is not kept: nothing of it stays, least of all the server's
// private keys beside a half-written database.
template <class Make>
Result<BackupSummary> checked_copy_or_nothing(const DataPaths& to, Make&& make) {
  auto discard = [&] {
    for (const auto& f : {to.db(), to.db() + "-wal", to.db() + "-shm", to.cert(), to.key(), to.audit_key()}) fs::remove(f);
  };
  try {
    make();
    auto checked = check_copy(to);
    if (!checked) discard();
    return checked;
  } catch (...) {
    discard();
    throw;
  }
}

// A new epoch: every client re-pulls from the start instead of trusting
// cursors and versions from a timeline this copy may not contain. Inside the
// caller's transaction, on the restored rows.
void start_restored_epoch(store::Db& db, const std::string& backup_dir) {
  const std::string old_epoch = get_meta(db, "epoch");
  const std::string epoch = crypto::random_hex(8);
  set_meta(db, "epoch", epoch);
  // Devices that kept an audit head of the old epoch up to this size can
  // still have it proved against the restored trail (audit_heads.hpp).
  set_meta(db, "audit_restored_from", get_meta(db, "audit_head_seq", "0"));
  set_meta(db, "audit_restored_from_epoch", old_epoch);
  append_audit(db, {SystemClock::instance().now_unix_seconds(), "admin-cli", "", "restored",
                    nlohmann::json{{"from", backup_dir}, {"old_epoch", old_epoch}, {"epoch", epoch}}.dump()});
}

std::string still_served(const RestoreWait& wait) {
  std::string text = "không khôi phục (trường không bị thay đổi): máy chủ sodiem-server đang phục vụ trường này";
  if (wait.wait.count() == 0)
    return text + "; chạy lại lệnh không có `--wait 0` để các tiến trình `run --schools` tự trả trường (tiến trình "
                  "chỉ phục vụ trường này thì phải dừng trước)";
  return text + " và sau " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait.wait).count()) +
         " giây vẫn chưa trả trường. Tiến trình `sodiem-server run --schools` (hoặc nhiều --data) tự trả trường khi "
         "được khôi phục; tiến trình chỉ phục vụ một trường (`run --data` trường này) thì không: hãy dừng nó rồi "
         "khôi phục lại";
}

// With the request taken: until no server serves the school (they let go
// of it within seconds), at most until `until`; each look its own
// transaction. `told`: the administrator was told of the wait already.
Status wait_for_servers(store::Db& school, std::chrono::steady_clock::time_point until, const RestoreWait& wait,
                        bool& told) {
  for (;;) {
    {
      store::Transaction tx(school);
      if (no_server_serving(school)) return Status::ok();
    }  // rolled back: the lock it took goes with it
    if (std::chrono::steady_clock::now() >= until) return Status(ErrorCode::kInvalidValue, still_served(wait));
    if (!told && wait.note)
      wait.note("Đang chờ các máy chủ đang phục vụ trường này trả trường (tối đa " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(wait.wait).count()) +
                " giây); trong lúc đó máy giáo viên của trường được báo thử lại sau ít phút…");
    told = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// Restore onto a school kept in PostgreSQL (data_dir holds its database.json):
// the backup is first copied aside and checked like any restore (refused,
// nothing changed, if it does not verify); its rows then replace the school's
// in one transaction under the school's lock, checked again before the
// commit; other schools' rows are not touched. The TLS certificate and key
// and the audit key come with it, as on SQLite. No server may serve the
// school meanwhile (a running SyncService reads the epoch once, when it
// starts): the restore asks them to let go of it and waits (wait_for_servers).
Result<BackupSummary> restore_onto_postgres(const std::string& backup_dir, const std::string& data_dir,
                                            const RestoreWait& wait) {
  const DataPaths from{backup_dir}, to{data_dir};
  const DataPaths aside{data_dir + "/restoring-" + crypto::random_hex(6)};
  fs::create_directories(aside.dir);
  ::chmod(aside.dir.c_str(), 0700);
  struct RemoveAside {
    const std::string& dir;
    ~RemoveAside() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{aside.dir};
  auto checked = checked_copy_or_nothing(aside, [&] {
    copy_private(from.db(), aside.db());
    copy_private(from.cert(), aside.cert());
    copy_private(from.key(), aside.key());
    if (fs::exists(from.audit_key())) copy_private(from.audit_key(), aside.audit_key());
  });
  if (!checked) return Status(checked.status().code(), "không khôi phục (trường không bị thay đổi): " + checked.status().message());
  BackupSummary out = *checked;
  out.path = data_dir;
  // The request to the school's servers, on a connection of its own: withdrawn
  // when this returns (after the files below), or with the connection.
  auto asking = open_server_db(to.db());
  RestoreRequest request(*asking);
  if (!request.take())
    return Status(ErrorCode::kInvalidValue,
                  "không khôi phục (trường không bị thay đổi): một lệnh restore khác đang khôi phục trường này");
  {
    auto school = open_server_db(to.db());
    const auto until = std::chrono::steady_clock::now() + wait.wait;
    for (bool told = false;;) {
      if (auto st = wait_for_servers(*school, until, wait, told); !st) return st;
      sqlite::Db rows(aside.db(), /*synchronous_full=*/true);
      store::Transaction tx(*school);
      // A running server keeps the school's epoch, devices' marks and cells in
      // memory: replacing the rows under it would serve a mix. One that began
      // serving since the look (its opening looked before the request): the
      // transaction rolls back and the wait goes on.
      if (!no_server_serving(*school)) {
        if (std::chrono::steady_clock::now() >= until) return Status(ErrorCode::kInvalidValue, still_served(wait));
        continue;
      }
      replace_school_rows(*school, rows);
      seal_access_after_restore(*school);  // the tables before: the replaced trail's, not compared with the backup's
      start_restored_epoch(*school, backup_dir);
      // The rows as the school now holds them, before they count.
      const AuditCheck audit = verify_audit(*school);
      if (!audit.intact)
        return Status(ErrorCode::kInternal, "không khôi phục: nhật ký kiểm toán chép sang PostgreSQL không nguyên vẹn: " + audit.problem);
      if (const AuditCheck records = verify_records(*school); !records.intact)
        return Status(ErrorCode::kInternal, "không khôi phục: dữ liệu điểm chép sang PostgreSQL không khớp nhật ký: " + records.problem);
      out.audit_entries = audit.entries;
      tx.commit();
      break;
    }
  }
  fs::rename(aside.cert(), to.cert());
  fs::rename(aside.key(), to.key());
  if (fs::exists(aside.audit_key())) fs::rename(aside.audit_key(), to.audit_key());
  return out;
}

}  // namespace

Result<BackupSummary> backup_data_dir(const std::string& data_dir, const std::string& out_dir) {
  const DataPaths from{data_dir}, to{out_dir};
  const bool postgres = read_store_config(data_dir).has_value();
  if (!postgres && !fs::exists(from.db())) return Status(ErrorCode::kInvalidValue, "không có cơ sở dữ liệu trong " + data_dir);
  if (!empty_or_missing(out_dir))
    return Status(ErrorCode::kInvalidValue, "thư mục sao lưu " + out_dir + " đã có dữ liệu; hãy chọn thư mục mới");
  fs::create_directories(out_dir);
  ::chmod(out_dir.c_str(), 0700);
  return checked_copy_or_nothing(to, [&] {
    if (postgres) {
      // The school's rows, from one snapshot, into a server.db made by the
      // SQLite migrations: the same kind of backup as a SQLite school's.
      auto school = open_server_db(from.db());
      open_server_db(to.db()).reset();
      sqlite::Db copy(to.db(), /*synchronous_full=*/true);
      copy_school_out(*school, copy);
    } else {
      // A reader: the running server keeps writing; the copy is one snapshot.
      sqlite::Db db(from.db(), /*synchronous_full=*/true);
      auto s = db.prepare("VACUUM INTO ?");
      s.bind(1, to.db());
      s.run();
    }
    ::chmod(to.db().c_str(), 0600);
    copy_private(from.cert(), to.cert());
    copy_private(from.key(), to.key());
    if (fs::exists(from.audit_key())) copy_private(from.audit_key(), to.audit_key());
  });
}

Result<BackupSummary> restore_data_dir(const std::string& backup_dir, const std::string& data_dir,
                                       const RestoreWait& wait) {
  const DataPaths from{backup_dir}, to{data_dir};
  for (const auto& f : {from.db(), from.cert(), from.key()})
    if (!fs::exists(f)) return Status(ErrorCode::kInvalidValue, "bản sao lưu thiếu " + f);
  if (read_store_config(data_dir)) return restore_onto_postgres(backup_dir, data_dir, wait);
  if (fs::exists(to.db()))
    return Status(ErrorCode::kInvalidValue, "thư mục " + data_dir + " đã có cơ sở dữ liệu; khôi phục vào một thư mục trống");
  fs::create_directories(data_dir);
  ::chmod(data_dir.c_str(), 0700);
  // Only the copy is opened (and checked): the backup itself stays untouched.
  return checked_copy_or_nothing(to, [&] {
    copy_private(from.db(), to.db());
    copy_private(from.cert(), to.cert());
    copy_private(from.key(), to.key());
    if (fs::exists(from.audit_key())) copy_private(from.audit_key(), to.audit_key());
    auto db = open_server_db(to.db());
    store::Transaction tx(*db);
    start_restored_epoch(*db, backup_dir);
    tx.commit();
  });
}

}  // namespace sodiem::server
