// The sshkey module's command line, with MIG's flags: `mig sshkey -path /home -path /etc/ssh -maxdepth 4`.
#ifndef MIG_MODULES_SSHKEY_COMMAND_LINE_H_
#define MIG_MODULES_SSHKEY_COMMAND_LINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "modules/module.h"
#include "modules/sshkey/parameters.h"

namespace mig::modules::sshkey {

class SshkeyCommandLine : public CommandLine {
 public:
  void AddFlags(CLI::App& command) override;
  absl::StatusOr<std::string> ParametersJson(std::string_view working_directory) const override;
  std::vector<std::string> LocalPaths() const override { return paths_; }

  // The parameters the flags describe, validated; relative paths are resolved against `working_directory`.
  absl::StatusOr<Parameters> ToParameters(std::string_view working_directory) const;

 private:
  std::vector<std::string> paths_;
  uint64_t max_depth_ = 0;
};

}  // namespace mig::modules::sshkey

#endif  // MIG_MODULES_SSHKEY_COMMAND_LINE_H_
