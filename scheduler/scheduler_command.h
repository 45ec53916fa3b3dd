// `mig scheduler`: the relay workers (relay_workers.h) and the investigators' API (api.h) over one SQLite
// database, configured by [scheduler], [certs] and [investigator] of the configuration (--config).
#ifndef MIG_SCHEDULER_SCHEDULER_COMMAND_H_
#define MIG_SCHEDULER_SCHEDULER_COMMAND_H_

#include <string>

#include "CLI/CLI.hpp"

namespace mig::scheduler {

void AddSchedulerCommand(CLI::App& app, int* exit_code, const std::string* config_path);

}  // namespace mig::scheduler

#endif  // MIG_SCHEDULER_SCHEDULER_COMMAND_H_
