// A policy from every source at once, run by the scribe engine against crafted installed packages on this
// host's real /etc/os-release: the tests of this release decide by version, the other release's never hold.
#include "modules/scribe/policy_sources/make_policy.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "modules/module.h"
#include "modules/pkg/inventory.h"
#include "modules/scribe/evaluate.h"
#include "modules/scribe/policy.h"
#include "modules/scribe/policy_sources/os_release.h"
#include "modules/scribe/policy_sources/test_files.h"

namespace mig::modules::scribe::policy_sources {
namespace {

std::string Stanza(std::string_view package, std::string_view version, std::string_view extra = "") {
  return absl::StrCat("Package: ", package, "\nVersion: ", version, "\nArchitecture: amd64\n", extra, "\n");
}

std::string TrackerEntry(std::string_view release, std::string_view fixed) {
  return absl::StrCat(R"(")", release, R"(": {"status": "resolved", "fixed_version": ")", fixed,
                      R"(", "urgency": "medium"})");
}

struct Inputs {
  std::string tracker;
  std::string osv;
  std::string lists;
  std::string doc;
};

// Data for `codename` (VERSION_ID `version_id`) and for a release no host runs.
Inputs WriteInputs(const std::string& codename, const std::string& version_id) {
  Inputs in{NewTestDir("make") + "/tracker.json", NewTestDir("make_osv"), NewTestDir("make_lists"),
            NewTestDir("make_doc")};
  WriteTestFile(in.tracker,
                absl::StrCat(R"({"openssl": {"CVE-2024-0727": {"releases": {)",
                             TrackerEntry(codename, "3.0.13-1~deb12u1"), ", ", TrackerEntry("nosuchrelease", "9.9-1"),
                             R"(}}, "CVE-2023-2650": {"releases": {)", TrackerEntry(codename, "3.0.9-1"), "}}}}"));
  WriteTestFile(in.osv + "/DSA-1.json", absl::StrCat(R"({"id": "DSA-1", "upstream": ["CVE-2024-0727"], "affected": [
                   {"package": {"ecosystem": "Debian:)",
                                                     version_id, R"(", "name": "openssl"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "3.0.0"}, {"fixed": "3.0.13-1~deb12u1"}]}]},
                   {"package": {"ecosystem": "Debian:)",
                                                     version_id, R"(", "name": "curl"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"last_affected": "7.88.1-10+deb12u4"}]}]}]})"));
  WriteTestFile(absl::StrCat(in.lists, "/deb.debian.org_debian-security_dists_", codename,
                             "-security_main_binary-amd64_Packages.lz4"),
                Lz4Frame(Stanza("libssl3", "3.0.13-1~deb12u1", "Source: openssl\n") +
                         Stanza("openssl", "3.0.13-1~deb12u1") + Stanza("curl", "7.88.1-10+deb12u5")));
  WriteTestFile(absl::StrCat(in.lists, "/deb.debian.org_debian_dists_", codename, "_main_binary-amd64_Packages"),
                Stanza("libssl3", "3.0.11-1~deb12u2", "Source: openssl\n") + Stanza("curl", "7.88.1-10+deb12u4"));
  WriteTestFile(in.lists + "/deb.debian.org_debian-security_dists_nosuchrelease-security_main_binary-amd64_Packages",
                Stanza("libssl3", "9.9-1", "Source: openssl\n"));
  return in;
}

std::vector<pkg::InstalledPackage> Installed() {
  return {
      {.name = "curl",
       .version = "7.88.1-10+deb12u4",
       .type = "dpkg",
       .arch = "amd64",
       .status = "installed",
       .source_name = "curl",
       .source_version = "7.88.1-10+deb12u4"},
      {.name = "libssl3",
       .version = "3.0.11-1~deb12u2",
       .type = "dpkg",
       .arch = "amd64",
       .status = "installed",
       .source_name = "openssl",
       .source_version = "3.0.11-1~deb12u2"},
  };
}

TEST_CASE("Every source in one policy, evaluated by the scribe engine") {
  absl::StatusOr<OsRelease> os = ReadOsRelease("/etc/os-release");
  if (!os.ok() || os->id != "debian" || os->version_codename.empty() || os->version_id.empty()) {
    WARN("this host is not a Debian release with a codename and a VERSION_ID; the evaluation is not checked");
    return;
  }
  Inputs in = WriteInputs(os->version_codename, os->version_id);
  absl::StatusOr<MadePolicy> made = MakePolicy({.debian_tracker = in.tracker,
                                                .osv_paths = {in.osv},
                                                .from_apt = true,
                                                .lists_dir = in.lists,
                                                .doc_dir = in.doc,
                                                .releases = {os->version_codename, "nosuchrelease"}});
  INFO(made.status().message());
  REQUIRE(made.ok());
  REQUIRE(made->reports.size() == 3);
  CHECK(made->reports[0].tests == 3);
  CHECK(made->reports[1].tests == 2);
  CHECK(made->reports[2].tests == 4);

  absl::StatusOr<Policy> policy = ParsePolicyJson(made->json);
  INFO(policy.status().message());
  REQUIRE(policy.ok());
  EvaluateOptions options;
  options.list_packages = [] { return pkg::Inventory{.packages = Installed()}; };
  Evaluation evaluation = Evaluate(*policy, options, RunContext{});
  std::map<std::string, bool> results;
  for (const TestResult& r : evaluation.tests) {
    INFO(policy->tests[r.test].id << ": " << r.error);
    CHECK_FALSE(r.is_error);
    results[policy->tests[r.test].id] = r.master_result;
  }
  const std::string& cn = os->version_codename;
  const std::string debian = absl::StrCat("osv:debian-", os->version_id);
  std::map<std::string, bool> expected = {
      {"os-debian", true},
      {absl::StrCat("release-debian-", cn), true},
      {"release-debian-nosuchrelease", false},
      {absl::StrCat("release-debian-", os->version_id), true},
      // The source version 3.0.11-1~deb12u2 is older than the fix of one tracker entry, not of the other.
      {absl::StrCat("debian-tracker:", cn, ":openssl:3.0.13-1~deb12u1"), true},
      {absl::StrCat("debian-tracker:", cn, ":openssl:3.0.9-1"), false},
      // Vulnerable by version, but not this release.
      {"debian-tracker:nosuchrelease:openssl:9.9-1", false},
      {absl::StrCat(debian, ":openssl:introduced:3.0.0"), true},
      {absl::StrCat(debian, ":openssl:introduced:3.0.0:fixed:3.0.13-1~deb12u1"), true},
      {absl::StrCat(debian, ":curl:last-affected:7.88.1-10+deb12u4"), true},
      {absl::StrCat("apt:", cn, "-security:libssl3"), true},
      {absl::StrCat("apt:", cn, "-security:curl"), true},
      {absl::StrCat("apt:", cn, "-security:openssl"), false},  // not installed
      {"apt:nosuchrelease-security:libssl3", false},
  };
  CHECK(results == expected);
}

TEST_CASE("The release comes from os-release unless named; a request without a source is refused") {
  Inputs in = WriteInputs("trixie", "13");
  std::string os_release = NewTestDir("os") + "/os-release";
  WriteTestFile(os_release, "ID=debian\nVERSION_ID=\"13\"\nVERSION_CODENAME=trixie\n");
  absl::StatusOr<MadePolicy> made = MakePolicy({.debian_tracker = in.tracker, .os_release = os_release});
  REQUIRE(made.ok());
  CHECK(made->releases == std::vector<std::string>{"trixie"});
  CHECK(made->reports[0].tests == 2);
  CHECK(made->json.find("\"debian-tracker:trixie:openssl:3.0.13-1~deb12u1\"") != std::string::npos);

  WriteTestFile(os_release, "ID=debian\nPRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\n");
  absl::StatusOr<MadePolicy> unknown = MakePolicy({.debian_tracker = in.tracker, .os_release = os_release});
  CHECK(unknown.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(
      unknown.status().message() ==
      absl::StrCat(os_release, " has no VERSION_CODENAME, so this host's release is unknown; name one with --release"));
  // OSV needs no release: its ecosystems name theirs.
  CHECK(MakePolicy({.osv_paths = {in.osv}, .os_release = os_release}).ok());

  CHECK(MakePolicy({}).status().code() == absl::StatusCode::kInvalidArgument);
  // A bad source stops everything: no policy made of the good ones only.
  absl::StatusOr<MadePolicy> missing =
      MakePolicy({.debian_tracker = in.tracker, .osv_paths = {in.osv + "/missing.json"}, .releases = {"trixie"}});
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace mig::modules::scribe::policy_sources
