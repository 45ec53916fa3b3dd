// The Debian security tracker's JSON to tests: grouping by fixed version, releases, statuses, urgencies, and
// the errors for documents that are not the tracker's.
#include "modules/scribe/policy_sources/debian_tracker.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "modules/scribe/policy.h"
#include "modules/scribe/policy_sources/test_files.h"

namespace mig::modules::scribe::policy_sources {
namespace {

// Shaped as the real file: packages, CVE ids (and TEMP ids), per-release entries with repositories.
constexpr char kTracker[] = R"({
  "openssl": {
    "CVE-2023-5363": {
      "description": "Incorrect cipher key & IV length processing",
      "scope": "remote",
      "releases": {
        "bookworm": {"status": "resolved", "repositories": {"bookworm": "3.0.11-1~deb12u2"},
                     "fixed_version": "3.0.11-1~deb12u2", "urgency": "not yet assigned"},
        "bullseye": {"status": "resolved", "repositories": {"bullseye": "1.1.1w-0+deb11u1"},
                     "fixed_version": "0", "urgency": "not yet assigned"},
        "sid": {"status": "resolved", "repositories": {"sid": "3.1.4-2"}, "fixed_version": "3.0.12-1",
                "urgency": "not yet assigned"}
      }
    },
    "CVE-2023-5678": {
      "description": "Excessive time spent in DH check / generation with large Q parameter value",
      "scope": "local",
      "releases": {
        "bookworm": {"status": "resolved", "repositories": {"bookworm": "3.0.11-1~deb12u2"},
                     "fixed_version": "3.0.11-1~deb12u2", "urgency": "low**"},
        "bullseye": {"status": "resolved", "repositories": {"bullseye": "1.1.1w-0+deb11u1"},
                     "fixed_version": "1.1.1w-0+deb11u2", "urgency": "low"}
      }
    },
    "CVE-2023-2650": {
      "description": "Possible DoS translating ASN.1 object identifiers",
      "releases": {
        "bookworm": {"status": "resolved", "fixed_version": "3.0.9-1", "urgency": "medium"}
      }
    }
  },
  "linux": {
    "CVE-2024-26581": {
      "releases": {
        "bookworm": {"status": "open", "repositories": {"bookworm": "6.1.76-1"}, "urgency": "high"},
        "bullseye": {"status": "undetermined", "urgency": "not yet assigned"}
      }
    },
    "CVE-2024-26582": {
      "releases": {"bookworm": {"status": "undetermined", "urgency": "low"}}
    }
  },
  "zlib": {
    "TEMP-0000000-1C3FD5": {
      "description": "zlib bug",
      "releases": {"bookworm": {"status": "resolved", "fixed_version": "1:1.2.13.dfsg-1", "urgency": "unimportant"}}
    }
  },
  "curl": {
    "CVE-2020-8169": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "0", "urgency": "low"}}},
    "CVE-2099-0001": {"description": "no releases at all"}
  },
  "badver": {
    "CVE-2024-9999": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "1:", "urgency": "low"}}}
  }
})";

TEST_CASE("One test per source package and fixed version, for the release asked") {
  PolicyBuilder builder;
  absl::StatusOr<SourceReport> report =
      AddDebianTrackerTests(kTracker, "tracker.json", {.releases = {"bookworm"}}, &builder);
  INFO(report.status().message());
  REQUIRE(report.ok());
  // Versions in dpkg's order (3.0.9 before 3.0.11), packages by name; open, undetermined, "0" and the bad
  // version make no test.
  CHECK(TestIds(builder) == std::vector<std::string>{
                                "os-debian",
                                "release-debian-bookworm",
                                "debian-tracker:bookworm:openssl:3.0.9-1",
                                "debian-tracker:bookworm:openssl:3.0.11-1~deb12u2",
                                "debian-tracker:bookworm:zlib:1:1.2.13.dfsg-1",
                            });
  const PolicyTest& grouped = FindTest(builder, "debian-tracker:bookworm:openssl:3.0.11-1~deb12u2");
  CHECK(grouped.name == "openssl < 3.0.11-1~deb12u2 (Debian bookworm)");
  CHECK(grouped.description ==
        "Debian bookworm: packages built from openssl older than 3.0.11-1~deb12u2 are vulnerable to "
        "CVE-2023-5363, CVE-2023-5678 (Debian security tracker, urgency low).");
  CHECK(grouped.object == "source-package-openssl");
  CHECK(std::get<EvrCheck>(grouped.evaluator).operation == EvrOperation::kLess);
  CHECK(std::get<EvrCheck>(grouped.evaluator).value == "3.0.11-1~deb12u2");
  CHECK(grouped.if_tests == std::vector<std::string>{"release-debian-bookworm"});
  CHECK(grouped.tags == std::vector<PolicyTag>{{"cve", "CVE-2023-5363"},
                                               {"cve", "CVE-2023-5678"},
                                               {"urgency", "low"},
                                               {"package", "openssl"},
                                               {"release", "bookworm"},
                                               {"fixed-version", "3.0.11-1~deb12u2"},
                                               {"origin", "debian-security-tracker"}});
  const PolicyTest& temp = FindTest(builder, "debian-tracker:bookworm:zlib:1:1.2.13.dfsg-1");
  CHECK(temp.tags[0] == PolicyTag{"advisory", "TEMP-0000000-1C3FD5"});
  CHECK(temp.tags[1] == PolicyTag{"urgency", "unimportant"});

  CHECK(report->source == "Debian security tracker (tracker.json), bookworm");
  CHECK(report->tests == 3);
  CHECK(report->packages == std::set<std::string>{"openssl", "zlib"});
  CHECK(report->cves == std::set<std::string>{"CVE-2023-2650", "CVE-2023-5363", "CVE-2023-5678"});
  CHECK(report->skipped == std::map<std::string, size_t>{
                               {"not affected (fixed_version 0)", 1},
                               {"with a fixed_version dpkg refuses", 1},
                               {"without a fix yet (open or undetermined; --include-unfixed lists them)", 2},
                           });
  REQUIRE(report->warnings.size() == 1);
  CHECK(report->warnings[0] ==
        "tracker.json: badver.CVE-2024-9999.releases.bookworm.fixed_version: version '1:' has bad syntax: "
        "nothing after colon in version number; left out");

  absl::StatusOr<Policy> policy = ParsePolicyJson(builder.ToJson());
  INFO(policy.status().message());
  CHECK(policy.ok());
}

TEST_CASE("Unfixed vulnerabilities, when asked, are a test that the package is installed") {
  PolicyBuilder builder;
  absl::StatusOr<SourceReport> report =
      AddDebianTrackerTests(kTracker, "tracker.json", {.releases = {"bookworm"}, .include_unfixed = true}, &builder);
  REQUIRE(report.ok());
  const PolicyTest& unfixed = FindTest(builder, "debian-tracker:bookworm:linux");
  CHECK(std::holds_alternative<std::monostate>(unfixed.evaluator));
  CHECK(unfixed.name == "linux: no fix yet (Debian bookworm)");
  CHECK(unfixed.description ==
        "Debian bookworm: packages built from linux are affected by CVE-2024-26581, CVE-2024-26582, with no "
        "fixed version in bookworm yet (open or undetermined in the Debian security tracker, urgency high).");
  CHECK(unfixed.tags[2] == PolicyTag{"urgency", "high"});
  CHECK(report->tests == 4);
  CHECK(report->skipped.count("without a fix yet (open or undetermined; --include-unfixed lists them)") == 0);
  CHECK(ParsePolicyJson(builder.ToJson()).ok());
}

TEST_CASE("Several releases, each behind its own gate") {
  PolicyBuilder builder;
  absl::StatusOr<SourceReport> report = AddDebianTrackerTests(
      kTracker, "tracker.json", {.releases = {"bullseye", "bookworm", "bullseye", "trixie"}}, &builder);
  REQUIRE(report.ok());
  CHECK(TestIds(builder) == std::vector<std::string>{
                                "os-debian",
                                "release-debian-bullseye",
                                "debian-tracker:bullseye:openssl:1.1.1w-0+deb11u2",
                                "release-debian-bookworm",
                                "debian-tracker:bookworm:openssl:3.0.9-1",
                                "debian-tracker:bookworm:openssl:3.0.11-1~deb12u2",
                                "debian-tracker:bookworm:zlib:1:1.2.13.dfsg-1",
                            });
  CHECK(FindTest(builder, "debian-tracker:bullseye:openssl:1.1.1w-0+deb11u2").if_tests ==
        std::vector<std::string>{"release-debian-bullseye"});
  CHECK(report->source == "Debian security tracker (tracker.json), bullseye, bookworm, bullseye, trixie");
}

TEST_CASE("A document that is not the tracker's is refused, naming the file and the place") {
  struct Case {
    const char* json;
    const char* message;
  };
  constexpr Case kCases[] = {
      {"{", "tracker.json is not valid JSON: "},
      {R"({"openssl": {"CVE-1": {"releases": {"bookworm": {"status": "reso)", "tracker.json is not valid JSON: "},
      {R"({"openssl": {"CVE-1": {"releases": {"bookworm": {"status": "resolved" "fixed_version": "1"}}}}})",
       "tracker.json is not valid JSON: "},
      {"", "tracker.json is empty, not a JSON document"},
      {"[]", "tracker.json: document: expected an object, got array"},
      {R"({"openssl": []})", "tracker.json: openssl: expected an object, got array"},
      {R"({"openssl": {"CVE-1": "x"}})", "tracker.json: openssl.CVE-1: expected an object, got string"},
      {R"({"openssl": {"CVE-1": {"releases": "bookworm"}}})",
       "tracker.json: openssl.CVE-1.releases: expected an object, got string"},
      {R"({"openssl": {"CVE-1": {"releases": {"bookworm": []}}}})",
       "tracker.json: openssl.CVE-1.releases.bookworm: expected an object, got array"},
      {R"({"openssl": {"CVE-1": {"releases": {"bookworm": {"status": "resolved", "fixed_version": 3}}}}})",
       "tracker.json: openssl.CVE-1.releases.bookworm.fixed_version: expected a string, got number"},
      {R"({"openssl": {"CVE-1": {"releases": {"bookworm": {"status": 1}}}}})",
       "tracker.json: openssl.CVE-1.releases.bookworm.status: expected a string, got number"},
      {R"({"openssl": {"CVE-1": {"releases": {"bookworm": {"status": "resolved"}}}}})",
       "tracker.json: openssl.CVE-1.releases.bookworm: status \"resolved\" without a fixed_version"},
  };
  for (const Case& c : kCases) {
    INFO(c.json);
    PolicyBuilder builder;
    absl::StatusOr<SourceReport> report =
        AddDebianTrackerTests(c.json, "tracker.json", {.releases = {"bookworm"}}, &builder);
    REQUIRE_FALSE(report.ok());
    CHECK(report.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(report.status().message()).rfind(c.message, 0) == 0);
    CHECK(builder.test_count() == 0);
  }
  // Other releases' entries are not read, so their problems do not stop this one.
  PolicyBuilder builder;
  CHECK(
      AddDebianTrackerTests(R"({"a": {"CVE-1": {"releases": {"sid": 3}}}})", "t", {.releases = {"bookworm"}}, &builder)
          .ok());
  CHECK(AddDebianTrackerTests("{}", "t", {}, &builder).status().message() == "no Debian release to make tests for");
}

TEST_CASE("The tracker file is read from disk; a missing one is NotFound") {
  std::string dir = NewTestDir("tracker");
  WriteTestFile(dir + "/tracker.json", kTracker);
  PolicyBuilder builder;
  absl::StatusOr<SourceReport> report =
      AddDebianTrackerFile(dir + "/tracker.json", {.releases = {"bookworm"}}, &builder);
  REQUIRE(report.ok());
  CHECK(report->tests == 3);
  CHECK(AddDebianTrackerFile(dir + "/missing.json", {.releases = {"bookworm"}}, &builder).status().code() ==
        absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace mig::modules::scribe::policy_sources
