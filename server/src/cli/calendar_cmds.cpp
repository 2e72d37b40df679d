// sodiem-server calendar: the school days attendance is kept on (Sundays or
// not) and the classes taught in two sessions a day (attendance per buổi).
// Registered by main.cpp (see commands.hpp); the rules are calendar.hpp's.
#include <iostream>
#include <optional>

#include "sodiem/core/attendance.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/server/calendar.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

struct CalendarOptions {
  std::string dir, sundays, class_name;
  int grade = 0, sessions = 0;
  ActorOptions actor;
};

int run_calendar(const CalendarOptions& o) {
  auto db = open_existing(o.dir);
  const bool change = !o.sundays.empty() || o.sessions != 0;
  if (change) {
    if (o.sessions == 0 && (!o.class_name.empty() || o.grade))
      return fail_status(Status(ErrorCode::kInvalidValue, "thiếu --sessions 1 hoặc 2 cho lớp/khối đã chọn"));
    auto by = authenticate(*db, o.dir, o.actor, "calendar");
    if (!by) return fail_status(by.status());
    const auto now = SystemClock::instance().now_unix_seconds();
    if (!o.sundays.empty())
      if (auto st = set_sundays(*db, o.sundays == "yes", *by, now); !st) return fail_status(st);
    if (o.sessions != 0) {
      auto grade = o.grade ? std::optional<int>(o.grade) : std::nullopt;
      std::string class_name = o.class_name;
      canonical_class(*db, class_name);
      if (auto st = set_sessions_per_day(*db, class_name, grade, o.sessions, *by, now); !st) return fail_status(st);
    }
  }
  const auto c = load_calendar(*db);
  std::cout << "Năm học: "
            << (c.first_day.empty() ? std::string("chưa đặt")
                                    : "từ " + attendance::date_vn(c.first_day) + " đến " + attendance::date_vn(c.last_day))
            << "\nHọc Chủ nhật: " << (c.sundays ? "có" : "không") << "\nLớp học 2 buổi/ngày (điểm danh theo buổi): ";
  if (c.two_session_classes.empty()) std::cout << "không có";
  for (std::size_t i = 0; i < c.two_session_classes.size(); ++i) std::cout << (i ? ", " : "") << c.two_session_classes[i];
  std::cout << "\n";
  return 0;
}

}  // namespace

void add_calendar_command(CLI::App& app, Context& ctx) {
  auto [cal, o] = add_command(app, ctx, "calendar",
                              "Lịch điểm danh: học Chủ nhật hay không, lớp học hai buổi một ngày (HT, hoặc ADMIN "
                              "thay HT); không có thay đổi thì chỉ xem",
                              run_calendar);
  add_data_option(*cal, o->dir);
  cal->add_option("--sundays", o->sundays, "yes (có) | no (không): trường có dạy vào Chủ nhật")
      ->check(CLI::IsMember({"yes", "no"}));
  cal->add_option("--class", o->class_name, "Lớp cần đặt số buổi học một ngày");
  cal->add_option("--grade", o->grade, "Hoặc mọi lớp của khối này");
  cal->add_option("--sessions", o->sessions, "Số buổi học một ngày: 1, hoặc 2 = điểm danh theo từng buổi")
      ->check(CLI::Range(1, 2));
  add_actor_options(*cal, o->actor, "HT (hoặc ADMIN thay HT)");
}

}  // namespace sodiem::server::cli
