// Watching a confined child process to its end: the one place that feeds it its input, reads its result and
// its other output (both bounded), holds it to a CPU share, kills it at its deadline, and says what became of
// it. The agent (a `mig module-run` child) and local runs (a forked child) both go through here, so a module
// that hangs, floods or is stopped by its sandbox is reported in the same words wherever it ran.
//
//   ChildOutcome outcome = Supervise({.pid = pid, .input = std::move(in), .result = std::move(out),
//                                     .output = std::move(err)},
//                                    parameters_json, {.deadline = deadline, .max_result_bytes = 64 << 20});
//   if (!outcome.ok()) report(absl::StrCat("module file ", outcome.failure));   // "timed out after 30s: killed"
#ifndef MIG_BASE_SANDBOX_SUPERVISOR_H_
#define MIG_BASE_SANDBOX_SUPERVISOR_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "base/unique_fd.h"

namespace mig::sandbox {

// The child, started by the caller, and the parent's ends of its pipes. `input` may be invalid (nothing to
// write); `output` collects whatever the child writes besides its result (its stderr, or stdout and stderr).
struct SupervisedChild {
  pid_t pid = -1;
  UniqueFd input;
  UniqueFd result;
  UniqueFd output;
};

struct SupervisionLimits {
  // SIGKILL at the deadline: a child should have been told to stop earlier, and this is for one that did not.
  absl::Time deadline = absl::InfiniteFuture();
  // When the child's time began, for the CPU share and "timed out after 30s" (InfinitePast: now).
  absl::Time started = absl::InfinitePast();
  size_t max_result_bytes = 64 << 20;
  // Output besides the result, in all: past it the child is killed (modules print nothing; a runaway one is
  // stopped). Only the last kKeptOutputBytes are kept, for the report.
  uint64_t max_output_bytes = uint64_t{16} << 20;
  // The child's CPU time is held to this share of one CPU (50: half a CPU, 200: two), measured every 20 ms and
  // enforced by stopping the child (SIGSTOP) until the wall clock catches up; 0: no cap.
  uint64_t cpu_percent = 0;
};

inline constexpr size_t kKeptOutputBytes = 16 << 10;

// Between asking a module to stop (its deadline) and killing it: long enough to return what it found.
inline constexpr absl::Duration kStopGrace = absl::Seconds(2);

struct ChildOutcome {
  // kStopped: the sandbox stopped the child (a forbidden system call, the memory cap).
  enum class Kind { kCompleted, kTimedOut, kFailed, kTooLarge, kStopped } kind = Kind::kFailed;
  std::string result;  // when completed, without trailing newlines
  // Why not, as a predicate for the caller to give a subject ("module file " + failure): "timed out after
  // 30s: killed", "was stopped by the sandbox: forbidden system call open", "was killed by signal 11
  // (Segmentation fault)", "exited with status 4: disk on fire", "wrote no result", ...
  std::string failure;
  std::string output_tail;  // the last of what the child wrote besides its result
  absl::Duration elapsed;
  absl::Duration cpu_time;  // the child's, user and system, all threads
  bool ok() const { return kind == Kind::kCompleted; }
};

// Writes `input` to the child and closes it, reads its result and output until both end, then reaps it.
// `each_round` runs at least every 100 ms while the child runs (local runs forward Ctrl-C from it). Ignores
// SIGPIPE in this process: a child that exits without reading its input must not end the parent.
ChildOutcome Supervise(
    SupervisedChild child, std::string_view input, const SupervisionLimits& limits,
    absl::FunctionRef<void()> each_round = [] {});

}  // namespace mig::sandbox

#endif  // MIG_BASE_SANDBOX_SUPERVISOR_H_
