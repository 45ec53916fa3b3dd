#include "modules/file/result_cache.h"

namespace mig::modules::file {
namespace {

int64_t Nanos(const struct timespec& t) { return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec; }

}  // namespace

bool ContentResultCache::Lookup(const struct stat& st, uint64_t needed, uint64_t* kept) {
  Key key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mutex);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end()) return false;
  const Value& v = it->second;
  if (v.size != st.st_size || v.mtime_ns != Nanos(st.st_mtim) || v.ctime_ns != Nanos(st.st_ctim) ||
      (v.evaluated & needed) != needed) {
    return false;
  }
  *kept = v.kept & needed;
  return true;
}

void ContentResultCache::Insert(const struct stat& st, uint64_t evaluated, uint64_t kept) {
  Key key{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mutex);
  auto it = shard.entries.find(key);
  Value fresh{st.st_size, Nanos(st.st_mtim), Nanos(st.st_ctim), evaluated, kept & evaluated};
  if (it == shard.entries.end()) {
    if (shard.entries.size() < max_entries_per_shard_) shard.entries.emplace(key, fresh);
    return;
  }
  Value& v = it->second;
  if (v.size != fresh.size || v.mtime_ns != fresh.mtime_ns || v.ctime_ns != fresh.ctime_ns) {
    v = fresh;
    return;
  }
  v.kept = (v.kept & ~evaluated) | fresh.kept;
  v.evaluated |= evaluated;
}

}  // namespace mig::modules::file
