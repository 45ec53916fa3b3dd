// The scribe module's command line, with MIG's flags: `mig scribe -path policy.json [-onlytrue] [-human|-json]`.
// The policy file is read and checked here, on the investigator's side, before any action is made.
#ifndef MIG_MODULES_SCRIBE_COMMAND_LINE_H_
#define MIG_MODULES_SCRIBE_COMMAND_LINE_H_

#include <string>

#include "modules/module.h"

namespace mig::modules::scribe {

class ScribeCommandLine : public CommandLine {
 public:
  void AddFlags(CLI::App& command) override;
  absl::StatusOr<std::string> ParametersJson(std::string_view working_directory) const override;

 private:
  std::string path_;
  bool only_true_ = false;
  bool human_ = false;
  bool json_ = false;
};

}  // namespace mig::modules::scribe

#endif  // MIG_MODULES_SCRIBE_COMMAND_LINE_H_
