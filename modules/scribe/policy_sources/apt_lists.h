// Tests from this host's own apt lists (/var/lib/apt/lists), with no network and no tracker: every binary
// package of the "<codename>-security" suite at its highest version there, as "installed and older than the
// security suite's version". What each update fixes comes from the package's installed Debian changelog
// (/usr/share/doc/<package>/changelog.Debian.gz, or its source package's): the CVEs of the entries newer than
// the main suite's version of the source and up to the security version. A host whose changelog stops
// before the security version (it is out of date itself) says so instead of guessing.
//
//   AptListsOptions options{.releases = {"bookworm"}};
//   MIG_ASSIGN_OR_RETURN(SourceReport report, AddAptListsTests(options, &builder));
#ifndef MIG_MODULES_SCRIBE_POLICY_SOURCES_APT_LISTS_H_
#define MIG_MODULES_SCRIBE_POLICY_SOURCES_APT_LISTS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "modules/scribe/policy_sources/policy_builder.h"

namespace mig::modules::scribe::policy_sources {

struct AptListsOptions {
  std::string lists_dir = "/var/lib/apt/lists";
  std::string doc_dir = "/usr/share/doc";
  std::vector<std::string> releases;  // codenames: "bookworm" reads the bookworm-security and bookworm lists
  std::string os_id = "debian";       // the distribution of the lists (os-release's ID), for the release gate
};

// What a file name in the lists directory is: "deb.debian.org_debian-security_dists_bookworm-security_main_
// binary-amd64_Packages.lz4" is a Packages list of suite "bookworm-security", component "main".
struct AptListName {
  std::string suite;
  std::string component;
  std::string architecture;
};
std::optional<AptListName> ParseAptListName(std::string_view file_name);

// FailedPrecondition when the lists have no <codename>-security Packages list (the suite is not configured,
// or `apt update` never ran); InvalidArgument for a list that cannot be read (an xz-compressed one).
absl::StatusOr<SourceReport> AddAptListsTests(const AptListsOptions& options, PolicyBuilder* builder);

}  // namespace mig::modules::scribe::policy_sources

#endif  // MIG_MODULES_SCRIBE_POLICY_SOURCES_APT_LISTS_H_
