#include "investigator/local_run.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "modules/result.h"

namespace mig::investigator {
namespace {

std::atomic<bool> g_cancelled{false};

void OnInterrupt(int) { g_cancelled.store(true); }

// Ctrl-C stops the run and prints what was found; a second Ctrl-C kills the process as usual.
class InterruptScope {
 public:
  InterruptScope() {
    g_cancelled.store(false);
    struct sigaction action = {};
    action.sa_handler = OnInterrupt;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_);
  }
  ~InterruptScope() { sigaction(SIGINT, &previous_, nullptr); }

 private:
  struct sigaction previous_;
};

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
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
    std::fprintf(stderr, "\r\033[K");
  }

 private:
  void Loop() {
    auto start = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mutex_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(250), [this] { return done_; })) {
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      uint64_t items = progress_->items.load();
      std::string line = items == 0 && progress_->containers.load() == 0 && progress_->bytes.load() == 0
                             ? std::string("working")
                             : absl::StrCat(items, " ", units_.items);
      if (*units_.containers != '\0') absl::StrAppend(&line, ", ", progress_->containers.load(), " ", units_.containers);
      if (uint64_t bytes = progress_->bytes.load(); bytes > 0) absl::StrAppend(&line, ", ", HumanBytes(bytes), " read");
      std::fprintf(stderr, "\r\033[K%s, %.1fs (Ctrl-C stops and shows results)", line.c_str(), seconds);
      std::fflush(stderr);
    }
  }

  const modules::Progress* progress_;
  modules::Progress::Units units_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
};

}  // namespace

absl::StatusOr<bool> PrintResult(const modules::Module& module, std::string_view result_json,
                                 const LocalRunOptions& options, std::ostream& out) {
  MIG_ASSIGN_OR_RETURN(modules::ParsedResult parsed, modules::ParseResult(result_json));
  if (options.render == Render::kJson) {
    out << result_json << "\n";
  } else {
    MIG_ASSIGN_OR_RETURN(std::string text, module.RenderText(result_json, modules::RenderOptions{options.show}));
    out << text;
  }
  out.flush();
  return parsed.found_anything;
}

int RunModuleLocally(const modules::Module& module, std::string_view parameters_json,
                     const LocalRunOptions& options, std::ostream& out, std::ostream& err) {
  modules::Progress progress;
  modules::RunContext context;
  context.threads = options.threads;
  context.progress = &progress;
  context.cancelled = &g_cancelled;
  if (options.timeout != absl::InfiniteDuration()) context.deadline = absl::Now() + options.timeout;
  std::string result;
  {
    InterruptScope interrupts;
    ProgressLine line(&progress, module.progress_units(), options.progress);
    result = module.Run(parameters_json, context);
  }
  absl::StatusOr<modules::ParsedResult> parsed = modules::ParseResult(result);
  absl::StatusOr<bool> found = PrintResult(module, result, options, out);
  if (!found.ok()) {
    err << "mig " << module.name() << ": cannot render the result: " << found.status().message() << "\n";
    return kExitFailed;
  }
  if (parsed.ok() && !parsed->success) {
    for (const std::string& e : parsed->errors) err << "mig " << module.name() << ": " << e << "\n";
    return kExitFailed;
  }
  return *found ? kExitFound : kExitNothingFound;
}

}  // namespace mig::investigator
