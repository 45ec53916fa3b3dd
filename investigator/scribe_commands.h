// Tools that come with the scribe module: `mig scribe evr` (compare two versions as dpkg or rpm does) and
// `mig scribe policy` (make a policy from vulnerability data).
#ifndef MIG_INVESTIGATOR_SCRIBE_COMMANDS_H_
#define MIG_INVESTIGATOR_SCRIBE_COMMANDS_H_

#include "CLI/CLI.hpp"

namespace mig::investigator {

// Adds the tools under the `scribe` command that AddModuleCommands() made; nothing when it is absent.
void AddScribeCommands(CLI::App& app, int* exit_code);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_SCRIBE_COMMANDS_H_
