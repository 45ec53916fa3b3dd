#include "base/sandbox/limits.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <new>

#include "absl/strings/str_cat.h"
#include "base/sandbox/seccomp.h"

namespace mig::sandbox {
namespace {

constexpr int kIoprioClassIdle = 3;
constexpr int kIoprioClassShift = 13;
constexpr int kIoprioWhoProcess = 1;

uint64_t memory_cap = 0;

// operator new failing under the cap: say so, by name, instead of an abort the parent cannot explain.
void OnOutOfMemory() {
  char text[160];
  int n = 0;
  const char* prefix = "sandbox: out of memory: the module reached its cap of ";
  while (*prefix != '\0') text[n++] = *prefix++;
  char digits[24];
  int d = 0;
  uint64_t mib = memory_cap >> 20;
  do {
    digits[d++] = static_cast<char>('0' + mib % 10);
    mib /= 10;
  } while (mib != 0);
  while (d > 0) text[n++] = digits[--d];
  for (const char* s = " MiB\n"; *s != '\0'; ++s) text[n++] = *s;
  ssize_t ignored = write(STDERR_FILENO, text, static_cast<size_t>(n));
  (void)ignored;
  _exit(kOutOfMemoryExitStatus);
}

absl::Status SetLimit(int resource, rlim_t value, const char* name) {
  struct rlimit limit = {value, value};
  if (setrlimit(resource, &limit) != 0)
    return absl::InternalError(absl::StrCat("setrlimit(", name, "): ", strerror(errno)));
  return absl::OkStatus();
}

}  // namespace

absl::Status ApplyLimits(const Limits& limits) {
  // Priorities are best effort: lowering one's own never needs a privilege, and a kernel or container that
  // refuses must not stop the module from running (the caps below are what protect the host).
  if (limits.nice > 0) {
    errno = 0;
    (void)!nice(limits.nice);
  }
  if (limits.idle_io) (void)syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, kIoprioClassIdle << kIoprioClassShift);
  if (absl::Status s = SetLimit(RLIMIT_CORE, 0, "RLIMIT_CORE"); !s.ok()) return s;
  // No RLIMIT_FSIZE: the seccomp filter already refuses every open for writing, truncation and the rest, and a
  // size limit of 0 would also stop the result going to the descriptor the module was given when that is a
  // regular file (`mig module-run file < params.json > result.json`).
  if (limits.memory_bytes > 0) {
#if defined(MIG_SANITIZERS)
    // ASan reserves terabytes of address space for its shadow: an address-space cap cannot hold there.
#else
    if (absl::Status s = SetLimit(RLIMIT_AS, limits.memory_bytes, "RLIMIT_AS"); !s.ok()) return s;
#endif
    memory_cap = limits.memory_bytes;
    std::set_new_handler(OnOutOfMemory);
  }
  return absl::OkStatus();
}

}  // namespace mig::sandbox
