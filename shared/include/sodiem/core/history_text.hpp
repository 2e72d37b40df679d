// The human-readable story of a cell, as both `sodiem history` and
// `sodiem-server history` print it. Pure; thread-safe.
#pragma once
#include <string>
#include <vector>

#include "sodiem/protocol/messages.hpp"

namespace sodiem {

std::string history_text(const protocol::CellKey& cell, const std::vector<protocol::HistoryEntry>& entries);

}  // namespace sodiem
