// The whole path on this host: a policy made from its own apt lists (`mig scribe policy --from-apt`),
// evaluated by the scribe engine on its installed packages, finds exactly what apt itself says is
// upgradable from the security suite.
#include <cstdio>
#include <set>
#include <string>

#include "absl/strings/str_split.h"
#include "catch2/catch.hpp"
#include "modules/scribe/evaluate.h"
#include "modules/scribe/policy.h"
#include "modules/scribe/policy_sources/make_policy.h"
#include "test/shell.h"

namespace mig::modules::scribe::policy_sources {
namespace {

using ::mig::test::Shell;

TEST_CASE("A policy from this host's apt lists finds what apt list --upgradable says the security suite fixes") {
  absl::StatusOr<MadePolicy> made = MakePolicy({.from_apt = true});
  INFO(made.status().message());
  REQUIRE(made.ok());
  absl::StatusOr<Policy> policy = ParsePolicyJson(made->json);
  INFO(policy.status().message());
  REQUIRE(policy.ok());
  Evaluation evaluation = Evaluate(*policy, {}, {});
  REQUIRE_FALSE(evaluation.incomplete);

  // Packages of the tests that are true: installed older than the security suite's version.
  std::set<std::string> out_of_date;
  for (const TestResult& result : evaluation.tests) {
    INFO(policy->tests[result.test].id << ": " << result.error);
    REQUIRE_FALSE(result.is_error);
    if (!result.master_result || policy->tests[result.test].id.rfind("apt:", 0) != 0) continue;
    for (const SubResult& sub : result.results) {
      if (sub.result) out_of_date.insert(sub.identifier);
    }
  }

  // apt's view: "name/suite[,suite] version arch [upgradable from: old]".
  std::set<std::string> upgradable, upgradable_from_security;
  for (std::string_view line : absl::StrSplit(Shell("apt list --upgradable 2>/dev/null"), '\n')) {
    size_t slash = line.find('/');
    if (slash == std::string_view::npos) continue;  // "Listing..."
    std::string name(line.substr(0, slash));
    upgradable.insert(name);
    std::string_view suites = line.substr(slash + 1, line.find(' ') - slash - 1);
    if (suites.find("-security") != std::string_view::npos) upgradable_from_security.insert(name);
  }
  INFO(out_of_date.size() << " out of date by the policy; apt: " << upgradable.size() << " upgradable, "
                          << upgradable_from_security.size() << " from the security suite");
  // Everything apt would upgrade from the security suite is found...
  for (const std::string& name : upgradable_from_security) {
    INFO(name);
    CHECK(out_of_date.count(name) == 1);
  }
  // ...and everything found is upgradable (from the security suite, or from a newer version elsewhere).
  for (const std::string& name : out_of_date) {
    INFO(name);
    CHECK(upgradable.count(name) == 1);
  }
}

}  // namespace
}  // namespace mig::modules::scribe::policy_sources
