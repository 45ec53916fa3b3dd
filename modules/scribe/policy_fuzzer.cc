// Fuzzes the scribe policy parser and the version comparisons: any input must be parsed or refused
// without crashing; a parsed policy orders every test after its dependencies; and the version order must
// be a consistent order (antisymmetric, reflexive) under both package managers' rules, whatever the bytes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modules/scribe/evr/evr.h"
#include "modules/scribe/policy.h"

namespace {

using mig::modules::scribe::CompareVersions;
using mig::modules::scribe::VersionScheme;

void CheckOrder(std::string_view a, std::string_view b) {
  for (VersionScheme scheme : {VersionScheme::kDpkg, VersionScheme::kRpm}) {
    int ab = CompareVersions(a, b, scheme);
    int ba = CompareVersions(b, a, scheme);
    if ((ab < 0) != (ba > 0) || (ab == 0) != (ba == 0)) __builtin_trap();
    if (CompareVersions(a, a, scheme) != 0) __builtin_trap();
    (void)mig::modules::scribe::CheckVersion(a, scheme);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<mig::modules::scribe::Policy> policy = mig::modules::scribe::ParsePolicyJson(input);
  if (policy.ok()) {
    std::vector<bool> done(policy->tests.size(), false);
    if (policy->evaluation_order.size() != policy->tests.size()) __builtin_trap();
    for (size_t test : policy->evaluation_order) {
      for (size_t dependency : policy->tests[test].if_tests) {
        if (!done[dependency]) __builtin_trap();
      }
      done[test] = true;
    }
  }
  // The input split in two is a pair of versions.
  size_t half = size / 2;
  CheckOrder(input.substr(0, half), input.substr(half));
  return 0;
}
