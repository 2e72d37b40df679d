// One audit entry's detail (JSON text), read without trusting it: the grade
// versions a "push", "correction_approved", "exemption" or "student_moved" entry vouches for. Never
// throws, whatever the text; pure and thread-safe. Used by verify_records
// (records_check.cpp) and the audit fuzz target.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sodiem::server {

// A version of a cell as the audit trail recorded it.
struct AuditedVersion {
  std::int64_t version = 0;
  std::string class_name, subject, student, column, value;
};

struct AuditDetail {
  // In the order the entry names them. A push names the versions its
  // accepted ops became and those its unchanged ops found; an approval the
  // version the approved value became (0 if the entry names none).
  std::vector<AuditedVersion> versions;
  // Where reading stopped, after `versions`: the text is not JSON, or it
  // is JSON of another shape than the kind's.
  enum class Problem { kNone, kUnreadable, kMalformed } problem = Problem::kNone;
};

// `kind` is the entry's kind; any other kind than these four vouches for none.
AuditDetail read_audit_detail(std::string_view kind, std::string_view detail);

}  // namespace sodiem::server
