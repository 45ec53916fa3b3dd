#include "agent/module_run_command.h"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "modules/module.h"

namespace mig::agent {
namespace {

constexpr size_t kMaxParametersBytes = 64 << 20;

struct ModuleRunOptions {
  std::string module;
  std::string timeout = "300s";
};

int ModuleRun(const ModuleRunOptions& options) {
  const modules::Module* module = modules::FindModule(options.module);
  if (module == nullptr) {
    std::cerr << "mig module-run: unknown module '" << options.module << "'\n";
    return 2;
  }
  absl::Duration timeout;
  if (!absl::ParseDuration(options.timeout, &timeout) || timeout <= absl::ZeroDuration()) {
    std::cerr << "mig module-run: --timeout '" << options.timeout << "' is not a duration like 30s\n";
    return 2;
  }
  absl::StatusOr<std::string> parameters = ReadFdBounded(STDIN_FILENO, kMaxParametersBytes, "standard input");
  if (!parameters.ok()) {
    std::cerr << "mig module-run: " << parameters.status().message() << "\n";
    return 2;
  }
  modules::RunContext context;
  context.deadline = absl::Now() + timeout;
  // Invalid parameters give a result that says so: the agent reports it like any other result.
  std::cout << module->Run(*parameters, context) << "\n" << std::flush;
  return std::cout.good() ? 0 : 3;
}

}  // namespace

void AddModuleRunCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<ModuleRunOptions>();
  CLI::App* command = app.add_subcommand(
      "module-run", "run one module operation: parameters JSON on stdin, result JSON on stdout (the agent's children)");
  command->add_option("module", options->module, "the module")->required();
  command->add_option("--timeout", options->timeout, "stop and return what was found after this long")
      ->capture_default_str();
  command->callback([options, exit_code] { *exit_code = ModuleRun(*options); });
}

}  // namespace mig::agent
