// OutboxMark: the highest seq this device has committed to its outbox, kept
// in a small file beside client.db (`outbox.seq`) and written after every
// commit that adds ops. SQLite stops replaying a WAL at its first damaged
// frame and silently drops every later commit; comparing the mark with the
// outbox at open tells that ops once recorded are gone. Owned by LocalStore;
// not thread-safe.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace sodiem::client {

class OutboxMark {
 public:
  explicit OutboxMark(std::string path);
  ~OutboxMark();
  OutboxMark(const OutboxMark&) = delete;
  OutboxMark& operator=(const OutboxMark&) = delete;

  // The mark, or nullopt when there is none yet (a store from before marks).
  std::optional<std::uint64_t> read() const;
  // Records `seq` as committed. No fsync: the WAL commit before it is, and a
  // mark lost to a power cut is lower than the outbox, never a false alarm.
  void advance(std::uint64_t seq);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace sodiem::client
