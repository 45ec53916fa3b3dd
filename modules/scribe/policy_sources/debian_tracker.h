// Tests from the Debian security tracker's JSON (https://security-tracker.debian.org/tracker/data/json):
//
//   {"openssl": {"CVE-2023-5363": {"description": "...", "scope": "remote",
//                                  "releases": {"bookworm": {"status": "resolved", "fixed_version": "3.0.11-1~deb12u2",
//                                                            "urgency": "not yet assigned", "repositories": {...}}}}}}
//
// For each chosen release, one test per (source package, fixed version) groups every CVE that version fixes:
// true when a binary package built from an older version of that source is installed (a "source" package
// object) on that release. A fixed_version of "0" means the release never had the flaw; "open" and
// "undetermined" entries have no fix yet and become a test "installed, no fix yet" only when asked.
//
//   DebianTrackerOptions options{.releases = {"bookworm"}};
//   MIG_ASSIGN_OR_RETURN(SourceReport report, AddDebianTrackerFile("tracker.json", options, &builder));
#ifndef MIG_MODULES_SCRIBE_POLICY_SOURCES_DEBIAN_TRACKER_H_
#define MIG_MODULES_SCRIBE_POLICY_SOURCES_DEBIAN_TRACKER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "modules/scribe/policy_sources/policy_builder.h"

namespace mig::modules::scribe::policy_sources {

struct DebianTrackerOptions {
  std::vector<std::string> releases;  // codenames: "bookworm"
  bool include_unfixed = false;
};

// The tracker's file is about 100 MB; this bounds a wrong file given by mistake.
inline constexpr size_t kMaxTrackerBytes = size_t{1} << 30;

// `json` is the tracker's document; `name` names it in errors, which also give the JSON path of the bad value
// ("tracker.json: openssl.CVE-2023-5363.releases.bookworm.fixed_version: expected a string, got number").
// Nothing is added to `builder` when the document is refused.
absl::StatusOr<SourceReport> AddDebianTrackerTests(std::string_view json, std::string_view name,
                                                   const DebianTrackerOptions& options, PolicyBuilder* builder);
absl::StatusOr<SourceReport> AddDebianTrackerFile(const std::string& path, const DebianTrackerOptions& options,
                                                  PolicyBuilder* builder);

}  // namespace mig::modules::scribe::policy_sources

#endif  // MIG_MODULES_SCRIBE_POLICY_SOURCES_DEBIAN_TRACKER_H_
