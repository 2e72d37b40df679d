// The end-of-term confirmation chain with digital signatures: subject
// teachers confirm each subject of a class, then the homeroom teacher the
// class, a vice principal reviews, the principal approves. Each step is an
// Ed25519 signature over the canonical document of exactly the data it
// covers, rebuilt here from the authoritative cells and compared. Approved
// data is read-only until the principal unapproves with a reason. Runs inside
// the caller's transaction (ingest) or its own (CLI); not thread-safe.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sodiem/core/status.hpp"
#include "sodiem/protocol/messages.hpp"
#include "sodiem/server/directory.hpp"
#include "sodiem/store/db.hpp"

namespace sodiem::server {

// The canonical document of a step as the server's data stands now.
// subject_id < 0: the whole class.
std::string server_document(store::Db& db, std::int64_t class_id, std::int64_t subject_id, const std::string& term,
                            const std::string& step);

// A step's active signature of a class and term (subject_id < 0: a
// class-level step) as it stands: none, one still covering the server's
// data (kValid), or one over data changed since it was signed (kStale). The
// one rule of "this step is done": signing the next step needs kValid, and
// the console's approval queue shows the same.
struct StepSignature {
  enum class State { kMissing, kValid, kStale } state = State::kMissing;
  std::string signer, digest;  // signer: the username
  std::int64_t signed_at = 0;
};
StepSignature step_signature(store::Db& db, std::int64_t class_id, std::int64_t subject_id, const std::string& term,
                             const std::string& step);

// The subjects whose subject step the class step needs: those taught in the
// class (a teaching assignment), by id.
std::vector<std::pair<std::int64_t, std::string>> subjects_to_confirm(store::Db& db, std::int64_t class_id);

// Handles an op of kind kRegisterKey / kConfirm; returns a Status whose code
// is the op's outcome (kOk with a message on success).
Status register_key(store::Db& db, const UserAccess& user, std::int64_t device_id, const protocol::Op& op,
                    std::int64_t now);
Status confirm_step(store::Db& db, const Directory& directory, const UserAccess& user, const protocol::Op& op,
                    std::int64_t now);

// HT only; audited.
Status unapprove(store::Db& db, const std::string& class_name, const std::string& term, const std::string& by,
                 const std::string& reason, std::int64_t now);

// The approved records of a class and term with every signature, as one file;
// verify_export() checks it offline (documents, digests, signatures, seal).
Status export_signed(store::Db& db, const std::string& class_name, const std::string& term, const std::string& path);
Status verify_export(const std::string& path, std::string& summary);

}  // namespace sodiem::server
