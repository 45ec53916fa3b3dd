#include "agent/operation_runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/sandbox/supervisor.h"
#include "base/unique_fd.h"

extern char** environ;

namespace mig::agent {
OperationOutcome RunOperation(const OperationRequest& request) {
  OperationOutcome outcome;
  absl::Time start = absl::Now();
  absl::Duration budget = request.deadline - start;
  if (budget <= absl::ZeroDuration()) {
    outcome.kind = OperationOutcome::Kind::kTimedOut;
    outcome.failure = "not started: the deadline had passed";
    return outcome;
  }
  absl::Duration child_timeout = std::max(budget - sandbox::kStopGrace, budget / 2);
  int stdin_pipe[2], stdout_pipe[2], stderr_pipe[2];
  if (pipe2(stdin_pipe, O_CLOEXEC) != 0) return {.failure = absl::StrCat("cannot create pipes: ", strerror(errno))};
  UniqueFd child_in(stdin_pipe[0]), in(stdin_pipe[1]);
  if (pipe2(stdout_pipe, O_CLOEXEC) != 0) return {.failure = absl::StrCat("cannot create pipes: ", strerror(errno))};
  UniqueFd out(stdout_pipe[0]), child_out(stdout_pipe[1]);
  if (pipe2(stderr_pipe, O_CLOEXEC) != 0) return {.failure = absl::StrCat("cannot create pipes: ", strerror(errno))};
  UniqueFd err(stderr_pipe[0]), child_err(stderr_pipe[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, child_in.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, child_out.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, child_err.get(), 2);
  std::string timeout = absl::StrCat(absl::ToInt64Milliseconds(child_timeout), "ms");
  std::vector<std::string> args = {request.binary, "module-run", request.module, "--timeout", timeout};
  if (request.sandbox) {
    args.push_back("--memory-limit");
    args.push_back(absl::StrCat(request.memory_limit_bytes));
  } else {
    args.push_back("--no-sandbox");
  }
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int spawned = posix_spawn(&pid, request.binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  child_in.reset();
  child_out.reset();
  child_err.reset();
  if (spawned != 0) {
    outcome.failure = absl::StrCat("cannot run ", request.binary, ": ", strerror(spawned));
    return outcome;
  }
  sandbox::ChildOutcome child = sandbox::Supervise(
      {.pid = pid, .input = std::move(in), .result = std::move(out), .output = std::move(err)}, request.parameters_json,
      {.deadline = request.deadline,
       .started = start,
       .max_result_bytes = request.max_result_bytes,
       .cpu_percent = request.cpu_percent});
  outcome.kind = child.kind;
  outcome.result_json = std::move(child.result);
  if (!child.ok()) outcome.failure = absl::StrCat("module ", request.module, " ", child.failure);
  outcome.elapsed = child.elapsed;
  outcome.cpu_time = child.cpu_time;
  return outcome;
}

}  // namespace mig::agent
