// Loads the demo school of INTERFACES.md into an initialised database and
// returns the accounts it created (with their generated passwords) as the
// JSON of demo-accounts.json. Deterministic names, random passwords.
#pragma once
#include <string>

#include "sodiem/core/clock.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

// Returns the "accounts" array as JSON text.
std::string load_demo_school(store::Db& db, const Clock& clock);

}  // namespace sodiem::server
