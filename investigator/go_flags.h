// MIG's command line uses Go's flag syntax: one dash for long flags (-path /etc), values separate or after
// '=' (-maxdepth=2), and values that start with a dash (-mode -rw-r--r--). CLI11 wants --path. This rewrites
// an argument list for a CLI11 command: every -flag or --flag that the command knows becomes --flag=value
// (consuming the next argument for flags that take a value), so values starting with '-' are never mistaken
// for flags.
//
//   std::vector<std::string> args = NormalizeGoFlags(command, {"-path", "/etc", "-mode", "-rw-r--r--"});
//   // -> {"--path=/etc", "--mode=-rw-r--r--"}
#ifndef MIG_INVESTIGATOR_GO_FLAGS_H_
#define MIG_INVESTIGATOR_GO_FLAGS_H_

#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace mig::investigator {

std::vector<std::string> NormalizeGoFlags(const CLI::App& command, const std::vector<std::string>& args);

}  // namespace mig::investigator

#endif  // MIG_INVESTIGATOR_GO_FLAGS_H_
