// `mig loader [--install|--uninstall]`: the autonomous installer and updater (loader.h).
#ifndef MIG_LOADER_LOADER_COMMAND_H_
#define MIG_LOADER_LOADER_COMMAND_H_

#include <string>

#include "CLI/CLI.hpp"

namespace mig::loader {

void AddLoaderCommand(CLI::App& app, int* exit_code, const std::string* config_path, const char* version);

}  // namespace mig::loader

#endif  // MIG_LOADER_LOADER_COMMAND_H_
