// CompareRpmVersions() against the real rpm of this host (rpm.vercmp() in rpm's Lua, one rpm process for
// every pair), on this host's package versions and thousands of variations of them, '~' and '^' included.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "catch2/catch.hpp"
#include "modules/scribe/evr/differential_testing.h"
#include "modules/scribe/evr/evr.h"

namespace mig::modules::scribe {
namespace {

using testing::Capture;
using testing::FindToolOrFail;
using testing::HostPackageVersions;
using testing::MakeVersionPairs;
using testing::Random;
using testing::RunTool;
using testing::ToolRun;
using testing::VersionPair;

constexpr uint64_t kSeed = 0x72706d;  // "rpm"
constexpr size_t kPairs = 8000;
constexpr size_t kShown = 20;

std::string Quoted(std::string_view s) { return absl::StrCat("'", absl::CEscape(s), "'"); }

// One integer per line, as printed by the Lua script.
std::vector<int> ParseResults(std::string_view output) {
  std::vector<int> results;
  for (std::string_view line : absl::StrSplit(output, '\n', absl::SkipWhitespace())) {
    int result = 0;
    REQUIRE(absl::SimpleAtoi(line, &result));
    results.push_back(result);
  }
  return results;
}

// Runs rpm.vercmp(a, b) in rpm's Lua for every line "a\tb" of `pairs_file`.
ToolRun RpmVercmp(const std::string& rpm, const std::string& pairs_file) {
  return RunTool(
      {rpm, "--eval",
       absl::StrCat("%{lua: for line in io.lines('", pairs_file,
                    "') do local a, b = line:match('^(.-)\\t(.*)$') io.write(rpm.vercmp(a, b), '\\n') end}")},
      Capture::kStdout);
}

TEST_CASE("rpm's Lua has rpm.vercmp() with rpm >= 4.15's order") {
  std::string rpm = FindToolOrFail("rpm");
  ToolRun probe = RunTool({rpm, "--eval",
                           "%{lua: io.write(rpm.vercmp('1.0^git1', '1.0'), ' ', rpm.vercmp('1.0~rc1', '1.0'), ' ', "
                           "rpm.vercmp('1:1.0', '2.0'), ' ', rpm.vercmp('1.0', '1.0-1'), '\\n')}"},
                          Capture::kStdout);
  INFO(probe.output);
  REQUIRE(probe.exit_code == 0);
  // '^' after the end, '~' before it, the epoch first; and a missing release before any release.
  CHECK(probe.output.substr(0, probe.output.find('\n')) == "1 -1 1 -1");
}

TEST_CASE("Version order agrees with rpm's rpm.vercmp()") {
  std::string rpm = FindToolOrFail("rpm");
  std::vector<std::string> versions = HostPackageVersions();
  Random random(kSeed);
  std::vector<VersionPair> pairs = MakeVersionPairs(versions, kPairs, VersionScheme::kRpm, random);

  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string pairs_file = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/rpm_vercmp_pairs.txt");
  size_t without_release = 0, with_tilde = 0, with_caret = 0;
  {
    std::ofstream out(pairs_file, std::ios::binary | std::ios::trunc);
    for (const VersionPair& pair : pairs) {
      std::string_view a = pair.a, b = pair.b;
      if ((pair.a.find('-') == std::string::npos) != (pair.b.find('-') == std::string::npos)) ++without_release;
      if ((pair.a + pair.b).find('~') != std::string::npos) ++with_tilde;
      if ((pair.a + pair.b).find('^') != std::string::npos) ++with_caret;
      out << a << '\t' << b << '\n';
    }
    REQUIRE(out.good());
  }

  auto start = std::chrono::steady_clock::now();
  ToolRun run = RpmVercmp(rpm, pairs_file);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(run.output.substr(0, 2000));
  REQUIRE(run.exit_code == 0);
  std::vector<int> results = ParseResults(run.output);
  REQUIRE(results.size() == pairs.size());

  size_t by_order[3] = {};
  std::vector<size_t> disagreements;
  for (size_t i = 0; i < pairs.size(); ++i) {
    int ours = CompareRpmVersions(pairs[i].a, pairs[i].b);
    ++by_order[ours + 1];
    if (ours != results[i]) disagreements.push_back(i);
  }
  std::cout << "rpm: " << pairs.size() << " pairs (" << by_order[0] << " lt, " << by_order[1] << " eq, " << by_order[2]
            << " gt; " << with_tilde << " with '~', " << with_caret << " with '^', " << without_release
            << " with one release) compared with rpm.vercmp() in " << seconds << " s; " << disagreements.size()
            << " disagreements\n";
  for (size_t k = 0; k < disagreements.size() && k < kShown; ++k) {
    size_t i = disagreements[k];
    std::cout << "  disagreement: a=" << Quoted(pairs[i].a) << " b=" << Quoted(pairs[i].b) << ": ours "
              << CompareRpmVersions(pairs[i].a, pairs[i].b) << ", rpm " << results[i] << "\n";
  }
  CHECK(disagreements.empty());
  CHECK(by_order[0] > pairs.size() / 10);
  CHECK(by_order[1] > pairs.size() / 20);
  CHECK(by_order[2] > pairs.size() / 10);
  CHECK(with_tilde > pairs.size() / 20);
  CHECK(with_caret > pairs.size() / 50);
}

}  // namespace
}  // namespace mig::modules::scribe
