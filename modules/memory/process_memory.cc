#include "modules/memory/process_memory.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/files.h"

namespace mig::modules::memory {
namespace {

// Thousands of mappings is a big process; this is far beyond.
constexpr size_t kMaxMapsBytes = 64 << 20;

bool IsGone(int error) { return error == ENOENT || error == ESRCH; }

absl::Status ErrnoStatus(int error, std::string_view what) {
  std::string message = absl::StrCat(what, ": ", strerror(error));
  return IsGone(error) ? absl::NotFoundError(message) : absl::PermissionDeniedError(message);
}

absl::StatusOr<std::string> ReadProcFile(pid_t pid, std::string_view file, size_t max_bytes) {
  std::string path = absl::StrCat("/proc/", pid, "/", file);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ErrnoStatus(errno, absl::StrCat("cannot open ", path));
  absl::StatusOr<std::string> text = ReadFdBounded(fd, max_bytes, path);
  int read_error = errno;
  close(fd);
  if (!text.ok() && IsGone(read_error)) return absl::NotFoundError(text.status().message());
  return text;
}

bool ParseHex(std::string_view text, uint64_t* value) { return !text.empty() && absl::SimpleHexAtoi(text, value); }

// A read that fails because the process is exiting is not a failure of the scan: tell the two apart by
// the process's state once a read has failed.
bool HasExited(pid_t pid) {
  absl::StatusOr<std::string> stat = ReadProcFile(pid, "stat", 4096);
  if (!stat.ok()) return absl::IsNotFound(stat.status());
  size_t name_end = stat->rfind(") ");
  if (name_end == std::string::npos || name_end + 2 >= stat->size()) return false;
  char state = (*stat)[name_end + 2];
  return state == 'Z' || state == 'X' || state == 'x';
}

// Whether `address` is still in a readable mapping: a process that unmaps memory while it is read (a
// compiler, a garbage collector) makes reads fail that are no failure of the scan.
bool StillMapped(pid_t pid, uint64_t address) {
  absl::StatusOr<std::vector<Mapping>> now = ReadMappings(pid);
  if (!now.ok()) return false;
  for (const Mapping& m : *now) {
    if (m.start <= address && address < m.end) return m.readable();
  }
  return false;
}

std::string Describe(const Mapping& m) {
  std::string out = absl::StrFormat("%x-%x %s", m.start, m.end, m.permissions);
  if (!m.path.empty()) absl::StrAppend(&out, " ", m.path);
  return out;
}

}  // namespace

absl::StatusOr<std::vector<Mapping>> ParseMaps(std::string_view maps) {
  std::vector<Mapping> mappings;
  for (std::string_view line : absl::StrSplit(maps, '\n', absl::SkipEmpty())) {
    // "start-end perms offset dev inode    path", where the path may hold spaces.
    std::vector<std::string_view> fields = absl::StrSplit(line, absl::MaxSplits(' ', 5));
    auto invalid = [&] { return absl::InvalidArgumentError(absl::StrCat("unrecognised maps line '", line, "'")); };
    if (fields.size() < 5) return invalid();
    std::pair<std::string_view, std::string_view> range = absl::StrSplit(fields[0], absl::MaxSplits('-', 1));
    Mapping m;
    if (!ParseHex(range.first, &m.start) || !ParseHex(range.second, &m.end) || m.end < m.start) return invalid();
    if (fields[1].size() != 4) return invalid();
    m.permissions = std::string(fields[1]);
    if (fields.size() == 6) m.path = std::string(absl::StripLeadingAsciiWhitespace(fields[5]));
    mappings.push_back(std::move(m));
  }
  return mappings;
}

absl::StatusOr<std::vector<Mapping>> ReadMappings(pid_t pid) {
  absl::StatusOr<std::string> maps = ReadProcFile(pid, "maps", kMaxMapsBytes);
  if (!maps.ok()) return maps.status();
  return ParseMaps(*maps);
}

bool IsScannable(const Mapping& mapping) {
  if (!mapping.readable() || mapping.end <= mapping.start) return false;
  // [vvar] and its relatives are kernel pages whose reads fail or fault; [vsyscall] cannot be read.
  if (absl::StartsWith(mapping.path, "[vvar") || mapping.path == "[vsyscall]") return false;
  // Device memory (a GPU, a frame buffer, /dev/mem): reads can act on the device. /dev/zero is ordinary
  // anonymous memory and /dev/shm holds ordinary files.
  if (absl::StartsWith(mapping.path, "/dev/") && !absl::StartsWith(mapping.path, "/dev/zero") &&
      !absl::StartsWith(mapping.path, "/dev/shm/")) {
    return false;
  }
  return true;
}

std::vector<std::string> LoadedLibraries(const std::vector<Mapping>& mappings, std::string_view executable) {
  std::vector<std::string> libraries;
  for (const Mapping& m : mappings) {
    if (m.path.empty() || m.path[0] != '/' || m.path == executable || absl::StartsWith(m.path, "/dev/zero")) {
      continue;
    }
    if (std::find(libraries.begin(), libraries.end(), m.path) == libraries.end()) libraries.push_back(m.path);
  }
  return libraries;
}

absl::StatusOr<std::string> ProcessName(pid_t pid) {
  std::string link = absl::StrCat("/proc/", pid, "/exe");
  char target[PATH_MAX];
  ssize_t n = readlink(link.c_str(), target, sizeof(target));
  if (n > 0) return std::string(target, static_cast<size_t>(n));
  // No executable (a kernel thread, a process whose main thread exited): name it from its status, as ps does.
  absl::StatusOr<std::string> status = ReadProcFile(pid, "status", 1 << 20);
  if (!status.ok()) return status.status();
  for (std::string_view line : absl::StrSplit(*status, '\n')) {
    if (absl::ConsumePrefix(&line, "Name:")) return absl::StrCat("[", absl::StripAsciiWhitespace(line), "]");
  }
  return absl::NotFoundError(absl::StrCat("no name for process ", pid));
}

MemoryWalker::MemoryWalker(WalkOptions options) : options_(options) {
  options_.chunk_size = std::max<size_t>(options_.chunk_size, 1);
  // The byte held back at the end of a window is searched in the next one, so at least it must be kept.
  options_.overlap = std::max<size_t>(options_.overlap, 1);
  buffer_.resize(1 + options_.overlap + options_.chunk_size);
}

WalkOutcome MemoryWalker::Walk(pid_t pid, const std::vector<Mapping>& mappings, uint64_t from_address,
                               const std::function<bool(const Window&)>& visit,
                               const std::function<bool()>& should_stop) {
  WalkOutcome outcome;
  std::string mem_path = absl::StrCat("/proc/", pid, "/mem");
  int fd = open(mem_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (IsGone(errno)) {
      outcome.process_gone = true;
    } else {
      outcome.open_failed = true;
      outcome.failures.push_back(absl::StrCat("cannot open ", mem_path, ": ", strerror(errno)));
    }
    return outcome;
  }

  char* buffer = buffer_.data();
  size_t size = 0;  // bytes held in the buffer, contiguous from `address`
  uint64_t address = 0;
  uint64_t run_start = 0;  // where the current stretch of contiguous memory began
  bool tail_held = false;  // the last window kept its last byte out of the search, waiting for what follows

  auto emit = [&](size_t fresh_begin, bool more_follows) {
    Window window;
    window.data = buffer;
    window.size = size;
    window.address = address;
    window.begin = address == run_start ? 0 : 1;
    window.end = more_follows ? size - 1 : size;
    window.fresh_begin = fresh_begin;
    tail_held = more_follows;
    return visit(window);
  };
  // The stretch ends: the byte held back is searched now, with nothing after it.
  auto end_run = [&] {
    bool keep_going = !(tail_held && size > 0) || emit(size, false);
    size = 0;
    tail_held = false;
    return keep_going;
  };
  auto finish = [&](bool stopped) {
    outcome.stopped = stopped;
    close(fd);
    return outcome;
  };

  for (size_t i = 0; i < mappings.size(); ++i) {
    const Mapping& m = mappings[i];
    if (!IsScannable(m) || m.end <= from_address) continue;
    if (m.end - m.start > kMaxMappingBytes) {
      if (!end_run()) return finish(true);
      ++outcome.read_failures;
      outcome.failures.push_back(
          absl::StrFormat("skipped %s: larger than %d GiB", Describe(m), kMaxMappingBytes >> 30));
      continue;
    }
    uint64_t next = std::max(m.start, from_address);
    if (size > 0 && address + size != next && !end_run()) return finish(true);
    bool next_contiguous = i + 1 < mappings.size() && mappings[i + 1].start == m.end && IsScannable(mappings[i + 1]) &&
                           mappings[i + 1].end - mappings[i + 1].start <= kMaxMappingBytes;
    while (next < m.end) {
      if (should_stop()) return finish(true);
      // Keep the overlap and one byte of context before it; drop the rest.
      if (size > options_.overlap + 1) {
        size_t drop = size - (options_.overlap + 1);
        std::memmove(buffer, buffer + drop, options_.overlap + 1);
        address += drop;
        size -= drop;
      }
      if (size == 0) address = run_start = next;
      size_t want = static_cast<size_t>(std::min<uint64_t>(options_.chunk_size, m.end - next));
      ssize_t n;
      do {
        n = pread(fd, buffer + size, want, static_cast<off_t>(next));
      } while (n < 0 && errno == EINTR);
      const int read_error = errno;
      if (n == 0 || (n < 0 && IsGone(read_error))) {
        // The address space is gone: the process exited (or exec'd) while we read it.
        outcome.process_gone = true;
        return finish(!end_run());
      }
      if (n < 0 && HasExited(pid)) {
        outcome.process_gone = true;
        return finish(!end_run());
      }
      if (n < 0) {
        if (!StillMapped(pid, next)) {
          ++outcome.regions_unmapped;
          if (!end_run()) return finish(true);
          break;
        }
        ++outcome.read_failures;
        outcome.failures.push_back(
            absl::StrFormat("cannot read %s at %x: %s", Describe(m), next, strerror(read_error)));
        if (!end_run()) return finish(true);
        break;
      }
      size_t fresh_begin = size;
      size += static_cast<size_t>(n);
      next += static_cast<uint64_t>(n);
      outcome.bytes_read += static_cast<uint64_t>(n);
      if (static_cast<size_t>(n) < want) {
        // Part of the mapping cannot be read (a file mapped beyond its end, a page the kernel refuses), or
        // the process is exiting.
        if (HasExited(pid)) {
          outcome.process_gone = true;
          return finish(!emit(fresh_begin, false));
        }
        bool unmapped = !StillMapped(pid, next);
        if (!emit(fresh_begin, false)) return finish(true);
        size = 0;
        tail_held = false;
        if (unmapped) {
          ++outcome.regions_unmapped;
          break;
        }
        ++outcome.read_failures;
        outcome.failures.push_back(absl::StrFormat("cannot read %s at %x: only %d of %d bytes could be read",
                                                   Describe(m), next - static_cast<uint64_t>(n), n, want));
        break;
      }
      if (!emit(fresh_begin, next < m.end || next_contiguous)) return finish(true);
    }
    if (!next_contiguous && !end_run()) return finish(true);
  }
  return finish(!end_run());
}

}  // namespace mig::modules::memory
