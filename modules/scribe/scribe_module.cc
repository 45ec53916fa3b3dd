// The scribe module: evaluates a scribe policy (package versions, file contents, configuration lines) on
// the host and reports which tests are true, e.g. which packages are older than their security fix.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "modules/module.h"
#include "modules/result.h"
#include "modules/scribe/command_line.h"
#include "modules/scribe/evaluate.h"
#include "modules/scribe/parameters.h"
#include "modules/scribe/results.h"
#include "modules/typed_module.h"

namespace mig::modules::scribe {
namespace {

constexpr std::string_view kHelp =
    R"(Evaluates a scribe policy on the host, as MIG's scribe module: objects collect values (installed
packages and their versions, lines of configuration files, file names, raw values) and tests check them
(evr: version comparison with <, <=, =, >=, >; regexp; exactmatch; none: the object found something), each
test true only if the tests its "if" names are true too. A test per (package, fixed version) turns a
vulnerability database into "which hosts are out of date".

Versions compare exactly as the package's own manager does: dpkg's rules for dpkg packages (epoch,
upstream, revision, '~' before everything), rpm's rpmvercmp for rpm packages ('~' and '^'). The package
list is read once per run, from the databases themselves. The whole policy is checked before anything
runs: an unknown object, a cycle of "if", a bad regex or version is an error naming the test.

Policy format (mozilla/scribe):
  {"objects": [{"object": "openssl-pkg", "package": {"name": "openssl"}}],
   "tests":   [{"test": "openssl-fixed", "object": "openssl-pkg",
                "evr": {"operation": "<", "value": "3.0.15-1~deb12u1"}}]}
Objects: package {name | collectmatch (regex) | source (source package name), onlynewest},
filecontent {path, file (regex on names), expression (regex; groups are values), concat, import-chain},
filename {path, file (regex with a group)}, hasline {path, file, expression}, raw {identifiers}.
Variables ({"variables": [{"key": "root", "value": "/etc"}]}) expand ${root} in names and paths.

Exit status of a local run: 0 when a test is true, 1 when none is.

Examples:
  mig scribe --local -path policy.json -onlytrue              # what is out of date here
  mig scribe --local -path policy.json -human                 # scribe's extended output
  mig scribe policy --from-apt -o apt.json && mig scribe --local -path apt.json -onlytrue
  mig scribe evr 1:2.0~rc1-1 1:2.0-1                          # prints <  (as dpkg --compare-versions)
  mig scribe evr --rpm 1.0^git1 1.0                           # prints >)";

std::string RunScribe(const Parameters& parameters, const RunContext& context) {
  absl::Time start = absl::Now();
  Evaluation evaluation = Evaluate(parameters.policy, {}, context);
  return ResultJson(parameters, evaluation, absl::Now() - start);
}

using ScribeModule = TypedModule<Parameters, ScribeCommandLine>;

const bool kRegistered = RegisterModule(std::make_unique<ScribeModule>(ScribeModule::Spec{
    .name = "scribe",
    .summary = "evaluate a scribe policy: package versions, config lines and files, thousands of tests per host",
    .help = kHelp,
    .parse = ParseParameters,
    .run = RunScribe,
    .render = RenderResultText,
    .units = {"tests", ""},
}));

}  // namespace
}  // namespace mig::modules::scribe
