// The module interface and registry. A module is one directory under modules/ with MIG's parameters JSON,
// MIG-shaped results, its investigator flags and a text renderer; it registers itself by name, and the
// agent, the investigator and `--local` all reach it only through this registry:
//
//   const Module* module = FindModule("file");
//   std::string result_json = module->Run(parameters_json, context);
//   absl::StatusOr<std::string> text = module->Render(result_json, {.show = Show::kFound});
//
// A module never changes the host: it inspects and reports.
#ifndef MIG_MODULES_MODULE_H_
#define MIG_MODULES_MODULE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/sandbox/policy.h"

namespace mig::modules {

// Counters a long-running module updates so that a caller can show progress.
struct Progress {
  // What the counters count, for people: {"files", "directories"}, {"processes", ""}...
  struct Units {
    const char* items = "items";
    const char* containers = "";  // empty: the module does not count containers
  };

  std::atomic<uint64_t> items{0};       // files, processes, packages... inspected so far
  std::atomic<uint64_t> bytes{0};       // bytes read so far
  std::atomic<uint64_t> containers{0};  // directories, namespaces... entered so far
};

struct RunContext {
  // The module stops at the deadline and returns what it found, marked incomplete.
  absl::Time deadline = absl::InfiniteFuture();
  // Set from another thread (Ctrl-C, a shutting-down agent) to stop early, with the same effect.
  const std::atomic<bool>* cancelled = nullptr;
  // Worker threads a module may use; 0 means one per CPU.
  int threads = 0;
  // Optional; updated as the module works.
  Progress* progress = nullptr;
  // What "now" is for relative parameters ("modified less than 90 days ago").
  absl::Time now = absl::Now();

  bool ShouldStop() const {
    return (cancelled != nullptr && cancelled->load(std::memory_order_relaxed)) || absl::Now() >= deadline;
  }
};

// Which results the investigator wants to see, as MIG's client -show.
enum class Show { kFound, kNotFound, kAll };

struct RenderOptions {
  Show show = Show::kFound;
};

// A module's command-line flags (MIG's names, e.g. -path -name -md5), turned into its parameters JSON.
class CommandLine {
 public:
  virtual ~CommandLine() = default;
  // Registers the module's flags on its subcommand.
  virtual void AddFlags(CLI::App& command) = 0;
  // After parsing: the parameters, validated, as MIG's JSON. `working_directory` resolves relative paths.
  virtual absl::StatusOr<std::string> ParametersJson(std::string_view working_directory) const = 0;
  // Paths the parameters name, so that a local run can refuse a path that does not exist on this host.
  virtual std::vector<std::string> LocalPaths() const { return {}; }
};

class Module {
 public:
  virtual ~Module() = default;

  virtual std::string_view name() const = 0;
  // One line for `mig --help`.
  virtual std::string_view summary() const = 0;
  // Longer help with examples, shown by `mig <module> --help`.
  virtual std::string_view help() const = 0;

  // Checks parameters JSON without running anything; the error names the bad value.
  virtual absl::Status ValidateParameters(std::string_view parameters_json) const = 0;
  // Runs with MIG's parameters JSON and returns MIG's result JSON
  // {"foundanything","success","elements","statistics","errors"}. Never throws: invalid parameters give a
  // result with success false and the reason in errors.
  virtual std::string Run(std::string_view parameters_json, const RunContext& context) const = 0;

  virtual std::unique_ptr<CommandLine> NewCommandLine() const = 0;
  // What the module's process may do besides reading the host (base/sandbox/policy.h): by default nothing more.
  // Declared here, next to the module, and enforced wherever the module runs (agent, --local).
  virtual sandbox::Policy sandbox_policy() const { return {}; }
  // What Progress::items and Progress::containers count in this module's runs.
  virtual Progress::Units progress_units() const { return {}; }

  // The result without MIG's placeholder entries (a search that found nothing is listed with an empty file or
  // process), for mig's own JSON forms (a fleet's JSON line per agent, `mig run`'s document per operation),
  // where a script should not have to skip them. A module's `--render json` keeps MIG's shape.
  virtual std::string CompactResult(std::string_view result_json) const { return std::string(result_json); }

  // Renders a result as lines of text, the way MIG's client prints it, safe to print: a result is the host's
  // word, so every string in it is escaped (EscapeResultForDisplay, modules/result.h) before RenderText sees
  // it, and whatever control characters remain in the text are escaped too. One item, one line, always.
  absl::StatusOr<std::string> Render(std::string_view result_json, const RenderOptions& options) const;

 private:
  // The module's own rendering, of a result whose strings are already escaped.
  virtual absl::StatusOr<std::string> RenderText(std::string_view result_json, const RenderOptions& options) const = 0;
};

// Registration happens at static initialization (MIG_REGISTER_MODULE in the module's own .cc); module
// libraries are alwayslink so the linker keeps them.
bool RegisterModule(std::unique_ptr<Module> module);
const Module* FindModule(std::string_view name);
// All modules, sorted by name.
std::vector<const Module*> AllModules();

#define MIG_REGISTER_MODULE(ModuleClass) \
  static const bool kMigModuleRegistered_##ModuleClass = ::mig::modules::RegisterModule(std::make_unique<ModuleClass>())

}  // namespace mig::modules

#endif  // MIG_MODULES_MODULE_H_
