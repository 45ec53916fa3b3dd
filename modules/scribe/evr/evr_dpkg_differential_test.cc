// CompareDpkgVersions() and CheckVersion(kDpkg) against the real `dpkg --compare-versions` of this host, on
// its package versions (dpkg's status file and the apt lists) and thousands of variations of them. Any
// disagreement fails, and the first ones are printed in full.
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "modules/scribe/evr/differential_testing.h"
#include "modules/scribe/evr/evr.h"

namespace mig::modules::scribe {
namespace {

using testing::Capture;
using testing::DamageVersion;
using testing::FindToolOrFail;
using testing::HostPackageVersions;
using testing::MakeVersionPairs;
using testing::MutateVersion;
using testing::ParallelFor;
using testing::Random;
using testing::RunTool;
using testing::ToolRun;
using testing::VersionPair;

constexpr uint64_t kSeed = 0x6d6967;  // "mig"
constexpr size_t kPairs = 5000;
constexpr size_t kChecks = 600;
constexpr int kThreads = 2;
constexpr size_t kShown = 20;

const char* Relation(int order) { return order < 0 ? "lt" : order == 0 ? "eq" : "gt"; }

// dpkg's exit status for `a op b`: 0 when it holds, 1 when it does not, anything else an error.
int DpkgHolds(const std::string& dpkg, const std::string& a, const char* op, const std::string& b) {
  return RunTool({dpkg, "--compare-versions", a, op, b}, Capture::kNothing).exit_code;
}

// What dpkg says of a pair, for the report of a disagreement.
std::string DpkgRelation(const std::string& dpkg, const std::string& a, const std::string& b) {
  for (const char* op : {"lt", "eq", "gt"}) {
    int code = DpkgHolds(dpkg, a, op, b);
    if (code == 0) return op;
    if (code != 1) return absl::StrCat("error (exit ", code, ")");
  }
  return "none of lt, eq, gt";
}

std::string Quoted(const std::string& s) { return absl::StrCat("'", absl::CEscape(s), "'"); }

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_CASE("Version order agrees with dpkg --compare-versions") {
  std::string dpkg = FindToolOrFail("dpkg");
  std::vector<std::string> versions = HostPackageVersions();
  Random random(kSeed);
  std::vector<VersionPair> pairs = MakeVersionPairs(versions, kPairs, VersionScheme::kDpkg, random);

  auto start = std::chrono::steady_clock::now();
  std::vector<int> ours(pairs.size());
  std::vector<int> verdicts(pairs.size());
  ParallelFor(pairs.size(), kThreads, [&](size_t i) {
    ours[i] = CompareDpkgVersions(pairs[i].a, pairs[i].b);
    // dpkg's lt, eq and gt are strict: one call confirms our answer exactly.
    verdicts[i] = DpkgHolds(dpkg, pairs[i].a, Relation(ours[i]), pairs[i].b);
  });
  double seconds = SecondsSince(start);

  size_t by_order[3] = {};
  size_t equal_spelled_differently = 0, with_tilde = 0;
  std::vector<size_t> disagreements;
  for (size_t i = 0; i < pairs.size(); ++i) {
    ++by_order[ours[i] + 1];
    if (ours[i] == 0 && pairs[i].a != pairs[i].b) ++equal_spelled_differently;
    if ((pairs[i].a + pairs[i].b).find('~') != std::string::npos) ++with_tilde;
    if (verdicts[i] != 0) disagreements.push_back(i);
  }
  std::cout << "dpkg: " << versions.size() << " host versions; " << pairs.size() << " pairs (" << by_order[0] << " lt, "
            << by_order[1] << " eq of which " << equal_spelled_differently << " spelled differently, " << by_order[2]
            << " gt; " << with_tilde << " with '~') compared with dpkg in " << seconds << " s; " << disagreements.size()
            << " disagreements\n";
  for (size_t k = 0; k < disagreements.size() && k < kShown; ++k) {
    const VersionPair& pair = pairs[disagreements[k]];
    std::cout << "  disagreement: a=" << Quoted(pair.a) << " b=" << Quoted(pair.b) << ": ours "
              << Relation(ours[disagreements[k]]) << ", dpkg " << DpkgRelation(dpkg, pair.a, pair.b) << "\n";
  }
  CHECK(disagreements.empty());
  // Every outcome, and the edges, are well represented.
  CHECK(by_order[0] > pairs.size() / 10);
  CHECK(by_order[1] > pairs.size() / 20);
  CHECK(equal_spelled_differently > pairs.size() / 50);
  CHECK(by_order[2] > pairs.size() / 10);
  CHECK(with_tilde > pairs.size() / 20);
}

TEST_CASE("CheckVersion refuses exactly what dpkg refuses, for the same reason") {
  std::string dpkg = FindToolOrFail("dpkg");
  std::vector<std::string> versions = HostPackageVersions();
  Random random(kSeed + 1);
  std::vector<std::string> candidates;
  while (candidates.size() < kChecks) {
    const std::string& base = random.Pick(versions);
    std::string v = DamageVersion(random.OneIn(3) ? MutateVersion(base, VersionScheme::kDpkg, random) : base, random);
    // dpkg --compare-versions reads a leading '-' as an option, and "" and "<unknown>" as no version at all.
    if (v.empty() || v[0] == '-' || v == "<unknown>") continue;
    candidates.push_back(std::move(v));
  }

  auto start = std::chrono::steady_clock::now();
  std::vector<ToolRun> runs(candidates.size());
  ParallelFor(candidates.size(), kThreads, [&](size_t i) {
    runs[i] = RunTool({dpkg, "--compare-versions", candidates[i], "eq", candidates[i]}, Capture::kStderr);
  });
  double seconds = SecondsSince(start);

  // dpkg exits 0 (after warnings, if any) or 2 with "dpkg: error: version '...' has bad syntax: <why>".
  constexpr std::string_view kBadSyntax = "has bad syntax: ";
  auto why = [&](std::string_view message) -> std::string {
    size_t at = message.find(kBadSyntax);
    if (at == std::string_view::npos) return std::string(message);
    message.remove_prefix(at + kBadSyntax.size());
    return std::string(message.substr(0, message.find('\n')));
  };
  std::map<std::string, size_t> by_reason;
  std::vector<std::string> disagreements;
  for (size_t i = 0; i < candidates.size(); ++i) {
    absl::Status ours = CheckVersion(candidates[i], VersionScheme::kDpkg);
    std::string our_reason = ours.ok() ? "" : why(ours.message());
    std::string dpkg_reason = runs[i].exit_code == 0 ? "" : why(runs[i].output);
    ++by_reason[our_reason.empty() ? "(valid)" : our_reason];
    if ((runs[i].exit_code != 0 && runs[i].exit_code != 2) || our_reason != dpkg_reason) {
      disagreements.push_back(absl::StrCat(Quoted(candidates[i]), ": ours '", our_reason, "', dpkg (exit ",
                                           runs[i].exit_code, ") '", dpkg_reason, "'"));
    }
  }
  std::cout << "dpkg: " << candidates.size() << " versions checked with dpkg in " << seconds << " s; "
            << disagreements.size() << " disagreements\n";
  for (const auto& [reason, count] : by_reason) std::cout << "  " << count << " " << reason << "\n";
  for (size_t k = 0; k < disagreements.size() && k < kShown; ++k) {
    std::cout << "  disagreement: " << disagreements[k] << "\n";
  }
  CHECK(disagreements.empty());
  CHECK(by_reason["(valid)"] > candidates.size() / 10);
  CHECK(by_reason["(valid)"] < candidates.size() * 9 / 10);
}

}  // namespace
}  // namespace mig::modules::scribe
