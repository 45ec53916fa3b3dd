// The pkg module's command line, with MIG's flags: `mig pkg -name '^openssl' -name '^libssl' -version '!^3\.'`.
#ifndef MIG_MODULES_PKG_COMMAND_LINE_H_
#define MIG_MODULES_PKG_COMMAND_LINE_H_

#include <string>
#include <vector>

#include "modules/module.h"
#include "modules/pkg/parameters.h"

namespace mig::modules::pkg {

class PkgCommandLine : public CommandLine {
 public:
  void AddFlags(CLI::App& command) override;
  absl::StatusOr<std::string> ParametersJson(std::string_view working_directory) const override;

  // The parameters the flags describe, validated.
  absl::StatusOr<Parameters> ToParameters() const;

 private:
  std::vector<std::string> names_;
  std::string version_;
};

}  // namespace mig::modules::pkg

#endif  // MIG_MODULES_PKG_COMMAND_LINE_H_
