// The school calendar attendance follows (protocol::SchoolCalendar): the
// current school year's first and last day, whether the school teaches on
// Sundays (meta "sundays"), and the classes taught in two sessions a day
// (classes.sessions_per_day). Read by Directory (rosters, ingest) and the
// confirmations (the board counts sessions); changed by the `calendar`
// command (HT, or ADMIN for the HT), each change audited and sent to the
// devices with the roster.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "sodiem/core/status.hpp"
#include "sodiem/protocol/messages.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

protocol::SchoolCalendar load_calendar(store::Db& db);

// Whether the school teaches on Sundays (attendance may then be kept then).
[[nodiscard]] Status set_sundays(store::Db& db, bool sundays, const std::string& by, std::int64_t now);

// Sessions a day (1 or 2) of one class, or of every class of a grade.
[[nodiscard]] Status set_sessions_per_day(store::Db& db, const std::string& class_name, std::optional<int> grade,
                                          int sessions, const std::string& by, std::int64_t now);

}  // namespace sodiem::server
