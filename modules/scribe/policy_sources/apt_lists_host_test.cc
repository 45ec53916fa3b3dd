// --from-apt on this host's real apt lists and changelogs, compared with what apt and dpkg say: the openssl
// test has the security suite's version (apt-cache madison), every package of the security suite has a test
// (apt-helper cat-file), and the CVEs are named, or the description says why not.
#include <cstdio>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "modules/scribe/policy.h"
#include "modules/scribe/policy_sources/make_policy.h"
#include "modules/scribe/policy_sources/os_release.h"
#include "test/shell.h"

namespace mig::modules::scribe::policy_sources {
namespace {

using ::mig::test::ShellOutput;

constexpr char kLists[] = "/var/lib/apt/lists";

// The version apt-cache madison lists for `package` from the suite.
std::string MadisonVersion(const std::string& package, const std::string& suite) {
  for (std::string_view line : absl::StrSplit(ShellOutput(absl::StrCat("apt-cache madison ", package)), '\n')) {
    std::vector<std::string> fields = absl::StrSplit(line, '|');
    if (fields.size() == 3 && absl::StrContains(fields[2], absl::StrCat(" ", suite, "/")) &&
        absl::StrContains(fields[2], "Packages")) {
      return std::string(absl::StripAsciiWhitespace(fields[1]));
    }
  }
  return "";
}

TEST_CASE("This host's apt lists: openssl at the security suite's version, with its CVEs or the reason") {
  absl::StatusOr<OsRelease> os = ReadOsRelease("/etc/os-release");
  REQUIRE(os.ok());
  const std::string& codename = os->version_codename;
  std::string security_lists =
      ShellOutput(absl::StrCat("ls ", kLists, "/*_dists_", codename, "-security_*_binary-*_Packages* 2>/dev/null"));
  if (codename.empty() || security_lists.empty()) {
    WARN("no " << codename << "-security lists in " << kLists << "; nothing to compare");
    return;
  }

  absl::Time start = absl::Now();
  absl::StatusOr<MadePolicy> made = MakePolicy({.from_apt = true});
  absl::Duration took = absl::Now() - start;
  INFO(made.status().message());
  REQUIRE(made.ok());
  REQUIRE(made->reports.size() == 1);
  const SourceReport& report = made->reports[0];
  std::cout << report.source << ": " << report.Summary() << " in " << absl::FormatDuration(took) << "\n";
  for (const std::string& warning : report.warnings) std::cout << "warning: " << warning << "\n";

  // The scribe engine takes every version and test of it.
  absl::StatusOr<Policy> policy = ParsePolicyJson(made->json);
  INFO(policy.status().message());
  CHECK(policy.ok());

  // One test per package of the security suite, as apt itself reads the lists.
  std::string packages = ShellOutput(absl::StrCat("for f in ", kLists, "/*_dists_", codename,
                                                  "-security_*_binary-*_Packages*; do /usr/lib/apt/apt-helper cat-file "
                                                  "\"$f\"; done | sed -n 's/^Package: //p' | sort -u"));
  std::set<std::string> expected_packages = absl::StrSplit(packages, '\n', absl::SkipEmpty());
  CHECK(report.packages == expected_packages);
  CHECK(report.tests == expected_packages.size());

  std::string security_version = MadisonVersion("openssl", absl::StrCat(codename, "-security"));
  REQUIRE_FALSE(security_version.empty());
  std::string suite = absl::StrCat(codename, "-security");

  // The test as the policy has it: from its "test" line to the next test's.
  std::string id = absl::StrCat("apt:", suite, ":openssl");
  size_t at = made->json.find(absl::StrCat("\"test\": \"", id, "\""));
  REQUIRE(at != std::string::npos);
  size_t end = made->json.find("\"test\": ", at + 1);
  std::string test_json = made->json.substr(at, end == std::string::npos ? std::string::npos : end - at);
  INFO(test_json);
  CHECK(absl::StrContains(test_json,
                          absl::StrCat("\"operation\": \"<\",\n        \"value\": \"", security_version, "\"")));
  CHECK(absl::StrContains(test_json, "\"release-debian-" + codename + "\""));

  // What the changelog can say depends on how up to date this host is.
  std::string installed = ShellOutput("dpkg-query -W -f='${db:Status-Status} ${source:Version}' openssl 2>/dev/null");
  std::string main_version = MadisonVersion("openssl", codename);
  std::cout << "openssl: installed '" << installed << "', main " << main_version << ", " << suite << " "
            << security_version << "\n";
  std::cout << test_json << "\n";
  if (!absl::StartsWith(installed, "installed ")) {
    CHECK(absl::StrContains(test_json, "There is no changelog of openssl here"));
  } else {
    std::string installed_version(absl::StripPrefix(installed, "installed "));
    std::string dpkg_says = ShellOutput(
        absl::StrCat("dpkg --compare-versions '", installed_version, "' ge '", security_version, "' && echo current"));
    if (absl::StartsWith(dpkg_says, "current")) {
      // The changelog has the update's entries: the CVEs they name are tags.
      CHECK(absl::StrContains(test_json, "\"key\": \"cve\""));
      CHECK(absl::StrContains(test_json, "(from the changelog)"));
    } else {
      CHECK(absl::StrContains(test_json, absl::StrCat("The changelog here ends at ", installed_version,
                                                      " (this host is out of date itself)")));
    }
  }
}

}  // namespace
}  // namespace mig::modules::scribe::policy_sources
