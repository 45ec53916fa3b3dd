// The scribe module's result: MIG's envelope around scribe's test results, and the text the investigator
// prints from it.
//
//   elements:   {"results": [<scribe TestResult>...], "humanoutput": false, "jsonoutput": false}
//   TestResult: {"testid", "name", "description", "tags", "iserror", "error", "masterresult", "hastrueresults",
//                "results": [{"result", "identifier", "value"?}], "messages"?}
//   statistics: {"execruntime", "tests", "truetests", "errortests", "packages", "files"}
//
// "value" (a package's installed version, a raw value) and "messages" ("libnss3 2:3.19.1 < 2:3.19.2: out
// of date") are our additions; file contents never appear in results.
#ifndef MIG_MODULES_SCRIBE_RESULTS_H_
#define MIG_MODULES_SCRIBE_RESULTS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/module.h"
#include "modules/scribe/evaluate.h"
#include "modules/scribe/parameters.h"

namespace mig::modules::scribe {

// foundanything is true when a returned test is true: for a vulnerability policy, the host is out of date.
std::string ResultJson(const Parameters& parameters, const Evaluation& evaluation, absl::Duration runtime);

// MIG's three renderings: one greppable line per test and per value (default), scribe's extended text
// (humanoutput) or one JSON document per test (jsonoutput). -show found prints true tests, notfound false
// ones, all both plus the errors.
absl::StatusOr<std::string> RenderResultText(std::string_view result_json, const RenderOptions& options);

}  // namespace mig::modules::scribe

#endif  // MIG_MODULES_SCRIBE_RESULTS_H_
