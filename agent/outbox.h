// Results the agent produced and has not yet seen the broker confirm, kept on disk: one file per message,
// written atomically (fsync, rename, fsync of the directory) before the agent tries to send it and
// removed only once the broker confirmed it. After a broker outage or a crash, what is here is sent again,
// oldest first; the scheduler records a result once, so a second copy changes nothing.
//
//   MIG_ASSIGN_OR_RETURN(Outbox outbox, Outbox::Open("/var/lib/mig/outbox"));
//   MIG_ASSIGN_OR_RETURN(std::string id, outbox.Put("web1.results", json));
//   for (const Outbox::Message& m : *outbox.Pending()) if (Publish(m).ok()) outbox.Remove(m.id);
#ifndef MIG_AGENT_OUTBOX_H_
#define MIG_AGENT_OUTBOX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mig::agent {

class Outbox {
 public:
  struct Message {
    std::string id;  // the file's name: a sequence number, so that names sort in the order of Put
    std::string routing_key;
    std::string body;
  };

  // Opens (creating it, mode 0700) the directory. Temporary files left by a crash are removed.
  static absl::StatusOr<Outbox> Open(std::string directory, size_t max_messages = 100'000);

  // Stores a message durably. Fails rather than drop anything when the outbox is full.
  absl::StatusOr<std::string> Put(std::string_view routing_key, std::string_view body);
  // Every stored message, oldest first.
  absl::StatusOr<std::vector<Message>> Pending() const;
  absl::Status Remove(const std::string& id);
  size_t size() const { return count_; }

 private:
  Outbox(std::string directory, size_t max_messages) : directory_(std::move(directory)), max_messages_(max_messages) {}
  std::string directory_;
  size_t max_messages_;
  uint64_t next_sequence_ = 1;
  size_t count_ = 0;
};

}  // namespace mig::agent

#endif  // MIG_AGENT_OUTBOX_H_
