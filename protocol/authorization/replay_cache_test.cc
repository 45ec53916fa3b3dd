#include "protocol/authorization/replay_cache.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"

namespace mig::authorization {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

std::string FreshPath(const char* name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(tmp ? tmp : "/tmp", "/", name, "-", getpid());
  unlink(path.c_str());
  return path;
}

TEST_CASE("Recorded ids survive a restart until they expire") {
  std::string path = FreshPath("replay");
  {
    auto cache = ReplayCache::Open(path, 100, kNow);
    REQUIRE(cache.ok());
    REQUIRE((*cache)->Record(1, kNow + absl::Hours(1), kNow).ok());
    REQUIRE((*cache)->Record(2, kNow + absl::Minutes(1), kNow).ok());
    CHECK((*cache)->Contains(1));
    CHECK(absl::IsAlreadyExists((*cache)->Record(1, kNow + absl::Hours(1), kNow)));
  }
  auto later = ReplayCache::Open(path, 100, kNow + absl::Minutes(30));
  REQUIRE(later.ok());
  CHECK((*later)->Contains(1));
  CHECK_FALSE((*later)->Contains(2));  // expired: it could not be accepted anyway
  CHECK((*later)->size() == 1);
}

TEST_CASE("A full cache refuses to record rather than forget") {
  std::string path = FreshPath("replay-full");
  auto cache = ReplayCache::Open(path, 3, kNow);
  REQUIRE(cache.ok());
  for (uint64_t id = 1; id <= 3; ++id) REQUIRE((*cache)->Record(id, kNow + absl::Hours(1), kNow).ok());
  absl::Status full = (*cache)->Record(4, kNow + absl::Hours(1), kNow);
  CHECK(absl::IsResourceExhausted(full));
  // Once entries expire there is room again.
  CHECK((*cache)->Record(4, kNow + absl::Hours(3), kNow + absl::Hours(2)).ok());
}

TEST_CASE("A damaged cache file stops the agent; a line cut short by a crash does not") {
  std::string path = FreshPath("replay-damaged");
  std::ofstream(path) << "1 1900000000\n2 19000";
  auto cut = ReplayCache::Open(path, 100, kNow);
  REQUIRE(cut.ok());
  CHECK((*cut)->Contains(1));
  CHECK_FALSE((*cut)->Contains(2));
  cut->reset();
  std::ofstream(path) << "1 1900000000\ngarbage here\n";
  auto damaged = ReplayCache::Open(path, 100, kNow);
  REQUIRE_FALSE(damaged.ok());
  CHECK_THAT(std::string(damaged.status().message()), Catch::Contains(":2: damaged replay cache line"));
}

TEST_CASE("The file is compacted as it grows") {
  std::string path = FreshPath("replay-compact");
  auto cache = ReplayCache::Open(path, 100000, kNow);
  REQUIRE(cache.ok());
  for (uint64_t id = 1; id <= 500; ++id) {
    REQUIRE((*cache)->Record(id, kNow + absl::Seconds(id), kNow + absl::Seconds(id - 1)).ok());
  }
  std::ifstream in(path);
  size_t lines = 0;
  std::string line;
  while (std::getline(in, line)) ++lines;
  CHECK(lines < 200);
}

}  // namespace
}  // namespace mig::authorization
