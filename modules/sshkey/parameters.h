// The sshkey module's parameters, in MIG's JSON shape:
//
//   {"paths": ["/root", "/home"], "maxdepth": 8}
//
// Both are optional: no paths means MIG's defaults (/root and /home), maxdepth 0 means 8.
//
//   MIG_ASSIGN_OR_RETURN(Parameters params, ParseParameters(json));   // validated
#ifndef MIG_MODULES_SSHKEY_PARAMETERS_H_
#define MIG_MODULES_SSHKEY_PARAMETERS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mig::modules::sshkey {

inline constexpr uint64_t kDefaultMaxDepth = 8;
inline constexpr uint64_t kMaxMaxDepth = 1000;  // MIG's limit

// Where keys are searched when no path is given.
std::vector<std::string> DefaultPaths();

struct Parameters {
  std::vector<std::string> paths;  // absolute; empty: DefaultPaths()
  uint64_t max_depth = 0;          // 0: kDefaultMaxDepth

  uint64_t EffectiveMaxDepth() const { return max_depth == 0 ? kDefaultMaxDepth : max_depth; }
};

// Parses and validates MIG's parameters JSON; unknown fields and wrong types are errors naming the field.
absl::StatusOr<Parameters> ParseParameters(std::string_view json);

// Paths are absolute and non-empty; maxdepth is at most kMaxMaxDepth.
absl::Status ValidateParameters(const Parameters& parameters);

std::string ParametersToJson(const Parameters& parameters);

}  // namespace mig::modules::sshkey

#endif  // MIG_MODULES_SSHKEY_PARAMETERS_H_
