// LocalStore, how much of a class this device holds (its board's scope): the
// whole class or only its user's subjects, and whether this store is a
// closed school year's copy (read-only). See local_store.hpp; same thread as
// the store.
#include <filesystem>

#include "sodiem/client/local_store.hpp"

namespace sodiem::client {

bool LocalStore::sees_whole_class(const std::string& class_name) {
  if (meta("whole_classes_said") == "1") {
    // The server's own rule (UserAccess::reads_whole_class), as its roster said.
    const std::string whole = "\n" + meta("whole_classes");
    return whole.find("\n" + class_name + "\n") != std::string::npos;
  }
  // An older server: the homeroom classes known here, and a class the user
  // teaches nothing in (seen through a role: the board as before).
  if (assigned(class_name, std::string(protocol::kHomeroomSubject))) return true;
  auto s = db_->cached("SELECT 1 FROM assignments WHERE class_name = ?");
  s->bind(1, class_name);
  return !s->step();
}

std::vector<std::string> LocalStore::own_subjects(const std::string& class_name) {
  // What the server sends a user who does not see the class whole: the
  // subjects they teach there (or read: a department head's), never the
  // homeroom's; as its roster said (its may_read), cells or none yet.
  std::vector<std::string> out;
  if (meta("read_subjects_said") == "1") {
    auto s = db_->cached("SELECT subject FROM read_subjects WHERE class_name = ?1 AND subject != ?2");
    s->bind(1, class_name).bind(2, std::string(protocol::kHomeroomSubject));
    while (s->step()) out.push_back(s->text(0));
    return out;
  }
  // An older server: the assignments, and the subjects whose cells came.
  auto s = db_->cached(
      "SELECT subject FROM assignments WHERE class_name = ?1 AND subject != ?2 "
      "UNION SELECT subject FROM cells WHERE class_name = ?1 AND subject != ?2");
  s->bind(1, class_name).bind(2, std::string(protocol::kHomeroomSubject));
  while (s->step()) out.push_back(s->text(0));
  return out;
}

std::string LocalStore::archived_year() {
  if (!meta("archived_for").empty()) return school_year();
  // A copy made before copies were marked: DATA/years/<its own year>/ beside
  // the live DATA/client.db.
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(fs::absolute(data_dir_, ec), ec);
  if (dir.filename().empty()) dir = dir.parent_path();
  const std::string year = school_year();
  if (!year.empty() && dir.filename() == year && dir.parent_path().filename() == "years" &&
      fs::exists(dir.parent_path().parent_path() / "client.db", ec))
    return year;
  return "";
}

Status LocalStore::closed_year_refusal() {
  const std::string year = archived_year();
  if (year.empty()) return Status::ok();
  // Where the live store is, when this copy sits where enter_school_year put it.
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(fs::absolute(data_dir_, ec), ec);
  if (dir.filename().empty()) dir = dir.parent_path();
  const bool in_years = dir.parent_path().filename() == "years";
  return Status(ErrorCode::kForbidden,
                "đây là bản lưu của năm học " + year +
                    ": năm học đã kết thúc và được lưu trữ, bản lưu chỉ để xem — không ghi, không đồng bộ, "
                    "không gửi gì lên máy chủ từ đây (sổ điểm của năm học mới ở thư mục dữ liệu chính" +
                    (in_years ? " " + dir.parent_path().parent_path().string() : std::string()) + ")");
}

}  // namespace sodiem::client
