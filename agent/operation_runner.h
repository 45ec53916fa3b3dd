// Runs one module operation in a child process of the agent's own binary (`mig module-run <module>`), the
// parameters on its stdin and the result on its stdout, as MIG's agent did: a module that crashes, hangs or
// floods its output takes down its child, never the agent. The parent enforces the wall-clock limit with
// SIGKILL and bounds what it reads.
//
//   OperationOutcome outcome = RunOperation({.binary = "/proc/self/exe", .module = "file",
//                                            .parameters_json = params, .deadline = deadline});
//   if (!outcome.ok()) report(outcome.failure);   // "timed out after 30s: killed", "exited with status 3: …"
#ifndef MIG_AGENT_OPERATION_RUNNER_H_
#define MIG_AGENT_OPERATION_RUNNER_H_

#include <string>

#include "absl/time/time.h"

namespace mig::agent {

struct OperationRequest {
  std::string binary;  // the mig binary to run (the agent's own: /proc/self/exe)
  std::string module;
  std::string parameters_json;
  absl::Time deadline;  // the child is told to stop a little before; at the deadline it is killed
  size_t max_result_bytes = 64 << 20;
};

struct OperationOutcome {
  enum class Kind { kCompleted, kTimedOut, kFailed, kTooLarge } kind = Kind::kFailed;
  std::string result_json;  // the module's result, when completed
  std::string failure;      // why not, for people: names the limit, the exit status or the signal
  absl::Duration elapsed;
  bool ok() const { return kind == Kind::kCompleted; }
};

OperationOutcome RunOperation(const OperationRequest& request);

}  // namespace mig::agent

#endif  // MIG_AGENT_OPERATION_RUNNER_H_
