// mig: one binary for every role. `mig --help` lists the commands.
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agent/agent_command.h"
#include "agent/module_run_command.h"
#include "base/display_text.h"
#include "base/status_macros.h"
#include "embedded_conf/config.h"
#include "embedded_conf/embedded.h"
#include "embedded_conf/load.h"
#include "investigator/action_commands.h"
#include "investigator/commands.h"
#include "investigator/fleet_commands.h"
#include "investigator/go_flags.h"
#include "investigator/help_formats.h"
#include "investigator/key_commands.h"
#include "investigator/release_commands.h"
#include "investigator/scribe_commands.h"
#include "investigator/spelling.h"
#include "loader/loader_command.h"
#include "modules/module.h"
#include "scheduler/scheduler_command.h"

namespace {

constexpr char kVersion[] = "0.1.0-dev";

constexpr char kDescription[] =
    "mig asks every host of a fleet a forensic question (a file hash, a string in a config, a MAC address in an\n"
    "ARP table, an out-of-date package) and gets the answer in seconds: the work is done on the endpoints and\n"
    "only results travel back. With --local, a module runs on this host alone.\n";

constexpr char kFooter[] =
    "Flags follow MIG's syntax: -path /etc and --path /etc are the same; repeat a flag to give several values.\n"
    "Exit status of investigations: 0 something was found, 1 nothing was found, 2 bad usage, 3 failure.\n"
    "Example: mig file --local -path /etc -name '^passwd$' -content '^root:'";

// The subcommand names of `app`, for suggestions.
std::vector<std::string> CommandNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  return names;
}

// The subcommand of `command` named `name`, or null (CLI11's get_subcommand throws instead).
const CLI::App* FindSubcommand(const CLI::App& command, std::string_view name) {
  for (const CLI::App* sub : command.get_subcommands({})) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

// Rewrites MIG-style flags for the command they follow (see investigator/go_flags.h). The first word that is
// not a flag (or the value of --config) must be a command: anything else is an error naming it.
absl::StatusOr<std::vector<std::string>> Normalize(const CLI::App& app, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" || args[i] == "-config") {
      ++i;
      continue;
    }
    if (!args[i].empty() && args[i][0] == '-') continue;
    const CLI::App* sub = FindSubcommand(app, args[i]);
    if (sub == nullptr) {
      std::string message = absl::StrCat("unknown command '", mig::EscapeForDisplay(args[i]), "'");
      if (std::optional<std::string> closest = mig::investigator::ClosestSpelling(args[i], CommandNames(app))) {
        absl::StrAppend(&message, " (did you mean '", *closest, "'?)");
      }
      return absl::InvalidArgumentError(absl::StrCat(message, "; `mig --help` lists the commands"));
    }
    std::vector<std::string> before(args.begin(), args.begin() + static_cast<long>(i));
    std::vector<std::string> after(args.begin() + static_cast<long>(i) + 1, args.end());
    MIG_ASSIGN_OR_RETURN(std::vector<std::string> out, mig::investigator::NormalizeGoFlags(app, before));
    out.push_back(args[i]);
    // A command's own subcommand comes first after it (`mig scribe evr ...`); anything else is its flags.
    const CLI::App* command = sub;
    while (!after.empty()) {
      const CLI::App* nested = FindSubcommand(*command, after.front());
      if (nested == nullptr) break;
      out.push_back(after.front());
      after.erase(after.begin());
      command = nested;
    }
    MIG_ASSIGN_OR_RETURN(std::vector<std::string> flags, mig::investigator::NormalizeGoFlags(*command, after));
    for (std::string& a : flags) out.push_back(std::move(a));
    return out;
  }
  return mig::investigator::NormalizeGoFlags(app, args);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(kDescription, "mig");
  app.footer(kFooter);
  app.require_subcommand(1);
  app.fallthrough();
  std::string config_path;
  app.add_option("--config", config_path,
                 "a configuration file overriding the one compiled into this binary (see `mig config show`)");
  int exit_code = 0;

  const std::string version_text = absl::StrCat("mig ", kVersion, " (", mig::conf::Embedded().name, ")");
  app.set_version_flag("--version", version_text, "print the version and the embedded configuration's name");
  CLI::App* version = app.add_subcommand("version", "print the version and the embedded configuration's name");
  version->callback([version_text] { std::cout << version_text << "\n"; });

  CLI::App* config = app.add_subcommand("config", "inspect the configuration");
  config->require_subcommand(1);
  CLI::App* show = config->add_subcommand("show", "print the effective configuration, with secrets redacted");
  show->callback([&config_path, &exit_code] {
    absl::StatusOr<mig::conf::Config> loaded = mig::conf::LoadConfig(config_path);
    if (!loaded.ok()) {
      std::cerr << "mig config: " << loaded.status().message() << "\n";
      exit_code = 2;
      return;
    }
    std::cout << mig::conf::RenderConfig(*loaded);
  });
  CLI::App* keys = config->add_subcommand("keys", "list every configuration key, with what it means and its default");
  keys->callback([] { std::cout << mig::conf::DescribeConfigKeys(); });

  CLI::App* agent = mig::agent::AddAgentCommand(app, &exit_code, &config_path, kVersion);
  mig::investigator::AddAgentListCommand(*agent, &exit_code);
  mig::loader::AddLoaderCommand(app, &exit_code, &config_path, kVersion);
  mig::scheduler::AddSchedulerCommand(app, &exit_code, &config_path);
  mig::investigator::AddModuleCommands(app, &exit_code, &config_path);
  mig::investigator::AddScribeCommands(app, &exit_code);
  mig::agent::AddModuleRunCommand(app, &exit_code);
  mig::investigator::AddRunCommand(app, &exit_code, &config_path);
  mig::investigator::AddActionCommands(app, &exit_code, &config_path);
  mig::investigator::AddActionFleetCommands(*app.get_subcommand("action"), &exit_code);
  mig::investigator::AddKeyCommands(app, &exit_code);
  mig::investigator::AddReleaseCommands(app, &exit_code, &config_path);

  CLI::App* completion = app.add_subcommand("completion", "print a shell completion script for mig");
  auto shell = std::make_shared<std::string>();
  completion->add_option("shell", *shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  completion->footer("Example:\n  source <(mig completion bash)\n  mig completion bash > /etc/bash_completion.d/mig");
  completion->callback([&app, shell] {
    std::cout << (*shell == "zsh" ? mig::investigator::ZshCompletion(app) : mig::investigator::BashCompletion(app));
  });
  CLI::App* help = app.add_subcommand("help", "explain mig, or one command (mig help file); --man: as a man page");
  auto help_path = std::make_shared<std::vector<std::string>>();
  auto man = std::make_shared<bool>(false);
  help->add_option("command", *help_path, "a command, e.g. file or action list");
  help->add_flag("--man", *man, "print the whole manual as a man page (roff): mig help --man | man -l -");
  help->callback([&app, help_path, man, &exit_code] {
    if (*man) {
      std::cout << mig::investigator::ManPage(app, kVersion,
                                              absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone()));
      return;
    }
    const CLI::App* command = &app;
    for (const std::string& name : *help_path) {
      const CLI::App* next = FindSubcommand(*command, name);
      if (next == nullptr) {
        std::cerr << "mig help: no command '" << mig::EscapeForDisplay(name) << "'\n";
        exit_code = 2;
        return;
      }
      command = next;
    }
    std::cout << command->help();
  });

  absl::StatusOr<std::vector<std::string>> args = Normalize(app, std::vector<std::string>(argv + 1, argv + argc));
  if (!args.ok()) {
    std::cerr << "mig: " << args.status().message() << "\n";
    return 2;
  }
  std::vector<const char*> normalized_argv = {argv[0]};
  for (const std::string& a : *args) normalized_argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(normalized_argv.size()), normalized_argv.data());
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}
