// Transfers between schools (chuyển trường), issue 15. transfer_out writes a
// packet — the student's record of this school year as machine-readable
// JSON ("sodiem-transfer/1": the student, and every non-empty cell of theirs
// in their class: subject, column, value), signed with this server's audit
// key — and marks the student "Chuyển trường" (they leave the roster; the
// class's records keep them), in one audited transaction. transfer_in
// reads such a packet without trusting it (size, depth, UTF-8, every value
// through the same rules as a teacher's entry), checks its signature, and
// admits the student into a class of this school with their marks as
// server-written versions ("từ hồ sơ chuyển trường: Trường X"), vouched for
// by a "transfer_in" audit entry; only a packet of the current school year
// is admitted (an earlier year's marks stay in the sending school's
// records). The signing key's fingerprint is printed for the receiving
// school to confirm with the sending one. CLI (`sodiem-server transfer`);
// not thread-safe.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sodiem/core/clock.hpp"
#include "sodiem/core/status.hpp"
#include "sodiem/server/transfer_packet.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

struct TransferOutReport {
  std::string path, digest;  // the packet file and its SHA-256
  int cells = 0;
};
Result<TransferOutReport> transfer_out(store::Db& db, const std::string& data_dir, const std::string& student,
                                       const std::string& to_school, const std::string& out_path, const Clock& clock,
                                       const std::string& by);

struct TransferInReport {
  std::string student, class_name, from_school, fingerprint;
  std::vector<std::uint64_t> versions;
  std::vector<std::string> left_behind;  // cells of subjects the class does not have, or values refused, with why
};
Result<TransferInReport> transfer_in(store::Db& db, const std::string& packet_path, const std::string& class_name,
                                     const Clock& clock, const std::string& by);

}  // namespace sodiem::server
