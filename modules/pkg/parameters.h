// The pkg module's parameters, in MIG's JSON shape:
//
//   {"pkgmatch": {"matches": ["^openssl", "^libssl"]}, "vermatch": "^3\\."}
//
// Each of `matches` is a regex on package names (a package is listed when any matches); `vermatch`, if
// set, is a regex the version must match, or must not match when it starts with '!'.
//
//   MIG_ASSIGN_OR_RETURN(Parameters params, ParseParameters(json));   // validated
//   std::string json = ParametersToJson(params);
#ifndef MIG_MODULES_PKG_PARAMETERS_H_
#define MIG_MODULES_PKG_PARAMETERS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mig::modules::pkg {

struct Parameters {
  std::vector<std::string> name_matches;  // "pkgmatch": {"matches": [...]}
  std::string version_match;              // "vermatch"; empty: any version
};

// Parses and validates MIG's parameters JSON; unknown fields and wrong types are errors naming the field.
absl::StatusOr<Parameters> ParseParameters(std::string_view json);

// At least one name regex; every regex compiles (RE2, Go syntax).
absl::Status ValidateParameters(const Parameters& parameters);

// A non-empty regex that compiles; errors start with `what` ("-name", "pkgmatch.matches[0]").
absl::Status CheckRegex(std::string_view what, std::string_view pattern);

// The version regex without MIG's inverting '!' (a lone "!" is a regex, not an inversion of nothing).
std::string_view VersionPattern(std::string_view version_match, bool* inverted);

std::string ParametersToJson(const Parameters& parameters);

}  // namespace mig::modules::pkg

#endif  // MIG_MODULES_PKG_PARAMETERS_H_
