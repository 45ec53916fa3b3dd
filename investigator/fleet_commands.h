// The investigator's fleet commands besides the module commands: `mig action launch|status|results` and
// `mig agent list`, talking to the scheduler's API as ~/.migrc says (fleet.h).
#ifndef MIG_INVESTIGATOR_FLEET_COMMANDS_H_
#define MIG_INVESTIGATOR_FLEET_COMMANDS_H_

#include "CLI/CLI.hpp"

namespace mig::investigator {

// Adds launch, status and results under `action` (the command AddActionCommands made).
void AddActionFleetCommands(CLI::App& action, int* exit_code);
// Adds `list` under `agent` (the daemon's command).
void AddAgentListCommand(CLI::App& agent, int* exit_code);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_FLEET_COMMANDS_H_
