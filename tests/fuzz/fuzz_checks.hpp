// What each fuzz target checks of one input: the properties the code under
// test must keep whatever the bytes (besides not crashing, which the
// sanitizers watch). Each returns "" when the input behaved, otherwise what
// went wrong. Called by the libFuzzer entry (fuzz_entry.cpp, clang build)
// and by the corpus replay test in the normal build (tests/unit).
#pragma once
#include <string>
#include <string_view>

namespace sodiem::fuzz {

// sodiem::protocol::decode and decode_via_json agree (message, code,
// error); a decoded message re-encodes to bytes that decode to it again.
std::string check_protocol_decode(std::string_view bytes);

// The value rules every op passes on the server (normalize_cell_value,
// Column, Mark) and the grading engine's JSON entry (eval_json).
std::string check_op_value(std::string_view bytes);

// The roster CSV reader and the rows' checks (students and staff): what is
// accepted is within the limits, and export → import gives it back.
std::string check_roster_csv(std::string_view bytes);

// One audit entry's detail, as verify_records reads it.
std::string check_audit_detail(std::string_view bytes);

// A spreadsheet as `import marks` and the roster import read it (xlsx_reader).
std::string check_xlsx(std::string_view bytes);

// The curriculum file of sodiem-server setup: a curriculum or named
// problems; what is accepted is within limits and its column rules hold.
std::string check_curriculum(std::string_view bytes);
// Transfer packets (server/include/sodiem/server/transfer_packet.hpp).
std::string check_transfer(std::string_view bytes);

}  // namespace sodiem::fuzz
