// What reading a file concluded, by inode, for one run: a file reached again — through a link to it (a
// /usr tree has thousands, many to large libraries) or a hard link — is not read and hashed a second time.
// Bounded: past `max_entries` files nothing more is remembered, and reads simply happen again.
//
//   ContentResultCache cache(1 << 18);
//   uint64_t kept;
//   if (cache.Lookup(st, needed_checks, &kept)) { /* use kept */ }
//   else { /* read */ cache.Insert(st, evaluated_checks, kept); }
#ifndef MIG_MODULES_FILE_RESULT_CACHE_H_
#define MIG_MODULES_FILE_RESULT_CACHE_H_

#include <sys/stat.h>

#include <array>
#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace mig::modules::file {

class ContentResultCache {
 public:
  explicit ContentResultCache(size_t max_entries) : max_entries_per_shard_(max_entries / kShards + 1) {}

  // Checks are bits (check id < 64). Finds the file's entry if it holds results for every `needed` check
  // and the file has not changed since (size, mtime, ctime); sets *kept to the kept-bits of those checks.
  bool Lookup(const struct stat& st, uint64_t needed, uint64_t* kept);
  // Records which checks were evaluated on the file and which of them kept it.
  void Insert(const struct stat& st, uint64_t evaluated, uint64_t kept);

 private:
  static constexpr size_t kShards = 16;
  struct Key {
    uint64_t dev;
    uint64_t ino;
    friend bool operator==(const Key& a, const Key& b) { return a.dev == b.dev && a.ino == b.ino; }
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.dev, k.ino);
    }
  };
  struct Value {
    int64_t size;
    int64_t mtime_ns;
    int64_t ctime_ns;
    uint64_t evaluated;
    uint64_t kept;
  };
  struct Shard {
    absl::Mutex mutex;
    absl::flat_hash_map<Key, Value> entries ABSL_GUARDED_BY(mutex);
  };

  Shard& ShardFor(const Key& key) { return shards_[absl::HashOf(key.dev, key.ino) % kShards]; }

  size_t max_entries_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace mig::modules::file

#endif  // MIG_MODULES_FILE_RESULT_CACHE_H_
