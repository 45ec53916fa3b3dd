// The ids of actions already run, kept on disk until they expire, so that an action is never run twice
// (a relay or scheduler replaying it gets a refusal). Bounded: when full of unexpired ids it refuses to
// record more rather than forget one.
//
//   MIG_ASSIGN_OR_RETURN(auto cache, ReplayCache::Open("/var/lib/mig/replay", 100000, absl::Now()));
//   if (cache->Contains(id)) ...;
//   MIG_RETURN_IF_ERROR(cache->Record(id, expire_after, absl::Now()));
//
// The file holds one "<id> <expiry unix seconds>" line per action, appended and fsync'ed before the action
// runs; expired lines are dropped when the file is rewritten (atomically) on open and as it grows.
#ifndef MIG_PROTOCOL_AUTHORIZATION_REPLAY_CACHE_H_
#define MIG_PROTOCOL_AUTHORIZATION_REPLAY_CACHE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace mig::authorization {

class ReplayCache {
 public:
  // Opens (creating it if needed) the cache at `path`. A damaged file is an error, not an empty cache: an
  // empty cache would let old actions run again. (A last line cut short by a crash is dropped.)
  static absl::StatusOr<std::unique_ptr<ReplayCache>> Open(std::string path, size_t max_entries, absl::Time now);
  ~ReplayCache();

  bool Contains(uint64_t id);
  // Records `id` durably. Fails if the cache is full of unexpired ids or the disk refuses.
  absl::Status Record(uint64_t id, absl::Time expire_after, absl::Time now);
  size_t size();

 private:
  ReplayCache(std::string path, size_t max_entries) : path_(std::move(path)), max_entries_(max_entries) {}
  absl::Status Rewrite(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void DropExpired(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  absl::Mutex mutex_;
  const std::string path_;
  const size_t max_entries_;
  int fd_ ABSL_GUARDED_BY(mutex_) = -1;
  size_t lines_in_file_ ABSL_GUARDED_BY(mutex_) = 0;
  size_t compact_at_lines_ ABSL_GUARDED_BY(mutex_) = 64;
  absl::flat_hash_map<uint64_t, int64_t> expiry_by_id_ ABSL_GUARDED_BY(mutex_);  // unix seconds
};

}  // namespace mig::authorization

#endif  // MIG_PROTOCOL_AUTHORIZATION_REPLAY_CACHE_H_
