// A cell's full story from the authoritative store: every accepted version
// (old → new), every value kept aside as a conflict, every refused attempt
// with its reason; who, when, from which device. Read-only. Its outcome codes
// in words: sodiem/core/outcome_words.hpp (shared with the client).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sodiem/core/outcome_words.hpp"
#include "sodiem/core/status.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct HistoryEvent {
  std::int64_t at = 0;        // server time it arrived
  std::int64_t recorded_at = 0;  // device time it was typed (0 if unknown)
  std::string author;
  std::string device;
  std::string outcome;  // "OK", "CONFLICT", or the refusal code
  std::string old_value;
  std::string new_value;
  std::string reason;
  std::uint64_t version = 0;
  // Orders events of the same second: by the author's op seq (2·seq), and
  // the server's decision on a correction request right after the request.
  std::int64_t order = 0;
};

Result<std::vector<HistoryEvent>> cell_history(store::Db& db, const std::string& class_name,
                                               const std::string& subject, const std::string& student,
                                               const std::string& column);

}  // namespace sodiem::server
