// The `sodiem` commands, callable from main and from end-to-end tests. Each
// prints its result on stdout and errors on stderr, and returns the exit code.
#pragma once
#include <string>

#include "sodiem/client/sync_engine.hpp"

namespace sodiem::client {

int cmd_enroll(const std::string& dir, const std::string& server, const std::string& user,
               const std::string& password, const std::string& fingerprint, const std::string& device_name,
               const std::string& new_password = "");
int cmd_set(const std::string& dir, const std::string& class_name, const std::string& subject,
            const std::string& student, const std::string& column, const std::string& value);
int cmd_sync(const std::string& dir, bool json, const SyncOptions& options);
int cmd_status(const std::string& dir, bool json);
int cmd_correction_request(const std::string& dir, const std::string& class_name, const std::string& subject,
                           const std::string& student, const std::string& column, const std::string& value,
                           const std::string& reason);
int cmd_key_init(const std::string& dir, const std::string& passphrase);
int cmd_sign(const std::string& dir, const std::string& step, const std::string& class_name, const std::string& term,
             const std::string& subject, const std::string& passphrase);
int cmd_conflicts(const std::string& dir, bool json);
int cmd_resolve(const std::string& dir, const std::string& class_name, const std::string& subject,
                const std::string& student, const std::string& column, const std::string& value, const std::string& note);
int cmd_history(const std::string& dir, const protocol::CellKey& cell, bool json);
int cmd_correction_from_inbox(const std::string& dir, std::uint64_t seq, const std::string& reason);
int cmd_inbox(const std::string& dir, bool json);
int cmd_password(const std::string& dir, const std::string& current, const std::string& next);
// Correction requests as of the last sync (all for HT/PHT, one's own otherwise).
int cmd_correction_list(const std::string& dir, bool json);
// HT/PHT: approve or refuse a request; sent at once if the server is reachable.
int cmd_correction_decide(const std::string& dir, std::uint64_t id, bool approve, const std::string& comment);
// Serves the teacher's grade book in the browser until SIGTERM/SIGINT
// (client/ui/API.md); listen "" = 127.0.0.1 on a free port.
int cmd_ui(const std::string& dir, const std::string& listen, bool open_browser);
int cmd_show(const std::string& dir, const std::string& class_name, const std::string& subject, bool json);
// The class summary board of HK1, HK2 or CN as the device has it, and the
// required cells still empty before it can be signed (board_report.hpp).
int cmd_board(const std::string& dir, const std::string& class_name, const std::string& term, bool json);

}  // namespace sodiem::client
