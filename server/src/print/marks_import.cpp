// Marks from XLSX through the Ingestor (see marks_import.hpp).
#include "sodiem/server/marks_import.hpp"

#include <map>
#include <set>

#include "sodiem/core/column.hpp"
#include "sodiem/core/crypto.hpp"
#include "sodiem/server/directory.hpp"
#include "sodiem/server/ingest.hpp"
#include "sodiem/server/xlsx_reader.hpp"

namespace sodiem::server {

namespace {

constexpr const char* kMarker = "sodiem:marks";  // column A of the hidden row export_marks_xlsx writes
constexpr std::size_t kMaxOps = 100000;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  s.erase(0, std::min(s.find_first_not_of(" \t"), s.size()));
  return s;
}

// The user's import device, made on first use (it never logs in: its token
// is known to no one).
DeviceContext import_device(store::Db& db, std::int64_t user_id, const std::string& username, std::int64_t now) {
  const std::string public_id = "xlsx-" + username;
  auto find = db.prepare("SELECT id, high_seq FROM devices WHERE public_id = ?");
  find.bind(1, public_id);
  if (!find.step()) {
    db.prepare("INSERT INTO devices(public_id, user_id, name, token_hash, created_at, last_seen_at) "
               "VALUES(?, ?, 'Nhập từ Excel', ?, ?, ?)")
        .bind(1, public_id).bind(2, user_id).bind(3, crypto::sha256_hex(crypto::random_hex(32))).bind(4, now)
        .bind(5, now).run();
    find.reset();
    find.bind(1, public_id);
    find.step();
  }
  return {.row_id = find.int64(0),
          .public_id = public_id,
          .user_id = user_id,
          .high_seq = static_cast<std::uint64_t>(find.int64(1)),
          .session_floor = 0};
}

}  // namespace

MarksImport import_marks_xlsx(store::Db& db, const std::string& path, const std::string& username,
                              const Clock& clock) {
  MarksImport out;
  auto book = xlsx::read(path);
  if (!book) {
    out.errors.push_back(book.status().message());
    return out;
  }
  Directory dir;
  dir.load(db);
  auto u = db.prepare("SELECT id FROM users WHERE username = ?");
  u.bind(1, username);
  if (!u.step()) {
    out.errors.push_back("không có tài khoản " + username);
    return out;
  }
  const std::int64_t user_id = u.int64(0);

  // The ops, each with where it came from.
  std::vector<protocol::Op> ops;
  std::vector<std::string> where;
  auto current = db.prepare("SELECT value, version FROM cells WHERE class_id = ? AND subject_id = ? AND student_id = ? "
                            "AND col = ?");
  bool any_sheet = false;
  for (const auto& sheet : *book) {
    int marker = -1;
    for (int r = 0; r < 30 && marker < 0; ++r)
      if (sheet.at(r, 0) == kMarker) marker = r;
    if (marker < 0) continue;
    any_sheet = true;
    const std::string class_name = sheet.at(marker, 1), subject = sheet.at(marker, 2);
    const auto* cls = dir.class_by_name(class_name);
    const auto* subj = dir.subject_by_name(subject);
    if (!cls || !subj) {
      out.errors.push_back("trang \"" + sheet.name + "\": không có lớp \"" + class_name + "\" hoặc môn \"" + subject +
                           "\" trong trường");
      continue;
    }
    std::vector<std::pair<int, std::string>> columns;  // the cells' columns (averages are computed, not read)
    for (int c = 3; c < 200; ++c) {
      const std::string id = sheet.at(marker, c);
      if (id.empty()) break;
      if (Column::parse(id)) columns.push_back({c, id});
    }
    int last_row = marker;
    for (const auto& [at, v] : sheet.cells) last_row = std::max(last_row, at.first);
    for (int r = marker + 1; r <= last_row; ++r) {
      const std::string code = trim(sheet.at(r, 1));
      if (code.empty()) continue;
      const auto* st = dir.student_by_code(code);
      for (const auto& [c, id] : columns) {
        std::string raw = trim(sheet.at(r, c));
        if (raw.empty()) continue;
        const std::string address = sheet.name + "!" + xlsx::cell_name(r, c);
        if (!st || st->class_id != cls->id) {
          out.errors.push_back(address + ": học sinh mã \"" + code + "\" không thuộc lớp " + cls->name);
          break;
        }
        std::string value = xlsx::number_text(raw);
        std::uint64_t base = 0;
        current.bind(1, cls->id).bind(2, subj->id).bind(3, st->id).bind(4, id);
        if (current.step()) {
          base = static_cast<std::uint64_t>(current.int64(1));
          auto canonical = normalize_cell_value(&subj->info, id, value);
          if (canonical && *canonical == current.text(0)) {
            current.reset();
            continue;  // unchanged
          }
        }
        current.reset();
        if (ops.size() >= kMaxOps) {
          out.errors.push_back("tệp có hơn " + std::to_string(kMaxOps) + " ô cần ghi");
          return out;
        }
        protocol::Op op;
        op.cell = {cls->name, subj->info.name, st->code, id};
        op.value = value;
        op.base_version = base;
        op.recorded_at = clock.now_unix_seconds();
        ops.push_back(std::move(op));
        where.push_back(address);
      }
    }
  }
  if (!any_sheet)
    out.errors.push_back("tệp không có trang tính nào theo mẫu của Sổ điểm (hãy dùng tệp do `export marks` tạo ra)");
  if (!out.errors.empty()) return out;
  if (ops.empty()) {
    out.ok = true;
    return out;
  }

  store::Transaction tx(db);
  DeviceContext device = import_device(db, user_id, username, clock.now_unix_seconds());
  std::map<std::uint64_t, std::size_t> index;  // seq → op
  for (std::size_t i = 0; i < ops.size(); ++i) {
    ops[i].seq = device.high_seq + 1 + i;
    index[ops[i].seq] = i;
  }
  Ingestor ingestor(db, dir, clock);
  auto ack = ingestor.apply(device, protocol::Push{1, ops});
  if (!ack) {
    out.errors.push_back(ack.status().message());
    return out;  // rolled back
  }
  std::set<std::uint64_t> accepted;
  for (const auto& run : ack->accepted)
    for (std::uint64_t k = 0; k < run.count; ++k) accepted.insert(run.first_seq + k);
  for (const auto& o : ack->outcomes)
    if (o.code != ErrorCode::kOk || !accepted.contains(o.seq))
      if (auto it = index.find(o.seq); it != index.end())
        out.errors.push_back(where[it->second] + ": " + (o.reason.empty() ? std::string(protocol::to_string(o.code)) : o.reason));
  for (const auto& op : ops)
    if (!accepted.contains(op.seq) && out.errors.empty()) out.errors.push_back(where[index[op.seq]] + ": không được ghi");
  if (!out.errors.empty()) return out;  // all or nothing: the transaction rolls back
  tx.commit();
  out.ok = true;
  out.changed = ops.size();
  return out;
}

}  // namespace sodiem::server
