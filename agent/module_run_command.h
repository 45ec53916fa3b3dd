// `mig module-run <module> [--timeout 30s]`: one module operation, parameters JSON on stdin, result JSON on
// stdout. The agent runs each operation this way, in a child process of its own binary.
#ifndef MIG_AGENT_MODULE_RUN_COMMAND_H_
#define MIG_AGENT_MODULE_RUN_COMMAND_H_

#include "CLI/CLI.hpp"

namespace mig::agent {

void AddModuleRunCommand(CLI::App& app, int* exit_code);

}  // namespace mig::agent

#endif  // MIG_AGENT_MODULE_RUN_COMMAND_H_
