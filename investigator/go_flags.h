// MIG's command line uses Go's flag syntax: one dash for long flags (-path /etc), values separate or after
// '=' (-maxdepth=2), and values that start with a dash (-mode -rw-r--r--). CLI11 wants --path. This rewrites
// an argument list for a CLI11 command: every -flag or --flag that the command knows becomes --flag=value
// (consuming the next argument for flags that take a value), so values starting with '-' are never mistaken
// for flags. As in Go, a word that starts with a dash is a flag (up to "--"): an unknown one is an error naming
// it, never read as a cluster of short flags (-pth is not -p -t h).
//
//   std::vector<std::string> args = NormalizeGoFlags(command, {"-path", "/etc", "-mode", "-rw-r--r--"});
//   // -> {"--path=/etc", "--mode=-rw-r--r--"}
#ifndef MIG_INVESTIGATOR_GO_FLAGS_H_
#define MIG_INVESTIGATOR_GO_FLAGS_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"

namespace mig::investigator {

// InvalidArgument "unknown flag -pth (did you mean -path?)" for a flag the command does not have.
absl::StatusOr<std::vector<std::string>> NormalizeGoFlags(const CLI::App& command,
                                                          const std::vector<std::string>& args);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_GO_FLAGS_H_
