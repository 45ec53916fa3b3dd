// Resource limits a module process puts on itself before it runs: a lower CPU priority (nice), the idle
// I/O class (it reads disks only when no one else does), an address-space cap and no core dumps. (Writing
// files is the seccomp filter's to refuse: it refuses opening them for writing.) Running out of memory under
// the cap is reported, by name, like a sandbox violation.
//
//   MIG_RETURN_IF_ERROR(sandbox::ApplyLimits({.nice = 10, .idle_io = true, .memory_bytes = 2ull << 30}));
#ifndef MIG_BASE_SANDBOX_LIMITS_H_
#define MIG_BASE_SANDBOX_LIMITS_H_

#include <cstdint>

#include "absl/status/status.h"

namespace mig::sandbox {

// The exit status of a module process that reached its memory cap.
inline constexpr int kOutOfMemoryExitStatus = 98;

struct Limits {
  int nice = 10;              // added to the process's niceness; 0 leaves it
  bool idle_io = true;        // ionice -c 3
  uint64_t memory_bytes = 0;  // RLIMIT_AS; 0: no cap
};

absl::Status ApplyLimits(const Limits& limits);

}  // namespace mig::sandbox

#endif  // MIG_BASE_SANDBOX_LIMITS_H_
