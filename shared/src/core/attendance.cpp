// Attendance days, sessions and counts (see attendance.hpp).
#include "sodiem/core/attendance.hpp"

#include <algorithm>
#include <chrono>
#include <set>

namespace sodiem::attendance {

bool two_sessions(const protocol::SchoolCalendar& calendar, std::string_view class_name) {
  return std::find(calendar.two_session_classes.begin(), calendar.two_session_classes.end(), class_name) !=
         calendar.two_session_classes.end();
}

std::string date_vn(std::string_view iso) {
  if (iso.size() != 10) return std::string(iso);
  return std::string(iso.substr(8, 2)) + "/" + std::string(iso.substr(5, 2)) + "/" + std::string(iso.substr(0, 4));
}

std::string term_of(const std::vector<protocol::TermDates>& terms, std::string_view date) {
  for (const auto& t : terms)
    if (t.first_day <= date && date <= t.last_day) return t.code;
  return "";
}

namespace {
bool is_sunday(const std::string& iso) {
  using namespace std::chrono;
  const year_month_day d{year(std::stoi(iso.substr(0, 4))), month(static_cast<unsigned>(std::stoi(iso.substr(5, 2)))),
                         day(static_cast<unsigned>(std::stoi(iso.substr(8, 2))))};
  return weekday(sys_days(d)) == Sunday;
}
}  // namespace

std::optional<std::string> fault(const Column& col, const protocol::SchoolCalendar& calendar,
                                 std::string_view class_name) {
  if (col.kind != Column::Kind::kAttendance) return std::nullopt;
  const bool bounded = valid_iso_date(calendar.first_day) && valid_iso_date(calendar.last_day);
  if (bounded && (col.date < calendar.first_day || col.date > calendar.last_day))
    return "ngày " + date_vn(col.date) + " ngoài năm học (từ " + date_vn(calendar.first_day) + " đến " +
           date_vn(calendar.last_day) + ")";
  if (!calendar.sundays && is_sunday(col.date))
    return "ngày " + date_vn(col.date) + " là Chủ nhật: trường không học Chủ nhật";
  if (col.session && !two_sessions(calendar, class_name))
    return "lớp " + std::string(class_name) + " học một buổi mỗi ngày: ghi nghỉ cả ngày (CC." + col.date +
           "), không theo buổi sáng/chiều";
  return std::nullopt;
}

Sessions count(const std::map<std::string, std::string>& homeroom_cells, bool two) {
  Sessions out;
  std::set<std::string> whole_days;
  for (const auto& [column, value] : homeroom_cells) {
    if (value.empty()) continue;
    auto col = Column::parse(column);
    if (col && col->kind == Column::Kind::kAttendance && !col->session) whole_days.insert(col->date);
  }
  for (const auto& [column, value] : homeroom_cells) {
    if (value != "P" && value != "K") continue;
    auto col = Column::parse(column);
    if (!col || col->kind != Column::Kind::kAttendance) continue;
    int n = 1;
    if (!col->session) n = two ? 2 : 1;
    else if (whole_days.contains(col->date)) n = 0;
    (value == "P" ? out.excused : out.unexcused) += n;
  }
  return out;
}

}  // namespace sodiem::attendance
