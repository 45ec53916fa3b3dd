// The scribe module's parameters, in MIG's JSON shape:
//
//   {"scribedoc": {<a scribe policy, see policy.h>}, "onlytrue": false, "humanoutput": false, "jsonoutput": false}
//
// onlytrue returns only the tests that are true; humanoutput and jsonoutput choose how the investigator
// prints results (MIG's -human and -json), and travel with the results.
#ifndef MIG_MODULES_SCRIBE_PARAMETERS_H_
#define MIG_MODULES_SCRIBE_PARAMETERS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "modules/scribe/policy.h"

namespace mig::modules::scribe {

struct Parameters {
  Policy policy;
  bool only_true = false;
  bool human_output = false;
  bool json_output = false;
};

// Parses and checks the whole policy: any error names the test, object or field.
absl::StatusOr<Parameters> ParseParameters(std::string_view json);

// Parameters JSON around a policy document given as JSON text (checked by the caller).
std::string ParametersJson(std::string_view policy_json, bool only_true, bool human_output, bool json_output);

}  // namespace mig::modules::scribe

#endif  // MIG_MODULES_SCRIBE_PARAMETERS_H_
