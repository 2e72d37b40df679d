#include "sodiem/server/pull.hpp"

#include <algorithm>

#include "sodiem/core/tuning.hpp"
#include "sodiem/protocol/codec.hpp"

namespace sodiem::server {

PullService::PullService(store::Db& db, const Directory& directory, std::string server_epoch)
    : db_(db),
      directory_(directory),
      epoch_(std::move(server_epoch)),
      select_changes_(db.prepare("SELECT version, kind, class_id, subject_id, student_id, col, value, device_id, "
                                 "user_id, recorded_at, current_version FROM changes WHERE version > ? "
                                 "ORDER BY version LIMIT ?")) {}

protocol::Changes PullService::pull(const DeviceContext& device, const protocol::Pull& request) {
  protocol::Changes out;
  out.cursor.epoch = epoch_;
  std::uint64_t after = request.cursor.epoch == epoch_ ? request.cursor.seq : 0;
  out.cursor.seq = after;
  const UserAccess* user = directory_.user(device.user_id);
  if (!user) return out;
  const std::size_t limit =
      std::clamp<std::size_t>(request.limit == 0 ? tuning::kPullPageChanges : request.limit, 1,
                              protocol::kMaxChangesPerPull);
  // Scan a bounded window so a pull never holds the worker for long; rows the
  // user may not see still advance the cursor.
  const std::size_t scan = limit * 4;
  select_changes_.bind(1, after).bind(2, static_cast<std::int64_t>(scan));
  std::size_t scanned = 0;
  while (select_changes_.step()) {
    ++scanned;
    const auto version = static_cast<std::uint64_t>(select_changes_.int64(0));
    out.cursor.seq = version;
    const std::int64_t class_id = select_changes_.int64(2);
    const std::int64_t subject_id = select_changes_.int64(3);
    if (select_changes_.int64(7) == device.row_id) continue;
    if (!user->may_read(class_id, subject_id)) continue;
    const auto* cls = directory_.class_by_id(class_id);
    const auto* subj = directory_.subject_by_id(subject_id);
    const auto* st = directory_.student_by_id(select_changes_.int64(4));
    if (!cls || !st || (!subj && subject_id != kHomeroomSubjectId)) continue;
    protocol::Change c;
    c.version = version;
    c.kind = static_cast<protocol::ChangeKind>(select_changes_.int64(1));
    c.cell = {cls->name, subj ? subj->info.name : std::string(protocol::kHomeroomSubject), st->code,
              select_changes_.text(5)};
    c.value = select_changes_.text(6);
    c.author = directory_.username_of(select_changes_.int64(8));
    c.at = select_changes_.int64(9);
    c.current_version = static_cast<std::uint64_t>(select_changes_.int64(10));
    out.changes.push_back(std::move(c));
    if (out.changes.size() >= limit) break;
  }
  select_changes_.reset();
  out.more = scanned >= scan || out.changes.size() >= limit;
  return out;
}

}  // namespace sodiem::server
