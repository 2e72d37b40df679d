// Year-end archive: writing and offline verification (see archive.hpp).
#include "sodiem/server/archive.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "records_data.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/core/crypto.hpp"
#include "sodiem/core/signing.hpp"
#include "sodiem/server/audit.hpp"
#include "sodiem/server/audit_key.hpp"
#include "sodiem/server/confirmations.hpp"
#include "sodiem/server/records_print.hpp"
#include "sodiem/server/server_db.hpp"

namespace sodiem::server {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kFormat = "sodiem-archive/1";
constexpr const char* kManifest = "manifest.json";
constexpr const char* kAudit = "nhat-ky-kiem-toan.jsonl";
constexpr std::uintmax_t kMaxManifest = 1u << 20;

Result<std::string> read_file(const fs::path& path, std::uintmax_t max_bytes) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return Status(ErrorCode::kInvalidValue, "thiếu tệp " + path.filename().string());
  if (size > max_bytes) return Status(ErrorCode::kTooLarge, "tệp " + path.filename().string() + " quá lớn");
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool approved(store::Db& db, const std::string& class_name, const std::string& term) {
  auto s = db.prepare("SELECT 1 FROM confirmations c JOIN current_classes k ON k.id = c.class_id WHERE k.name = ? AND c.term = ? "
                      "AND c.step = 'approve' AND c.subject_id IS NULL AND c.revoked_at IS NULL");
  s.bind(1, class_name).bind(2, term);
  return s.step();
}

// A file name without '/' and without surprises for the archive's folder.
std::string file_name(std::string s) {
  for (char& c : s)
    if (c == '/' || c == '\\' || c == ' ' || static_cast<unsigned char>(c) < 0x20) c = '-';
  return s;
}

// The manifest's bytes that the audit key signs: the manifest without its signature.
std::string signed_bytes(json manifest) {
  manifest.erase("signature");
  return manifest.dump();
}

}  // namespace

Status write_archive(store::Db& db, const std::string& data_dir, const std::string& class_name,
                     const std::string& term, const std::string& out_dir, std::string& summary) {
  const auto cls = records::load_class(db, class_name);
  if (!cls) return Status(ErrorCode::kInvalidValue, "không có lớp \"" + class_name + "\"");
  std::vector<std::string> terms;
  for (const std::string t : {"HK1", "HK2"})
    if ((term.empty() || term == t) && approved(db, class_name, t)) terms.push_back(t);
  if (terms.empty())
    return Status(ErrorCode::kInvalidValue, "lớp " + class_name + (term.empty() ? "" : " " + term) +
                                                " chưa được Hiệu trưởng phê duyệt: chỉ lưu trữ hồ sơ đã phê duyệt");
  std::error_code ec;
  if (fs::exists(out_dir, ec)) return Status(ErrorCode::kInvalidValue, "thư mục " + out_dir + " đã có; hãy chọn thư mục mới");
  const fs::path tmp = out_dir + ".tmp";
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return Status(ErrorCode::kInvalidValue, "không tạo được thư mục " + out_dir + ": " + ec.message());
  auto fail = [&](const Status& st) {
    fs::remove_all(tmp, ec);
    return st;
  };

  std::vector<std::string> files;
  auto made = [&](const std::string& name, const Status& st) {
    if (st) files.push_back(name);
    return st;
  };
  // The subjects taught in the class.
  std::vector<std::string> subjects;
  auto s = db.prepare("SELECT sj.name FROM teaching_assignments t JOIN subjects sj ON sj.id = t.subject_id "
                      "WHERE t.class_id = ? GROUP BY sj.id, sj.name ORDER BY sj.id");
  s.bind(1, cls->id);
  while (s.step()) subjects.push_back(s.text(0));
  for (const auto& t : terms) {
    const std::string signed_name = "ho-so-ky-so-" + t + ".json";
    if (auto st = made(signed_name, export_signed(db, class_name, t, (tmp / signed_name).string())); !st) return fail(st);
    const std::string board_name = "bang-tong-hop-" + t + ".pdf";
    if (auto st = made(board_name, print_board(db, class_name, t, (tmp / board_name).string())); !st) return fail(st);
    for (const auto& sub : subjects) {
      const std::string name = file_name("so-theo-doi-" + t + "-" + sub + ".pdf");
      if (auto st = made(name, print_gradebook(db, class_name, sub, t, (tmp / name).string())); !st) return fail(st);
    }
  }
  if (std::find(terms.begin(), terms.end(), "HK2") != terms.end()) {
    if (auto st = made("hoc-ba.pdf", print_transcript(db, class_name, "", (tmp / "hoc-ba.pdf").string())); !st)
      return fail(st);
  }
  // The segment of the audit chain that covers the class's year: from the
  // day its records could begin (the year's start, or a term's entry window
  // opening earlier) to the head; its
  // first entry's previous hash goes in the signed manifest, so the segment
  // is checked link by link offline without the entries before it.
  std::int64_t first_seq = 1, entries = 0;
  std::string prev_hash = std::string(64, '0'), head = prev_hash;
  {
    auto y = db.prepare("SELECT MIN(d) FROM (SELECT starts_on AS d FROM school_years WHERE current = 1 UNION ALL "
                        "SELECT t.entry_opens_on FROM terms t JOIN school_years y ON y.id = t.school_year_id "
                        "WHERE y.current = 1 AND t.entry_opens_on IS NOT NULL) AS opened");
    const std::optional<std::int64_t> from = y.step() && !y.is_null(0) ? parse_local_time(y.text(0)) : std::nullopt;
    // After the last entry made before that day (a clock set back once
    // does not pull older entries in).
    auto f = db.prepare("SELECT seq, prev_hash FROM audit_log WHERE seq > "
                        "(SELECT COALESCE(MAX(seq), 0) FROM audit_log WHERE at < ?) ORDER BY seq LIMIT 1");
    f.bind(1, from.value_or(0));
    if (f.step()) {
      first_seq = f.int64(0);
      prev_hash = f.text(1);
    } else {  // nothing since: the segment is empty, anchored at the head
      auto h = db.prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
      if (h.step()) {
        first_seq = h.int64(0) + 1;
        prev_hash = h.text(1);
      }
    }
    head = prev_hash;
    std::ofstream out(tmp / kAudit, std::ios::binary);
    auto a = db.prepare("SELECT seq, at, actor, device, kind, detail, prev_hash, hash, access FROM audit_log "
                        "WHERE seq >= ? ORDER BY seq");
    a.bind(1, first_seq);
    while (a.step()) {
      json line{{"seq", a.int64(0)}, {"at", a.int64(1)}, {"actor", a.text(2)}, {"device", a.text(3)},
                {"kind", a.text(4)}, {"detail", a.text(5)}, {"prev_hash", a.text(6)}, {"hash", a.text(7)}};
      if (!a.view(8).empty()) line["access"] = a.text(8);
      out << line.dump() << "\n";
      ++entries;
      head = a.text(7);
    }
    out.close();
    if (!out) return fail(Status(ErrorCode::kInternal, "không ghi được nhật ký kiểm toán"));
    files.push_back(kAudit);
  }
  json hashes = json::object();
  for (const auto& f : files) {
    auto bytes = read_file(tmp / f, std::uintmax_t{1} << 32);
    if (!bytes) return fail(bytes.status());
    hashes[f] = crypto::sha256_hex(*bytes);
  }
  auto key = AuditKey::load_or_create(DataPaths{data_dir}.audit_key());
  json manifest = {{"format", kFormat},
                   {"school", get_meta(db, "school_name")},
                   {"class", class_name},
                   {"year", records::year_name(db)},
                   {"terms", terms},
                   {"created_at", static_cast<std::int64_t>(std::time(nullptr))},
                   {"audit", {{"first_seq", first_seq}, {"prev_hash", prev_hash}, {"entries", entries}, {"head_hash", head}}},
                   {"files", hashes},
                   {"public_key", key->public_key_hex()}};
  manifest["signature"] = key->sign_hex(signed_bytes(manifest));
  {
    std::ofstream out(tmp / kManifest, std::ios::binary);
    out << manifest.dump(2) << "\n";
    out.close();
    if (!out) return fail(Status(ErrorCode::kInternal, "không ghi được manifest.json"));
  }
  fs::rename(tmp, out_dir, ec);
  if (ec) return fail(Status(ErrorCode::kInternal, "không đặt được thư mục " + out_dir + ": " + ec.message()));
  summary = std::to_string(files.size()) + " tệp (" + std::to_string(entries) + " mục nhật ký kiểm toán từ mục " +
            std::to_string(first_seq) + "), khóa máy chủ " +
            key->public_key_hex().substr(0, 16) + "…";
  return Status::ok();
}

Status verify_archive(const std::string& dir, std::string& summary) {
  const fs::path root(dir);
  auto text = read_file(root / kManifest, kMaxManifest);
  if (!text) return text.status();
  json manifest = json::parse(*text, nullptr, false);
  if (manifest.is_discarded() || !manifest.is_object() || manifest.value("format", "") != kFormat ||
      !manifest.contains("files") || !manifest["files"].is_object() || !manifest.contains("signature") ||
      !manifest["signature"].is_string() || !manifest.contains("public_key") || !manifest["public_key"].is_string())
    return Status(ErrorCode::kInvalidValue, "manifest.json không phải của một hồ sơ lưu trữ Sổ điểm");
  if (!signing::verify_signature(manifest["public_key"], signed_bytes(manifest), manifest["signature"]))
    return Status(ErrorCode::kAuditMismatch, "chữ ký của manifest.json không hợp lệ: hồ sơ đã bị sửa");
  // Every listed file intact, none besides them.
  std::set<std::string> listed;
  for (const auto& [name, hash] : manifest["files"].items()) {
    if (name.find('/') != std::string::npos || name == ".." || !hash.is_string())
      return Status(ErrorCode::kInvalidValue, "manifest.json ghi tên tệp không hợp lệ");
    auto bytes = read_file(root / name, std::uintmax_t{1} << 32);
    if (!bytes) return Status(ErrorCode::kAuditMismatch, bytes.status().message());
    if (crypto::sha256_hex(*bytes) != hash.get<std::string>())
      return Status(ErrorCode::kAuditMismatch, "tệp " + name + " đã bị thay đổi (SHA-256 không khớp)");
    listed.insert(name);
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name != kManifest && !listed.contains(name))
      return Status(ErrorCode::kAuditMismatch, "tệp " + name + " không có trong manifest.json");
  }
  // The signatures of the records.
  int signatures = 0;
  for (const auto& name : listed) {
    if (name.rfind("ho-so-ky-so-", 0) != 0) continue;
    std::string s;
    if (auto st = verify_export((root / name).string(), s); !st)
      return Status(ErrorCode::kAuditMismatch, name + ": " + st.message());
    signatures += std::atoi(s.c_str());
  }
  // The audit chain, unbroken to the head the manifest names.
  if (!listed.contains(kAudit)) return Status(ErrorCode::kAuditMismatch, "thiếu nhật ký kiểm toán");
  // The segment starts where the signed manifest says (an archive of the
  // whole chain: at entry 1, after the all-zero hash).
  const auto& head = manifest["audit"];
  if (!head.is_object()) return Status(ErrorCode::kAuditMismatch, "nhật ký kiểm toán không khớp với manifest.json");
  const std::int64_t first_seq = head.value("first_seq", std::int64_t{1});
  std::ifstream audit(root / kAudit, std::ios::binary);
  std::string line, prev = head.value("prev_hash", std::string(64, '0'));
  std::int64_t n = 0;
  while (std::getline(audit, line)) {
    json e = json::parse(line, nullptr, false);
    if (e.is_discarded() || !e.is_object())
      return Status(ErrorCode::kAuditMismatch, "nhật ký kiểm toán: dòng " + std::to_string(n + 1) + " hỏng");
    try {
      const std::int64_t seq = e.at("seq");
      const AuditEntry entry{e.at("at"), e.at("actor"), e.at("device"), e.at("kind"), e.at("detail")};
      if (seq != first_seq + n || e.at("prev_hash") != prev || audit_entry_hash(seq, entry, prev, e.value("access", std::string())) != e.at("hash"))
        return Status(ErrorCode::kAuditMismatch,
                      "nhật ký kiểm toán: mục " + std::to_string(first_seq + n) + " bị sửa, xóa hoặc đảo");
      prev = e.at("hash");
    } catch (const json::exception&) {
      return Status(ErrorCode::kAuditMismatch, "nhật ký kiểm toán: dòng " + std::to_string(n + 1) + " hỏng");
    }
    ++n;
  }
  if (head.value("entries", -1) != n || head.value("head_hash", "") != prev)
    return Status(ErrorCode::kAuditMismatch, "nhật ký kiểm toán không khớp với manifest.json");
  summary = "hồ sơ lớp " + manifest.value("class", "") + " (" + manifest.value("year", "") + ") nguyên vẹn: " +
            std::to_string(listed.size()) + " tệp, " + std::to_string(signatures) + " chữ ký hợp lệ, nhật ký kiểm toán " +
            std::to_string(n) + " mục liền mạch từ mục " + std::to_string(first_seq) + "; ký bởi khóa máy chủ " + manifest["public_key"].get<std::string>().substr(0, 16) + "…";
  return Status::ok();
}

}  // namespace sodiem::server
