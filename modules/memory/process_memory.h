// Reading another process's memory without stopping it: its mappings from /proc/<pid>/maps, and their bytes
// by pread on /proc/<pid>/mem (no ptrace attach, nothing written), in bounded chunks that overlap so that a
// match straddling two chunks is still seen whole.
//
//   MIG_ASSIGN_OR_RETURN(std::vector<Mapping> mappings, ReadMappings(pid));
//   MemoryWalker walker({.chunk_size = 1 << 20, .overlap = 64 << 10});
//   WalkOutcome outcome = walker.Walk(pid, mappings, /*from_address=*/0, [&](const Window& window) {
//     return !re.Match(window.Text(), window.begin, window.end, RE2::UNANCHORED, nullptr, 0);  // false: stop
//   }, should_stop);
#ifndef MIG_MODULES_MEMORY_PROCESS_MEMORY_H_
#define MIG_MODULES_MEMORY_PROCESS_MEMORY_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace mig::modules::memory {

// One line of /proc/<pid>/maps.
struct Mapping {
  uint64_t start = 0;
  uint64_t end = 0;
  std::string permissions;  // "r-xp"
  std::string path;         // "" for anonymous memory, "[heap]", "/usr/lib/libc.so.6", "/x (deleted)"

  bool readable() const { return !permissions.empty() && permissions[0] == 'r'; }
};

absl::StatusOr<std::vector<Mapping>> ParseMaps(std::string_view maps);
// NotFound when the process is gone.
absl::StatusOr<std::vector<Mapping>> ReadMappings(pid_t pid);

// Whether a mapping's bytes are worth reading: readable, and not a kernel page ([vvar], [vsyscall]) or a
// device's memory (reading it can have effects on the device, or fail slowly).
bool IsScannable(const Mapping& mapping);

// The files a process maps other than its own executable: its loaded libraries, as MIG lists them.
std::vector<std::string> LoadedLibraries(const std::vector<Mapping>& mappings, std::string_view executable);

// The process's executable path as MIG names processes; "[comm]" (as ps shows) for a process without one,
// such as a kernel thread. NotFound when the process is gone.
absl::StatusOr<std::string> ProcessName(pid_t pid);

// A stretch of contiguous memory handed to a scan. Matches are looked for in [begin, end) of the bytes; the
// bytes around that range are context, so that ^, $ and \b see what really precedes and follows. Each
// contiguous run of scannable memory is one text: ^ matches at its start, $ at its end.
struct Window {
  const char* data = nullptr;
  size_t size = 0;
  uint64_t address = 0;  // of data[0]
  size_t begin = 0;
  size_t end = 0;
  // Bytes of this window read for the first time, [fresh_begin, end of data): each byte is fresh once.
  size_t fresh_begin = 0;

  std::string_view Text() const { return {data, size}; }
};

// Larger mappings are not read but counted as failures: they are a sanitizer's shadow memory or a
// reservation, never data, and reading them would make the kernel build page tables for terabytes of
// zero pages in the target.
inline constexpr uint64_t kMaxMappingBytes = 1ull << 40;

struct WalkOptions {
  size_t chunk_size = 1 << 20;
  // Consecutive windows share this many bytes: a match up to this long is found wherever it lies.
  size_t overlap = 64 << 10;
};

struct WalkOutcome {
  uint64_t bytes_read = 0;
  uint64_t read_failures = 0;
  std::vector<std::string> failures;  // one message per mapping that could not be read
  uint64_t regions_unmapped = 0;      // the process unmapped them while they were read: not failures
  bool process_gone = false;          // exited (or exec'd) before or while being read
  bool stopped = false;               // by the visitor, or by should_stop
  bool open_failed = false;           // /proc/<pid>/mem could not be opened; the reason is in failures
};

class MemoryWalker {
 public:
  explicit MemoryWalker(WalkOptions options);

  // Calls `visit` with windows covering every scannable mapping's bytes at or above `from_address`, in
  // address order, until it returns false or `should_stop` returns true (checked before every read). A
  // mapping that cannot be read is counted and skipped; the walk goes on with the next one.
  WalkOutcome Walk(pid_t pid, const std::vector<Mapping>& mappings, uint64_t from_address,
                   const std::function<bool(const Window&)>& visit, const std::function<bool()>& should_stop);

 private:
  WalkOptions options_;
  // Reused across processes: one context byte, the overlap, one chunk.
  std::vector<char> buffer_;
};

}  // namespace mig::modules::memory

#endif  // MIG_MODULES_MEMORY_PROCESS_MEMORY_H_
