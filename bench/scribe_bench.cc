// How long the scribe module takes to check a vulnerability-sized policy: 10,000 evr tests over 2,000
// installed packages, each gated on the host's release (read from /etc/os-release), as a converted security
// tracker would make them. Parsing and checking the policy, then evaluating it, are timed apart; the
// package list is a crafted one so that the figure does not depend on this host's packages.
//
//   bazel run -c opt //bench:scribe_bench                      # or: TESTS=50000 PACKAGES=5000 ...
//
// Prints medians; nothing here asserts a time.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "modules/scribe/evaluate.h"
#include "modules/scribe/policy.h"

namespace {

using mig::modules::pkg::InstalledPackage;
using mig::modules::pkg::Inventory;

size_t FromEnvironment(const char* name, size_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? static_cast<size_t>(std::strtoull(value, nullptr, 10)) : fallback;
}

// Versions shaped like Debian's: epochs, revisions, ~ and + suffixes.
std::string VersionFor(size_t i, size_t step) {
  std::string version = absl::StrCat(i % 3 == 0 ? "1:" : "", 1 + i % 7, ".", (i / 7) % 20, ".", step, "-", 1 + i % 4);
  if (i % 5 == 0) absl::StrAppend(&version, "~deb12u", step);
  if (i % 11 == 0) absl::StrAppend(&version, "+b1");
  return version;
}

std::vector<InstalledPackage> Packages(size_t count) {
  std::vector<InstalledPackage> packages;
  for (size_t i = 0; i < count; ++i) {
    std::string name = absl::StrCat("package-", i);
    packages.push_back({.name = name,
                        .version = VersionFor(i, 3),
                        .type = "dpkg",
                        .arch = "amd64",
                        .status = "installed",
                        .source_name = absl::StrCat("source-", i / 2),
                        .source_version = VersionFor(i, 3)});
  }
  return packages;
}

std::string Policy(size_t tests, size_t packages) {
  std::string objects = R"({"object": "os-codename", "filecontent": {"path": "/etc", "file": "^os-release$",
      "expression": "^VERSION_CODENAME=(.*)$"}})";
  std::string body = R"({"test": "release", "object": "os-codename", "regexp": {"value": "."}})";
  for (size_t p = 0; p < packages; ++p) {
    absl::StrAppend(&objects, R"(, {"object": "pkg-)", p, R"(", "package": {"name": "package-)", p, R"("}})");
  }
  for (size_t t = 0; t < tests; ++t) {
    size_t p = t % packages;
    absl::StrAppend(&body, R"(, {"test": "t)", t, R"(", "name": "package-)", p, R"( fix )", t / packages,
                    R"(", "object": "pkg-)", p, R"(", "evr": {"operation": "<", "value": ")",
                    VersionFor(p, 1 + t / packages), R"("}, "if": ["release"],
                    "tags": [{"key": "cve", "value": "CVE-2024-)",
                    10000 + t, R"("}]})");
  }
  return absl::StrCat(R"({"objects": [)", objects, R"(], "tests": [)", body, "]}");
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main() {
  size_t tests = FromEnvironment("TESTS", 10000);
  size_t package_count = FromEnvironment("PACKAGES", 2000);
  size_t runs = FromEnvironment("RUNS", 15);
  std::string text = Policy(tests, package_count);
  std::vector<InstalledPackage> packages = Packages(package_count);
  std::vector<double> parse_ms, evaluate_ms;
  size_t true_tests = 0;
  for (size_t run = 0; run < runs; ++run) {
    absl::Time start = absl::Now();
    absl::StatusOr<mig::modules::scribe::Policy> policy = mig::modules::scribe::ParsePolicyJson(text);
    absl::Time parsed = absl::Now();
    if (!policy.ok()) {
      std::fprintf(stderr, "policy: %s\n", std::string(policy.status().message()).c_str());
      return 1;
    }
    mig::modules::scribe::EvaluateOptions options;
    options.list_packages = [&packages] { return Inventory{.packages = packages}; };
    mig::modules::scribe::Evaluation evaluation = mig::modules::scribe::Evaluate(*policy, options, {});
    absl::Time evaluated = absl::Now();
    parse_ms.push_back(absl::ToDoubleMilliseconds(parsed - start));
    evaluate_ms.push_back(absl::ToDoubleMilliseconds(evaluated - parsed));
    true_tests =
        std::count_if(evaluation.tests.begin(), evaluation.tests.end(), [](const auto& r) { return r.master_result; });
  }
  std::printf("scribe: %zu tests over %zu packages, policy %.1f MiB, %zu tests true\n", tests, package_count,
              static_cast<double>(text.size()) / (1 << 20), true_tests);
  std::printf("  parse + check policy: %8.1f ms (median of %zu)\n", Median(parse_ms), runs);
  std::printf("  evaluate:             %8.1f ms\n", Median(evaluate_ms));
  std::printf("  total:                %8.1f ms\n", Median(parse_ms) + Median(evaluate_ms));
  return 0;
}
