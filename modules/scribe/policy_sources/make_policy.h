// One scribe policy from any mix of vulnerability sources: the Debian security tracker's JSON, OSV records,
// and this host's apt lists. What `mig scribe policy` runs, callable from tests and other tools.
//
//   PolicyRequest request{.from_apt = true};   // the host's release, from /etc/os-release
//   MIG_ASSIGN_OR_RETURN(MadePolicy made, MakePolicy(request));
//   WriteFileAtomically("policy.json", made.json, 0644);
//   for (const SourceReport& r : made.reports) std::cerr << r.source << ": " << r.Summary() << "\n";
#ifndef MIG_MODULES_SCRIBE_POLICY_SOURCES_MAKE_POLICY_H_
#define MIG_MODULES_SCRIBE_POLICY_SOURCES_MAKE_POLICY_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "modules/scribe/policy_sources/policy_builder.h"

namespace mig::modules::scribe::policy_sources {

struct PolicyRequest {
  std::string debian_tracker;          // the tracker's JSON file; empty for none
  std::vector<std::string> osv_paths;  // OSV files or directories
  bool from_apt = false;
  std::string lists_dir = "/var/lib/apt/lists";
  std::string doc_dir = "/usr/share/doc";
  // Codenames for the tracker and the apt lists; empty: this host's VERSION_CODENAME.
  std::vector<std::string> releases;
  bool include_unfixed = false;
  std::string os_release = "/etc/os-release";
};

struct MadePolicy {
  std::string json;
  std::vector<SourceReport> reports;  // one per source, in the order tracker, OSV, apt
  std::vector<std::string> releases;  // the codenames used
  size_t tests = 0;                   // every test, release gates included
  size_t objects = 0;
};

// InvalidArgument or NotFound for bad input (naming the file and where in it), FailedPrecondition when the
// host cannot say what it needs (no VERSION_CODENAME, no security lists); other codes are failures.
absl::StatusOr<MadePolicy> MakePolicy(const PolicyRequest& request);

}  // namespace mig::modules::scribe::policy_sources

#endif  // MIG_MODULES_SCRIBE_POLICY_SOURCES_MAKE_POLICY_H_
