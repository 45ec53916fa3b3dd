// `mig agent [--checkin]`: the endpoint daemon (daemon.h), configured by the configuration compiled into the
// binary or given with --config; stops cleanly on SIGTERM or SIGINT.
#ifndef MIG_AGENT_AGENT_COMMAND_H_
#define MIG_AGENT_AGENT_COMMAND_H_

#include <string>

#include "CLI/CLI.hpp"

namespace mig::agent {

// Returns the command, so that the investigator's `mig agent list` can be added under it.
CLI::App* AddAgentCommand(CLI::App& app, int* exit_code, const std::string* config_path, const char* version);

}  // namespace mig::agent

#endif  // MIG_AGENT_AGENT_COMMAND_H_
