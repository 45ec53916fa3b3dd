#include "agent/operation_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "base/sandbox/limits.h"
#include "base/sandbox/seccomp.h"

extern char** environ;

namespace mig::agent {
namespace {

// The module is asked to stop this long before the deadline, so that it returns partial results itself;
// the kill at the deadline is for modules that do not.
constexpr absl::Duration kStopMargin = absl::Seconds(2);
constexpr size_t kMaxStderrBytes = 16 << 10;

void CloseIfOpen(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// The CPU time (user + system, all threads) a process has used so far.
absl::Duration ProcessCpuTime(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ZeroDuration();
  char text[1024];
  ssize_t n = read(fd, text, sizeof(text) - 1);
  close(fd);
  if (n <= 0) return absl::ZeroDuration();
  text[n] = '\0';
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const char* p = strrchr(text, ')');
  if (p == nullptr) return absl::ZeroDuration();
  unsigned long long utime = 0, stime = 0;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) {
    return absl::ZeroDuration();
  }
  static const long ticks = sysconf(_SC_CLK_TCK);
  return absl::Seconds(static_cast<double>(utime + stime) / static_cast<double>(ticks));
}

// Holds a child to a share of a CPU by stopping it whenever it is ahead of its allowance.
class CpuThrottle {
 public:
  CpuThrottle(pid_t pid, uint64_t percent, absl::Time start) : pid_(pid), share_(percent / 100.0), start_(start) {}

  void Tick(absl::Time now) {
    absl::Duration allowed = (now - start_) * share_;
    absl::Duration used = ProcessCpuTime(pid_);
    if (!stopped_ && used > allowed + kSlack) {
      kill(pid_, SIGSTOP);
      stopped_ = true;
      ++stops_;
    } else if (stopped_ && used <= allowed) {
      kill(pid_, SIGCONT);
      stopped_ = false;
    }
  }
  int stops() const { return stops_; }

 private:
  static constexpr absl::Duration kSlack = absl::Milliseconds(20);
  pid_t pid_;
  double share_;
  absl::Time start_;
  bool stopped_ = false;
  int stops_ = 0;
};

std::string LastLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  size_t newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

}  // namespace

OperationOutcome RunOperation(const OperationRequest& request) {
  OperationOutcome outcome;
  absl::Time start = absl::Now();
  absl::Duration budget = request.deadline - start;
  if (budget <= absl::ZeroDuration()) {
    outcome.kind = OperationOutcome::Kind::kTimedOut;
    outcome.failure = "not started: the deadline had passed";
    return outcome;
  }
  absl::Duration child_timeout = std::max(budget - kStopMargin, budget / 2);
  int stdin_pipe[2], stdout_pipe[2], stderr_pipe[2];
  if (pipe2(stdin_pipe, O_CLOEXEC) != 0 || pipe2(stdout_pipe, O_CLOEXEC) != 0 || pipe2(stderr_pipe, O_CLOEXEC) != 0) {
    outcome.failure = absl::StrCat("cannot create pipes: ", strerror(errno));
    return outcome;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, stdin_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&actions, stdout_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, stderr_pipe[1], 2);
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
  close(stdin_pipe[0]);
  close(stdout_pipe[1]);
  close(stderr_pipe[1]);
  int in = stdin_pipe[1], out = stdout_pipe[0], err = stderr_pipe[0];
  if (spawned != 0) {
    CloseIfOpen(in);
    CloseIfOpen(out);
    CloseIfOpen(err);
    outcome.failure = absl::StrCat("cannot run ", request.binary, ": ", strerror(spawned));
    return outcome;
  }
  fcntl(in, F_SETFL, O_NONBLOCK);
  signal(SIGPIPE, SIG_IGN);  // a child that exits without reading its parameters must not kill the agent

  std::optional<CpuThrottle> throttle;
  if (request.cpu_percent > 0) throttle.emplace(pid, request.cpu_percent, start);
  std::string stdout_text, stderr_text;
  size_t written = 0;
  bool killed_for_time = false, killed_for_size = false;
  char buffer[64 << 10];
  while (out >= 0 || err >= 0) {
    absl::Duration left = request.deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      kill(pid, SIGKILL);
      killed_for_time = true;
      break;
    }
    std::vector<pollfd> fds;
    if (in >= 0) fds.push_back({in, POLLOUT, 0});
    if (out >= 0) fds.push_back({out, POLLIN, 0});
    if (err >= 0) fds.push_back({err, POLLIN, 0});
    int64_t wait_ms = std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, throttle ? 20 : 1000);
    int ready = poll(fds.data(), fds.size(), static_cast<int>(wait_ms));
    if (throttle) throttle->Tick(absl::Now());
    if (ready < 0 && errno != EINTR) break;
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in) {
        ssize_t n = write(in, request.parameters_json.data() + written, request.parameters_json.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        if (n < 0 && errno != EAGAIN && errno != EINTR) written = request.parameters_json.size();
        if (written == request.parameters_json.size()) CloseIfOpen(in);
        continue;
      }
      int& fd = p.fd == out ? out : err;
      ssize_t n = read(fd, buffer, sizeof(buffer));
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        CloseIfOpen(fd);
        continue;
      }
      if (p.fd == out) {
        stdout_text.append(buffer, static_cast<size_t>(n));
        if (stdout_text.size() > request.max_result_bytes) {
          kill(pid, SIGKILL);
          killed_for_size = true;
        }
      } else if (stderr_text.size() < kMaxStderrBytes) {
        stderr_text.append(buffer, static_cast<size_t>(std::min<size_t>(n, kMaxStderrBytes - stderr_text.size())));
      }
    }
    if (killed_for_size) break;
  }
  CloseIfOpen(in);
  CloseIfOpen(out);
  CloseIfOpen(err);
  int status = 0;
  struct rusage usage = {};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  outcome.elapsed = absl::Now() - start;
  outcome.cpu_time = absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
  std::string seconds = absl::FormatDuration(absl::Trunc(budget, absl::Milliseconds(1)));
  if (killed_for_time) {
    outcome.kind = OperationOutcome::Kind::kTimedOut;
    outcome.failure = absl::StrCat("module ", request.module, " timed out after ", seconds, ": killed");
  } else if (killed_for_size) {
    outcome.kind = OperationOutcome::Kind::kTooLarge;
    outcome.failure = absl::StrCat("module ", request.module, " wrote more than ", request.max_result_bytes,
                                   " bytes of result: killed, result dropped");
  } else if (WIFEXITED(status) &&
             (WEXITSTATUS(status) == sandbox::kViolationExitStatus ||
              WEXITSTATUS(status) == sandbox::kOutOfMemoryExitStatus) &&
             absl::StartsWith(LastLine(stderr_text), sandbox::kViolationPrefix)) {
    outcome.kind = OperationOutcome::Kind::kStopped;
    outcome.failure = absl::StrCat("module ", request.module, " was stopped by the ", LastLine(stderr_text));
  } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
    outcome.kind = OperationOutcome::Kind::kStopped;
    outcome.failure = absl::StrCat("module ", request.module, " was stopped by the sandbox: a forbidden system "
                                   "call made with signals blocked (fork, raise, abort ...)");
  } else if (WIFSIGNALED(status)) {
    outcome.failure = absl::StrCat("module ", request.module, " was killed by signal ", WTERMSIG(status), " (",
                                   strsignal(WTERMSIG(status)), ")");
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && stdout_text.empty()) {
    outcome.failure = absl::StrCat("module ", request.module, " exited with status ", WEXITSTATUS(status),
                                   stderr_text.empty() ? "" : ": ", LastLine(stderr_text));
  } else if (stdout_text.empty()) {
    outcome.failure = absl::StrCat("module ", request.module, " wrote no result");
  } else {
    outcome.kind = OperationOutcome::Kind::kCompleted;
    while (!stdout_text.empty() && stdout_text.back() == '\n') stdout_text.pop_back();
    outcome.result_json = std::move(stdout_text);
  }
  return outcome;
}

}  // namespace mig::agent
