// The ping module's command line, with MIG's flags: `mig ping -d www.example.net -dp 443 -p tcp -c 3 -t 5`.
// -t (timeout) and -p (protocol) are the module's, as in MIG; the investigator's target and print-action
// options keep only their long names here (--target, --print-action).
#ifndef MIG_MODULES_PING_COMMAND_LINE_H_
#define MIG_MODULES_PING_COMMAND_LINE_H_

#include <cstdint>
#include <string>

#include "modules/module.h"
#include "modules/ping/parameters.h"

namespace mig::modules::ping {

class PingCommandLine : public CommandLine {
 public:
  void AddFlags(CLI::App& command) override;
  absl::StatusOr<std::string> ParametersJson(std::string_view working_directory) const override;

  // The parameters the flags describe, validated.
  absl::StatusOr<Parameters> ToParameters() const;

 private:
  std::string destination_;
  int64_t port_ = -1;  // MIG's "not given"
  std::string protocol_ = "icmp";
  int64_t count_ = static_cast<int64_t>(kDefaultCount);
  double timeout_seconds_ = kDefaultTimeoutSeconds;
};

}  // namespace mig::modules::ping

#endif  // MIG_MODULES_PING_COMMAND_LINE_H_
