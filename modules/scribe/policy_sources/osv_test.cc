// OSV records to tests: the ecosystems a host's package manager has, ranges with introduced, fixed and
// last_affected, records grouped by fix, files, arrays and directories, and the errors for bad records.
#include "modules/scribe/policy_sources/osv.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "modules/scribe/policy.h"
#include "modules/scribe/policy_sources/test_files.h"

namespace mig::modules::scribe::policy_sources {
namespace {

// Debian's advisory and its per-CVE record describe the same fix: one test.
constexpr char kDsa[] = R"({
  "schema_version": "1.6.0",
  "id": "DSA-5621-1",
  "modified": "2024-02-03T12:00:00Z",
  "summary": "openssl - security update",
  "upstream": ["CVE-2023-6129", "CVE-2024-0727"],
  "affected": [
    {"package": {"ecosystem": "Debian:12", "name": "openssl", "purl": "pkg:deb/debian/openssl?arch=source"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.13-1~deb12u1"}]}]},
    {"package": {"ecosystem": "Debian:11", "name": "openssl"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.1w-0+deb11u2"}]}]}
  ]
})";

constexpr char kDebianCve[] = R"({
  "id": "DEBIAN-CVE-2024-0727",
  "modified": "2024-02-03T12:00:00Z",
  "upstream": ["CVE-2024-0727"],
  "affected": [
    {"package": {"ecosystem": "Debian:12", "name": "openssl"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.13-1~deb12u1"}]}],
     "versions": ["3.0.11-1~deb12u2"]},
    {"package": {"ecosystem": "Debian:13", "name": "openssl"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}
  ]
})";

// Ubuntu: a notice with LTS, an ESM (Pro) fix and a FIPS build that no stock host has.
constexpr char kUsn[] = R"({
  "id": "USN-6622-1",
  "modified": "2024-02-01T00:00:00Z",
  "summary": "OpenSSL vulnerabilities",
  "related": ["CVE-2023-6129"],
  "upstream": ["CVE-2023-6129", "CVE-2024-0727"],
  "affected": [
    {"package": {"ecosystem": "Ubuntu:22.04:LTS", "name": "openssl"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.2-0ubuntu1.14"}]}]},
    {"package": {"ecosystem": "Ubuntu:Pro:18.04:LTS", "name": "openssl1.0"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0.2n-1ubuntu5.13+esm1"}]}]},
    {"package": {"ecosystem": "Ubuntu:Pro:FIPS-updates:22.04:LTS", "name": "openssl"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.2-0ubuntu1.14+Fips1"}]}]}
  ]
})";

// AlmaLinux: rpm versions with epochs, a range that starts after an "introduced", and a last_affected.
constexpr char kAlsa[] = R"({
  "id": "ALSA-2024:0310",
  "modified": "2024-01-25T00:00:00Z",
  "summary": "Moderate: openssl security update",
  "aliases": ["CVE-2023-5678"],
  "affected": [
    {"package": {"ecosystem": "AlmaLinux:9", "name": "openssl-libs"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1:3.0.1-1.el9"}, {"fixed": "1:3.0.7-25.el9_3"}]}]},
    {"package": {"ecosystem": "AlmaLinux:9", "name": "curl"},
     "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "7.76.1-26.el9"}]}]}
  ]
})";

// Ecosystems with no host package manager, other range types, a withdrawn record.
constexpr char kOthers[] = R"([
  {"id": "PYSEC-2024-1", "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2024-1111"],
   "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.31.0"}]}]}]},
  {"id": "GHSA-xxxx-yyyy-zzzz", "modified": "2024-01-01T00:00:00Z",
   "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
                 "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.3.0"}]}]},
                {"package": {"ecosystem": "Debian:12", "name": "node-left-pad"},
                 "ranges": [{"type": "GIT", "repo": "https://example.org/x.git",
                             "events": [{"introduced": "0"}, {"fixed": "abcdef"}]}]}]},
  {"id": "DSA-0000-1", "modified": "2024-01-01T00:00:00Z", "withdrawn": "2024-01-02T00:00:00Z",
   "affected": [{"package": {"ecosystem": "Debian:12", "name": "gone"},
                 "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-1"}]}]}]}
])";

TEST_CASE("Ecosystems map to the releases and package kinds of hosts") {
  struct Case {
    const char* ecosystem;
    const char* label;  // "" when skipped
    bool source_packages;
    const char* title_or_skip;
  };
  constexpr Case kCases[] = {
      {"Debian:12", "debian-12", true, "Debian 12"},
      {"Debian:11", "debian-11", true, "Debian 11"},
      {"Ubuntu:22.04:LTS", "ubuntu-22.04", true, "Ubuntu 22.04"},
      {"Ubuntu:23.10", "ubuntu-23.10", true, "Ubuntu 23.10"},
      {"Ubuntu:Pro:18.04:LTS", "ubuntu-18.04", true, "Ubuntu Pro 18.04"},
      {"AlmaLinux:9", "almalinux-9", false, "AlmaLinux 9"},
      {"AlmaLinux:8", "almalinux-8", false, "AlmaLinux 8"},
      {"Rocky Linux:9", "rocky-9", false, "Rocky Linux 9"},
      {"Red Hat:enterprise_linux:9::appstream", "rhel-9", false, "Red Hat Enterprise Linux 9"},
      {"Red Hat:rhel_eus:8.4::baseos", "rhel-8.4", false, "Red Hat Enterprise Linux 8.4"},
      {"Debian", "", false, "affected entries of ecosystem Debian (no Debian release number)"},
      {"Debian:bookworm", "", false, "affected entries of ecosystem Debian:bookworm (no Debian release number)"},
      {"Ubuntu:Pro:FIPS-updates:22.04:LTS", "", false,
       "affected entries of ecosystem Ubuntu:Pro:FIPS-updates:22.04:LTS (an Ubuntu variant mig does not match to "
       "hosts)"},
      {"Red Hat:openshift:4.14::el9", "", false,
       "affected entries of ecosystem Red Hat:openshift:4.14::el9 (a Red Hat product mig does not match to hosts)"},
      {"PyPI", "", false, "affected entries of ecosystem PyPI (no package manager mig reads)"},
      {"Alpine:v3.19", "", false, "affected entries of ecosystem Alpine (no package manager mig reads)"},
  };
  for (const Case& c : kCases) {
    INFO(c.ecosystem);
    std::string skip;
    std::optional<EcosystemTarget> target = MapEcosystem(c.ecosystem, &skip);
    if (std::string_view(c.label).empty()) {
      CHECK_FALSE(target.has_value());
      CHECK(skip == c.title_or_skip);
      continue;
    }
    REQUIRE(target.has_value());
    CHECK(target->release.Label() == c.label);
    CHECK(target->source_packages == c.source_packages);
    CHECK(target->title == c.title_or_skip);
    CHECK(target->scheme == (c.source_packages ? VersionScheme::kDpkg : VersionScheme::kRpm));
  }
  std::string skip;
  CHECK(MapEcosystem("AlmaLinux:9", &skip)->release.match == ReleaseMatch::kMajorVersion);
  CHECK(MapEcosystem("Red Hat:rhel_eus:8.4::baseos", &skip)->release.match == ReleaseMatch::kVersionId);
  CHECK(MapEcosystem("Ubuntu:22.04:LTS", &skip)->release.match == ReleaseMatch::kVersionId);
}

TEST_CASE("A directory of records becomes one test per package and fix, each behind its release") {
  std::string dir = NewTestDir("osv");
  WriteTestFile(dir + "/DSA-5621-1.json", kDsa);
  WriteTestFile(dir + "/DEBIAN-CVE-2024-0727.json", kDebianCve);
  WriteTestFile(dir + "/USN-6622-1.json", kUsn);
  WriteTestFile(dir + "/ALSA-2024-0310.json", kAlsa);
  WriteTestFile(dir + "/others.json", kOthers);
  WriteTestFile(dir + "/README.md", "not read");
  OsvCollection osv({});
  absl::Status added = osv.AddPath(dir);
  INFO(added.message());
  REQUIRE(added.ok());
  PolicyBuilder builder;
  absl::StatusOr<SourceReport> report = osv.AddTests(&builder);
  REQUIRE(report.ok());
  CHECK(TestIds(builder) == std::vector<std::string>{
                                "os-almalinux",
                                "release-almalinux-9",
                                "osv:almalinux-9:curl:last-affected:7.76.1-26.el9",
                                "osv:almalinux-9:openssl-libs:introduced:1:3.0.1-1.el9",
                                "osv:almalinux-9:openssl-libs:introduced:1:3.0.1-1.el9:fixed:1:3.0.7-25.el9_3",
                                "os-debian",
                                "release-debian-11",
                                "osv:debian-11:openssl:fixed:1.1.1w-0+deb11u2",
                                "release-debian-12",
                                "osv:debian-12:openssl:fixed:3.0.13-1~deb12u1",
                                "os-ubuntu",
                                "release-ubuntu-18.04",
                                "osv:ubuntu-18.04:openssl1.0:fixed:1.0.2n-1ubuntu5.13+esm1",
                                "release-ubuntu-22.04",
                                "osv:ubuntu-22.04:openssl:fixed:3.0.2-0ubuntu1.14",
                            });

  const PolicyTest& debian = FindTest(builder, "osv:debian-12:openssl:fixed:3.0.13-1~deb12u1");
  CHECK(debian.name == "openssl < 3.0.13-1~deb12u1 (Debian 12)");
  CHECK(debian.object == "source-package-openssl");
  CHECK(std::get<EvrCheck>(debian.evaluator).operation == EvrOperation::kLess);
  CHECK(debian.if_tests == std::vector<std::string>{"release-debian-12"});
  // Both records, with their upstream CVEs; the summary only when one record has one.
  CHECK(debian.description ==
        "Debian:12: packages built from openssl older than 3.0.13-1~deb12u1 are vulnerable to CVE-2023-6129, "
        "CVE-2024-0727, DEBIAN-CVE-2024-0727, DSA-5621-1 (OSV). DSA-5621-1: openssl - security update");
  CHECK(debian.tags == std::vector<PolicyTag>{{"cve", "CVE-2023-6129"},
                                              {"cve", "CVE-2024-0727"},
                                              {"advisory", "DEBIAN-CVE-2024-0727"},
                                              {"advisory", "DSA-5621-1"},
                                              {"package", "openssl"},
                                              {"ecosystem", "Debian:12"},
                                              {"fixed-version", "3.0.13-1~deb12u1"},
                                              {"origin", "osv"}});

  const PolicyTest& alma =
      FindTest(builder, "osv:almalinux-9:openssl-libs:introduced:1:3.0.1-1.el9:fixed:1:3.0.7-25.el9_3");
  CHECK(alma.object == "package-openssl-libs");
  CHECK(alma.name == "openssl-libs >= 1:3.0.1-1.el9, < 1:3.0.7-25.el9_3 (AlmaLinux 9)");
  CHECK(alma.if_tests ==
        std::vector<std::string>{"release-almalinux-9", "osv:almalinux-9:openssl-libs:introduced:1:3.0.1-1.el9"});
  const PolicyTest& introduced = FindTest(builder, "osv:almalinux-9:openssl-libs:introduced:1:3.0.1-1.el9");
  CHECK(std::get<EvrCheck>(introduced.evaluator).operation == EvrOperation::kGreaterOrEqual);
  CHECK(std::get<EvrCheck>(introduced.evaluator).value == "1:3.0.1-1.el9");
  CHECK(introduced.if_tests == std::vector<std::string>{"release-almalinux-9"});

  const PolicyTest& last = FindTest(builder, "osv:almalinux-9:curl:last-affected:7.76.1-26.el9");
  CHECK(std::get<EvrCheck>(last.evaluator).operation == EvrOperation::kLessOrEqual);
  CHECK(last.description ==
        "AlmaLinux:9: package curl up to 7.76.1-26.el9 (the last affected version; no fix named) are vulnerable to "
        "ALSA-2024:0310, CVE-2023-5678 (OSV). ALSA-2024:0310: Moderate: openssl security update");

  CHECK(FindTest(builder, "osv:ubuntu-18.04:openssl1.0:fixed:1.0.2n-1ubuntu5.13+esm1").tags[4] ==
        PolicyTag{"ecosystem", "Ubuntu:Pro:18.04:LTS"});

  CHECK(report->source == "OSV (7 records in 5 files)");
  CHECK(report->tests == 6);  // the ">= introduced" test is not one of them
  CHECK(report->packages == std::set<std::string>{"curl", "openssl", "openssl-libs", "openssl1.0"});
  CHECK(report->cves == std::set<std::string>{"CVE-2023-5678", "CVE-2023-6129", "CVE-2024-0727"});
  CHECK(report->skipped ==
        std::map<std::string, size_t>{
            {"affected entries of ecosystem PyPI (no package manager mig reads)", 1},
            {"affected entries of ecosystem Ubuntu:Pro:FIPS-updates:22.04:LTS (an Ubuntu variant mig does not "
             "match to hosts)",
             1},
            {"affected entries of ecosystem npm (no package manager mig reads)", 1},
            {"ranges of type GIT", 1},
            {"ranges without a fix yet (--include-unfixed lists them)", 1},
            {"withdrawn records", 1},
        });

  absl::StatusOr<Policy> policy = ParsePolicyJson(builder.ToJson());
  INFO(policy.status().message());
  CHECK(policy.ok());
}

TEST_CASE("Ranges without a fix, when asked, are tests that the package is installed from `introduced` on") {
  OsvCollection osv({.include_unfixed = true});
  REQUIRE(osv.AddDocument(kDebianCve, "a.json").ok());
  REQUIRE(osv.AddDocument(R"({"id": "X-1", "affected": [{"package": {"ecosystem": "Rocky Linux:9", "name": "bash"},
      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "5.1-1"}, {"fixed": "5.1-2"},
                                                  {"introduced": "5.2-1"}]}]}]})",
                          "b.json")
              .ok());
  PolicyBuilder builder;
  absl::StatusOr<SourceReport> report = osv.AddTests(&builder);
  REQUIRE(report.ok());
  const PolicyTest& unfixed = FindTest(builder, "osv:debian-13:openssl:unfixed");
  CHECK(std::holds_alternative<std::monostate>(unfixed.evaluator));
  CHECK(unfixed.name == "openssl: no fix yet (Debian 13)");
  CHECK(unfixed.description ==
        "Debian:13: packages built from openssl are affected by CVE-2024-0727, DEBIAN-CVE-2024-0727, with no fix "
        "yet (OSV).");
  const PolicyTest& from = FindTest(builder, "osv:rocky-9:bash:introduced:5.2-1:unfixed");
  CHECK(std::get<EvrCheck>(from.evaluator).operation == EvrOperation::kGreaterOrEqual);
  CHECK(std::get<EvrCheck>(from.evaluator).value == "5.2-1");
  CHECK(from.if_tests == std::vector<std::string>{"release-rocky-9"});
  // The closed range before it is an ordinary test.
  CHECK(builder.HasTest("osv:rocky-9:bash:introduced:5.1-1:fixed:5.1-2"));
  CHECK(report->skipped.empty());
  CHECK(ParsePolicyJson(builder.ToJson()).ok());
}

TEST_CASE("Bad records are refused, naming the file and the place, and add nothing") {
  struct Case {
    const char* json;
    const char* message;
  };
  constexpr Case kCases[] = {
      {"{", "x.json is not valid JSON: "},
      {"3", "x.json: document: expected an OSV record or an array of them, got number"},
      {R"({"affected": []})", "x.json: document: an OSV record needs an \"id\""},
      {R"([{"id": "A"}, 3])", "x.json: [1]: expected an object, got number"},
      {R"({"id": "A", "affected": {}})", "x.json: affected: expected an array, got object"},
      {R"({"id": "A", "aliases": "CVE-1"})", "x.json: aliases: expected an array of strings, got string"},
      {R"({"id": "A", "affected": [{"package": {"name": "x"}}]})",
       "x.json: affected[0].package: a package needs an \"ecosystem\" and a \"name\""},
      {R"({"id": "A", "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"},
          "ranges": [{"type": "ECOSYSTEM"}]}]})",
       "x.json: affected[0].ranges[0]: an ECOSYSTEM range needs \"events\""},
      {R"({"id": "A", "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"},
          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}]}]})",
       "x.json: affected[0].ranges[0].events[0]: an event has exactly one of"},
      {R"({"id": "A", "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"},
          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": 1}]}]}]})",
       "x.json: affected[0].ranges[0].events[1].fixed: expected a string, got number"},
      {R"({"id": "A", "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"},
          "ranges": [{"type": "ECOSYSTEM", "events": [{"broken": "0"}]}]}]})",
       "x.json: affected[0].ranges[0].events[0]: unknown event \"broken\""},
  };
  for (const Case& c : kCases) {
    INFO(c.json);
    OsvCollection osv({});
    // A good record first, in the same document where it is an array: nothing of a refused document stays.
    absl::Status added = osv.AddDocument(c.json, "x.json");
    REQUIRE_FALSE(added.ok());
    CHECK(added.code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(added.message()).rfind(c.message, 0) == 0);
    PolicyBuilder builder;
    REQUIRE(osv.AddTests(&builder).ok());
    CHECK(builder.test_count() == 0);
  }
  // An array whose first record is good and whose second is not adds nothing either.
  OsvCollection osv({});
  CHECK_FALSE(osv.AddDocument(absl::StrCat("[", kDsa, ", {\"id\": 3}]"), "x.json").ok());
  PolicyBuilder builder;
  REQUIRE(osv.AddTests(&builder).ok());
  CHECK(builder.test_count() == 0);
}

TEST_CASE("Versions the package manager refuses are left out with a warning") {
  OsvCollection osv({});
  REQUIRE(osv.AddDocument(R"({"id": "A", "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"},
      "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:"}]}]}]})",
                          "x.json")
              .ok());
  PolicyBuilder builder;
  absl::StatusOr<SourceReport> report = osv.AddTests(&builder);
  REQUIRE(report.ok());
  CHECK(report->tests == 0);
  REQUIRE(report->warnings.size() == 1);
  CHECK(report->warnings[0] ==
        "x.json: affected[0].ranges[0].events[1].fixed: version '1:' has bad syntax: nothing after colon in version "
        "number; left out");
}

TEST_CASE("Paths that are not OSV files") {
  std::string dir = NewTestDir("osv_empty");
  WriteTestFile(dir + "/notes.txt", "x");
  OsvCollection osv({});
  CHECK(osv.AddPath(dir).message() == absl::StrCat(dir, ": a directory with no *.json files"));
  CHECK(osv.AddPath(dir + "/missing").code() == absl::StatusCode::kNotFound);
  WriteTestFile(dir + "/bad.json", "{\"id\": 1}");
  CHECK(osv.AddPath(dir).message() == absl::StrCat(dir, "/bad.json: id: expected a string, got number"));
}

}  // namespace
}  // namespace mig::modules::scribe::policy_sources
