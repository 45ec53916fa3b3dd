// `mig release create|sign|verify|show`: making a release (the binary copied next to its manifest), signing
// it with release keys (ordinary `mig key generate` key files, kept apart from investigators' keys), and
// checking it the way a loader will before any host installs it.
//
//   mig release create --binary bazel-bin/mig --version 0.2.0 --out rel/
//   mig release sign -i rel/manifest.json --key release1.key      (once per release signer)
//   mig release verify -i rel/manifest.json                        (the configuration's [loader] keys)
#ifndef MIG_INVESTIGATOR_RELEASE_COMMANDS_H_
#define MIG_INVESTIGATOR_RELEASE_COMMANDS_H_

#include <string>

#include "CLI/CLI.hpp"

namespace mig::investigator {

// `config_path` is main's --config, read when a command runs.
void AddReleaseCommands(CLI::App& app, int* exit_code, const std::string* config_path);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_RELEASE_COMMANDS_H_
