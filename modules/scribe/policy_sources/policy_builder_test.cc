// The policy builder: the JSON it writes (checked byte for byte and by the scribe engine's own parser), its
// refusals, the release gate, and the helpers that order and name ids.
#include "modules/scribe/policy_sources/policy_builder.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "modules/scribe/policy.h"
#include "modules/scribe/policy_sources/os_release.h"

namespace mig::modules::scribe::policy_sources {
namespace {

TEST_CASE("A release gate and a test depending on it, written as scribe reads them") {
  PolicyBuilder builder;
  std::string gate = builder.AddReleaseGate({"debian", ReleaseMatch::kCodename, "bookworm"});
  CHECK(gate == "release-debian-bookworm");
  // The same gate again adds nothing.
  CHECK(builder.AddReleaseGate({"debian", ReleaseMatch::kCodename, "bookworm"}) == gate);
  std::string object = builder.AddSourcePackageObject("openssl");
  CHECK(object == "source-package-openssl");
  REQUIRE(builder
              .AddTest({.id = "t1",
                        .name = "openssl < 3.0.11-1~deb12u2",
                        .description = "fixes CVE-2023-5363",
                        .object = object,
                        .evaluator = EvrCheck{EvrOperation::kLess, "3.0.11-1~deb12u2"},
                        .if_tests = {gate},
                        .tags = {{"cve", "CVE-2023-5363"}}})
              .ok());
  CHECK(builder.test_count() == 3);
  CHECK(builder.object_count() == 3);
  const std::string expected = R"({
  "objects": [
    {
      "object": "os-release-id",
      "filecontent": {
        "path": "/etc",
        "file": "^os-release$",
        "expression": "^ID=\"?([^\"]*)\"?$"
      }
    },
    {
      "object": "os-release-version-codename",
      "filecontent": {
        "path": "/etc",
        "file": "^os-release$",
        "expression": "^VERSION_CODENAME=\"?([^\"]*)\"?$"
      }
    },
    {
      "object": "source-package-openssl",
      "package": {
        "source": "openssl"
      }
    }
  ],
  "tests": [
    {
      "test": "os-debian",
      "name": "the host runs debian",
      "description": "/etc/os-release has ID=debian.",
      "object": "os-release-id",
      "exactmatch": {
        "value": "debian"
      }
    },
    {
      "test": "release-debian-bookworm",
      "name": "the host runs debian bookworm",
      "description": "/etc/os-release has ID=debian and VERSION_CODENAME=bookworm; the tests for that release depend on this one.",
      "object": "os-release-version-codename",
      "exactmatch": {
        "value": "bookworm"
      },
      "if": [
        "os-debian"
      ]
    },
    {
      "test": "t1",
      "name": "openssl < 3.0.11-1~deb12u2",
      "description": "fixes CVE-2023-5363",
      "object": "source-package-openssl",
      "evr": {
        "operation": "<",
        "value": "3.0.11-1~deb12u2"
      },
      "if": [
        "release-debian-bookworm"
      ],
      "tags": [
        {
          "key": "cve",
          "value": "CVE-2023-5363"
        }
      ]
    }
  ]
}
)";
  CHECK(builder.ToJson() == expected);
  // The engine takes it as it is.
  absl::StatusOr<Policy> policy = ParsePolicyJson(builder.ToJson());
  INFO(policy.status().message());
  REQUIRE(policy.ok());
  CHECK(policy->tests.size() == 3);
  CHECK(policy->tests[2].if_tests == std::vector<size_t>{1});
}

TEST_CASE("Release gates by VERSION_ID, exact or by major version, with the regex scribe runs") {
  PolicyBuilder builder;
  CHECK(builder.AddReleaseGate({"ubuntu", ReleaseMatch::kVersionId, "22.04"}) == "release-ubuntu-22.04");
  CHECK(builder.AddReleaseGate({"almalinux", ReleaseMatch::kMajorVersion, "9"}) == "release-almalinux-9");
  REQUIRE(builder.tests().size() == 4);
  CHECK(builder.tests()[0].id == "os-ubuntu");
  CHECK(std::get<ExactMatch>(builder.tests()[1].evaluator).value == "22.04");
  CHECK(builder.tests()[1].object == "os-release-version-id");
  CHECK(builder.tests()[2].id == "os-almalinux");
  const std::string& regex = std::get<RegexpMatch>(builder.tests()[3].evaluator).value;
  CHECK(regex == "^9(\\.[0-9]+)*$");
  absl::StatusOr<Policy> policy = ParsePolicyJson(builder.ToJson());
  REQUIRE(policy.ok());
  const RE2& compiled = *policy->tests[3].regex;
  for (const char* yes : {"9", "9.3", "9.10"}) CHECK(RE2::PartialMatch(yes, compiled));
  for (const char* no : {"90", "8.9", "19", "9a"}) CHECK_FALSE(RE2::PartialMatch(no, compiled));
}

TEST_CASE("The builder refuses what would make a broken policy") {
  PolicyBuilder builder;
  REQUIRE(builder.AddObject({"o", PackageByName{"a"}}).ok());
  CHECK(builder.AddObject({"o", PackageByName{"a"}}).ok());  // the same object again
  absl::Status clash = builder.AddObject({"o", PackageBySource{"a"}});
  CHECK(clash.code() == absl::StatusCode::kInternal);
  CHECK(builder.object_count() == 1);

  REQUIRE(builder.AddTest({.id = "t", .object = "o"}).ok());
  CHECK(builder.AddTest({.id = "t", .object = "o"}).code() == absl::StatusCode::kAlreadyExists);
  absl::Status unknown_object = builder.AddTest({.id = "u", .object = "nope"});
  CHECK(unknown_object.message() == "test \"u\" names the unknown object \"nope\"");
  absl::Status unknown_if = builder.AddTest({.id = "v", .object = "o", .if_tests = {"missing"}});
  CHECK(unknown_if.message() == "test \"v\" depends on the unknown test \"missing\"");
  CHECK(builder.AddTest({.object = "o"}).code() == absl::StatusCode::kInvalidArgument);
  CHECK(builder.test_count() == 1);
}

TEST_CASE("class policy-round-trip: a version enters a test only if the policy reader accepts it") {
  struct Case {
    const char* version;
    VersionScheme scheme;
    bool accepted;
  };
  // dpkg trims the blanks around a version; a policy written without a scheme is read by rpm's rules, which do
  // not (the sources fuzzer's finding: a tracker's "    0" made a policy that mig scribe refused whole).
  const Case cases[] = {
      {"3.0.11-1~deb12u2", VersionScheme::kDpkg, true},
      {"    0", VersionScheme::kDpkg, false},
      {"1.0 ", VersionScheme::kDpkg, false},
      {"1:", VersionScheme::kDpkg, false},
      {"1.0-1.el9", VersionScheme::kRpm, true},
      {"1.0 -1", VersionScheme::kRpm, false},
  };
  for (const Case& c : cases) {
    INFO(c.version);
    CHECK(CheckSourceVersion(c.version, c.scheme).ok() == c.accepted);
    PolicyBuilder builder;
    std::string object = builder.AddBinaryPackageObject("a");
    absl::Status added =
        builder.AddTest({.id = "t", .object = object, .evaluator = EvrCheck{EvrOperation::kLess, c.version}});
    // The builder's own check is the reader's (for dpkg-only refusals the source has already said no).
    if (c.accepted) {
      CHECK(added.ok());
      CHECK(ParsePolicyJson(builder.ToJson()).ok());
    }
    if (!CheckEvrValue(c.version, std::nullopt).ok()) CHECK(added.code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Every evaluator and operation is written as scribe spells it") {
  struct Case {
    Evaluator evaluator;
    const char* json;
  };
  const Case cases[] = {
      {EvrCheck{EvrOperation::kLess, "1"}, R"("evr":{"operation":"<","value":"1"})"},
      {EvrCheck{EvrOperation::kLessOrEqual, "1"}, R"("evr":{"operation":"<=","value":"1"})"},
      {EvrCheck{EvrOperation::kEqual, "1"}, R"("evr":{"operation":"=","value":"1"})"},
      {EvrCheck{EvrOperation::kGreaterOrEqual, "1"}, R"("evr":{"operation":">=","value":"1"})"},
      {EvrCheck{EvrOperation::kGreater, "1"}, R"("evr":{"operation":">","value":"1"})"},
      {ExactMatch{"x"}, R"("exactmatch":{"value":"x"})"},
      {RegexpMatch{"^x$"}, R"("regexp":{"value":"^x$"})"},
  };
  for (const Case& c : cases) {
    PolicyBuilder builder;
    std::string object = builder.AddBinaryPackageObject("a");
    REQUIRE(builder.AddTest({.id = "t", .object = object, .evaluator = c.evaluator}).ok());
    std::string compact;
    for (char ch : builder.ToJson()) {
      if (ch != ' ' && ch != '\n') compact.push_back(ch);
    }
    INFO(compact);
    CHECK(compact.find(c.json) != std::string::npos);
    CHECK(ParsePolicyJson(builder.ToJson()).ok());
  }
  // No evaluator: nothing but the object ("true when the object found anything").
  PolicyBuilder builder;
  std::string object = builder.AddBinaryPackageObject("a");
  REQUIRE(builder.AddTest({.id = "t", .object = object}).ok());
  std::string json = builder.ToJson();
  CHECK(json.find("evr") == std::string::npos);
  CHECK(json.find("\"if\"") == std::string::npos);
  CHECK(json.find("\"tags\"") == std::string::npos);
}

TEST_CASE("Ids sort by the value of their numbers") {
  struct Case {
    const char* a;
    const char* b;
    bool less;
  };
  constexpr Case kCases[] = {
      {"CVE-2024-9999", "CVE-2024-10000", true},
      {"CVE-2024-10000", "CVE-2024-9999", false},
      {"CVE-2023-50000", "CVE-2024-1000", true},
      {"CVE-2024-1", "CVE-2024-1", false},
      {"DSA-5678-1", "DSA-5678-2", true},
      {"CVE-2024-1", "DSA-1", true},
      {"a", "ab", true},
      {"ab", "a", false},
      {"x01", "x1", true},
      {"x1", "x01", false},
      {"x2y", "x10", true},
      {"", "a", true},
  };
  for (const Case& c : kCases) {
    INFO(c.a << " < " << c.b);
    CHECK(NaturalLess(c.a, c.b) == c.less);
  }
}

TEST_CASE("Vulnerability ids become tags and lists") {
  CHECK(VulnerabilityTag("CVE-2024-1") == PolicyTag{"cve", "CVE-2024-1"});
  CHECK(VulnerabilityTag("DSA-5678-1") == PolicyTag{"advisory", "DSA-5678-1"});
  CHECK(VulnerabilityTag("TEMP-0000000-ABCDEF") == PolicyTag{"advisory", "TEMP-0000000-ABCDEF"});
  CHECK(JoinIds({"A", "B"}) == "A, B");
  CHECK(JoinIds({"A", "B", "C", "D"}, 2) == "A, B and 2 more");

  SourceReport report;
  report.tests = 1;
  report.packages = {"openssl"};
  report.cves = {"CVE-1", "CVE-2"};
  CHECK(report.Summary() == "1 test for 1 package, 2 CVEs");
  report.Skip("not affected");
  report.Skip("not affected");
  report.Skip("odd");
  CHECK(report.Summary() == "1 test for 1 package, 2 CVEs; skipped: 2 not affected, 1 odd");
}

TEST_CASE("os-release values, quoted or not") {
  OsRelease os = ParseOsRelease(
      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
      "# a comment\n"
      "VERSION_ID=\"12\"\n"
      "VERSION_CODENAME=bookworm\n"
      "ID='debian'\n"
      "garbage line\n");
  CHECK(os.id == "debian");
  CHECK(os.version_id == "12");
  CHECK(os.version_codename == "bookworm");
  CHECK(ParseOsRelease("ID=\"a\\\"b\"").id == "a\"b");
  CHECK(ReadOsRelease("/nonexistent/os-release").status().code() == absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace mig::modules::scribe::policy_sources
