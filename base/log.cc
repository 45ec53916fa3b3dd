#include "base/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace mig::log {
namespace {

std::atomic<int> minimum_level{static_cast<int>(Level::kInfo)};

constexpr std::string_view kNames[] = {"debug", "info", "warning", "error"};

}  // namespace

void SetLevel(Level level) { minimum_level.store(static_cast<int>(level)); }

bool ParseLevel(std::string_view name, Level* level) {
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (kNames[i] == name) {
      *level = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

void Write(Level level, std::string_view component, std::string_view message) {
  if (static_cast<int>(level) < minimum_level.load()) return;
  std::string line = absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), " ",
                                  kNames[static_cast<int>(level)], " ", component, ": ", message, "\n");
  // One write(2) per line: concurrent lines do not interleave (stderr is unbuffered, a pipe keeps
  // writes up to PIPE_BUF whole).
  size_t written = 0;
  while (written < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + written, line.size() - written);
    if (n <= 0) return;
    written += static_cast<size_t>(n);
  }
}

}  // namespace mig::log
