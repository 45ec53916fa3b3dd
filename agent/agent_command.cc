#include "agent/agent_command.h"

#include <atomic>
#include <iostream>
#include <memory>

#include "agent/daemon.h"
#include "base/log.h"
#include "base/stop_signals.h"
#include "embedded_conf/load.h"

namespace mig::agent {
namespace {

struct AgentFlags {
  bool checkin = false;
  bool show_name = false;
};

}  // namespace

CLI::App* AddAgentCommand(CLI::App& app, int* exit_code, const std::string* config_path, const char* version) {
  auto flags = std::make_shared<AgentFlags>();
  CLI::App* command = app.add_subcommand(
      "agent", "endpoint daemon: heartbeats to the relay, runs the signed actions it receives, sends results");
  command->add_flag("--checkin", flags->checkin,
                    "drain the queue, run what is there, send the results and exit (hosts without a daemon)");
  command->add_flag("--show-name", flags->show_name, "print the agent's name (its certificate's common name) and exit");
  command->footer(
      "The relay, certificates, investigators' keys, ACLs and timings come from the configuration compiled into\n"
      "this binary (`mig config show`), or from --config FILE. State (identity, replay cache, unsent results)\n"
      "lives in [agent] statedir. Logs go to stderr; SIGTERM or SIGINT stops the agent once the running action\n"
      "has finished.\n"
      "Example: mig --config /etc/mig/agent.conf agent");
  command->callback([command, flags, exit_code, config_path, version] {
    if (!command->get_subcommands().empty()) return;  // `mig agent list`
    absl::StatusOr<conf::Config> config = conf::LoadConfig(*config_path);
    if (!config.ok()) {
      std::cerr << "mig agent: " << config.status().message() << "\n";
      *exit_code = 2;
      return;
    }
    if (flags->show_name) {
      absl::StatusOr<std::string> name = AgentName(*config);
      if (!name.ok()) {
        std::cerr << "mig agent: " << name.status().message() << "\n";
        *exit_code = 2;
        return;
      }
      std::cout << *name << "\n";
      return;
    }
    if (absl::Status logging = conf::ConfigureLogging(config->logging, "mig-agent"); !logging.ok()) {
      std::cerr << "mig agent: " << logging.message() << "\n";
      *exit_code = 2;
      return;
    }
    AgentOptions options{
        .config = *std::move(config), .version = version, .checkin = flags->checkin, .stop = &InstallStopSignals()};
    absl::Status done = RunAgent(options);
    if (!done.ok()) {
      std::cerr << "mig agent: " << done.message() << "\n";
      *exit_code = absl::IsFailedPrecondition(done) || absl::IsInvalidArgument(done) ? 2 : 3;
    }
  });
  return command;
}

}  // namespace mig::agent
