// The investigator's commands: `mig <module> ...` for every registered module, and `mig run -i action.json`.
// Each command sets *exit_code when CLI11 runs its callback.
#ifndef MIG_INVESTIGATOR_COMMANDS_H_
#define MIG_INVESTIGATOR_COMMANDS_H_

#include "CLI/CLI.hpp"

namespace mig::investigator {

void AddModuleCommands(CLI::App& app, int* exit_code);
void AddRunCommand(CLI::App& app, int* exit_code);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_COMMANDS_H_
