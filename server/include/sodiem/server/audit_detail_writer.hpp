// PushAuditWriter: writes the detail of a push's audit entry, in the shape
// read_audit_detail (audit_detail.hpp) reads back. Used by Ingestor::apply
// (ingest.cpp), one per push, on the DB worker; not thread-safe.
//
// The detail is {"batch": N, "ops": [...], "runs": [...]}, JSON written
// straight into strings (a JSON tree per op cost a tenth of the ingest time).
// An op with an outcome (refused, conflicting, unchanged, a decision) is a
// row [seq, code, version, class, subject, student, column, value] of "ops".
// Accepted ops, most of a push, are runs of consecutive seqs and versions in
// one class and subject, [class, subject, first seq, first version,
// [[student, column, value], …]] in "runs": half the bytes of a row each
// (writing the audit had cost a sixth of the ingest time).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "sodiem/protocol/messages.hpp"

namespace sodiem::server {

class PushAuditWriter {
 public:
  // `ops`: how many ops the push has (room is made for them).
  explicit PushAuditWriter(std::size_t ops);

  // An accepted op that became `version`, with `value` as stored. The op
  // must stay alive until the next call (its class and subject are kept).
  void accepted(const protocol::Op& op, std::uint64_t version, const std::string& value);
  // An op with an outcome `code`: the version it is about (0 = none) and
  // the value as stored; `audit verify` checks OK rows against the log.
  void outcome(const protocol::Op& op, protocol::ErrorCode code, std::uint64_t version, const std::string& value);

  // Whether no op was written.
  bool empty() const { return ops_.empty() && runs_.empty(); }
  // The detail of the push `batch_id`; the writer is spent.
  std::string detail(std::uint64_t batch_id);

 private:
  std::string ops_, runs_;
  // The open run: its class and subject (the op's strings), the seq and
  // version that would continue it.
  const std::string* run_class_ = nullptr;
  const std::string* run_subject_ = nullptr;
  std::uint64_t next_seq_ = 0, next_version_ = 0;
};

}  // namespace sodiem::server
