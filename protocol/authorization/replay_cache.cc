#include "protocol/authorization/replay_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/errno_status.h"
#include "base/files.h"
#include "base/status_macros.h"

namespace mig::authorization {
absl::StatusOr<std::unique_ptr<ReplayCache>> ReplayCache::Open(std::string path, size_t max_entries, absl::Time now) {
  std::unique_ptr<ReplayCache> cache(new ReplayCache(std::move(path), max_entries));
  // Nobody else has the cache yet; held so that the analysis sees every access to the state under its lock.
  absl::MutexLock lock(&cache->mutex_);
  const std::string& p = cache->path_;
  int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    // Lines are under 42 bytes; the file is rewritten before it holds twice the live entries plus 64.
    absl::StatusOr<std::string> read = ReadFdBounded(fd, (2 * max_entries + 128) * 42, p);
    close(fd);
    if (!read.ok()) return read.status();
    std::string& text = *read;
    // A crash may leave the last line cut short; it was never acknowledged, so it can go.
    if (!text.empty() && text.back() != '\n')
      text.erase(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
    int line_number = 0;
    for (std::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
      ++line_number;
      std::vector<std::string_view> parts = absl::StrSplit(line, ' ');
      uint64_t id;
      int64_t expiry;
      if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &id) || !absl::SimpleAtoi(parts[1], &expiry)) {
        return absl::DataLossError(absl::StrCat(p, ":", line_number, ": damaged replay cache line '", line,
                                                "'; refusing to start without knowing which actions already ran"));
      }
      int64_t& stored = cache->expiry_by_id_[id];
      stored = std::max(stored, expiry);
    }
  } else if (errno != ENOENT) {
    return ErrnoError("open", p, errno);
  }
  MIG_RETURN_IF_ERROR(cache->Rewrite(now));
  return cache;
}

ReplayCache::~ReplayCache() {
  if (fd_ >= 0) close(fd_);
}

void ReplayCache::DropExpired(absl::Time now) {
  int64_t now_seconds = absl::ToUnixSeconds(now);
  absl::erase_if(expiry_by_id_, [now_seconds](const auto& entry) { return entry.second < now_seconds; });
}

absl::Status ReplayCache::Rewrite(absl::Time now) {
  DropExpired(now);
  std::string text;
  for (const auto& [id, expiry] : expiry_by_id_) absl::StrAppend(&text, id, " ", expiry, "\n");
  MIG_RETURN_IF_ERROR(WriteFileAtomically(path_, text, 0600));
  if (fd_ >= 0) close(fd_);
  fd_ = open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) return ErrnoError("open", path_, errno);
  lines_in_file_ = expiry_by_id_.size();
  // Amortized: the next rewrite comes after as many appends as there are live ids (and at least 64), so
  // each append costs O(1) rewritten lines on average, however many ids expire in between.
  compact_at_lines_ = 2 * lines_in_file_ + 64;
  return absl::OkStatus();
}

bool ReplayCache::Contains(uint64_t id) {
  absl::MutexLock lock(&mutex_);
  return expiry_by_id_.contains(id);
}

size_t ReplayCache::size() {
  absl::MutexLock lock(&mutex_);
  return expiry_by_id_.size();
}

absl::Status ReplayCache::Record(uint64_t id, absl::Time expire_after, absl::Time now) {
  absl::MutexLock lock(&mutex_);
  if (expiry_by_id_.contains(id)) return absl::AlreadyExistsError(absl::StrCat("action ", id, " already ran"));
  if (expiry_by_id_.size() >= max_entries_) {
    DropExpired(now);
    if (expiry_by_id_.size() >= max_entries_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("the replay cache holds ", max_entries_, " unexpired actions and cannot record more"));
    }
  }
  int64_t expiry = absl::ToUnixSeconds(expire_after) + 1;
  MIG_RETURN_IF_ERROR(WriteAll(fd_, absl::StrCat(id, " ", expiry, "\n"), path_));
  if (fdatasync(fd_) != 0) return ErrnoError("fsync", path_, errno);
  expiry_by_id_[id] = expiry;
  if (++lines_in_file_ >= compact_at_lines_) return Rewrite(now);
  return absl::OkStatus();
}

}  // namespace mig::authorization
