// The timedrift module's command line: MIG's `-drift 5s`, plus `-server host[:port]` (repeatable) and
// `-servertimeout 2s`.
#ifndef MIG_MODULES_TIMEDRIFT_COMMAND_LINE_H_
#define MIG_MODULES_TIMEDRIFT_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "modules/module.h"
#include "modules/timedrift/parameters.h"

namespace mig::modules::timedrift {

class TimedriftCommandLine : public CommandLine {
 public:
  void AddFlags(CLI::App& command) override;
  absl::StatusOr<std::string> ParametersJson(std::string_view working_directory) const override;

  // The parameters the flags describe, validated.
  absl::StatusOr<Parameters> ToParameters() const;

 private:
  std::string drift_;
  std::vector<std::string> servers_;
  std::string server_timeout_;
};

}  // namespace mig::modules::timedrift

#endif  // MIG_MODULES_TIMEDRIFT_COMMAND_LINE_H_
