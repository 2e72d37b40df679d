// Exemptions (miễn học): the HT exempts a student from a subject for a term
// or the year (Giáo dục thể chất on a doctor's certificate, a disability),
// with a reason. An exemption is the cell HKn.MIEN of that student and
// subject holding the reason, written by the server (device 0) as a new
// version, in one transaction with its audit entry; every device pulls it
// like any cell, and the shared rules read it (summary_board.hpp: the term's
// result is "Miễn", the learning level leaves the subject out, the
// student's required cells count as complete for progress and signing).
// Removing one writes "" the same way. Used by `sodiem-server exempt`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sodiem/core/status.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct ExemptionRequest {
  std::string class_name, subject, student, term;  // term HK1 | HK2 | CN (both terms)
  std::string reason;                              // "" removes the exemption
};

// The versions written (one per term). `by` must hold HT or ADMIN (applying
// the HT's decision); refused (Vietnamese) for an unknown class, subject or
// student, a subject the class's grade does not have, an approved term.
Result<std::vector<std::uint64_t>> set_exemption(store::Db& db, const ExemptionRequest& request, const std::string& by,
                                                 std::int64_t now);

}  // namespace sodiem::server
