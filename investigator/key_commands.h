// `mig key generate` and `mig key show`: the investigator's signing keys.
#ifndef MIG_INVESTIGATOR_KEY_COMMANDS_H_
#define MIG_INVESTIGATOR_KEY_COMMANDS_H_

#include "CLI/CLI.hpp"

namespace mig::investigator {

void AddKeyCommands(CLI::App& app, int* exit_code);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_KEY_COMMANDS_H_
