#include "agent/outbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/files.h"
#include "protocol/messages.h"

namespace mig::agent {
namespace {

constexpr std::string_view kSuffix = ".msg";

// "<20-digit sequence>.msg": names sort in the order messages were put.
bool ParseName(std::string_view name, uint64_t* sequence) {
  if (!absl::EndsWith(name, kSuffix)) return false;
  name.remove_suffix(kSuffix.size());
  return name.size() == 20 && absl::SimpleAtoi(name, sequence);
}

absl::StatusOr<std::vector<std::string>> MessageNames(const std::string& directory, bool remove_temporary) {
  DIR* dir = opendir(directory.c_str());
  if (dir == nullptr) return absl::UnavailableError(absl::StrCat("cannot read ", directory, ": ", strerror(errno)));
  std::vector<std::string> names;
  while (struct dirent* entry = readdir(dir)) {
    std::string_view name = entry->d_name;
    uint64_t sequence = 0;
    if (ParseName(name, &sequence)) {
      names.emplace_back(name);
    } else if (remove_temporary && absl::StrContains(name, ".tmp.")) {
      unlink(absl::StrCat(directory, "/", name).c_str());  // a write a crash interrupted: never confirmed
    }
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

absl::StatusOr<Outbox> Outbox::Open(std::string directory, size_t max_messages) {
  if (mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError(absl::StrCat("cannot create ", directory, ": ", strerror(errno)));
  }
  Outbox outbox(std::move(directory), max_messages);
  absl::StatusOr<std::vector<std::string>> names = MessageNames(outbox.directory_, /*remove_temporary=*/true);
  if (!names.ok()) return names.status();
  outbox.count_ = names->size();
  if (!names->empty()) {
    uint64_t last = 0;
    ParseName(names->back(), &last);
    outbox.next_sequence_ = last + 1;
  }
  return outbox;
}

absl::StatusOr<std::string> Outbox::Put(std::string_view routing_key, std::string_view body) {
  if (count_ >= max_messages_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the outbox ", directory_, " holds ", count_, " unsent messages, its limit"));
  }
  if (routing_key.find('\n') != std::string_view::npos) {
    return absl::InvalidArgumentError("a routing key cannot hold a newline");
  }
  std::string id = absl::StrFormat("%020d%s", next_sequence_++, kSuffix);
  // First line: the routing key; the rest: the body, byte for byte.
  absl::Status written =
      WriteFileAtomically(absl::StrCat(directory_, "/", id), absl::StrCat(routing_key, "\n", body), 0600);
  if (!written.ok()) return written;
  ++count_;
  return id;
}

absl::StatusOr<std::vector<Outbox::Message>> Outbox::Pending() const {
  absl::StatusOr<std::vector<std::string>> names = MessageNames(directory_, /*remove_temporary=*/false);
  if (!names.ok()) return names.status();
  std::vector<Message> messages;
  for (const std::string& name : *names) {
    absl::StatusOr<std::string> text = ReadFileBounded(absl::StrCat(directory_, "/", name), protocol::kMaxResultBytes);
    if (!text.ok()) return text.status();
    size_t newline = text->find('\n');
    if (newline == std::string::npos) {
      return absl::DataLossError(absl::StrCat(directory_, "/", name, " has no routing key line"));
    }
    messages.push_back({.id = name, .routing_key = text->substr(0, newline), .body = text->substr(newline + 1)});
  }
  return messages;
}

absl::Status Outbox::Remove(const std::string& id) {
  uint64_t sequence = 0;
  if (!ParseName(id, &sequence)) return absl::InvalidArgumentError(absl::StrCat("'", id, "' is not an outbox message"));
  std::string path = absl::StrCat(directory_, "/", id);
  if (unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::UnavailableError(absl::StrCat("cannot remove ", path, ": ", strerror(errno)));
  }
  if (count_ > 0) --count_;
  return absl::OkStatus();
}

}  // namespace mig::agent
