// The Khóa sổ page's entry windows (thời gian nhập điểm): each term of the
// current school year with the dates its entry opens and closes, shown with
// the locks (api_locks), and set as `sodiem-server term set` sets them —
// set_entry_window (locks.hpp), which checks the actor's authority itself
// (the principal, or an administrator on the principal's decision) and
// writes the same `entry_window_set` audit entry with the console user as
// actor. The page's role check comes first. Console thread only.
#include "console_impl.hpp"
#include "sodiem/core/clock.hpp"
#include "sodiem/server/locks.hpp"

namespace sodiem::server::console {

nlohmann::json entry_windows_json(store::Db& db) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& w : entry_windows(db))
    out.push_back({{"term", w.term}, {"starts_on", w.starts_on}, {"ends_on", w.ends_on}, {"opens", w.opens},
                   {"closes", w.closes}});
  return out;
}

Response api_entry_window(Console::Impl& c, const Actor& a, const Request& req) {
  if (!manages_locks(a.user)) return error_response(403, "FORBIDDEN", kLocksOnly);
  auto body = body_object(req);
  if (!body) return status_response(body.status());
  std::string fields[3];
  const char* keys[3] = {"term", "opens", "closes"};
  for (int i = 0; i < 3; ++i) {
    auto v = text_field(*body, keys[i], protocol::TextKind::kName, 16, true);
    if (!v) return status_response(v.status());
    fields[i] = *v;
  }
  // The dates as the principal typed them (dd/mm/yyyy or yyyy-mm-dd), as
  // set_entry_window takes them (yyyy-mm-dd).
  for (int i = 1; i < 3; ++i) {
    auto date = typed_date(fields[i]);
    if (!date)
      return error_response(400, "INVALID_VALUE", std::string(i == 1 ? "ngày mở" : "ngày đóng") + " \"" + fields[i] +
                                                      "\" không hợp lệ: ghi " + std::string(kTypedDateFormats));
    fields[i] = *date;
  }
  if (auto st = set_entry_window(*c.db, fields[0], fields[1], fields[2], a.user.username, c.clock.now_unix_seconds()); !st)
    return status_response(st);
  // Said as `term set` says it (dates as principals read them).
  return json_response({{"ok", true},
                        {"terms", entry_windows_json(*c.db)},
                        {"message", entry_window_text(fields[0], fields[1], fields[2])}});
}

}  // namespace sodiem::server::console
