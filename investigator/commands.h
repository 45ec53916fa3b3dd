// The investigator's commands: `mig <module> ...` for every registered module, and `mig run -i action.json`.
// Each command sets *exit_code when CLI11 runs its callback.
#ifndef MIG_INVESTIGATOR_COMMANDS_H_
#define MIG_INVESTIGATOR_COMMANDS_H_

#include <string>

#include "CLI/CLI.hpp"

namespace mig::investigator {

// `config_path` is main's --config, read when a command needs the configuration.
void AddModuleCommands(CLI::App& app, int* exit_code, const std::string* config_path);
void AddRunCommand(CLI::App& app, int* exit_code, const std::string* config_path);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_COMMANDS_H_
