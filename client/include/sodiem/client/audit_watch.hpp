// AuditWatch: the device's side of the audit trail's transparency. It keeps
// every tree head the server showed it (signed with the server's audit key,
// pinned at the first sync) and checks each new head against the newest one
// kept: a head that does not provably extend it means the trail was
// rewritten, and the device says so — to its user and to the server — at
// every sync from then on (it never replaces the head it can no longer
// reconcile). Works on LocalStore's database; used by SyncEngine; not
// thread-safe.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "sodiem/protocol/messages.hpp"
#include "sodiem/sqlite/db.hpp"

namespace sodiem::client {

struct KeptHead {
  std::string epoch;
  std::uint64_t size = 0;
  std::string root, signature;
};

class AuditWatch {
 public:
  explicit AuditWatch(sqlite::Db& db) : db_(db) {}

  // What to ask the server for: a proof from the newest kept head.
  protocol::AuditRequest request();

  struct Verdict {
    enum Kind { kExtends, kAskAgain, kRewritten } kind = kExtends;
    protocol::AuditRequest again;  // kAskAgain: from an older kept head
    protocol::AuditAlarm alarm;    // kRewritten: for the server
    std::string message;           // kRewritten: for the user (Vietnamese)
  };
  // Checks a shown head against the kept head `asked` was about; keeps the
  // shown head when it extends it.
  Verdict check(const protocol::AuditRequest& asked, const protocol::AuditHead& shown);

  // The last alarm raised on this device ("" = none).
  std::string alarm();

 private:
  std::optional<KeptHead> kept(const std::string& epoch, std::uint64_t size);
  std::optional<KeptHead> newest_kept(const std::string& epoch, std::uint64_t at_most);
  void keep(const protocol::AuditHead& head);
  Verdict rewritten(const std::optional<KeptHead>& kept, const protocol::AuditHead& shown, std::string why);
  std::string meta(const std::string& key);
  void set_meta(const std::string& key, const std::string& value);

  sqlite::Db& db_;
};

}  // namespace sodiem::client
