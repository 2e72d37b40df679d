// sodiem-server lock, exception, grace and term set: lock periods, narrow
// expiring unlocks, the offline grace window after a lock, and the terms'
// entry windows. Registered by main.cpp (see commands.hpp).
#include <iostream>
#include <nlohmann/json.hpp>

#include "sodiem/core/clock.hpp"
#include "sodiem/server/locks.hpp"
#include "support.hpp"

namespace sodiem::server::cli {
namespace {

struct LockOptions {
  std::string action, dir, term, class_name, subject, column, kind, from, until, reason;
  ActorOptions actor;
  int grade = 0;
  std::int64_t id = 0;
  bool json = false, all = false;
};

int run_lock(const LockOptions& a) {
  auto db = open_existing(a.dir);
  const auto now = SystemClock::instance().now_unix_seconds();
  if (a.action == "set" || a.action == "remove") {
    auto by = authenticate(*db, a.dir, a.actor, "lock " + a.action);
    if (!by) return fail_status(by.status());
    if (a.action == "remove") {
      if (auto st = remove_lock(*db, a.id, *by, a.reason, now); !st) return fail_status(st);
      std::cout << "Đã mở khóa #" << a.id << "\n";
      return 0;
    }
    Lock l;
    l.term = a.term;
    if (a.grade) l.grade = a.grade;
    l.class_name = a.class_name;
    l.subject = a.subject;
    canonical_class(*db, l.class_name);
    canonical_subject(*db, l.subject);
    l.column_kind = a.column;
    l.kind = a.kind == "entry-closed" ? "entry_closed" : a.kind;
    auto from = time_arg(a.from, "--from");
    if (!from) return 2;
    l.starts_at = *from;
    if (!a.until.empty()) {
      auto until = time_arg(a.until, "--until");
      if (!until) return 2;
      l.ends_at = *until;
    }
    l.reason = a.reason;
    l.set_by = *by;
    auto id = add_lock(*db, l, now);
    if (!id) return fail_status(id.status());
    std::cout << "Đã đặt khóa #" << *id << "\n";
    return 0;
  }
  auto locks = list_locks(*db, a.all);
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& l : locks)
      out.push_back({{"id", l.id}, {"term", l.term}, {"grade", l.grade ? nlohmann::json(*l.grade) : nullptr},
                     {"class", l.class_name}, {"subject", l.subject}, {"column_kind", l.column_kind}, {"kind", l.kind},
                     {"from", format_local_time(l.starts_at)}, {"until", l.ends_at ? format_local_time(l.ends_at) : ""},
                     {"reason", l.reason}, {"set_by", l.set_by}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (locks.empty()) std::cout << "Không có khóa nào.\n";
  for (const auto& l : locks)
    std::cout << "#" << l.id << "  " << (l.kind == "frozen" ? "KHÓA HẲN" : "HẾT HẠN NHẬP") << "  "
              << (l.term.empty() ? "cả năm" : l.term) << (l.grade ? " khối " + std::to_string(*l.grade) : "")
              << (l.class_name.empty() ? "" : " lớp " + l.class_name) << (l.subject.empty() ? "" : " môn " + l.subject)
              << (l.column_kind.empty() ? "" : " cột " + l.column_kind) << "  từ " << format_local_time(l.starts_at)
              << (l.ends_at ? " đến " + format_local_time(l.ends_at) : "") << "  do " << l.set_by << ": " << l.reason
              << "\n";
  return 0;
}

struct ExceptionOptions {
  std::string action, dir, user, class_name, subject, column, until, reason;
  ActorOptions actor;
  std::int64_t id = 0;
  bool json = false;
};

int run_exception(const ExceptionOptions& a) {
  auto db = open_existing(a.dir);
  const auto now = SystemClock::instance().now_unix_seconds();
  if (a.action == "add" || a.action == "remove") {
    auto by = authenticate(*db, a.dir, a.actor, "exception " + a.action);
    if (!by) return fail_status(by.status());
    if (a.action == "remove") {
      if (auto st = remove_exception(*db, a.id, *by, now); !st) return fail_status(st);
      std::cout << "Đã gỡ ngoại lệ #" << a.id << "\n";
      return 0;
    }
    auto until = time_arg(a.until, "--until");
    if (!until) return 2;
    LockException e;
    e.username = a.user;
    e.class_name = a.class_name;
    e.subject = a.subject;
    canonical_class(*db, e.class_name);
    canonical_subject(*db, e.subject);
    e.column = a.column;
    e.expires_at = *until;
    e.reason = a.reason;
    e.created_by = *by;
    auto id = add_exception(*db, e, now);
    if (!id) return fail_status(id.status());
    std::cout << "Đã mở ngoại lệ #" << *id << " đến " << format_local_time(e.expires_at) << "\n";
    return 0;
  }
  auto list = list_exceptions(*db, now);
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : list)
      out.push_back({{"id", e.id}, {"user", e.username}, {"class", e.class_name}, {"subject", e.subject},
                     {"column", e.column}, {"until", format_local_time(e.expires_at)}, {"reason", e.reason},
                     {"by", e.created_by}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (list.empty()) std::cout << "Không có ngoại lệ nào.\n";
  for (const auto& e : list)
    std::cout << "#" << e.id << "  " << (e.username.empty() ? "mọi giáo viên" : e.username)
              << (e.class_name.empty() ? "" : " lớp " + e.class_name) << (e.subject.empty() ? "" : " môn " + e.subject)
              << (e.column.empty() ? "" : " cột " + e.column) << "  đến " << format_local_time(e.expires_at) << "  do "
              << e.created_by << ": " << e.reason << "\n";
  return 0;
}

struct GraceOptions {
  std::string dir;
  ActorOptions actor;
  int hours = -1;  // < 0: only show the current value
};

// Shows the offline grace window; with hours >= 0 sets it first.
int run_grace(const GraceOptions& o) {
  auto db = open_existing(o.dir);
  if (o.hours >= 0) {
    auto by = authenticate(*db, o.dir, o.actor, "grace");
    if (!by) return fail_status(by.status());
    if (auto st = set_offline_grace_hours(*db, o.hours, *by, SystemClock::instance().now_unix_seconds()); !st)
      return fail_status(st);
  }
  std::cout << "Thời gian ân hạn cho điểm nhập ngoại tuyến trước khi khóa: " << offline_grace_hours(*db) << " giờ\n";
  return 0;
}

struct TermSetOptions {
  std::string dir, term, opens, closes;
  ActorOptions actor;
};

int run_term_set(const TermSetOptions& o) {
  auto db = open_existing(o.dir);
  auto by = authenticate(*db, o.dir, o.actor, "term set");
  if (!by) return fail_status(by.status());
  if (auto st = set_entry_window(*db, o.term, o.opens, o.closes, *by, SystemClock::instance().now_unix_seconds()); !st)
    return fail_status(st);
  std::cout << entry_window_text(o.term, o.opens, o.closes) << "\n";
  return 0;
}

struct TermListOptions {
  std::string dir;
  bool json = false;
};

// The current year's terms and their entry windows (read-only, no actor).
int run_term_list(const TermListOptions& o) {
  auto db = open_existing(o.dir);
  const auto windows = entry_windows(*db);
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& w : windows)
      out.push_back({{"term", w.term}, {"starts_on", w.starts_on}, {"ends_on", w.ends_on}, {"opens", w.opens},
                     {"closes", w.closes}});
    std::cout << out.dump() << "\n";
    return 0;
  }
  if (windows.empty()) {
    std::cout << "Chưa có năm học hiện tại (sodiem-server setup hoặc year new)\n";
    return 0;
  }
  for (const auto& w : windows)
    std::cout << w.term << ": học từ " << w.starts_on << " đến " << w.ends_on << "; nhập điểm từ " << w.opens
              << " đến hết " << w.closes << "\n";
  return 0;
}

}  // namespace

void add_lock_command(CLI::App& app, Context& ctx) {
  auto [lock, o] = add_command(app, ctx, "lock",
                               "Khóa sổ: set (đặt) | list (xem) | remove (bỏ) (HT, hoặc ADMIN theo quyết định của HT)", run_lock);
  add_choice(*lock, "ACTION", o->action, {"set", "list", "remove"});
  lock->add_option("ID", o->id, "Số của lần khóa cần bỏ");
  add_data_option(*lock, o->dir);
  lock->add_option("--term", o->term, "HK1 | HK2 (mặc định: cả hai học kỳ)");
  lock->add_option("--grade", o->grade, "Khối");
  lock->add_option("--class", o->class_name, "Lớp");
  lock->add_option("--subject", o->subject, "Môn (\"Chủ nhiệm\" cho các ô của giáo viên chủ nhiệm)");
  lock->add_option("--column", o->column, "Loại cột: TX GK CK NX RL NXCN CC (tiểu học: KT PC NL)");
  lock->add_option("--kind", o->kind, "entry-closed (hết hạn nhập) | frozen (khóa hẳn)");
  lock->add_option("--from", o->from, "Bắt đầu lúc YYYY-MM-DD[THH:MM] giờ Việt Nam (mặc định: ngay bây giờ)");
  lock->add_option("--until", o->until, "Kết thúc (mặc định: đến khi bỏ)");
  lock->add_option("--reason", o->reason, "Lý do");
  add_actor_options(*lock, o->actor, "HT (hoặc ADMIN thay HT)");
  lock->add_flag("--json", o->json, "In kết quả dạng JSON (cho máy đọc)");
  lock->add_flag("--all", o->all, "Xem cả các lần khóa đã bỏ");
}

void add_exception_command(CLI::App& app, Context& ctx) {
  auto [exc, o] = add_command(app, ctx, "exception", "Mở khóa ngoại lệ có thời hạn, cho đúng một phạm vi nhỏ: add (thêm) | list (xem) | remove (bỏ)", run_exception);
  add_choice(*exc, "ACTION", o->action, {"add", "list", "remove"});
  exc->add_option("ID", o->id, "Số của ngoại lệ cần bỏ");
  add_data_option(*exc, o->dir);
  exc->add_option("--user", o->user, "Giáo viên");
  exc->add_option("--class", o->class_name, "Lớp");
  exc->add_option("--subject", o->subject, "Môn");
  exc->add_option("--column", o->column, "Đúng một cột, ví dụ HK1.GK");
  exc->add_option("--until", o->until, "Hết hạn lúc YYYY-MM-DD[THH:MM] giờ Việt Nam");
  exc->add_option("--reason", o->reason, "Lý do");
  add_actor_options(*exc, o->actor, "HT (hoặc ADMIN)");
  exc->add_flag("--json", o->json, "In kết quả dạng JSON (cho máy đọc)");
}

void add_grace_command(CLI::App& app, Context& ctx) {
  auto [grace, o] = add_command(app, ctx, "grace",
                                "Thời gian gia hạn sau khi khóa sổ cho điểm ghi lúc không có mạng (cài đặt của trường; HT hoặc ADMIN)", run_grace);
  add_data_option(*grace, o->dir);
  grace->add_option("--hours", o->hours, "Giá trị mới, tính bằng giờ (0–720); bỏ trống thì xem giá trị hiện tại");
  add_actor_options(*grace, o->actor, "HT (hoặc ADMIN)");
}

void add_term_command(CLI::App& app, Context& ctx) {
  auto* termcmd = app.add_subcommand("term", "Thời gian nhập điểm của các học kỳ trong năm học hiện tại");
  termcmd->require_subcommand(1);
  auto [termset, o] = add_command(*termcmd, ctx, "set",
                                  "Đặt ngày mở và ngày đóng nhập điểm của một học kỳ (HT, hoặc ADMIN thay HT)", run_term_set);
  add_data_option(*termset, o->dir);
  termset->add_option("--term", o->term, "HK1 | HK2")->required();
  termset->add_option("--entry-opens", o->opens, "YYYY-MM-DD")->required();
  termset->add_option("--entry-closes", o->closes, "YYYY-MM-DD (được nhập đến hết ngày đó)")->required();
  add_actor_options(*termset, o->actor, "HT (hoặc ADMIN thay HT)");
  auto [termlist, l] = add_command(*termcmd, ctx, "list", "Xem ngày học và thời gian nhập điểm của các học kỳ", run_term_list);
  add_data_option(*termlist, l->dir);
  termlist->add_flag("--json", l->json, "In kết quả dạng JSON (cho máy đọc)");
}

}  // namespace sodiem::server::cli
