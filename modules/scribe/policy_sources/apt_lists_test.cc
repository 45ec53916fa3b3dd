// The apt lists to tests: a crafted lists directory (LZ4, gzip and plain Packages lists of the security and
// main suites, and files that are not lists) and a doc directory with Debian changelogs, symlinked doc dirs,
// a host that is out of date, and packages that are not installed.
#include "modules/scribe/policy_sources/apt_lists.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "modules/scribe/policy.h"
#include "modules/scribe/policy_sources/test_files.h"

namespace mig::modules::scribe::policy_sources {
namespace {

constexpr char kSecurityList[] = "deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages";
constexpr char kMainList[] = "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages";

std::string Stanza(std::string_view package, std::string_view version, std::string_view extra = "") {
  return absl::StrCat("Package: ", package, "\nVersion: ", version, "\nArchitecture: amd64\n", extra,
                      "Description: something\n long description line\n .\n more\n\n");
}

std::string Entry(std::string_view package, std::string_view version, std::string_view text) {
  return absl::StrCat(package, " (", version, ") bookworm-security; urgency=medium\n\n", text,
                      "\n -- Someone <someone@debian.org>  Mon, 01 Jan 2024 00:00:00 +0000\n\n");
}

struct Fixture {
  std::string lists;
  std::string doc;
};

Fixture MakeFixture() {
  Fixture f{NewTestDir("lists"), NewTestDir("doc")};
  // The security suite: LZ4 for amd64 (with an older openssl stanza too), plain for i386.
  WriteTestFile(
      absl::StrCat(f.lists, "/", kSecurityList, ".lz4"),
      Lz4Frame(Stanza("openssl", "3.0.11-1~deb12u2") + Stanza("openssl", "3.0.13-1~deb12u1") +
               Stanza("libssl3", "3.0.13-1~deb12u1", "Source: openssl\n") + Stanza("curl", "7.88.1-10+deb12u5") +
               Stanza("libcurl4", "7.88.1-10+deb12u5", "Source: curl\n") +
               Stanza("linux-image-6.1.0-18-amd64", "6.1.76-1", "Source: linux-signed-amd64 (6.1.76+1)\n") +
               Stanza("tzdata", "2024a-0+deb12u1") + Stanza("debian-security-support", "1:12+2024.01.31")));
  WriteTestFile(
      absl::StrCat(f.lists, "/deb.debian.org_debian-security_dists_bookworm-security_main_binary-i386_Packages"),
      Stanza("libssl3", "3.0.13-1~deb12u1", "Source: openssl\n"));
  // The main suite, gzipped: the versions the point release has.
  WriteTestFile(absl::StrCat(f.lists, "/", kMainList, ".gz"),
                Gzip(Stanza("openssl", "3.0.11-1~deb12u2") +
                     Stanza("libssl3", "3.0.11-1~deb12u2", "Source: openssl\n") + Stanza("curl", "7.88.1-10+deb12u4") +
                     Stanza("tzdata", "2024a-0+deb12u1") + Stanza("debian-security-support", "1:12+2023.10.01")));
  // Not read: other suites, other releases, sources, release files.
  WriteTestFile(absl::StrCat(f.lists, "/deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages"),
                Stanza("openssl", "9.9-1"));
  WriteTestFile(
      absl::StrCat(f.lists, "/deb.debian.org_debian-security_dists_bullseye-security_main_binary-amd64_Packages"),
      Stanza("openssl", "1.1.1w-0+deb11u2"));
  WriteTestFile(
      absl::StrCat(f.lists, "/deb.debian.org_debian-security_dists_bookworm-security_main_source_Sources.lz4"),
      "not lz4");
  WriteTestFile(absl::StrCat(f.lists, "/deb.debian.org_debian-security_dists_bookworm-security_InRelease"), "x");

  // openssl's changelog names the CVEs of 3.0.13-1~deb12u1; an older entry is already in the main suite.
  WriteTestFile(f.doc + "/openssl/changelog.Debian.gz",
                Gzip(Entry("openssl", "3.0.13-1~deb12u1", "  * CVE-2024-0727, CVE-2023-6129.\n  * CVE-2023-6237.") +
                     Entry("openssl", "3.0.12-1~deb12u1", "  * Fix CVE-2023-5678.") +
                     Entry("openssl", "3.0.11-1~deb12u2", "  * Fix CVE-2023-5363.")));
  // libssl3's doc dir is a link (absolute, as some packages ship it) to openssl's.
  MakeSymlink("/usr/share/doc/openssl", f.doc + "/libssl3");
  // curl is installed at the main suite's version: its changelog ends before the security version.
  WriteTestFile(f.doc + "/curl/changelog.Debian.gz",
                Gzip(Entry("curl", "7.88.1-10+deb12u4", "  * Fix CVE-2023-38545.")));
  // libcurl4 has no doc dir of its own: its source's is used. debian-security-support is native.
  WriteTestFile(f.doc + "/debian-security-support/changelog.gz",
                Gzip(Entry("debian-security-support", "1:12+2024.01.31", "  * Mention CVE-2024-0001.") +
                     Entry("debian-security-support", "1:12+2023.10.01", "  * Mention CVE-2023-0001.")));
  return f;
}

TEST_CASE("List file names say their suite, component and architecture") {
  struct Case {
    const char* name;
    const char* suite;  // "" when not a Packages list
    const char* component;
    const char* architecture;
  };
  constexpr Case kCases[] = {
      {"deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.lz4", "bookworm-security",
       "main", "amd64"},
      {"deb.debian.org_debian_dists_bookworm_non-free-firmware_binary-i386_Packages", "bookworm", "non-free-firmware",
       "i386"},
      {"security.debian.org_dists_buster_updates_main_binary-amd64_Packages.gz", "buster/updates", "main", "amd64"},
      {"archive.ubuntu.com_ubuntu_dists_jammy-security_universe_binary-arm64_Packages.xz", "jammy-security", "universe",
       "arm64"},
      {"deb.debian.org_debian_dists_bookworm_main_source_Sources.lz4", "", "", ""},
      {"deb.debian.org_debian_dists_bookworm_InRelease", "", "", ""},
      {"deb.debian.org_debian_dists_bookworm_main_i18n_Translation-en", "", "", ""},
      {"lock", "", "", ""},
      {"example.org_repo_._Packages", "", "", ""},
  };
  for (const Case& c : kCases) {
    INFO(c.name);
    std::optional<AptListName> name = ParseAptListName(c.name);
    if (std::string_view(c.suite).empty()) {
      CHECK_FALSE(name.has_value());
      continue;
    }
    REQUIRE(name.has_value());
    CHECK(name->suite == c.suite);
    CHECK(name->component == c.component);
    CHECK(name->architecture == c.architecture);
  }
}

TEST_CASE("Each package of the security suite at its newest version, with what the changelog says it fixes") {
  Fixture f = MakeFixture();
  PolicyBuilder builder;
  absl::StatusOr<SourceReport> report =
      AddAptListsTests({.lists_dir = f.lists, .doc_dir = f.doc, .releases = {"bookworm"}}, &builder);
  INFO(report.status().message());
  REQUIRE(report.ok());
  CHECK(TestIds(builder) == std::vector<std::string>{
                                "os-debian",
                                "release-debian-bookworm",
                                "apt:bookworm-security:curl",
                                "apt:bookworm-security:debian-security-support",
                                "apt:bookworm-security:libcurl4",
                                "apt:bookworm-security:libssl3",
                                "apt:bookworm-security:linux-image-6.1.0-18-amd64",
                                "apt:bookworm-security:openssl",
                                "apt:bookworm-security:tzdata",
                            });

  const PolicyTest& openssl = FindTest(builder, "apt:bookworm-security:openssl");
  CHECK(openssl.name == "openssl < 3.0.13-1~deb12u1 (bookworm-security)");
  CHECK(openssl.object == "package-openssl");
  CHECK(std::get<EvrCheck>(openssl.evaluator).operation == EvrOperation::kLess);
  CHECK(std::get<EvrCheck>(openssl.evaluator).value == "3.0.13-1~deb12u1");
  CHECK(openssl.if_tests == std::vector<std::string>{"release-debian-bookworm"});
  // Entries after the main suite's 3.0.11-1~deb12u2, up to the security version.
  CHECK(openssl.description ==
        "bookworm-security has openssl 3.0.13-1~deb12u1; the main suite has openssl 3.0.11-1~deb12u2. It fixes "
        "CVE-2023-5678, CVE-2023-6129, CVE-2023-6237, CVE-2024-0727 (from the changelog).");
  CHECK(openssl.tags == std::vector<PolicyTag>{{"cve", "CVE-2023-5678"},
                                               {"cve", "CVE-2023-6129"},
                                               {"cve", "CVE-2023-6237"},
                                               {"cve", "CVE-2024-0727"},
                                               {"package", "openssl"},
                                               {"source-package", "openssl"},
                                               {"fixed-version", "3.0.13-1~deb12u1"},
                                               {"release", "bookworm-security"},
                                               {"origin", "apt-lists"}});
  // Through the symlinked doc dir.
  const PolicyTest& libssl = FindTest(builder, "apt:bookworm-security:libssl3");
  CHECK(libssl.description ==
        "bookworm-security has libssl3 3.0.13-1~deb12u1 (source openssl 3.0.13-1~deb12u1); the main suite has openssl "
        "3.0.11-1~deb12u2. It fixes CVE-2023-5678, CVE-2023-6129, CVE-2023-6237, CVE-2024-0727 (from the changelog).");
  // This host is behind: its changelog ends at the main suite's version, and says so.
  CHECK(FindTest(builder, "apt:bookworm-security:curl").description ==
        "bookworm-security has curl 7.88.1-10+deb12u5; the main suite has curl 7.88.1-10+deb12u4. The changelog here "
        "ends at 7.88.1-10+deb12u4 (this host is out of date itself), so what the update fixes is not all named.");
  CHECK(FindTest(builder, "apt:bookworm-security:libcurl4").description ==
        "bookworm-security has libcurl4 7.88.1-10+deb12u5 (source curl 7.88.1-10+deb12u5); the main suite has curl "
        "7.88.1-10+deb12u4. The changelog here ends at 7.88.1-10+deb12u4 (this host is out of date itself), so what "
        "the update fixes is not all named.");
  // Not installed here.
  CHECK(FindTest(builder, "apt:bookworm-security:linux-image-6.1.0-18-amd64").description ==
        "bookworm-security has linux-image-6.1.0-18-amd64 6.1.76-1 (source linux-signed-amd64 6.1.76+1); "
        "linux-signed-amd64 is not in the main suite. There is no changelog of linux-image-6.1.0-18-amd64 here (not "
        "installed, or installed without its documentation), so what the update fixes is not named.");
  // The main suite has the same version: nothing after it.
  CHECK(FindTest(builder, "apt:bookworm-security:tzdata").description ==
        "bookworm-security has tzdata 2024a-0+deb12u1; the main suite has tzdata 2024a-0+deb12u1. There is no "
        "changelog of tzdata here (not installed, or installed without its documentation), so what the update fixes is "
        "not named.");
  // A native package's changelog is changelog.gz.
  const PolicyTest& native = FindTest(builder, "apt:bookworm-security:debian-security-support");
  CHECK(native.tags[0] == PolicyTag{"cve", "CVE-2024-0001"});
  CHECK(native.tags[1] == PolicyTag{"package", "debian-security-support"});

  CHECK(report->source == absl::StrCat("apt lists (", f.lists, "), bookworm-security"));
  CHECK(report->tests == 7);
  CHECK(report->packages.size() == 7);
  CHECK(report->cves ==
        std::set<std::string>{"CVE-2023-5678", "CVE-2023-6129", "CVE-2023-6237", "CVE-2024-0727", "CVE-2024-0001"});
  CHECK(report->warnings.empty());

  absl::StatusOr<Policy> policy = ParsePolicyJson(builder.ToJson());
  INFO(policy.status().message());
  CHECK(policy.ok());
}

TEST_CASE("The gate names the distribution the lists are for") {
  Fixture f = MakeFixture();
  PolicyBuilder builder;
  REQUIRE(AddAptListsTests({.lists_dir = f.lists, .doc_dir = f.doc, .releases = {"bookworm"}, .os_id = "raspbian"},
                           &builder)
              .ok());
  CHECK(builder.tests()[1].id == "release-raspbian-bookworm");
}

TEST_CASE("Lists that cannot give a policy are errors naming the directory or the file") {
  Fixture f = MakeFixture();
  PolicyBuilder builder;
  absl::StatusOr<SourceReport> none =
      AddAptListsTests({.lists_dir = f.lists, .doc_dir = f.doc, .releases = {"trixie"}}, &builder);
  CHECK(none.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(none.status().message() ==
        absl::StrCat(f.lists,
                     " has no Packages list of trixie-security (is the security suite in apt's sources, "
                     "and has `apt update` run?)"));
  CHECK(AddAptListsTests({.lists_dir = f.lists + "/missing", .releases = {"bookworm"}}, &builder).status().code() ==
        absl::StatusCode::kNotFound);
  CHECK(AddAptListsTests({.lists_dir = f.lists, .releases = {}}, &builder).status().code() ==
        absl::StatusCode::kInvalidArgument);

  std::string xz = NewTestDir("lists_xz");
  WriteTestFile(absl::StrCat(xz, "/", kSecurityList, ".xz"), "whatever");
  absl::StatusOr<SourceReport> refused = AddAptListsTests({.lists_dir = xz, .releases = {"bookworm"}}, &builder);
  CHECK(refused.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(refused.status().message() ==
        absl::StrCat(xz, "/", kSecurityList,
                     ".xz: xz-compressed files are not supported (mig reads plain, .lz4 and .gz files)"));

  std::string damaged = NewTestDir("lists_damaged");
  WriteTestFile(absl::StrCat(damaged, "/", kSecurityList, ".lz4"), Lz4Frame(Stanza("a", "1")).substr(0, 12));
  absl::StatusOr<SourceReport> truncated = AddAptListsTests({.lists_dir = damaged, .releases = {"bookworm"}}, &builder);
  CHECK(truncated.status().message() ==
        absl::StrCat(damaged, "/", kSecurityList, ".lz4: truncated LZ4 data (a frame does not end)"));

  // A stanza without a Package field is skipped with a warning naming the list and the line.
  std::string odd = NewTestDir("lists_odd");
  WriteTestFile(absl::StrCat(odd, "/", kSecurityList), "Version: 1\n\n" + Stanza("a", "1"));
  absl::StatusOr<SourceReport> warned =
      AddAptListsTests({.lists_dir = odd, .doc_dir = f.doc, .releases = {"bookworm"}}, &builder);
  REQUIRE(warned.ok());
  CHECK(warned->tests == 1);
  CHECK(warned->warnings ==
        std::vector<std::string>{absl::StrCat(odd, "/", kSecurityList, ":1: stanza without a Package field, skipped")});
}

}  // namespace
}  // namespace mig::modules::scribe::policy_sources
