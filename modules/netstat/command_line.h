// The netstat module's command line, with MIG's flags:
// `mig netstat -lm '^8c:70:5a' -nm 8c:70:5a:c8:be:50 -li 10.0.0.0/8 -ni fe80::1 -ci 192.0.2.0/24 -lp 22 -namespaces`.
#ifndef MIG_MODULES_NETSTAT_COMMAND_LINE_H_
#define MIG_MODULES_NETSTAT_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "modules/module.h"
#include "modules/netstat/parameters.h"

namespace mig::modules::netstat {

class NetstatCommandLine : public CommandLine {
 public:
  void AddFlags(CLI::App& command) override;
  absl::StatusOr<std::string> ParametersJson(std::string_view working_directory) const override;

  // The parameters the flags describe, validated.
  absl::StatusOr<Parameters> ToParameters() const;

 private:
  Parameters parameters_;
};

}  // namespace mig::modules::netstat

#endif  // MIG_MODULES_NETSTAT_COMMAND_LINE_H_
