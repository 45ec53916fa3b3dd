// Runs one module operation in a child process of the agent's own binary (`mig module-run <module>`), the
// parameters on its stdin and the result on its stdout, as MIG's agent did: a module that crashes, hangs or
// floods its output takes down its child, never the agent. The parent enforces the wall-clock limit with
// SIGKILL, holds it to a CPU share if asked, and bounds what it reads. The child sandboxes itself
// (base/sandbox/seccomp.h): what it tried when the sandbox stopped it is reported by name.
//
//   OperationOutcome outcome = RunOperation({.binary = "/proc/self/exe", .module = "file",
//                                            .parameters_json = params, .deadline = deadline});
//   if (!outcome.ok()) report(outcome.failure);   // "timed out after 30s: killed", "exited with status 3: …"
#ifndef MIG_AGENT_OPERATION_RUNNER_H_
#define MIG_AGENT_OPERATION_RUNNER_H_

#include <string>

#include "absl/time/time.h"
#include "base/sandbox/supervisor.h"

namespace mig::agent {

struct OperationRequest {
  std::string binary;  // the mig binary to run (the agent's own: /proc/self/exe)
  std::string module;
  std::string parameters_json;
  absl::Time deadline;  // the child is told to stop a little before; at the deadline it is killed
  size_t max_result_bytes = 64 << 20;
  // The sandbox and limits of `mig module-run` (sandbox/): on unless a caller debugging a module says so.
  bool sandbox = true;
  uint64_t memory_limit_bytes = 0;  // 0: no cap
  // The child's CPU time is held to this share of one CPU (50: half a CPU, 200: two), measured every 20 ms
  // and enforced by stopping the child (SIGSTOP) until the wall clock catches up; 0: no cap.
  uint64_t cpu_percent = 0;
};

struct OperationOutcome {
  // The supervisor's kinds; kStopped: the sandbox stopped the module (a forbidden system call, the memory cap).
  using Kind = sandbox::ChildOutcome::Kind;
  Kind kind = Kind::kFailed;
  std::string result_json;  // the module's result, when completed
  std::string failure;      // why not, for people: names the limit, the exit status or the signal
  absl::Duration elapsed;
  absl::Duration cpu_time;  // the child's, user and system, all threads
  bool ok() const { return kind == Kind::kCompleted; }
};

OperationOutcome RunOperation(const OperationRequest& request);

}  // namespace mig::agent

#endif  // MIG_AGENT_OPERATION_RUNNER_H_
