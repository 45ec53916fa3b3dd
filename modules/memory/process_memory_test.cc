#include "modules/memory/process_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "re2/re2.h"

namespace mig::modules::memory {
namespace {

constexpr char kMaps[] =
    "55d0c8a00000-55d0c8a28000 r--p 00000000 fd:01 1835106                    /usr/bin/bash\n"
    "55d0c8a28000-55d0c8ae5000 r-xp 00028000 fd:01 1835106                    /usr/bin/bash\n"
    "55d0ca0c9000-55d0ca27b000 rw-p 00000000 00:00 0                          [heap]\n"
    "7f3a1c000000-7f3a1c021000 rw-p 00000000 00:00 0 \n"
    "7f3a1c021000-7f3a20000000 ---p 00000000 00:00 0\n"
    "7f3a20000000-7f3a20200000 r--p 00000000 fd:01 12                         /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "7f3a20200000-7f3a20210000 r--p 00000000 fd:01 12                         /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "7f3a20210000-7f3a20211000 rw-s 00000000 00:05 3                          /dev/zero (deleted)\n"
    "7f3a20211000-7f3a20212000 rw-s 00000000 00:05 3                          /dev/dri/card0\n"
    "7f3a20212000-7f3a20213000 rw-s 00000000 00:1a 7                          /dev/shm/a file with spaces\n"
    "7ffd4a1b2000-7ffd4a1d3000 rw-p 00000000 00:00 0                          [stack]\n"
    "7ffd4a1f0000-7ffd4a1f4000 r--p 00000000 00:00 0                          [vvar]\n"
    "7ffd4a1f4000-7ffd4a1f6000 r-xp 00000000 00:00 0                          [vdso]\n"
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

TEST_CASE("ParseMaps reads /proc/<pid>/maps lines, paths with spaces included") {
  absl::StatusOr<std::vector<Mapping>> mappings = ParseMaps(kMaps);
  REQUIRE(mappings.ok());
  REQUIRE(mappings->size() == 14);
  CHECK((*mappings)[0].start == 0x55d0c8a00000);
  CHECK((*mappings)[0].end == 0x55d0c8a28000);
  CHECK((*mappings)[0].permissions == "r--p");
  CHECK((*mappings)[0].path == "/usr/bin/bash");
  CHECK((*mappings)[3].path.empty());
  CHECK((*mappings)[9].path == "/dev/shm/a file with spaces");
  CHECK((*mappings)[13].start == 0xffffffffff600000);
  for (const char* bad :
       {"zz-10 r--p 0 0:0 0", "10-5 r--p 0 0:0 0", "10-20 r--p", "10 r--p 0 0:0 0 x", "10-20 rw 0 0:0 0"}) {
    INFO(bad);
    CHECK_FALSE(ParseMaps(bad).ok());
  }
}

TEST_CASE("Only ordinary readable memory is scanned") {
  std::vector<Mapping> mappings = ParseMaps(kMaps).value();
  const bool expected[] = {true, true, true, true, false, true, true, true, false, true, true, false, true, false};
  for (size_t i = 0; i < mappings.size(); ++i) {
    INFO(mappings[i].path << " " << mappings[i].permissions);
    CHECK(IsScannable(mappings[i]) == expected[i]);
  }
}

TEST_CASE("Loaded libraries are the mapped files other than the executable, once each") {
  std::vector<Mapping> mappings = ParseMaps(kMaps).value();
  CHECK(LoadedLibraries(mappings, "/usr/bin/bash") == std::vector<std::string>{"/usr/lib/x86_64-linux-gnu/libc.so.6",
                                                                               "/dev/dri/card0",
                                                                               "/dev/shm/a file with spaces"});
}

TEST_CASE("ProcessName is the executable's path; a missing process is NotFound") {
  absl::StatusOr<std::string> self = ProcessName(getpid());
  REQUIRE(self.ok());
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe));
  REQUIRE(n > 0);
  CHECK(*self == std::string(exe, n));
  // Kernel threads have no executable: they are named as ps names them. kthreadd is pid 2 outside a
  // pid namespace; inside one it may not be visible.
  absl::StatusOr<std::string> kthreadd = ProcessName(2);
  if (kthreadd.ok() && kthreadd->front() == '[') CHECK(*kthreadd == "[kthreadd]");
  absl::StatusOr<std::string> missing = ProcessName(0x3fffffff);
  REQUIRE_FALSE(missing.ok());
  CHECK(absl::IsNotFound(missing.status()));
}

// Walks this process's own memory, where the test controls what is where.
struct Walked {
  WalkOutcome outcome;
  uint64_t fresh_bytes = 0;
  bool in_order = true;
  bool windows_valid = true;
  std::set<uint64_t> hits;  // addresses where `needle` was seen in a window's search range
};

Walked WalkSelf(const std::vector<Mapping>& mappings, WalkOptions options, std::string_view needle) {
  Walked walked;
  uint64_t last_fresh_end = 0;
  MemoryWalker walker(options);
  walked.outcome = walker.Walk(
      getpid(), mappings, 0,
      [&](const Window& w) {
        walked.windows_valid = walked.windows_valid && w.begin <= w.end && w.end <= w.size && w.fresh_begin <= w.size &&
                               w.size <= 1 + options.overlap + options.chunk_size;
        if (w.fresh_begin < w.size) {
          walked.in_order = walked.in_order && w.address + w.fresh_begin >= last_fresh_end;
          last_fresh_end = w.address + w.size;
        }
        walked.fresh_bytes += w.size - w.fresh_begin;
        std::string_view range(w.data + w.begin, w.end - w.begin);
        for (size_t at = range.find(needle); at != std::string_view::npos; at = range.find(needle, at + 1)) {
          walked.hits.insert(w.address + w.begin + at);
        }
        return true;
      },
      [] { return false; });
  return walked;
}

TEST_CASE("The walker reads every byte once and sees matches across chunks only through the overlap") {
  const long page = sysconf(_SC_PAGESIZE);
  // Two pages of our own with a needle across their boundary, built in place so that no other copy of it
  // lies in the walked range.
  char* pages = static_cast<char*>(mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  REQUIRE(pages != MAP_FAILED);
  const std::string needle = "straddling-needle";
  char* at = pages + page - 5;
  for (size_t i = 0; i < needle.size(); ++i) at[i] = needle[i];
  std::vector<Mapping> only_pages = {
      {reinterpret_cast<uint64_t>(pages), reinterpret_cast<uint64_t>(pages) + 2 * page, "rw-p", ""}};

  Walked with_overlap = WalkSelf(only_pages, {.chunk_size = static_cast<size_t>(page), .overlap = 64}, needle);
  CHECK(with_overlap.windows_valid);
  CHECK(with_overlap.in_order);
  CHECK(with_overlap.outcome.bytes_read == static_cast<uint64_t>(2 * page));
  CHECK(with_overlap.fresh_bytes == with_overlap.outcome.bytes_read);
  REQUIRE(with_overlap.hits.size() == 1);
  CHECK(*with_overlap.hits.begin() == reinterpret_cast<uint64_t>(at));

  Walked without_overlap = WalkSelf(only_pages, {.chunk_size = static_cast<size_t>(page), .overlap = 1}, needle);
  CHECK(without_overlap.hits.empty());

  // A needle at the very end of the walked memory is seen, though the walker holds back each window's last
  // byte while more may follow.
  char* end = pages + 2 * page - needle.size();
  for (size_t i = 0; i < needle.size(); ++i) end[i] = needle[i];
  Walked at_end = WalkSelf(only_pages, {.chunk_size = 1000, .overlap = 64}, needle);
  CHECK(at_end.hits == std::set<uint64_t>{reinterpret_cast<uint64_t>(at), reinterpret_cast<uint64_t>(end)});
  munmap(pages, 2 * page);
}

// Whether `pattern` matches in some window's search range, seen with the window's context.
bool MatchesSomewhere(const std::vector<Mapping>& mappings, WalkOptions options, const std::string& pattern) {
  RE2 re(pattern);
  REQUIRE(re.ok());
  bool found = false;
  MemoryWalker walker(options);
  walker.Walk(
      getpid(), mappings, 0,
      [&](const Window& w) {
        found = found || re.Match(w.Text(), w.begin, w.end, RE2::UNANCHORED, nullptr, 0);
        return true;
      },
      [] { return false; });
  return found;
}

TEST_CASE("Chunk edges are invisible to regexes: ^, $ and \\b see the real neighbours") {
  const long page = sysconf(_SC_PAGESIZE);
  char* pages = static_cast<char*>(mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  REQUIRE(pages != MAP_FAILED);
  std::vector<Mapping> mappings = {
      {reinterpret_cast<uint64_t>(pages), reinterpret_cast<uint64_t>(pages) + 2 * page, "rw-p", ""}};
  auto put = [&](char* at, std::string_view text) { std::copy(text.begin(), text.end(), at); };
  put(pages, "first");                // the start of the run
  put(pages + page - 16, "middle");   // where the second window's search range starts
  put(pages + page - 6, "needleX");   // "needle" ends at the first chunk's end, X follows
  put(pages + 2 * page - 4, "last");  // the end of the run
  WalkOptions options{.chunk_size = static_cast<size_t>(page), .overlap = 16};
  struct Case {
    const char* pattern;
    bool found;
  };
  const Case cases[] = {
      {"^first", true},     {"^middle", false}, {"middle", true},   {"needle\\b", false},
      {"needleX\\b", true}, {"last$", true},    {"needle$", false}, {"\\bneedle", true},
  };
  for (const Case& c : cases) {
    INFO(c.pattern);
    CHECK(MatchesSomewhere(mappings, options, c.pattern) == c.found);
  }
  munmap(pages, 2 * page);
}

TEST_CASE("The walker covers a whole real address space, counting what it cannot read") {
  absl::StatusOr<std::vector<Mapping>> mappings = ReadMappings(getpid());
  REQUIRE(mappings.ok());
  Walked walked = WalkSelf(*mappings, {.chunk_size = 1 << 16, .overlap = 256}, "\x01\x02\x03\x04\x05\x06\x07\x08");
  CHECK(walked.windows_valid);
  CHECK(walked.in_order);
  CHECK_FALSE(walked.outcome.process_gone);
  CHECK(walked.outcome.bytes_read > 0);
  CHECK(walked.fresh_bytes == walked.outcome.bytes_read);
  CHECK(walked.outcome.read_failures == walked.outcome.failures.size());
}

TEST_CASE("Memory unmapped while it is read is no failure; memory that cannot be read is one") {
  const long page = sysconf(_SC_PAGESIZE);
  char* pages = static_cast<char*>(mmap(nullptr, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  REQUIRE(pages != MAP_FAILED);
  std::vector<Mapping> mappings = {
      {reinterpret_cast<uint64_t>(pages), reinterpret_cast<uint64_t>(pages) + 4 * page, "rw-p", ""}};
  MemoryWalker walker({.chunk_size = static_cast<size_t>(page), .overlap = 16});
  int windows = 0;
  WalkOutcome unmapped = walker.Walk(
      getpid(), mappings, 0,
      [&](const Window&) {
        if (++windows == 1) munmap(pages, 4 * page);
        return true;
      },
      [] { return false; });
  CHECK(unmapped.regions_unmapped == 1);
  CHECK(unmapped.read_failures == 0);
  CHECK(unmapped.bytes_read == static_cast<uint64_t>(page));
  CHECK_FALSE(unmapped.process_gone);

  // Pages of a file mapped past its end exist but cannot be read.
  std::string path = std::string(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp") + "/short-file";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(ftruncate(fd, page) == 0);
  char* file_pages = static_cast<char*>(mmap(nullptr, 3 * page, PROT_READ, MAP_SHARED, fd, 0));
  REQUIRE(file_pages != MAP_FAILED);
  std::vector<Mapping> file_mapping = {
      {reinterpret_cast<uint64_t>(file_pages), reinterpret_cast<uint64_t>(file_pages) + 3 * page, "r--s", path}};
  MemoryWalker big_chunks({});
  WalkOutcome failed = big_chunks.Walk(
      getpid(), file_mapping, 0, [](const Window&) { return true; }, [] { return false; });
  CHECK(failed.read_failures == 1);
  REQUIRE(failed.failures.size() == 1);
  CHECK(failed.failures[0].find(path) != std::string::npos);
  CHECK(failed.bytes_read == static_cast<uint64_t>(page));
  munmap(file_pages, 3 * page);
  close(fd);
  unlink(path.c_str());
}

TEST_CASE("Mappings of more than a terabyte are skipped and counted, never read") {
  // Never mapped in this process: reading it would fail; skipping it reads nothing.
  std::vector<Mapping> huge = {{0x100000000000, 0x100000000000 + kMaxMappingBytes + 4096, "rw-p", ""}};
  MemoryWalker walker({});
  int windows = 0;
  WalkOutcome outcome = walker.Walk(
      getpid(), huge, 0,
      [&](const Window&) {
        ++windows;
        return true;
      },
      [] { return false; });
  CHECK(windows == 0);
  CHECK(outcome.bytes_read == 0);
  CHECK(outcome.read_failures == 1);
  REQUIRE(outcome.failures.size() == 1);
  CHECK(outcome.failures[0].find("larger than 1024 GiB") != std::string::npos);
}

TEST_CASE("A process that does not exist is gone, not a failure") {
  MemoryWalker walker({});
  std::vector<Mapping> mappings = {{0x1000, 0x2000, "r--p", ""}};
  WalkOutcome outcome = walker.Walk(
      0x3fffffff, mappings, 0, [](const Window&) { return true; }, [] { return false; });
  CHECK(outcome.process_gone);
  CHECK(outcome.failures.empty());
  CHECK(absl::IsNotFound(ReadMappings(0x3fffffff).status()));
}

}  // namespace
}  // namespace mig::modules::memory
