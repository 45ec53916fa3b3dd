#include "modules/file/result_cache.h"

#include "catch2/catch.hpp"

namespace mig::modules::file {
namespace {

struct stat File(uint64_t ino, int64_t size = 10, int64_t mtime = 100) {
  struct stat st = {};
  st.st_dev = 1;
  st.st_ino = ino;
  st.st_size = size;
  st.st_mtim.tv_sec = mtime;
  st.st_ctim.tv_sec = mtime;
  return st;
}

TEST_CASE("The cache answers for an unchanged inode and only for checks it saw") {
  ContentResultCache cache(100);
  uint64_t kept = 0;
  CHECK_FALSE(cache.Lookup(File(7), 0b11, &kept));
  cache.Insert(File(7), /*evaluated=*/0b011, /*kept=*/0b010);
  REQUIRE(cache.Lookup(File(7), 0b011, &kept));
  CHECK(kept == 0b010);
  REQUIRE(cache.Lookup(File(7), 0b001, &kept));
  CHECK(kept == 0);
  CHECK_FALSE(cache.Lookup(File(7), 0b111, &kept));           // check 2 never evaluated
  CHECK_FALSE(cache.Lookup(File(7, 11), 0b011, &kept));       // size changed
  CHECK_FALSE(cache.Lookup(File(7, 10, 101), 0b011, &kept));  // modified
  CHECK_FALSE(cache.Lookup(File(8), 0b011, &kept));           // another inode

  cache.Insert(File(7), 0b100, 0b100);  // more checks on the same file merge in
  REQUIRE(cache.Lookup(File(7), 0b111, &kept));
  CHECK(kept == 0b110);
  cache.Insert(File(7, 10, 200), 0b001, 0b001);  // a changed file replaces what was known
  CHECK_FALSE(cache.Lookup(File(7, 10, 200), 0b010, &kept));
  REQUIRE(cache.Lookup(File(7, 10, 200), 0b001, &kept));
  CHECK(kept == 0b001);
}

TEST_CASE("The cache stops growing at its bound") {
  ContentResultCache cache(16);
  for (uint64_t ino = 0; ino < 10000; ++ino) cache.Insert(File(ino), 1, 1);
  int remembered = 0;
  uint64_t kept;
  for (uint64_t ino = 0; ino < 10000; ++ino) remembered += cache.Lookup(File(ino), 1, &kept);
  CHECK(remembered > 0);
  CHECK(remembered <= 16 + 16);  // per-shard rounding
}

}  // namespace
}  // namespace mig::modules::file
