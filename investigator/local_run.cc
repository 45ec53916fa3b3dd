#include "investigator/local_run.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iterator>
#include <new>
#include <optional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "base/errno_status.h"
#include "base/files.h"
#include "base/json/writer.h"
#include "base/sandbox/limits.h"
#include "base/sandbox/seccomp.h"
#include "base/sandbox/supervisor.h"
#include "base/status_macros.h"
#include "base/unique_fd.h"
#include "modules/result.h"

namespace mig::investigator {
namespace {

std::atomic<bool> g_cancelled{false};

constexpr size_t kMaxLocalResultBytes = size_t{1} << 30;

void OnInterrupt(int) { g_cancelled.store(true); }

// SIGINT and SIGTERM stop the run and print what was found: from a terminal's Ctrl-C (the whole foreground
// group), from `timeout` or a CI runner (the group, or this process alone), or sent to the module's process
// alone. A second signal of the same kind ends the process as usual.
constexpr int kStopSignals[] = {SIGINT, SIGTERM};

class InterruptScope {
 public:
  InterruptScope() {
    g_cancelled.store(false);
    struct sigaction action = {};
    action.sa_handler = OnInterrupt;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < std::size(kStopSignals); ++i) sigaction(kStopSignals[i], &action, &previous_[i]);
  }
  ~InterruptScope() {
    for (size_t i = 0; i < std::size(kStopSignals); ++i) sigaction(kStopSignals[i], &previous_[i], nullptr);
  }

 private:
  struct sigaction previous_[std::size(kStopSignals)];
};

// In the module's process: a stop signal asks the module to stop (it then returns what it found), through the
// flag it shares with the parent.
std::atomic<bool>* g_child_cancelled = nullptr;
void OnChildStop(int) {
  if (g_child_cancelled != nullptr) g_child_cancelled->store(true);
}
void StopOnSignalsInChild(std::atomic<bool>* cancelled) {
  g_child_cancelled = cancelled;
  struct sigaction action = {};
  action.sa_handler = OnChildStop;
  sigemptyset(&action.sa_mask);
  for (int signal : kStopSignals) sigaction(signal, &action, nullptr);
}

std::string HumanBytes(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 30)) return absl::StrFormat("%.2f GiB", bytes / double(uint64_t{1} << 30));
  if (bytes >= (uint64_t{1} << 20)) return absl::StrFormat("%.1f MiB", bytes / double(1 << 20));
  return absl::StrFormat("%.1f KiB", bytes / 1024.0);
}

// A status line on stderr, redrawn a few times a second while the module runs.
class ProgressLine {
 public:
  ProgressLine(const modules::Progress* progress, modules::Progress::Units units, bool enabled)
      : progress_(progress), units_(units) {
    if (!enabled || !isatty(STDERR_FILENO)) return;
    thread_ = std::thread([this] { Loop(); });
  }
  ~ProgressLine() {
    if (!thread_.joinable()) return;
    {
      // Releasing mutex_ wakes Loop: its condition is evaluated again.
      absl::MutexLock lock(&mutex_);
      done_ = true;
    }
    thread_.join();
    std::fprintf(stderr, "\r\033[K");
  }

 private:
  void Loop() {
    auto start = std::chrono::steady_clock::now();
    absl::MutexLock lock(&mutex_);
    while (!mutex_.AwaitWithTimeout(absl::Condition(&done_), absl::Milliseconds(250))) {
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      uint64_t items = progress_->items.load();
      std::string line = items == 0 && progress_->containers.load() == 0 && progress_->bytes.load() == 0
                             ? std::string("working")
                             : absl::StrCat(items, " ", units_.items);
      if (*units_.containers != '\0')
        absl::StrAppend(&line, ", ", progress_->containers.load(), " ", units_.containers);
      if (uint64_t bytes = progress_->bytes.load(); bytes > 0) absl::StrAppend(&line, ", ", HumanBytes(bytes), " read");
      std::fprintf(stderr, "\r\033[K%s, %.1fs (Ctrl-C stops and shows results)", line.c_str(), seconds);
      std::fflush(stderr);
    }
  }

  const modules::Progress* progress_;
  modules::Progress::Units units_;
  std::thread thread_;
  absl::Mutex mutex_;
  bool done_ ABSL_GUARDED_BY(mutex_) = false;
};

// What the parent and the sandboxed child share: the progress counters the parent draws and the flag that
// asks the child to stop (each process's own Ctrl-C handler also sets the child's).
struct SharedRun {
  modules::Progress progress;
  std::atomic<bool> cancelled{false};
};

// Runs the module in a forked child inside its sandbox; the result comes back through a pipe, anything
// else the child writes (its stdout and stderr) through another, watched by the same supervisor as an
// agent's module processes (base/sandbox/supervisor.h). Errors: the child could not be started, it wrote too
// much, outlived its deadline, or produced no result (the sandbox stopped it: what it tried is in the
// message).
absl::StatusOr<std::string> RunSandboxed(const modules::Module& module, std::string_view parameters_json,
                                         modules::RunContext context, const LocalRunOptions& options,
                                         SharedRun* shared) {
  int result_fds[2], output_fds[2];
  if (pipe2(result_fds, O_CLOEXEC) != 0) return ErrnoError("create", "a pipe", errno);
  UniqueFd result_read(result_fds[0]), result_write(result_fds[1]);
  if (pipe2(output_fds, O_CLOEXEC) != 0) return ErrnoError("create", "a pipe", errno);
  UniqueFd output_read(output_fds[0]), output_write(output_fds[1]);
  // The stop signals wait while the child installs its own handlers: one that came in between would find
  // the parent's (inherited) handler there, and the module would never hear of it.
  sigset_t stop_signals, previous_mask;
  sigemptyset(&stop_signals);
  for (int signal : kStopSignals) sigaddset(&stop_signals, signal);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &previous_mask);
  // The run's time began when its deadline was set (RunModuleLocally), so that "timed out after" says the
  // time it was given.
  const absl::Time started =
      context.deadline == absl::InfiniteFuture() ? absl::Now() : context.deadline - options.timeout;
  pid_t pid = fork();
  if (pid != 0) pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  if (pid < 0) return ErrnoError("fork", "the module's process", errno);
  if (pid == 0) {
    StopOnSignalsInChild(&shared->cancelled);
    pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
    result_read.reset();
    output_read.reset();
    dup2(output_write.get(), STDOUT_FILENO);
    dup2(output_write.get(), STDERR_FILENO);
    absl::Status entered =
        sandbox::ApplyLimits({.nice = 10, .idle_io = true, .memory_bytes = options.memory_limit_bytes});
    if (entered.ok()) entered = sandbox::Enter(module.sandbox_policy());
    if (!entered.ok()) {
      std::string line = absl::StrCat("cannot enter the sandbox: ", entered.message(), "\n");
      (void)!write(STDERR_FILENO, line.data(), line.size());
      _exit(3);
    }
    context.progress = &shared->progress;
    context.cancelled = &shared->cancelled;
    std::string result = module.Run(parameters_json, context);
    _exit(WriteAll(result_write.get(), result, "the result pipe").ok() ? 0 : 3);
  }
  result_write.reset();
  output_write.reset();
  // Drawn from here, after the fork: the child starts with no thread but its own.
  ProgressLine line(&shared->progress, module.progress_units(), options.progress);
  // The module stops itself at its deadline with what it found; the kill is for one that does not.
  const absl::Time kill_at =
      context.deadline == absl::InfiniteFuture() ? absl::InfiniteFuture() : context.deadline + sandbox::kStopGrace;
  sandbox::ChildOutcome outcome =
      sandbox::Supervise({.pid = pid, .result = std::move(result_read), .output = std::move(output_read)}, /*input=*/"",
                         {.deadline = kill_at,
                          .started = started,
                          .max_result_bytes = kMaxLocalResultBytes,
                          .cpu_percent = options.cpu_percent},
                         // Ctrl-C here reaches the child through the shared flag, whatever the terminal did.
                         [shared] {
                           if (g_cancelled.load()) shared->cancelled.store(true);
                         });
  if (outcome.ok()) return std::move(outcome.result);
  const std::string message = absl::StrCat("module ", module.name(), " ", outcome.failure);
  if (outcome.kind == sandbox::ChildOutcome::Kind::kTooLarge) return absl::ResourceExhaustedError(message);
  if (outcome.kind == sandbox::ChildOutcome::Kind::kTimedOut) return absl::DeadlineExceededError(message);
  return absl::AbortedError(message);
}

}  // namespace

absl::StatusOr<bool> PrintResult(const modules::Module& module, std::string_view result_json,
                                 const LocalRunOptions& options, std::ostream& out) {
  MIG_ASSIGN_OR_RETURN(modules::ParsedResult parsed, modules::ParseResult(result_json));
  if (options.render == Render::kJson && options.operation >= 0) {
    json::JsonWriter w;
    w.BeginObject();
    w.Field("operation", static_cast<int64_t>(options.operation));
    w.Field("module", module.name());
    w.Key("result");
    w.Raw(module.CompactResult(result_json));
    w.EndObject();
    out << std::move(w).Take() << "\n";
  } else if (options.render == Render::kJson) {
    out << result_json << "\n";
  } else {
    MIG_ASSIGN_OR_RETURN(std::string text, module.Render(result_json, modules::RenderOptions{options.show}));
    out << text;
  }
  out.flush();
  return parsed.found_anything;
}

int RunModuleLocally(const modules::Module& module, std::string_view parameters_json, const LocalRunOptions& options,
                     std::ostream& out, std::ostream& err) {
  modules::Progress progress;
  modules::RunContext context;
  context.threads = options.threads;
  context.progress = &progress;
  context.cancelled = &g_cancelled;
  if (options.timeout != absl::InfiniteDuration()) context.deadline = absl::Now() + options.timeout;
  std::string result;
  bool interrupted = false;
  if (options.sandbox) {
    // Shared with the child: anonymous shared memory, so its counters are the ones drawn here.
    void* memory = mmap(nullptr, sizeof(SharedRun), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
      err << "mig " << module.name() << ": cannot share memory with the module's process: " << strerror(errno) << "\n";
      return kExitFailed;
    }
    SharedRun* shared = new (memory) SharedRun();
    absl::StatusOr<std::string> ran;
    {
      InterruptScope interrupts;
      ran = RunSandboxed(module, parameters_json, context, options, shared);
    }
    interrupted = shared->cancelled.load() || g_cancelled.load();
    shared->~SharedRun();
    munmap(memory, sizeof(SharedRun));
    if (!ran.ok()) {
      err << "mig " << module.name() << ": " << ran.status().message() << "\n";
      return kExitFailed;
    }
    result = *std::move(ran);
  } else {
    InterruptScope interrupts;
    ProgressLine line(&progress, module.progress_units(), options.progress);
    result = module.Run(parameters_json, context);
    interrupted = g_cancelled.load();
  }
  absl::StatusOr<modules::ParsedResult> parsed = modules::ParseResult(result);
  absl::StatusOr<bool> found = PrintResult(module, result, options, out);
  if (!found.ok()) {
    err << "mig " << module.name() << ": cannot render the result: " << found.status().message() << "\n";
    return kExitFailed;
  }
  if (parsed.ok() && !parsed->success) {
    // The text already lists a failed run's errors (modules::AppendErrors); JSON holds them, and a person
    // reading the terminal gets them here, once.
    if (options.render == Render::kJson) {
      for (const std::string& e : parsed->errors) err << "mig " << module.name() << ": " << e << "\n";
    }
    return kExitFailed;
  }
  bool incomplete = parsed.ok() && !parsed->incomplete.empty();
  // A module that does not say it stopped early (its answer may be whole) is still marked: the run was cut.
  if (interrupted && !incomplete) {
    if (options.render == Render::kText) {
      out << "INCOMPLETE: interrupted" << (*found ? "" : ": nothing found is not proof of absence") << "\n";
      out.flush();
    } else {
      err << "mig " << module.name() << ": INCOMPLETE: interrupted before the module finished\n";
    }
    incomplete = true;
  }
  if (*found) return kExitFound;
  return incomplete ? kExitIncomplete : kExitNothingFound;
}

}  // namespace mig::investigator
