#include "agent/module_run_command.h"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "base/json/reader.h"
#include "base/sandbox/limits.h"
#include "base/sandbox/seccomp.h"
#include "base/status_macros.h"
#include "modules/module.h"

namespace mig::agent {
namespace {

constexpr size_t kMaxParametersBytes = 64 << 20;

struct ModuleRunOptions {
  std::string module;
  std::string timeout = "300s";
  bool no_sandbox = false;
  uint64_t memory_limit = 0;
  int nice = 10;
};

// MIG's agent handed a module its input as {"class":"parameters","parameters":{...}} (mig-agent -m): take
// that as well as the bare parameters the agent sends.
absl::StatusOr<std::string> UnwrapModuleInput(const std::string& input) {
  absl::StatusOr<std::unique_ptr<json::JsonDocument>> document =
      json::JsonDocument::Parse(input, "standard input", kMaxParametersBytes);
  if (!document.ok()) return input;  // the module says what is wrong with it, in its result
  simdjson::dom::object root;
  std::string_view message_class;
  if ((*document)->root().get(root) != simdjson::SUCCESS || root["class"].get(message_class) != simdjson::SUCCESS) {
    return input;
  }
  if (message_class != "parameters") {
    return absl::InvalidArgumentError(
        absl::StrCat("standard input: a message of class '", message_class, "'; only \"parameters\" is taken"));
  }
  MIG_RETURN_IF_ERROR(json::CheckKeys(root, "", {"class", "parameters"}));
  simdjson::dom::element parameters;
  if (root["parameters"].get(parameters) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("standard input: class \"parameters\" without \"parameters\"");
  }
  return simdjson::minify(parameters);
}

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
  if (parameters.ok()) parameters = UnwrapModuleInput(*parameters);
  if (!parameters.ok()) {
    std::cerr << "mig module-run: " << parameters.status().message() << "\n";
    return 2;
  }
  if (!options.no_sandbox) {
    // Limits first: once in the sandbox the process can no longer lower its own priority.
    absl::Status limited =
        sandbox::ApplyLimits({.nice = options.nice, .idle_io = true, .memory_bytes = options.memory_limit});
    if (limited.ok()) limited = sandbox::Enter(module->sandbox_policy());
    if (!limited.ok()) {
      // Never run unconfined for want of a sandbox: the agent reports this like any failure.
      std::cerr << "mig module-run: cannot enter the sandbox: " << limited.message() << "\n";
      return 3;
    }
  }
  modules::RunContext context;
  context.deadline = absl::Now() + timeout;
  // Invalid parameters give a result that says so: the agent reports it like any other result.
  std::cout << module->Run(*parameters, context) << "\n" << std::flush;
  int status = std::cout.good() ? 0 : 3;
  // In the sandbox, end here: exit handlers (a sanitizer's leak check attaches with ptrace) may do what the
  // sandbox forbids.
  if (!options.no_sandbox) _exit(status);
  return status;
}

}  // namespace

void AddModuleRunCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<ModuleRunOptions>();
  CLI::App* command = app.add_subcommand(
      "module-run",
      "run one module operation: parameters JSON on stdin (bare, or MIG's {\"class\":\"parameters\",\"parameters\":"
      "{...}}), result JSON on stdout (the agent's children)");
  command->add_option("module", options->module, "the module")->required();
  command->add_option("--timeout", options->timeout, "stop and return what was found after this long")
      ->capture_default_str();
  command->add_flag("--no-sandbox", options->no_sandbox,
                    "run without the seccomp sandbox and resource limits (for debugging a module)");
  command->add_option("--memory-limit", options->memory_limit, "address-space cap in bytes (0: none)")
      ->capture_default_str();
  command->add_option("--nice", options->nice, "niceness added to the process")->capture_default_str();
  command->footer(
      "Sandboxed by default: no new privileges, a seccomp-BPF allow-list declared by the module (reading the\n"
      "host; sockets only for ping, timedrift and netstat; no file opened for writing), niceness, the idle I/O\n"
      "class, no core dumps. A forbidden system call ends the process with status 97 and its name on stderr;\n"
      "reaching the memory cap with status 98. Standard output may be a file: mig module-run file < p.json > r.json");
  command->callback([options, exit_code] { *exit_code = ModuleRun(*options); });
}

}  // namespace mig::agent
