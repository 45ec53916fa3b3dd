#include "modules/pkg/command_line.h"

#include "base/status_macros.h"

namespace mig::modules::pkg {

void PkgCommandLine::AddFlags(CLI::App& command) {
  command.option_defaults()->group("Query");
  command.add_option("--name", names_, "<regex> regex on package names; repeatable, a package matching any is listed")
      ->allow_extra_args(false)
      ->type_name("");
  command
      .add_option("--version", version_,
                  "<regex> keep only versions matching the regex; '!' first keeps those not matching")
      ->type_name("");
}

absl::StatusOr<Parameters> PkgCommandLine::ToParameters() const {
  // Errors name the flags the user typed rather than the JSON fields.
  if (names_.empty()) return absl::InvalidArgumentError("-name: at least one package name regex is required");
  for (const std::string& name : names_) MIG_RETURN_IF_ERROR(CheckRegex("-name", name));
  if (!version_.empty()) {
    bool inverted = false;
    MIG_RETURN_IF_ERROR(CheckRegex("-version", VersionPattern(version_, &inverted)));
  }
  Parameters parameters{.name_matches = names_, .version_match = version_};
  MIG_RETURN_IF_ERROR(ValidateParameters(parameters));
  return parameters;
}

absl::StatusOr<std::string> PkgCommandLine::ParametersJson(std::string_view) const {
  MIG_ASSIGN_OR_RETURN(Parameters parameters, ToParameters());
  return ParametersToJson(parameters);
}

}  // namespace mig::modules::pkg
