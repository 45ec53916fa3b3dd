#include "modules/sshkey/command_line.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace mig::modules::sshkey {

void SshkeyCommandLine::AddFlags(CLI::App& command) {
  command.option_defaults()->group("Search");
  command.add_option("--path", paths_, "<path>  where to search (repeatable); default /root and /home")
      ->allow_extra_args(false)
      ->type_name("");
  command.add_option("--maxdepth", max_depth_, "<n>  descend at most n directory levels (0: the default, 8)")
      ->type_name("");
}

absl::StatusOr<Parameters> SshkeyCommandLine::ToParameters(std::string_view working_directory) const {
  Parameters parameters;
  for (const std::string& path : paths_) {
    if (path.empty()) return absl::InvalidArgumentError("-path: empty path");
    parameters.paths.push_back(path[0] == '/' ? path : absl::StrCat(working_directory, "/", path));
  }
  if (max_depth_ > kMaxMaxDepth) {
    return absl::InvalidArgumentError(absl::StrCat("-maxdepth: ", max_depth_, " is out of range 0-", kMaxMaxDepth));
  }
  parameters.max_depth = max_depth_;
  MIG_RETURN_IF_ERROR(ValidateParameters(parameters));
  return parameters;
}

absl::StatusOr<std::string> SshkeyCommandLine::ParametersJson(std::string_view working_directory) const {
  MIG_ASSIGN_OR_RETURN(Parameters parameters, ToParameters(working_directory));
  return ParametersToJson(parameters);
}

}  // namespace mig::modules::sshkey
