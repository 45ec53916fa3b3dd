#include "base/sandbox/supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/sandbox/limits.h"
#include "base/sandbox/seccomp.h"

namespace mig::sandbox {
namespace {

// The CPU time (user + system, all threads) a process has used so far.
absl::Duration ProcessCpuTime(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return absl::ZeroDuration();
  char text[1024];
  ssize_t n = read(fd.get(), text, sizeof(text) - 1);
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
    } else if (stopped_ && used <= allowed) {
      kill(pid_, SIGCONT);
      stopped_ = false;
    }
  }

 private:
  static constexpr absl::Duration kSlack = absl::Milliseconds(20);
  pid_t pid_;
  double share_;
  absl::Time start_;
  bool stopped_ = false;
};

std::string LastLine(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  size_t newline = text.rfind('\n');
  return std::string(newline == std::string_view::npos ? text : text.substr(newline + 1));
}

// Why the child ended as it did, once its pipes are closed and it is reaped.
void Classify(int status, std::string result, ChildOutcome& outcome) {
  const std::string said = LastLine(outcome.output_tail);
  if (WIFEXITED(status) &&
      (WEXITSTATUS(status) == kViolationExitStatus || WEXITSTATUS(status) == kOutOfMemoryExitStatus) &&
      absl::StartsWith(said, kViolationPrefix)) {
    outcome.kind = ChildOutcome::Kind::kStopped;
    outcome.failure = absl::StrCat("was stopped by the ", said);
  } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
    outcome.kind = ChildOutcome::Kind::kStopped;
    outcome.failure =
        "was stopped by the sandbox: a forbidden system call made with signals blocked (fork, raise, abort ...)";
  } else if (WIFSIGNALED(status)) {
    outcome.failure = absl::StrCat("was killed by signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)), ")");
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0 && result.empty()) {
    outcome.failure = absl::StrCat("exited with status ", WEXITSTATUS(status), said.empty() ? "" : ": ", said);
  } else if (result.empty()) {
    outcome.failure = "wrote no result";
  } else {
    // An exit status with a result (a sanitizer's at exit, say) does not undo the result.
    outcome.kind = ChildOutcome::Kind::kCompleted;
    while (!result.empty() && result.back() == '\n') result.pop_back();
    outcome.result = std::move(result);
  }
}

}  // namespace

ChildOutcome Supervise(SupervisedChild child, std::string_view input, const SupervisionLimits& limits,
                       absl::FunctionRef<void()> each_round) {
  ChildOutcome outcome;
  const absl::Time start = limits.started == absl::InfinitePast() ? absl::Now() : limits.started;
  signal(SIGPIPE, SIG_IGN);
  if (child.input.valid()) fcntl(child.input.get(), F_SETFL, O_NONBLOCK);

  std::optional<CpuThrottle> throttle;
  if (limits.cpu_percent > 0) throttle.emplace(child.pid, limits.cpu_percent, start);
  std::string result;
  uint64_t output_total = 0;
  size_t written = 0;
  enum class Killed { kNo, kForTime, kForResult, kForOutput } killed = Killed::kNo;
  char buffer[64 << 10];
  while (child.result.valid() || child.output.valid()) {
    each_round();
    const absl::Time now = absl::Now();
    if (now >= limits.deadline) {
      killed = Killed::kForTime;
      break;
    }
    std::vector<pollfd> fds;
    if (child.input.valid()) fds.push_back({child.input.get(), POLLOUT, 0});
    if (child.result.valid()) fds.push_back({child.result.get(), POLLIN, 0});
    if (child.output.valid()) fds.push_back({child.output.get(), POLLIN, 0});
    int64_t wait_ms = throttle ? 20 : 100;
    if (limits.deadline != absl::InfiniteFuture()) {
      wait_ms = std::min<int64_t>(wait_ms, absl::ToInt64Milliseconds(limits.deadline - now) + 1);
    }
    int ready = poll(fds.data(), fds.size(), static_cast<int>(wait_ms));
    if (throttle) throttle->Tick(absl::Now());
    if (ready < 0 && errno != EINTR) break;
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == child.input.get()) {
        ssize_t n = write(p.fd, input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<size_t>(n);
        // A child that stops reading has said all it will about its input.
        if (n < 0 && errno != EAGAIN && errno != EINTR) written = input.size();
        if (written == input.size()) child.input.reset();
        continue;
      }
      const bool is_result = p.fd == child.result.get();
      ssize_t n = read(p.fd, buffer, sizeof(buffer));
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        (is_result ? child.result : child.output).reset();
        continue;
      }
      if (is_result) {
        result.append(buffer, static_cast<size_t>(n));
        if (result.size() > limits.max_result_bytes) killed = Killed::kForResult;
      } else {
        output_total += static_cast<uint64_t>(n);
        outcome.output_tail.append(buffer, static_cast<size_t>(n));
        if (outcome.output_tail.size() > 2 * kKeptOutputBytes) {
          outcome.output_tail.erase(0, outcome.output_tail.size() - kKeptOutputBytes);
        }
        if (output_total > limits.max_output_bytes) killed = Killed::kForOutput;
      }
    }
    if (killed != Killed::kNo) break;
  }
  if (killed != Killed::kNo) kill(child.pid, SIGKILL);
  if (throttle) kill(child.pid, SIGCONT);  // never left stopped by the throttle while it is waited for
  child = {.pid = child.pid};              // closes the pipes
  int status = 0;
  struct rusage usage = {};
  while (wait4(child.pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  outcome.elapsed = absl::Now() - start;
  outcome.cpu_time = absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
  if (outcome.output_tail.size() > kKeptOutputBytes) {
    outcome.output_tail.erase(0, outcome.output_tail.size() - kKeptOutputBytes);
  }
  switch (killed) {
    case Killed::kForTime:
      outcome.kind = ChildOutcome::Kind::kTimedOut;
      outcome.failure =
          absl::StrCat("timed out after ",
                       absl::FormatDuration(absl::Trunc(limits.deadline - start, absl::Milliseconds(1))), ": killed");
      break;
    case Killed::kForResult:
      outcome.kind = ChildOutcome::Kind::kTooLarge;
      outcome.failure =
          absl::StrCat("wrote more than ", limits.max_result_bytes, " bytes of result: killed, result dropped");
      break;
    case Killed::kForOutput:
      outcome.kind = ChildOutcome::Kind::kTooLarge;
      outcome.failure = absl::StrCat("wrote more than ", limits.max_output_bytes, " bytes besides its result: killed");
      break;
    case Killed::kNo:
      Classify(status, std::move(result), outcome);
      break;
  }
  return outcome;
}

}  // namespace mig::sandbox
